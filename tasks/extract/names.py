"""Names in a sentence: the `Mention` type, runs of capitalised words, person names, names after a type word,
the type of a name from its shape and context, and a name's canonical spelling."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from tasks.clean.textnorm import normalize_tone_marks
from tasks.extract.entity_lexicon import EntityLexicon, compound_words
from tasks.extract.tokens import ACRONYM, VIETNAMESE, Token


@dataclass(slots=True)
class Mention:
    """One entity mention inside a sentence (token indices local to the sentence)."""

    type: str  # PER | ORG | LOC | FACILITY | PROJECT
    first: int
    last: int  # exclusive
    method: str
    confidence: float
    name_first: int | None = None  # where the name starts after a type word ("xã" | "Dương Huy")
    unit_type: str | None = None
    level_hint: str | None = None
    nested: bool = False  # inside a longer mention (LOC within an ORG name)
    sentence_index: int = 0
    char_start: int = 0
    char_end: int = 0


def cap_run(tokens: Sequence[Token], i: int, lex: EntityLexicon, max_len: int = 6) -> int:
    """Length of the run of capitalised name tokens at i ("Vincent van Gogh" keeps its particle)."""
    j, end = i, min(len(tokens), i + max_len)
    while j < end:
        tok = tokens[j]
        if not tok.name:
            if j > i and tok.text in lex.particles and j + 1 < len(tokens) and tokens[j + 1].name:
                j += 1
                continue
            break
        if j > i and tok.trigger and (lex.titles.longest(tokens, j) or lex.org_heads.longest(tokens, j)):
            break
        j += 1
    return j - i


def person_run(tokens: Sequence[Token], i: int, lex: EntityLexicon) -> int:
    """Length of a person's name at i: a capitalised run, or dotted initials ("B.A.")."""
    if i < len(tokens) and tokens[i].initials:
        return 1
    return cap_run(tokens, i, lex, 5)


def named_after_head(tokens: Sequence[Token], i: int, lex: EntityLexicon, n_head: int, type_word: str | None,
                     level: str | None, kind: str) -> Mention | None:
    """Mention for "<type word> <Name>" at i, or None when no capitalised name follows."""
    j = i + n_head
    if j < len(tokens) and tokens[j].text == ".":
        j += 1
    if j >= len(tokens):
        return None
    run = cap_run(tokens, j, lex)
    if not run and level in ("district", "commune", "below", "street") and tokens[j].text.isdigit():
        run = 1  # "Quận 1", "phường 3"
    if not run:
        return None
    known = lex.known.longest(tokens, j)
    if known and known < run and tokens[j + known].key in lex.surnames:
        run = known  # "tỉnh Quảng Ninh Nguyễn Văn Thắng": the place ends where the person starts
    return Mention(kind, i, j + run, "pattern", 0.9, name_first=j, unit_type=type_word, level_hint=level)


@lru_cache(maxsize=65536)
def _camel_case(text: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(text, text[1:]))


def run_type(tokens: Sequence[Token], i: int, n: int, lex: EntityLexicon) -> tuple[str | None, float]:
    """Type of an unknown capitalised run from its shape and the words around it."""
    end = i + n
    words = tokens[i:end]
    if n == 1 and words[0].acronym and "." not in words[0].text and not any(c.isdigit() for c in words[0].text):
        return "ORG", 0.55  # codes and formulas (VJ963, H2S) are not organisations
    if n == 1 and _camel_case(words[0].text):
        return "ORG", 0.5  # brand-like camel case: "NutiFood", "PayPal"
    if n == 1 and words[0].vietnamese and end < len(tokens) and (words[0].key, tokens[end].key) in compound_words():
        return None, 0.0  # "tại Đại hội": the capital starts a common word, not a name
    if words[-1].text in lex.org_suffixes or (
            any(map(ACRONYM, words)) and any(w.acronym and not any(c.isdigit() for c in w.text) for w in words)):
        return "ORG", 0.5
    cue = lex.place_cues
    for back in (2, 1):
        if i - back >= 0 and cue.longest(tokens, i - back) == back:
            return "LOC", 0.6
    if end < len(tokens):
        if 2 <= n <= 4 and lex.speaker_cues.longest(tokens, end):
            return "PER", 0.6
        if tokens[end].text in ("(", ",") and end + 2 < len(tokens) and tokens[end + 1].text.isdigit() \
                and tokens[end + 2].text in ("tuổi", ")"):
            return "PER", 0.6
    if words[0].text in lex.place_prefixes and n >= 2:
        return "LOC", 0.5
    # A foreign-looking run of two or three words ("Timothy Ray Brown", "Martin Nguyễn") is most often a
    # person in the news; not when most words are Vietnamese ("Marathon Long Biên") or it holds codes (NH3).
    foreign = len(words) - sum(map(VIETNAMESE, words))
    if 2 <= n <= 3 and foreign * 2 >= n and all(len(w.text) > 1 and w.text.isalpha() for w in words):
        return "PER", 0.5
    return None, 0.0


@lru_cache(maxsize=65536)
def canonical_name(text: str) -> str:
    """A name as the tables write it: NFC, tone marks unified in the configured style (tasks.settings.tone_style)."""
    return normalize_tone_marks(text)  # which composes the text (NFC) first
