"""Extract people, organisations, places, facilities and projects from Vietnamese news with lexicons and patterns."""

from __future__ import annotations

import gc
import importlib.util
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate, chain, compress
from operator import attrgetter
from pathlib import Path

from tasks.lexicon import table, word_list
from tasks.extract.extractor import Extractor
from tasks.model import Doc, Sentence
from tasks.clean.textnorm import canonical_key, expand_abbreviation, normalize_tone_marks
from tasks.extract.places import (
    PlaceGroup,
    is_unit_name,
    level_of,
    load_successor_tables,
    match_key,
    place_row,
    resolve_groups,
    unit_types,
)


# Words, acronyms (TT-VH, GD&ĐT, TP.HCM), numbers, and single punctuation marks.
_TOKEN = re.compile(r"\w+(?:[.&'’\-/]\w+)*|[^\w\s]")
# A token with the whitespace before it (str.split and \s agree on what whitespace is).
_SPACED_TOKEN = re.compile(r"(\s*)(" + _TOKEN.pattern + ")")
_CONNECTORS = frozenset({"và", "&", "-", "–"})
# Generic unit words that refer back to the article's place when written without a name.
_COREF_TYPES = frozenset({"thành phố", "tỉnh", "huyện", "quận", "thị xã"})
# Lowercase heads that mostly start ordinary phrases ("trung tâm Hà Nội" = the centre of Hanoi).
_LOWER_HEAD_EXCLUDED = frozenset({"trung", "phòng", "ban", "hội", "bộ", "đài", "cơ", "đội", "quỹ", "báo", "văn", "sở"})
_OPENERS = frozenset({"“", '"', "(", ":", "-", "–", "‘", "[", "…"})
_WORD_CHAR = re.compile(r"\w")  # the only kind of character that, last in a piece, joins the token before it
_INITIALS = re.compile(r"^(?:[A-ZĐ]\.){1,4}[A-ZĐ]$")
_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)


class Token:
    """A token's text and features; cached per distinct text (offsets live in `Tokens`).

    A class with slots rather than a named tuple: the scan reads these attributes a great many times,
    and slot reads are the fastest attribute reads there are."""

    # The flags read for every token of every sentence first, next to the object header (one cache line).
    __slots__ = ("interesting", "title", "key", "cap", "name", "trigger", "text", "word", "acronym", "vietnamese",
                 "initials", "probe", "known")

    text: str
    key: str  # match_key of the text
    cap: bool  # starts with an upper-case letter
    acronym: bool  # two or more upper-case letters (HĐND, TT-VH)
    word: bool  # a word or number, not punctuation
    vietnamese: bool  # shaped like a Vietnamese syllable
    interesting: bool  # capitalised, an acronym, or the first word of some lexicon phrase
    name: bool  # may be part of a name: a capitalised word that is not in ent_not_names
    initials: bool  # dotted initials ("B.A.")
    trigger: bool  # the first word of a trigger phrase (title, honorific, unit type, head word)
    probe: frozenset[str] | None  # a lowercase trigger that only starts longer phrases: the keys that may follow
    known: bool  # the first word of a listed name (country, province, well-known organisation)
    title: bool  # the first word of a title

    def __init__(self, text, key, cap, acronym, word, vietnamese, interesting, name, initials, trigger, probe, known,
                 title):
        self.text, self.key, self.cap, self.acronym, self.word = text, key, cap, acronym, word
        self.vietnamese, self.interesting, self.name, self.initials = vietnamese, interesting, name, initials
        self.trigger, self.probe, self.known, self.title = trigger, probe, known, title

    def __eq__(self, other) -> bool:  # the features follow from the text
        return isinstance(other, Token) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Token({self.text!r})"


class _Offsets:
    """`Tokens.starts` and `Tokens.ends`, worked out on first use (many sentences never need them) and then
    plain attributes of the instance, which hide this descriptor."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, tokens: Tokens | None, owner=None):
        if tokens is None:
            return self
        # The running sum of the steps of the pieces the tokens came from is each token's start, then its end.
        steps = chain.from_iterable(map(_STEPS.__getitem__, tokens._pieces))
        edges = list(accumulate(steps, initial=tokens._offset))
        tokens.starts, tokens.ends = edges[0:-1:2], edges[1::2]
        return tokens.__dict__[self.name]


class _Keys:
    """`Tokens.keys`, made on first use (the scan reads each token's key itself) and then a plain attribute
    of the instance, which hides this descriptor."""

    def __get__(self, tokens: Tokens | None, owner=None):
        if tokens is None:
            return self
        tokens.keys = list(map(_KEY, tokens))
        return tokens.keys


class Tokens(list):
    """The tokens of one sentence with their keys and their offsets in the article text."""

    keys: list[str] = _Keys()
    starts: list[int] = _Offsets()
    ends: list[int] = _Offsets()
    _pieces: list[str] = []  # the whitespace-free pieces of text the tokens came from, one whitespace apart
    _offset = 0  # where the first piece starts in the article


@dataclass
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
    place_key: str | None = None
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- lexicons (read once)


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(_features(t.group())[0] for t in _TOKEN.finditer(phrase))


class Lexicon:
    """One phrase list as a trie of token keys: a probe walks it along the sentence, one dictionary
    lookup per token, and most probes stop at the first."""

    def __init__(self, entries: dict[tuple[str, ...], object]):
        self.entries = entries
        self.by_first: dict[str, tuple[int, ...]] = {}
        for k in entries:
            self.by_first.setdefault(k[0], set()).add(len(k))
        self.by_first = {k: tuple(sorted(v, reverse=True)) for k, v in self.by_first.items()}
        self._trie: dict = {}  # key -> child node; the None key of a node holds the length of the entry ending there
        for k in entries:
            node = self._trie
            for key in k:
                node = node.setdefault(key, {})
            node[None] = len(k)

    def longest(self, tokens: Tokens, i: int) -> int:
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

    def value(self, tokens: Tokens, i: int, n: int):
        return self.entries[tuple(map(_KEY, tokens[i : i + n]))]

    def __contains__(self, keys: tuple[str, ...]) -> bool:
        return keys in self.entries


@cache
def lexicons() -> dict:
    """Every lexicon, keyed by token keys; built once per process."""
    org_heads = {}
    for line in word_list("entities/org_heads.txt"):
        org_heads[_keys(line.removesuffix(" *"))] = line.endswith(" *")
    known = {}
    for name in word_list("entities/world_places.txt"):
        known[_keys(name)] = "LOC"
    for key in _admin_province_district_keys():
        known.setdefault(key, "LOC")
    for name in word_list("entities/org_names.txt"):
        known[_keys(name)] = "ORG"
    lex = {
        "titles": Lexicon({_keys(w): norm for w, norm in table("entities/titles.tsv")}),
        "honorifics": Lexicon({_keys(w): w for w in word_list("entities/honorifics.txt")}),
        "admin": Lexicon({_keys(w): v for w, v in unit_types().items()}),
        "geo": Lexicon({_keys(w): w for w in word_list("entities/geo_features.txt")}),
        "facility": Lexicon({_keys(w): w for w in word_list("entities/facility_heads.txt")}),
        "org_heads": Lexicon(org_heads),
        "known": Lexicon(known),
        "org_words": Lexicon({_keys(w): w for w in word_list("entities/org_name_words.txt")}),
        "place_cues": Lexicon({_keys(w): w for w in word_list("entities/place_cues.txt")}),
        "speaker_cues": Lexicon({_keys(w): w for w in word_list("entities/speaker_cues.txt")}),
        "project": Lexicon({_keys("dự án"): "dự án"}),
        "surnames": frozenset(_features(w)[0] for w in word_list("entities/surnames.txt")),
        "not_names": frozenset(word_list("entities/not_names.txt")),
        "stop": frozenset(_keys(w) for w in word_list("entities/stop_words.txt")),
        "org_suffixes": frozenset(word_list("entities/org_suffixes.txt")),
        "place_prefixes": frozenset(word_list("entities/place_prefixes.txt")),
        "particles": frozenset(word_list("entities/name_particles.txt")),
    }
    trigger_lexicons = ("titles", "honorifics", "admin", "geo", "facility", "org_heads", "project")
    lex["triggers"] = frozenset(k for name in trigger_lexicons for k in lex[name].by_first)
    # Every trigger phrase in one lexicon: one probe tells whether any trigger rule can fire at a token.
    lex["trigger_phrases"] = Lexicon({k: None for name in trigger_lexicons for k in lex[name].entries})
    return lex


@cache
def _viet74k_lines() -> tuple[str, ...]:
    """Lines of underthesea's Viet74K word list, located without importing underthesea (slow to import)."""
    spec = importlib.util.find_spec("underthesea")
    path = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "data" / "Viet74K.txt"
    return tuple(path.read_text(encoding="utf-8").splitlines())


@cache
def compound_words() -> frozenset[tuple[str, ...]]:
    """Two-syllable Vietnamese words (underthesea's Viet74K list) as token-key pairs."""
    words = set()
    for line in _viet74k_lines():
        parts = line.strip().split()
        if len(parts) == 2:
            words.add((_features(parts[0])[0], _features(parts[1])[0]))
    return frozenset(words)


@cache
def _admin_province_district_keys() -> frozenset[tuple[str, ...]]:
    """Token keys of province and district names: a bare capitalised run equal to one is a place."""
    from tasks.extract.places import gazetteer

    return frozenset(
        tuple(k.split()) for k, units in gazetteer().items()
        if any(u.level != "commune" for u in units) and not k.isdigit()
    )


def warm_up() -> None:
    """Load every lexicon, the unit lists and the successor table now, and precompute the features of every
    Vietnamese syllable (lower and capitalised), so that the first articles do not pay for it."""
    import tasks.extract.roles  # noqa: F401 - imported on first use otherwise, by the first article

    lexicons()
    _trigger_rules()
    compound_words()
    load_successor_tables()
    for syllable in _syllables():
        for form in (syllable, syllable.capitalize()):
            if form not in _TOKEN_CACHE:
                _token(form)
    # The first names made canonical would load the tone-mark tables, the settings and the place aliases.
    canonical_org("UBND TP Hoà Bình")
    _place_name_key("Hoà Bình")
    is_unit_name("Hoà Bình")
    # Everything above lives as long as the process: collect now, or the collector's next full pass,
    # which walks all of it (~0.1 s), falls on one of the first articles.
    gc.collect()


@cache
def _syllables() -> frozenset[str]:
    return frozenset(w for line in _viet74k_lines() for w in line.lower().split() if w.isalpha())


# --------------------------------------------------------------------------- tokenising


@lru_cache(maxsize=131072)
def _features(text: str) -> tuple[str, bool, bool, bool, bool]:
    return (
        match_key(text),
        text[0].isupper(),
        _is_acronym(text),
        text[0].isalnum(),
        bool(_VI_SYLLABLE.match(text.lower())),
    )


def _is_acronym(text: str) -> bool:
    """Mostly capitals ("HĐND", "TT-VH", "GD&ĐT", "TP.HCM"), not camel case ("PayPal", "O'Brien")."""
    if text.islower():
        return False  # no capital at all: most words
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 5 >= len(letters) * 3


class _TokenCache(dict):
    """Token of each distinct text, made on first sight."""

    def __missing__(self, text: str) -> Token:
        return _token(text)


_TOKEN_CACHE: dict[str, Token] = _TokenCache()
# Token features as C-level getters, for map() over runs of tokens (no generator per test).
_KEY, _TEXT, _CAP, _ACRONYM, _VIETNAMESE, _INTERESTING = map(
    attrgetter, ("key", "text", "cap", "acronym", "vietnamese", "interesting"))


def _token(text: str) -> Token:
    key, cap, acronym, word, vietnamese = _features(text)
    lex = lexicons()
    trigger = key in lex["triggers"]
    interesting = word and (cap or acronym or trigger)
    name = cap and word and text not in lex["not_names"]
    probe = None
    if interesting and not cap and trigger and 1 not in lex["trigger_phrases"].by_first[key]:
        probe = lex["trigger_phrases"].followers(key)
    tok = Token(text, key, cap, acronym, word, vietnamese, interesting, name, bool(_INITIALS.match(text)),
                trigger, probe, key in lex["known"].by_first, key in lex["titles"].by_first)
    if len(_TOKEN_CACHE) < 500_000:
        _TOKEN_CACHE[text] = tok
    return tok


def _split_piece(piece: str) -> tuple[tuple[Token, ...], tuple[int, ...]]:
    """Tokens of a whitespace-free piece of text, which tile it, and the steps from one token edge to the
    next (for the offsets): each token's length then 0 to its successor, and 1 (the whitespace) after the last."""
    known = _TOKEN_CACHE.get(piece)
    if known is not None:
        tokens = (known,)  # a known token (every syllable is, after warm_up)
        steps = [len(piece), 1]
    else:
        if piece[:-1] in _TOKEN_CACHE and not _WORD_CHAR.match(piece, len(piece) - 1):
            texts = [piece[:-1], piece[-1]]  # "Nội,": a mark after a token never joins it
        else:
            texts = _TOKEN.findall(piece)
        tokens = tuple(map(_TOKEN_CACHE.__getitem__, texts))
        steps = [0] * (2 * len(texts))
        steps[0::2] = map(len, texts)
        steps[-1] = 1
    steps = tuple(steps)
    if len(_STEP_SHAPES) < 10_000:
        steps = _STEP_SHAPES.setdefault(steps, steps)  # a few hundred shapes, shared by all pieces
    return tokens, steps


class _PieceCache(dict):
    """Tokens of each distinct piece of text ("Nội,", "TP.HCM"), made on first sight; their steps go to _STEPS
    (kept apart: a piece's tokens are read for every sentence, its steps only when offsets are)."""

    def __missing__(self, piece: str) -> tuple[Token, ...]:
        tokens, steps = _split_piece(piece)
        if len(self) < 200_000:  # ~40 MB at most
            self[piece], _STEPS[piece] = tokens, steps
        return tokens


class _StepsCache(dict):
    """Steps of each piece in _PIECES (and of any other piece, made again each time: the cache was full)."""

    def __missing__(self, piece: str) -> tuple[int, ...]:
        return _split_piece(piece)[1]


_PIECES: dict[str, tuple[Token, ...]] = _PieceCache()
_STEPS: dict[str, tuple[int, ...]] = _StepsCache()
_STEP_SHAPES: dict[tuple[int, ...], tuple[int, ...]] = {}


def tokenize(text: str, offset: int = 0) -> Tokens:
    """Tokens of `text` (offsets shifted by `offset`): words, acronyms and single punctuation marks."""
    # Tokens never span whitespace, so the tokens of a text are those of its whitespace-free pieces in turn,
    # and pieces repeat from article to article: a cache lookup per piece spares the regex.
    pieces = text.split()
    if len(text) != sum(map(len, pieces)) + len(pieces) - 1:
        return _tokenize_spaced(text, offset)  # whitespace at an edge or two characters in a row: rare
    tokens = Tokens(chain.from_iterable(map(_PIECES.__getitem__, pieces)))
    tokens._pieces, tokens._offset = pieces, offset  # for the offsets, on first use
    return tokens


def _tokenize_spaced(text: str, offset: int) -> Tokens:
    """tokenize() for any spacing: one regex pass yields (whitespace before, token) pairs that cover the text,
    so offsets are running sums."""
    spaced = _SPACED_TOKEN.findall(text)
    tokens = Tokens(map(_TOKEN_CACHE.__getitem__, [piece for _, piece in spaced]))
    starts, ends = tokens.starts, tokens.ends = [], []
    pos = offset
    for space, piece in spaced:
        pos += len(space)
        starts.append(pos)
        pos += len(piece)
        ends.append(pos)
    return tokens


def tokenize_sentences(text: str, sentences: list[Sentence]) -> list[tuple[Sentence, Tokens]]:
    """Each sentence with the tokens of its own text (a token never straddles two sentences: "năm 2018.Tiếp")."""
    return [(s, tokenize(text[s.start : s.end], s.start)) for s in sentences]


# --------------------------------------------------------------------------- scanning rules


def _cap_run(tokens: list[Token], i: int, lex: dict, max_len: int = 6) -> int:
    """Length of the run of capitalised name tokens at i ("Vincent van Gogh" keeps its particle)."""
    j, end = i, min(len(tokens), i + max_len)
    while j < end:
        tok = tokens[j]
        if not tok.name:
            if j > i and tok.text in lex["particles"] and j + 1 < len(tokens) and tokens[j + 1].name:
                j += 1
                continue
            break
        if j > i and tok.trigger and (lex["titles"].longest(tokens, j) or lex["org_heads"].longest(tokens, j)):
            break
        j += 1
    return j - i


def _person_run(tokens: list[Token], i: int, lex: dict) -> int:
    """Length of a person's name at i: a capitalised run, or dotted initials ("B.A.")."""
    if i < len(tokens) and tokens[i].initials:
        return 1
    return _cap_run(tokens, i, lex, 5)


def _lower_head_ok(tokens: list[Token], i: int, n: int) -> bool:
    """A lowercase head is not a head inside a compound word ("gia đình", "xã hội")."""
    if i > 0:
        prev = tokens[i - 1]
        if prev.word and not prev.cap and (prev.key, tokens[i].key) in compound_words():
            return False
    last = i + n - 1
    if last + 1 < len(tokens):
        nxt = tokens[last + 1]
        if not nxt.cap and (tokens[last].key, nxt.key) in compound_words():
            return False
    return True


def _org_extent(tokens: list[Token], j: int, lex: dict) -> int:
    """Index after the name part of an organisation whose head ends at token j."""
    words = compound_words()
    name_start = j
    while j < len(tokens):
        tok = tokens[j]
        prev = tokens[j - 1]
        if tok.name or (tok.word and tok.acronym):
            if tok.trigger and lex["titles"].longest(tokens, j):
                break
            if tok.key in lex["surnames"] and lex["known"].longest(tokens, j) < 2:
                run = _cap_run(tokens, j, lex)
                if 2 <= run <= 4:
                    break  # "Sở Y tế Nguyễn Văn A": the person starts here
            j += 1
            continue
        if tok.text.isdigit() and j > name_start and prev.cap:
            j += 1  # "Bệnh viện Nhân Dân 115"
            continue
        if not tok.word or tok.text in _CONNECTORS:
            # "Văn hoá - Thông tin", "Giáo dục và Đào tạo": a connector between capitalised parts.
            if tok.text in _CONNECTORS and j > name_start and j + 1 < len(tokens) \
                    and tokens[j + 1].name and not lex["org_heads"].longest(tokens, j + 1):
                j += 1
                continue
            break
        n_admin = lex["admin"].longest(tokens, j)
        n_geo = lex["geo"].longest(tokens, j)
        if n_admin or n_geo:
            n = max(n_admin, n_geo)
            named = _named_after_head(tokens, j, lex, n, None, None, "LOC")
            if named:
                j = named.last
                continue
            if n_admin and lex["admin"].value(tokens, j, n_admin)[1] in ("province", "city", "district", "commune") \
                    and _lower_head_ok(tokens, j, n_admin):
                j += n_admin  # "UBND tỉnh", "HĐND thành phố": the unit is named elsewhere in the article
            break
        if j > name_start and (prev.key, tok.key) in words and prev.word and prev.cap:
            j += 1
            continue
        n_word = lex["org_words"].longest(tokens, j)
        if n_word and (j > name_start or _name_follows_words(tokens, j, lex)):
            j += n_word
            continue
        # "Nước mặt sông Đuống", "Cơ quan thời tiết Philippines": a short lowercase stretch before
        # more of the name, unless a function word ends the name.
        if j == name_start and (prev.key, tok.key) in words:
            break  # "Hội nghị", "Trường hợp": the head was the first syllable of a common word
        k = j
        while k < len(tokens) and k - j < 2 and tokens[k].word and not tokens[k].cap \
                and (tokens[k].key,) not in lex["stop"] and not _starts_phrase(tokens, k, lex):
            k += 1
        if k > j and k < len(tokens) and (lex["known"].longest(tokens, k) or lex["geo"].longest(tokens, k)) \
                and not lex["titles"].longest(tokens, k) \
                and not lex["org_heads"].longest(tokens, k) and not (tokens[k].key in lex["surnames"]):
            j = k
            continue
        break
    while j > name_start and tokens[j - 1].text in _CONNECTORS:
        j -= 1  # "Tập đoàn Aquaone - Chủ tịch …": a dangling connector is not part of the name
    return j


def _starts_phrase(tokens: list[Token], k: int, lex: dict) -> bool:
    """True when token k starts a title, a place-type word or a feature word."""
    if not tokens[k].trigger:
        return False
    return bool(lex["titles"].longest(tokens, k) or lex["admin"].longest(tokens, k) or lex["geo"].longest(tokens, k))


def _name_follows_words(tokens: Tokens, j: int, lex: dict) -> bool:
    """After a head, lowercase name words belong to the name only when a capitalised name follows them
    ("Trường mầm non Trumkids", but not "Ban tổ chức cho biết")."""
    while j < len(tokens):
        n = lex["org_words"].longest(tokens, j)
        if not n:
            return tokens[j].name or tokens[j].acronym
        j += n
    return False


def _named_after_head(tokens, i, lex, n_head, type_word, level, kind) -> Mention | None:
    """Mention for "<type word> <Name>" at i, or None when no capitalised name follows."""
    j = i + n_head
    if j < len(tokens) and tokens[j].text == ".":
        j += 1
    if j >= len(tokens):
        return None
    run = _cap_run(tokens, j, lex)
    if not run and level in ("district", "commune", "below", "street") and tokens[j].text.isdigit():
        run = 1  # "Quận 1", "phường 3"
    if not run:
        return None
    known = lex["known"].longest(tokens, j)
    if known and known < run and tokens[j + known].key in lex["surnames"]:
        run = known  # "tỉnh Quảng Ninh Nguyễn Văn Thắng": the place ends where the person starts
    return Mention(kind, i, j + run, "pattern", 0.9, name_first=j, unit_type=type_word, level_hint=level)


@dataclass
class SentenceScan:
    mentions: list[Mention]
    generic: list[tuple[int, int, str]]  # bare unit words ("thành phố") that may refer back
    unknown: list[tuple[int, int]]  # capitalised runs left untyped (typed later from the article)


def scan_sentence(tokens: Tokens) -> SentenceScan:
    """Mentions in one sentence, left to right; the first rule that fires at a token wins."""
    lex = lexicons()
    trigger_phrases = lex["trigger_phrases"]
    out = SentenceScan([], [], [])
    resume = 0
    for i in compress(range(len(tokens)), map(_INTERESTING, tokens)):  # the interesting tokens' indices
        if i < resume:
            continue
        probe = tokens[i].probe
        if probe is not None and (i + 1 == len(tokens) or tokens[i + 1].key not in probe
                                  or not trigger_phrases.longest(tokens, i)):
            continue  # a lowercase word ("công", "bị") whose phrases are not here: no rule can fire
        at_start = i == 0 or tokens[i - 1].text in _OPENERS
        consumed = _rules_at(tokens, i, at_start, lex, out)
        resume = i + consumed if consumed > 1 else i + 1
    return out


def _rules_at(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int:
    """Apply the rules at token i in order; returns how many tokens the first rule that fired consumed."""
    tok = tokens[i]
    if tok.cap and tok.initials:
        out.mentions.append(Mention("PER", i, i + 1, "pattern", 0.6))  # "bé B.A."
        return 1
    if tok.trigger:
        for rule in _trigger_rules()[tok.key]:
            consumed = rule(tokens, i, at_start, lex, out)
            if consumed is not None:
                return consumed
        if not tok.cap:
            return 1
    if (not tok.cap and not tok.acronym) or tok.text in lex["not_names"]:
        return 1
    if tok.known:
        consumed = _known_name_rule(tokens, i, at_start, lex, out)
        if consumed is not None:
            return consumed
    return _capitalised_run_rule(tokens, i, at_start, lex, out)


@cache
def _trigger_rules() -> dict[str, tuple]:
    """Trigger key -> the trigger rules, in order, whose lexicons have a phrase starting with it (a rule
    whose lexicons have none returns None at once, so it is not tried)."""
    lex = lexicons()
    rule_lexicons = (
        (_title_rule, ("titles",)),
        (_honorific_rule, ("honorifics",)),
        (_head_rule, ("project", "facility", "geo", "admin", "org_heads")),
    )
    return {key: tuple(rule for rule, names in rule_lexicons if any(key in lex[name].by_first for name in names))
            for key in lex["triggers"]}


def _title_rule(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int | None:
    """A title is no entity, but a name right after it is a person ("Tổng thống Joe Biden")."""
    n = lex["titles"].longest(tokens, i)
    if not n:
        return None
    if n > 1 and tokens[i + n - 1].cap and lex["org_heads"].longest(tokens, i + n - 1) \
            and i + n < len(tokens) and tokens[i + n].name:
        n -= 1  # "Trưởng Ban Tổ chức": the capitalised head belongs to the organisation
    after = i + n
    run = _person_run(tokens, after, lex)
    if run and run <= 4 and not lex["org_heads"].longest(tokens, after) and not tokens[after].acronym \
            and not lex["known"].longest(tokens, after):
        out.mentions.append(Mention("PER", after, after + run, "pattern", 0.8))
        return n + run
    return n


def _honorific_rule(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int | None:
    """ "ông Nguyễn Văn A", "Đồng chí Vũ Quyết Tiến", "HLV Park Hang-seo": the name after it is a person."""
    n = lex["honorifics"].longest(tokens, i)
    if not n:
        return None
    tok = tokens[i]
    # A capitalised "Anh" mid-sentence is the country; an honorific is lowercase unless it starts the sentence.
    allowed = not tok.cap or at_start or n > 1 or lex["honorifics"].value(tokens, i, n)[:1].isupper() or tok.acronym
    after = i + n
    run = _person_run(tokens, after, lex) if allowed else 0
    if run and not lex["org_heads"].longest(tokens, after) and not lex["titles"].longest(tokens, after) \
            and lex["known"].longest(tokens, after) != run:
        out.mentions.append(Mention("PER", after, after + run, "pattern", 0.85))
        return n + run
    if not tok.cap or n > 1 or at_start or tok.acronym:
        return n
    return None


def _head_rule(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int | None:
    """Names after a type word: places (xã Dương Huy), features (vịnh …), facilities (chợ …),
    projects (Dự án …) and organisations (Sở Y tế …); the longest head wins."""
    tok = tokens[i]
    key = tok.key
    lowered = not tok.cap
    project, facility, geo = lex["project"], lex["facility"], lex["geo"]
    admin, org_heads = lex["admin"], lex["org_heads"]
    if key in project.by_first and project.longest(tokens, i):
        m = _project(tokens, i, lex)
        if m:
            out.mentions.append(m)
            return m.last - i
        return 2
    # Most heads start phrases of one or two of these lists: a dictionary check spares the other probes.
    n_fac = facility.longest(tokens, i) if key in facility.by_first else 0
    n_geo = geo.longest(tokens, i) if key in geo.by_first else 0
    n_adm = admin.longest(tokens, i) if key in admin.by_first else 0
    n_org = org_heads.longest(tokens, i) if key in org_heads.by_first else 0
    best = max(n_fac, n_geo, n_adm)
    if best and best > (n_org if tok.cap else 0) and (not lowered or _lower_head_ok(tokens, i, best)):
        consumed = _place_or_facility(tokens, i, lex, out, best, n_adm, n_fac)
        if consumed is not None:
            return consumed
    if n_org and tok.cap:
        standalone = lex["org_heads"].value(tokens, i, n_org)
        end = _org_extent(tokens, i + n_org, lex)
        # "Đảng" at the start of a sentence followed by a word may just be a capitalised common word.
        lone_first_word = at_start and n_org == 1 and tok.vietnamese and end == i + 1 \
            and i + 1 < len(tokens) and tokens[i + 1].word
        if end > i + n_org or (standalone and not lone_first_word):
            out.mentions.append(Mention("ORG", i, end, "pattern", 0.9 if end > i + n_org else 0.75))
            out.mentions.extend(_nested_places(tokens, i + n_org, end, lex))
            return end - i
    if n_org and lowered and _lower_head_ok(tokens, i, 1) and tok.text not in _LOWER_HEAD_EXCLUDED:
        end = _org_extent(tokens, i + n_org, lex)
        if any(map(_CAP, tokens[i + n_org : end])) and not lex["known"].longest(tokens, i + n_org):
            out.mentions.append(Mention("ORG", i, end, "pattern", 0.65))  # "trường mầm non Trumkids"
            return end - i
    return None


def _place_or_facility(tokens: Tokens, i: int, lex: dict, out: SentenceScan, best: int, n_adm: int,
                       n_fac: int) -> int | None:
    lowered = not tokens[i].cap
    if best == n_adm:
        type_word, level = lex["admin"].value(tokens, i, n_adm)
        m = _named_after_head(tokens, i, lex, n_adm, type_word, level, "LOC")
        if m is None and type_word in _COREF_TYPES and lowered:
            out.generic.append((i, i + n_adm, type_word))
        kind = "LOC"
    else:
        head = " ".join(map(str.lower, map(_TEXT, tokens[i : i + best])))
        type_word, level = head, "feature"
        kind = "FACILITY" if best == n_fac else "LOC"
        m = _named_after_head(tokens, i, lex, best, head, "feature", kind)
    if m:
        out.mentions.append(m)
        return m.last - i
    listed = _list_after_head(tokens, i + best, lex)
    for a, b in listed:
        out.mentions.append(Mention(kind, a, b, "pattern", 0.75, name_first=a, unit_type=type_word, level_hint=level))
    if listed:
        return listed[-1][1] - i
    if lowered or best > 1:
        return best
    return None


def _known_name_rule(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int | None:
    """Names from the lists (countries, provinces, districts, well-known organisations)."""
    n_known = lex["known"].longest(tokens, i)
    if not n_known:
        return None
    tok = tokens[i]
    run = _cap_run(tokens, i, lex)
    if run > n_known and tokens[i + run - 1].text in lex["org_suffixes"]:
        out.mentions.append(Mention("ORG", i, i + run, "pattern", 0.6))  # "Washington Post"
        return run
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if n_known == 1 and tok.vietnamese and nxt is not None and nxt.name and nxt.vietnamese \
            and not (nxt.known and lex["known"].longest(tokens, i + 1)) and not nxt.trigger:
        return None  # "Mỹ Linh", "Nga Thị": a one-syllable country name starting a longer name
    single_vi = n_known == 1 and tok.vietnamese and not tok.acronym
    pronoun = at_start and tok.key in lex["honorifics"].by_first
    compound = nxt is not None and (tok.key, nxt.key) in compound_words()
    if at_start and single_vi and (pronoun or compound):
        return None  # "Anh kém …" (he), "Ý kiến …" (opinion)
    out.mentions.append(Mention(lex["known"].value(tokens, i, n_known), i, i + n_known, "lexicon", 0.85, name_first=i))
    return n_known


def _capitalised_run_rule(tokens: Tokens, i: int, at_start: bool, lex: dict, out: SentenceScan) -> int:
    """A run of capitalised words: a person by surname, a type from its shape and context, or unknown."""
    tok = tokens[i]
    run = _cap_run(tokens, i, lex)
    if not run:
        return 1
    person = min(run, 4)
    if tok.key in lex["surnames"] and person >= 2 and all(map(_VIETNAMESE, tokens[i : i + person])):
        out.mentions.append(Mention("PER", i, i + person, "lexicon", 0.85))
        return person
    if at_start and tok.vietnamese and not tok.acronym:
        if 2 <= run <= 4 and i + run < len(tokens) and lex["speaker_cues"].longest(tokens, i + run):
            out.mentions.append(Mention("PER", i, i + run, "pattern", 0.6))  # "Kha Dục Danh cho biết"
            return run
        return 1  # the first word of a sentence is capitalised anyway: judge the rest on its own
    kind, confidence = _run_type(tokens, i, run, lex)
    if kind:
        out.mentions.append(Mention(kind, i, i + run, "pattern", confidence, name_first=i))
    else:
        out.unknown.append((i, i + run))
    return run


@lru_cache(maxsize=65536)
def _camel_case(text: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in zip(text, text[1:]))


def _run_type(tokens: list[Token], i: int, n: int, lex: dict) -> tuple[str | None, float]:
    """Type of an unknown capitalised run from its shape and the words around it."""
    end = i + n
    words = tokens[i:end]
    if n == 1 and words[0].acronym and "." not in words[0].text and not any(c.isdigit() for c in words[0].text):
        return "ORG", 0.55  # codes and formulas (VJ963, H2S) are not organisations
    if n == 1 and _camel_case(words[0].text):
        return "ORG", 0.5  # brand-like camel case: "NutiFood", "PayPal"
    if n == 1 and words[0].vietnamese and end < len(tokens) and (words[0].key, tokens[end].key) in compound_words():
        return None, 0.0  # "tại Đại hội": the capital starts a common word, not a name
    if words[-1].text in lex["org_suffixes"] or (
            any(map(_ACRONYM, words)) and any(w.acronym and not any(c.isdigit() for c in w.text) for w in words)):
        return "ORG", 0.5
    cue = lex["place_cues"]
    for back in (2, 1):
        if i - back >= 0 and cue.longest(tokens, i - back) == back:
            return "LOC", 0.6
    if end < len(tokens):
        if 2 <= n <= 4 and lex["speaker_cues"].longest(tokens, end):
            return "PER", 0.6
        if tokens[end].text in ("(", ",") and end + 2 < len(tokens) and tokens[end + 1].text.isdigit() \
                and tokens[end + 2].text in ("tuổi", ")"):
            return "PER", 0.6
    if words[0].text in lex["place_prefixes"] and n >= 2:
        return "LOC", 0.5
    # A foreign-looking run of two or three words ("Timothy Ray Brown", "Martin Nguyễn") is most often a
    # person in the news; not when most words are Vietnamese ("Marathon Long Biên") or it holds codes (NH3).
    foreign = len(words) - sum(map(_VIETNAMESE, words))
    if 2 <= n <= 3 and foreign * 2 >= n and all(len(w.text) > 1 and w.text.isalpha() for w in words):
        return "PER", 0.5
    return None, 0.0


def _list_after_head(tokens: list[Token], j: int, lex: dict) -> list[tuple[int, int]]:
    """Names listed after a plural head: "các chợ: Cẩm Thịnh, Cẩm Phú và Bạch Đằng"."""
    if j >= len(tokens) or tokens[j].text not in (":", "là"):
        return []
    spans, j = [], j + 1
    while j < len(tokens):
        run = _cap_run(tokens, j, lex)
        if not run:
            break
        spans.append((j, j + run))
        j += run
        if j < len(tokens) and tokens[j].text in (",", "và"):
            j += 1
            continue
        break
    return spans


def _project(tokens: list[Token], i: int, lex: dict) -> Mention | None:
    """ "Dự án khai thác than lộ thiên Tây Lộ Trí": a project runs to its last capitalised name before a break."""
    j, end = i + 2, None
    while j < len(tokens) and j - i < 16 and tokens[j].word:
        if (tokens[j].key,) in lex["stop"] and tokens[j].text != "và":
            break
        if tokens[j].cap:
            if lex["org_heads"].longest(tokens, j) and j > i + 2:
                break
            run = _cap_run(tokens, j, lex)
            if run:  # a capitalised token that is not a name ("2A", "ĐT") does not end the run: step over it
                end = j + run
                j = end
                continue
        j += 1
    return Mention("PROJECT", i, end, "pattern", 0.7) if end else None


def _nested_places(tokens: Tokens, first: int, last: int, lex: dict) -> list[Mention]:
    """Places named inside an organisation's name ("HĐND TP Cẩm Phả" → "TP Cẩm Phả", "… Hà Nội" at its end)."""
    out = []
    i = first
    while i < last:
        n_adm = lex["admin"].longest(tokens, i)
        if n_adm and (not tokens[i].cap or tokens[i].acronym):
            type_word, level = lex["admin"].value(tokens, i, n_adm)
            m = _named_after_head(tokens, i, lex, n_adm, type_word, level, "LOC")
            if m and m.last <= last and level != "street":
                m.nested = True
                out.append(m)
                i = m.last
                continue
        if tokens[i].cap and last - i >= 2 and tuple(map(_KEY, tokens[i:last])) in _admin_province_district_keys():
            out.append(Mention("LOC", i, last, "lexicon", 0.8, name_first=i, nested=True))
            break
        i += 1
    return out


# --------------------------------------------------------------------------- doc level


def mentions_of_doc(doc: Doc) -> tuple[list[Mention], list[tuple[int, int, int, str]], dict[int, list[Token]]]:
    """All mentions of a Doc with article offsets, generic unit words, and the tokens of each sentence."""
    return _mentions_of_scans(tokenize_sentences(doc.text, doc.sentences))


def _mentions_of_scans(scans) -> tuple[list[Mention], list[tuple[int, int, int, str]], dict[int, list[Token]]]:
    found: list[Mention] = []
    generic: list[tuple[int, int, int, str]] = []
    tokens_by_sentence: dict[int, list[Token]] = {}
    results = []
    for s, tokens in scans:
        tokens_by_sentence[s.index] = tokens
        results.append((s, tokens, scan_sentence(tokens)))
    memory = _name_memory((tokens, scan.mentions) for _, tokens, scan in results)
    for s, tokens, scan in results:
        mentions = scan.mentions + _recall_from_memory(tokens, scan.unknown, memory) if scan.unknown else scan.mentions
        for m in mentions:
            m.sentence_index = s.index
            m.char_start, m.char_end = tokens.starts[m.first], tokens.ends[m.last - 1]
            found.append(m)
        for a, b, type_word in scan.generic:
            generic.append((s.index, tokens.starts[a], tokens.ends[b - 1], type_word))
    found.sort(key=lambda m: (m.char_start, -m.char_end))
    return found, generic, tokens_by_sentence


def _name_memory(scans) -> dict[tuple[str, ...], str]:
    """Names typed somewhere in the article (from each sentence's tokens and mentions), and the single words
    of foreign personal names ("Timothy Ray Brown" → "Brown"), so that later bare mentions get the same type."""
    memory: dict[tuple[str, ...], str] = {}
    for tokens, mentions in scans:
        for m in mentions:
            kind = m.type
            # Guesses from surrounding words ("tới X") are too weak to spread over the article.
            if kind not in ("PER", "ORG", "LOC") or m.nested or m.confidence < (0.5 if kind == "PER" else 0.7):
                continue
            toks = tokens[m.name_first if m.name_first is not None else m.first : m.last]
            memory.setdefault(tuple(map(_KEY, toks)), kind)
            if kind == "PER" and len(toks) >= 2 and not all(map(_VIETNAMESE, toks)):
                for t in (toks[0], toks[-1]):
                    if len(t.text) > 2:
                        memory.setdefault((t.key,), kind)
    return memory


def _recall_from_memory(tokens: list[Token], unknown: list[tuple[int, int]], memory: dict) -> list[Mention]:
    out = []
    for first, last in unknown:
        i = first
        while i < last:
            for j in range(last, i, -1):
                kind = memory.get(tuple(map(_KEY, tokens[i:j])))
                if kind:
                    out.append(Mention(kind, i, j, "lexicon", 0.7, name_first=i))
                    i = j
                    break
            else:
                i += 1
    return out


def flat_spans(mentions: list[Mention]) -> list[tuple[int, int, str]]:
    """Outermost (char_start, char_end, type) spans, FACILITY as LOC, for span-level evaluation."""
    mapped = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "FACILITY": "LOC"}
    return [(m.char_start, m.char_end, mapped[m.type]) for m in mentions if not m.nested and m.type in mapped]


def extract_spans(text: str) -> list[tuple[int, int, str]]:
    """Flat PER/ORG/LOC spans of one sentence of plain text (for evaluation)."""
    return extract_article_spans([text])[0]


def extract_article_spans(sentences: list[str]) -> list[list[tuple[int, int, str]]]:
    """Flat PER/ORG/LOC spans per sentence for consecutive sentences of one article (offsets per sentence)."""

    scans = [(Sentence(k, k, 0, len(text)), tokenize(text)) for k, text in enumerate(sentences)]
    mentions, _, _ = _mentions_of_scans(scans)
    out: list[list[tuple[int, int, str]]] = [[] for _ in sentences]
    for m in mentions:
        if not m.nested and m.type in ("PER", "ORG", "LOC", "FACILITY"):
            out[m.sentence_index].append((m.char_start, m.char_end, "LOC" if m.type == "FACILITY" else m.type))
    return out


@cache
@lru_cache(maxsize=65536)
def _canonical(text: str) -> str:
    """Tone marks unified in the configured style (tasks.settings.tone_style)."""
    return normalize_tone_marks(unicodedata.normalize("NFC", text))


@lru_cache(maxsize=65536)
def canonical_org(text: str) -> str:
    """Organisation name with unit abbreviations (TP → thành phố) and known acronyms expanded."""
    admin = unit_types()
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word.casefold() in admin and word.isupper():
            out.append(admin[word.casefold()][0])
            continue
        expanded = expand_abbreviation(word) if word.isupper() and len(word) > 1 else None
        out.append(expanded or word)
    joined = " ".join(out)
    joined = joined[:1].upper() + joined[1:]
    return _canonical(re.sub(r"\s+([,.)])", r"\1", joined).replace("( ", "("))


def _canonical_name(m: Mention, doc_text: str, tokens: list[Token]) -> str:
    if m.type == "ORG" or m.type == "PROJECT":
        return canonical_org(doc_text[m.char_start : m.char_end])
    start = tokens.starts[m.name_first] if m.name_first is not None else m.char_start
    return _canonical(doc_text[start : m.char_end])


def extract_entity_facts(doc: Doc) -> dict[str, list[dict]]:
    """Rows of the `entities`, `places` and `roles` tables for one Doc (each row has exactly the declared columns)."""
    from tasks.extract.roles import credit_and_byline_people, extract_roles, resolve_organisation  # roles builds on this module

    mentions, generic, tokens_by_sentence = mentions_of_doc(doc)
    people = credit_and_byline_people(doc)
    mentions = _drop_overlapped(mentions, people)
    mentions.extend(p.mention for p in people if p.mention is not None)
    mentions.sort(key=lambda m: (m.char_start, -m.char_end))

    groups, key_of = _place_groups(doc, mentions, tokens_by_sentence)
    resolve_groups(list(groups.values()))
    place_keys = {gk: f"{level_of(g)}:{_place_name_key(g.name)}" for gk, g in groups.items()}
    coref = _generic_referents(generic, groups)

    entity_rows: dict[tuple, dict] = {}
    for m in mentions:
        tokens = tokens_by_sentence.get(m.sentence_index)
        name = _canonical_name(m, doc.text, tokens) if tokens else _canonical(doc.text[m.char_start : m.char_end])
        m.place_key = place_keys.get(key_of.get(id(m)))
        if m.type == "ORG":
            # "Ban Thường vụ Thành ủy" in an article about Cẩm Phả is Cẩm Phả's: name and key say so.
            name, m.place_key = resolve_organisation(doc.text[m.char_start : m.char_end], groups, place_keys)
        entity_rows.setdefault((m.char_start, m.char_end, m.type), _entity_row(doc, m, name))
    for sentence_index, a, b, type_word, gk in coref:
        m = Mention("LOC", 0, 0, "coref", 0.6, unit_type=type_word, sentence_index=sentence_index,
                    char_start=a, char_end=b, place_key=place_keys[gk])
        entity_rows.setdefault((a, b, "LOC"), _entity_row(doc, m, _canonical(groups[gk].name)))

    referred = Counter(c[4] for c in coref)
    place_rows = []
    for gk, g in groups.items():
        row = place_row(doc.article_id, place_keys[gk], g)
        row["mentions"] = g.mentions + referred[gk]
        place_rows.append(row)
    return {
        "entities": sorted(entity_rows.values(), key=lambda r: (r["char_start"], -r["char_end"])),
        "places": place_rows,
        "roles": extract_roles(doc, mentions, tokens_by_sentence, groups, place_keys, people),
    }


def _entity_row(doc: Doc, m: Mention, name: str) -> dict:
    return {
        "article_id": doc.article_id,
        "sentence_index": m.sentence_index,
        "char_start": m.char_start,
        "char_end": m.char_end,
        "mention": doc.text[m.char_start : m.char_end],
        "type": m.type,
        "canonical_name": name,
        "unit_type": m.unit_type,
        "place_key": m.place_key,
        "method": m.method,
        "confidence": m.confidence,
        "nested": m.nested,
        "extractor": None,  # stamped by the registry (Extractor.run)
        "extractor_version": None,
    }


def _drop_overlapped(mentions: list[Mention], people) -> list[Mention]:
    """Mentions that do not overlap a credit/byline person (those spans are authoritative)."""
    spans = [(p.mention.char_start, p.mention.char_end) for p in people if p.mention is not None]
    if not spans:
        return list(mentions)
    return [m for m in mentions if not any(m.char_start < b and a < m.char_end for a, b in spans)]


@lru_cache(maxsize=65536)
def _place_name_key(name: str) -> str:
    """Readable key of a place name: textnorm's canonical key (case folded, tone marks unified)."""
    return canonical_key(_canonical(name))


def _place_groups(doc: Doc, mentions: list[Mention], tokens_by_sentence) -> tuple[dict, dict]:
    """Group LOC mentions by name: bare names join the typed group of the same name."""
    groups: dict[str, PlaceGroup] = {}
    key_of: dict[int, str] = {}
    locs = [m for m in mentions if m.type == "LOC"]
    # Typed mentions first so that "Cẩm Phả" joins "TP Cẩm Phả" rather than founding its own group.
    for m in sorted(locs, key=lambda m: (m.level_hint is None, m.char_start)):
        tokens = tokens_by_sentence[m.sentence_index]
        start = tokens.starts[m.name_first] if m.name_first is not None else m.char_start
        name = unicodedata.normalize("NFC", doc.text[start : m.char_end])
        name_key = match_key(name)
        level = m.level_hint
        if level is None and m.method == "lexicon" and not is_unit_name(name):
            level = "world"  # a country, region or foreign city from the name lists: not a Vietnamese unit
        gk = f"{name_key}|{level}" if level else None
        if level is None:
            same = [k for k in groups if k.split("|")[0] == name_key]
            gk = max(same, key=lambda k: groups[k].mentions) if same else f"{name_key}|"
        g = groups.get(gk)
        if g is None:
            groups[gk] = PlaceGroup(name, m.unit_type, level, 1, m.char_start, m.char_end)
        else:
            g.mentions += 1
            if m.char_start < g.first_char_start:
                g.first_char_start, g.first_char_end = m.char_start, m.char_end
        key_of[id(m)] = gk
    return groups, key_of


_CITY_TYPES = {"thành phố": ("city", "province", "district"), "tỉnh": ("province",), "huyện": ("district",),
               "quận": ("district",), "thị xã": ("district",)}


def referent(groups: dict[str, PlaceGroup], type_word: str) -> str | None:
    """Group key of the place a bare unit word ("thành phố", "tỉnh") refers to: the most-mentioned of its kind."""
    best, best_score = None, 0
    for gk, g in groups.items():
        written = g.type_word or (g.unit.type_word if g.unit else None)
        level = g.unit.level if g.unit else g.level_hint
        if written != type_word or level not in _CITY_TYPES.get(type_word, ()):
            continue
        if g.mentions > best_score:
            best, best_score = gk, g.mentions
    return best


def _generic_referents(generic, groups) -> list[tuple[int, int, int, str, str]]:
    """(sentence, start, end, type word, group key) for bare unit words that refer to one of the article's places."""
    out = []
    for sentence_index, a, b, type_word in generic:
        gk = referent(groups, type_word)
        if gk is not None:
            out.append((sentence_index, a, b, type_word, gk))
    return out


def _entity_facts(doc: Doc) -> dict[str, list[dict]]:
    return doc.computed("entity_facts", extract_entity_facts)


ENTITIES = Extractor("entities", "2.0.0", ("entities",), lambda doc: {"entities": _entity_facts(doc)["entities"]},
                     warm_up=warm_up)
PLACES = Extractor("places", "1.1.0", ("places",), lambda doc: {"places": _entity_facts(doc)["places"]})
ROLES = Extractor("roles", "1.0.0", ("roles",), lambda doc: {"roles": _entity_facts(doc)["roles"]})
