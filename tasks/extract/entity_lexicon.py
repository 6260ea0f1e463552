"""The entity lexicons (tasks/lang/vi/entities/) as tries of token keys, gathered in one typed, frozen `EntityLexicon`."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Sequence

from tasks.extract.gazetteer import gazetteer, unit_types
from tasks.extract.tokens import KEY, Token, phrase_keys, token_key
from tasks.lexicon import table, word_list


class Lexicon:
    """One phrase list as a trie of token keys: a probe walks it along the sentence, one dictionary
    lookup per token, and most probes stop at the first."""

    def __init__(self, entries: dict[tuple[str, ...], object]):
        self.entries = entries
        by_first: dict[str, set[int]] = {}
        for k in entries:
            by_first.setdefault(k[0], set()).add(len(k))
        # The first key of each entry -> the lengths of the entries it starts, longest first.
        self.by_first: dict[str, tuple[int, ...]] = {k: tuple(sorted(v, reverse=True)) for k, v in by_first.items()}
        self._trie: dict = {}  # key -> child node; the None key of a node holds the length of the entry ending there
        for k in entries:
            node = self._trie
            for key in k:
                node = node.setdefault(key, {})
            node[None] = len(k)

    def longest(self, tokens: Sequence[Token], i: int) -> int:
        """Length of the longest entry starting at token i (0 if none)."""
        end = len(tokens)
        node = self._trie.get(tokens[i].key) if i < end else None
        n, j = 0, i + 1
        while node is not None:  # node: the entries that the keys of tokens i..j-1 begin
            if None in node:
                n = j - i
            if j == end:
                break
            node = node.get(tokens[j].key)
            j += 1
        return n

    def followers(self, key: str) -> frozenset[str]:
        """Keys that come second in the entries starting with `key`."""
        return frozenset(k for k in self._trie.get(key, ()) if k is not None)

    def value(self, tokens: Sequence[Token], i: int, n: int):
        """The value of the entry made of tokens i..i+n-1 (which `longest` found)."""
        return self.entries[tuple(map(KEY, tokens[i : i + n]))]


@dataclass(frozen=True, slots=True)
class EntityLexicon:
    """Every lexicon the entity rules read, keyed by token keys; built once per process by `entity_lexicon()`."""

    titles: Lexicon  # title -> normalised role ("Chủ tịch", "Bí thư")
    honorifics: Lexicon  # honorific -> as listed ("ông", "Đồng chí")
    admin: Lexicon  # unit type word -> (normalised type word, level)
    geo: Lexicon  # feature words (vịnh, sông, núi)
    facility: Lexicon  # facility heads (chợ, đền, Trung tâm thương mại)
    org_heads: Lexicon  # organisation head -> whether it names an organisation standing alone ("Đảng")
    known: Lexicon  # listed name -> "LOC" | "ORG" (countries, provinces, districts, well-known organisations)
    org_words: Lexicon  # lowercase words inside organisation names ("mầm non")
    place_cues: Lexicon  # words after which a bare name is a place ("tới", "đến")
    speaker_cues: Lexicon  # words after which a bare name is a person ("cho biết")
    project: Lexicon  # "dự án"
    surnames: frozenset[str]  # token keys
    not_names: frozenset[str]  # capitalised words that are never part of a name, as written
    stop: frozenset[tuple[str, ...]]  # function words that end a name
    org_suffixes: frozenset[str]  # last words that make a run an organisation ("Post", "Group")
    place_prefixes: frozenset[str]  # first words that make a run a place
    particles: frozenset[str]  # name particles inside a name ("van", "de")
    connectors: frozenset[str]  # words and marks that join two capitalised parts of one name ("và", "-")
    lowercase_heads_not_orgs: frozenset[str]  # organisation heads that, lowercase, start ordinary phrases ("trung")
    title_separators: frozenset[str]  # keys of the tokens that join two titles of one holder (",", "kiêm")
    triggers: frozenset[str]  # first keys of every trigger phrase
    trigger_phrases: Lexicon  # every trigger phrase: one probe tells whether any trigger rule can fire at a token


def _phrases(name: str) -> Lexicon:
    """A word list as a lexicon whose values are the phrases as listed."""
    return Lexicon({phrase_keys(w): w for w in word_list(name)})


@cache
def entity_lexicon() -> EntityLexicon:
    """Every entity lexicon, read once per process."""
    org_heads = {phrase_keys(line.removesuffix(" *")): line.endswith(" *") for line in word_list("entities/org_heads.txt")}
    known = {phrase_keys(name): "LOC" for name in word_list("entities/world_places.txt")}
    for key in province_district_keys():
        known.setdefault(key, "LOC")
    known.update({phrase_keys(name): "ORG" for name in word_list("entities/org_names.txt")})
    triggering = {
        "titles": Lexicon({phrase_keys(w): norm for w, norm in table("entities/titles.tsv")}),
        "honorifics": _phrases("entities/honorifics.txt"),
        "admin": Lexicon({phrase_keys(w): v for w, v in unit_types().items()}),
        "geo": _phrases("entities/geo_features.txt"),
        "facility": _phrases("entities/facility_heads.txt"),
        "org_heads": Lexicon(org_heads),
        "project": Lexicon({phrase_keys("dự án"): "dự án"}),
    }
    return EntityLexicon(
        **triggering,
        known=Lexicon(known),
        org_words=_phrases("entities/org_name_words.txt"),
        place_cues=_phrases("entities/place_cues.txt"),
        speaker_cues=_phrases("entities/speaker_cues.txt"),
        surnames=frozenset(token_key(w) for w in word_list("entities/surnames.txt")),
        not_names=frozenset(word_list("entities/not_names.txt")),
        stop=frozenset(phrase_keys(w) for w in word_list("entities/stop_words.txt")),
        org_suffixes=frozenset(word_list("entities/org_suffixes.txt")),
        place_prefixes=frozenset(word_list("entities/place_prefixes.txt")),
        particles=frozenset(word_list("entities/name_particles.txt")),
        connectors=frozenset(word_list("entities/name_connectors.txt")),
        lowercase_heads_not_orgs=frozenset(word_list("entities/lowercase_heads_not_orgs.txt")),
        title_separators=frozenset(token_key(w) for w in word_list("entities/title_separators.txt")),
        triggers=frozenset(k for lexicon in triggering.values() for k in lexicon.by_first),
        trigger_phrases=Lexicon({k: None for lexicon in triggering.values() for k in lexicon.entries}),
    )


@cache
def province_district_keys() -> frozenset[tuple[str, ...]]:
    """Token keys of province and district names: a bare capitalised run equal to one is a place."""
    return frozenset(
        tuple(k.split()) for k, units in gazetteer().items()
        if any(u.level != "commune" for u in units) and not k.isdigit()
    )


@cache
def _viet74k_lines() -> tuple[str, ...]:
    """Lines of underthesea's Viet74K word list, located without importing underthesea (slow to import)."""
    spec = importlib.util.find_spec("underthesea")
    path = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "data" / "Viet74K.txt"
    return tuple(path.read_text(encoding="utf-8").splitlines())


@cache
def compound_words() -> frozenset[tuple[str, str]]:
    """Two-syllable Vietnamese words (underthesea's Viet74K list) as token-key pairs."""
    words = set()
    for line in _viet74k_lines():
        parts = line.strip().split()
        if len(parts) == 2:
            words.add((token_key(parts[0]), token_key(parts[1])))
    return frozenset(words)


@cache
def syllables() -> frozenset[str]:
    """Every lowercase syllable of Viet74K (the tokens most texts are made of)."""
    return frozenset(w for line in _viet74k_lines() for w in line.lower().split() if w.isalpha())
