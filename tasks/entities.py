"""Extract people, organisations, places, facilities and projects from Vietnamese news with lexicons and patterns."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from tasks.lexicon import table, word_list
from tasks.model import Doc
from tasks.places import PlaceGroup, match_key, place_row, resolve_groups, unit_types

EXTRACTOR_NAME = "entities_vi_patterns"
EXTRACTOR_VERSION = "1.0.0"

# Words, acronyms (TT-VH, GD&ĐT, TP.HCM), numbers, and single punctuation marks.
_TOKEN = re.compile(r"\w+(?:[.&'’\-/]\w+)*|[^\w\s]")
_CONNECTORS = frozenset({"và", "&", "-", "–"})
# Words after which a capitalised run is a place ("tại Nghệ An", "đến Hà Nội").
_PLACE_CUES = frozenset({"tại", "ở", "đến", "tới", "sang", "thăm", "khắp"})
# Verbs after a capitalised run that mark it as a speaker (person).
_SPEAKER_CUES = frozenset({"cho biết", "chia sẻ", "nói", "khẳng định", "tâm sự", "nhấn mạnh", "kể", "bày tỏ", "thừa nhận", "tiết lộ"})
_AGE = re.compile(r"\s*(?:\(\s*\d{1,3}\s*(?:tuổi)?|,\s*\d{1,3}\s*tuổi)")
# Generic unit words that refer back to the article's place when written without a name.
_COREF_TYPES = frozenset({"thành phố", "tỉnh", "huyện", "quận", "thị xã"})


@dataclass
class Token:
    text: str
    start: int
    end: int
    key: str  # match_key of the text

    @property
    def cap(self) -> bool:
        return self.text[0].isupper()

    @property
    def acronym(self) -> bool:
        return sum(c.isupper() for c in self.text) >= 2

    @property
    def word(self) -> bool:
        return self.text[0].isalnum()


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
    return tuple(match_key(t.group()) for t in _TOKEN.finditer(phrase))


@cache
def lexicons() -> dict:
    """Every lexicon as token-key tuples; built once per process."""
    org_heads = {}
    for line in word_list("ent_org_heads.txt"):
        standalone = line.endswith(" *")
        org_heads[_keys(line.removesuffix(" *"))] = standalone
    return {
        "titles": {_keys(w): norm for w, norm in table("ent_titles.tsv")},
        "honorifics": {_keys(w): w for w in word_list("ent_honorifics.txt")},
        "admin": {_keys(w): v for w, v in unit_types().items()},
        "geo": {_keys(w): w for w in word_list("ent_geo_features.txt")},
        "facility": {_keys(w): w for w in word_list("ent_facility_heads.txt")},
        "org_heads": org_heads,
        "surnames": frozenset(match_key(w) for w in word_list("ent_surnames.txt")),
        "world": frozenset(_keys(w) for w in word_list("ent_world_places.txt")),
        "org_names": frozenset(_keys(w) for w in word_list("ent_org_names.txt")),
        "not_names": frozenset(word_list("ent_not_names.txt")),
        "org_words": frozenset(_keys(w) for w in word_list("ent_org_name_words.txt")),
        "project": frozenset({_keys("dự án")}),
    }


@cache
def compound_words() -> frozenset[tuple[str, ...]]:
    """Multi-syllable Vietnamese words (underthesea's Viet74K list) as token-key tuples."""
    import underthesea

    path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split()
        if 2 <= len(parts) <= 3:
            words.add(tuple(match_key(p) for p in parts))
    return frozenset(words)


@cache
def _admin_province_district_keys() -> frozenset[tuple[str, ...]]:
    """Token keys of province and district names: a bare capitalised run equal to one is a place."""
    from tasks.places import gazetteer

    return frozenset(
        tuple(k.split()) for k, units in gazetteer().items() if any(u.level != "commune" for u in units)
    )


def _longest(lex: dict | frozenset, tokens: list[Token], i: int, max_len: int = 5) -> int:
    """Length of the longest lexicon entry starting at token i (0 if none)."""
    for n in range(min(max_len, len(tokens) - i), 0, -1):
        if tuple(t.key for t in tokens[i : i + n]) in lex:
            return n
    return 0


def warm_up() -> None:
    """Load every lexicon and the unit lists now (the first article would otherwise pay for it)."""
    lexicons()
    compound_words()
    _admin_province_district_keys()


# --------------------------------------------------------------------------- tokenising


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    return match_key(text)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    return [Token(m.group(), m.start() + offset, m.end() + offset, _key(m.group())) for m in _TOKEN.finditer(text)]


# --------------------------------------------------------------------------- scanning rules


def _is_name_token(tok: Token, lex: dict) -> bool:
    return tok.word and tok.cap and tok.text not in lex["not_names"]


def _cap_run(tokens: list[Token], i: int, lex: dict, max_len: int = 6) -> int:
    """Length of the run of capitalised name tokens starting at i (stops at titles and org heads)."""
    n = 0
    while i + n < len(tokens) and n < max_len and _is_name_token(tokens[i + n], lex):
        if n and (_longest(lex["titles"], tokens, i + n) or _longest(lex["honorifics"], tokens, i + n) > 1):
            break
        n += 1
    return n


def _split_known(tokens: list[Token], i: int, n: int, lex: dict) -> int:
    """Length of a known place/org name at the start of a run of n tokens (0 if none)."""
    for m in range(n, 0, -1):
        k = tuple(t.key for t in tokens[i : i + m])
        if k in lex["world"] or k in lex["org_names"] or k in _admin_province_district_keys():
            return m
    return 0


def _classify_known(keys: tuple[str, ...], lex: dict) -> str | None:
    if keys in lex["org_names"]:
        return "ORG"
    if keys in lex["world"] or keys in _admin_province_district_keys():
        return "LOC"
    return None


def _looks_like_person(tokens: list[Token], i: int, n: int, lex: dict) -> bool:
    return 2 <= n <= 4 and tokens[i].key in lex["surnames"]


def _org_extent(tokens: list[Token], j: int, lex: dict) -> int:
    """Index after the name part of an organisation that starts at token j (after its head)."""
    words = compound_words()
    name_start = j
    while j < len(tokens):
        tok = tokens[j]
        prev = tokens[j - 1]
        if _is_name_token(tok, lex) or (tok.word and tok.acronym):
            if _longest(lex["titles"], tokens, j):
                break
            if tok.key in lex["surnames"] and _looks_like_person(tokens, j, _cap_run(tokens, j, lex), lex) \
                    and not _split_known(tokens, j, _cap_run(tokens, j, lex), lex):
                break
            j += 1
            continue
        if not tok.word:
            # "Văn hoá - Thông tin", "Giáo dục và Đào tạo": a connector between capitalised parts.
            if tok.text in _CONNECTORS and j + 1 < len(tokens) and _is_name_token(tokens[j + 1], lex):
                j += 1
                continue
            break
        if tok.text in _CONNECTORS and j + 1 < len(tokens) and _is_name_token(tokens[j + 1], lex) \
                and not _longest(lex["org_heads"], tokens, j + 1):
            j += 1
            continue
        n_admin = _longest(lex["admin"], tokens, j, 3)
        if n_admin and tok.text.islower():
            after = j + n_admin
            if after < len(tokens) and tokens[after].text == ".":
                after += 1
            run = _cap_run(tokens, after, lex) if after < len(tokens) else 0
            if run:
                j = after + run
                continue
            if lex["admin"][tuple(t.key for t in tokens[j : j + n_admin])][1] in ("province", "city", "district", "commune"):
                j += n_admin  # "UBND tỉnh", "HĐND thành phố": the unit is named elsewhere in the article
                break
            break
        if (prev.key, tok.key) in words and prev.word and j > name_start:
            j += 1
            continue
        n_word = _longest(lex["org_words"], tokens, j, 3)
        if n_word:
            j += n_word
            continue
        break
    return j


def _admin_or_feature(tokens, i, lex, n_head, type_word, level, kind, sentence_start):
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
    known = _split_known(tokens, j, run, lex)
    if known and known < run and tokens[j + known].key in lex["surnames"]:
        run = known  # "tỉnh Quảng Ninh Nguyễn Văn Thắng": the place ends where the person starts
    return Mention(kind, i, j + run, "pattern", 0.9, name_first=j, unit_type=type_word, level_hint=level)


def scan_sentence(tokens: list[Token]) -> tuple[list[Mention], list[tuple[int, int, str]]]:
    """Mentions in one sentence, plus generic unit words ("thành phố") that may refer back to a place."""
    lex = lexicons()
    mentions: list[Mention] = []
    generic: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok.word:
            i += 1
            continue
        at_start = i == 0 or tokens[i - 1].text in {"“", '"', "(", ":", "-", "–", "‘"}
        lower_key = tuple(t.key for t in tokens[i : i + 4])

        n = _longest(lex["titles"], tokens, i)
        if n:
            # "Trưởng Ban Tổ chức": the capitalised head belongs to the organisation, not the title.
            last = tokens[i + n - 1]
            if n > 1 and last.cap and _longest(lex["org_heads"], tokens, i + n - 1) and i + n < len(tokens) \
                    and _is_name_token(tokens[i + n], lex):
                n -= 1
            after = i + n
            run = _cap_run(tokens, after, lex) if after < len(tokens) else 0
            if run and not _longest(lex["org_heads"], tokens, after) and not tokens[after].acronym \
                    and not _split_known(tokens, after, run, lex) and run <= 4:
                # "Tổng thống Joe Biden": a title directly before a name makes it a person.
                mentions.append(Mention("PER", after, after + run, "pattern", 0.8))
                i = after + run
                continue
            i = after
            continue

        n = _longest(lex["honorifics"], tokens, i, 3)
        if n:
            hon = tokens[i : i + n]
            allowed = hon[0].text.islower() or at_start or any(c.isupper() for c in hon[0].text[1:]) \
                or lex["honorifics"][lower_key[:n]][:1].isupper() or n > 1
            after = i + n
            run = _cap_run(tokens, after, lex, 5) if after < len(tokens) and allowed else 0
            if run and not _longest(lex["org_heads"], tokens, after) and not _longest(lex["titles"], tokens, after):
                known = _split_known(tokens, after, run, lex)
                if known != run or known == 0:
                    mentions.append(Mention("PER", after, after + run, "pattern", 0.85))
                    i = after + run
                    continue
            if tok.text.islower() or n > 1:
                i += n
                continue

        n_fac = _longest(lex["facility"], tokens, i, 4)
        n_geo = _longest(lex["geo"], tokens, i, 3)
        n_adm = _longest(lex["admin"], tokens, i, 3)
        n_org = _longest(lex["org_heads"], tokens, i, 4) if tok.cap else 0
        best = max(n_fac, n_geo, n_adm, n_org)
        if best and lower_key[:2] in lex["project"]:
            best = 0
        if best and best in (n_fac, n_geo, n_adm) and best > n_org:
            if best == n_adm:
                type_word, level = lex["admin"][lower_key[:n_adm]]
                m = _admin_or_feature(tokens, i, lex, n_adm, type_word, level, "LOC", at_start)
                if m is None and type_word in _COREF_TYPES and (i + n_adm >= len(tokens) or
                        (tokens[i + n_adm - 1].key, tokens[i + n_adm].key) not in compound_words()):
                    generic.append((i, i + n_adm, type_word))
            elif best == n_fac:
                m = _admin_or_feature(tokens, i, lex, n_fac, " ".join(t.text.lower() for t in tokens[i:i + n_fac]),
                                      "feature", "FACILITY", at_start)
            else:
                m = _admin_or_feature(tokens, i, lex, n_geo, " ".join(t.text.lower() for t in tokens[i:i + n_geo]),
                                      "feature", "LOC", at_start)
            if m:
                mentions.append(m)
                i = m.last
                continue
            if best == n_adm or best == n_fac:
                j = _list_after_head(tokens, i + best, lex)
                if j:
                    kind = "LOC" if best == n_adm else "FACILITY"
                    for a, b in j:
                        mentions.append(Mention(kind, a, b, "pattern", 0.75, name_first=a,
                                                unit_type=" ".join(t.text.lower() for t in tokens[i:i + best]),
                                                level_hint=lex["admin"].get(lower_key[:n_adm], (None, "feature"))[1]
                                                if best == n_adm else "feature"))
                    i = j[-1][1]
                    continue
            i += best
            continue

        if lower_key[:2] in lex["project"]:
            m = _project(tokens, i, lex)
            if m:
                mentions.append(m)
                i = m.last
                continue

        if n_org:
            standalone = lex["org_heads"][lower_key[:n_org]]
            end = _org_extent(tokens, i + n_org, lex)
            if end > i + n_org or standalone:
                mentions.append(Mention("ORG", i, end, "pattern", 0.9 if end > i + n_org else 0.75))
                mentions.extend(_nested_places(tokens, i + n_org, end, lex))
                i = end
                continue

        if tok.word and (tok.cap or tok.acronym) and tok.text not in lex["not_names"]:
            run = _cap_run(tokens, i, lex)
            if run:
                found = _classify_run(tokens, i, run, lex, at_start)
                mentions.extend(found)
                i += run
                continue
        i += 1
    return mentions, generic


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
    """ "Dự án khai thác than lộ thiên Tây Lộ Trí": a project runs to the end of its first capitalised name."""
    j = i + 2
    while j < len(tokens) and j - i < 12 and tokens[j].word:
        run = _cap_run(tokens, j, lex)
        if run and not (tokens[j].cap and _longest(lex["org_heads"], tokens, j)):
            return Mention("PROJECT", i, j + run, "pattern", 0.7)
        if tokens[j].text in ("của", "tại", "ở", "do", "với", "cho"):
            return None
        j += 1
    return None


def _nested_places(tokens: list[Token], first: int, last: int, lex: dict) -> list[Mention]:
    """Places named inside an organisation's name ("HĐND TP Cẩm Phả" → "TP Cẩm Phả")."""
    out = []
    i = first
    while i < last:
        n_adm = _longest(lex["admin"], tokens, i, 3)
        if n_adm:
            type_word, level = lex["admin"][tuple(t.key for t in tokens[i : i + n_adm])]
            m = _admin_or_feature(tokens, i, lex, n_adm, type_word, level, "LOC", False)
            if m and m.last <= last and level != "street":
                m.nested = True
                out.append(m)
                i = m.last
                continue
        if tokens[i].cap:
            run = min(_cap_run(tokens, i, lex), last - i)
            for start in range(i, i + run):
                keys = tuple(t.key for t in tokens[start : i + run])
                if keys in _admin_province_district_keys() and len(keys) >= 2:
                    out.append(Mention("LOC", start, i + run, "lexicon", 0.8, name_first=start, nested=True))
                    break
            i += max(run, 1)
            continue
        i += 1
    return out


def _classify_run(tokens: list[Token], i: int, n: int, lex: dict, at_start: bool) -> list[Mention]:
    """Type of a bare capitalised run: known name, person by surname, cue words, or nothing."""
    out: list[Mention] = []
    end = i + n
    while i < end:
        n = end - i
        known = _split_known(tokens, i, n, lex)
        if known and not (at_start and known == 1 and not tokens[i].acronym and n == 1 and tokens[i].key not in {"mỹ"}):
            keys = tuple(t.key for t in tokens[i : i + known])
            kind = _classify_known(keys, lex)
            if not (known == 1 and at_start and not tokens[i].acronym):
                out.append(Mention(kind, i, i + known, "lexicon", 0.85, name_first=i))
            i += known
            at_start = False
            continue
        if _looks_like_person(tokens, i, min(n, 4), lex):
            m = min(n, 4)
            out.append(Mention("PER", i, i + m, "lexicon", 0.85))
            i += m
            at_start = False
            continue
        kind = _cue_type(tokens, i, n, lex)
        if kind and not (at_start and n == 1):
            out.append(Mention(kind, i, end, "pattern", 0.6, name_first=i))
        elif tokens[i].acronym and n == 1 and not at_start:
            out.append(Mention("ORG", i, i + 1, "pattern", 0.55))
        elif at_start and n > 1:
            # The first word of a sentence is capitalised anyway: judge the rest on its own.
            i += 1
            at_start = False
            continue
        elif n >= 2 and not at_start and _foreign(tokens, i, end):
            out.append(Mention("PER", i, end, "pattern", 0.5))
        break
    return out


_VI_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]+(?:ch|ng|nh|[cmnpt])?$"
)


def _foreign(tokens: list[Token], i: int, end: int) -> bool:
    """True when some word of the run is not a Vietnamese syllable (a foreign name: "Joe Biden")."""
    return any(not _VI_SYLLABLE.match(t.text.lower()) for t in tokens[i:end])


def _cue_type(tokens: list[Token], i: int, n: int, lex: dict) -> str | None:
    """PER/LOC from the words around an unknown run ("tại X" → LOC, "X cho biết" → PER)."""
    if i > 0 and tokens[i - 1].key in _PLACE_CUES:
        return "LOC"
    end = i + n
    if end < len(tokens):
        nxt = " ".join(t.key for t in tokens[end : end + 2])
        if nxt in _SPEAKER_CUES or tokens[end].key in _SPEAKER_CUES:
            return "PER" if 2 <= n <= 4 else None
        if tokens[end].text in ("(", ",") and end + 1 < len(tokens) and tokens[end + 1].text.isdigit() \
                and end + 2 < len(tokens) and tokens[end + 2].key in ("tuổi", ")"):
            return "PER"
    return None


# --------------------------------------------------------------------------- doc level


def mentions_of_doc(doc: Doc) -> tuple[list[Mention], list[tuple[int, int, int, str]], dict[int, list[Token]]]:
    """All mentions of a Doc with article offsets, generic unit words, and the tokens of each sentence."""
    found: list[Mention] = []
    generic: list[tuple[int, int, int, str]] = []
    tokens_by_sentence: dict[int, list[Token]] = {}
    for s in doc.sentences:
        tokens = tokenize(doc.text[s.start : s.end], s.start)
        tokens_by_sentence[s.index] = tokens
        ms, gs = scan_sentence(tokens)
        for m in ms:
            m.sentence_index = s.index
            m.char_start, m.char_end = tokens[m.first].start, tokens[m.last - 1].end
            found.append(m)
        for a, b, type_word in gs:
            generic.append((s.index, tokens[a].start, tokens[b - 1].end, type_word))
    return found, generic, tokens_by_sentence


def flat_spans(mentions: list[Mention]) -> list[tuple[int, int, str]]:
    """Outermost (char_start, char_end, type) spans, FACILITY as LOC, for span-level evaluation."""
    mapped = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "FACILITY": "LOC"}
    return [(m.char_start, m.char_end, mapped[m.type]) for m in mentions if not m.nested and m.type in mapped]


def extract_spans(text: str) -> list[tuple[int, int, str]]:
    """Flat PER/ORG/LOC spans of one sentence of plain text (for evaluation)."""
    mentions, _ = scan_sentence(tokenize(text))
    out = []
    tokens = tokenize(text)
    for m in mentions:
        m.char_start, m.char_end = tokens[m.first].start, tokens[m.last - 1].end
    return flat_spans(mentions)


def _canonical(text: str) -> str:
    """Tone marks unified and abbreviations expanded when tasks.textnorm offers it; else NFC text."""
    text = unicodedata.normalize("NFC", text)
    try:
        from tasks.textnorm import normalize_tone_marks

        from tasks.settings import load_settings

        text = normalize_tone_marks(text, load_settings().tone_style)
    except ImportError:
        pass
    return text


def canonical_org(text: str) -> str:
    """Organisation name with unit abbreviations (TP → thành phố) and known acronyms expanded."""
    admin = unit_types()
    try:
        from tasks.textnorm import expand_abbreviation
    except ImportError:
        expand_abbreviation = None
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word.casefold() in admin and word.isupper():
            out.append(admin[word.casefold()][0])
            continue
        expanded = expand_abbreviation(word) if expand_abbreviation and word.isupper() and len(word) > 1 else None
        out.append(expanded or word)
    joined = " ".join(out)
    joined = joined[:1].upper() + joined[1:]
    return _canonical(re.sub(r"\s+([,.)])", r"\1", joined).replace("( ", "("))


def _canonical_name(m: Mention, doc_text: str, tokens: list[Token]) -> str:
    if m.type == "ORG" or m.type == "PROJECT":
        return canonical_org(doc_text[m.char_start : m.char_end])
    start = tokens[m.name_first].start if m.name_first is not None else m.char_start
    return _canonical(doc_text[start : m.char_end])


def extract_entity_facts(doc: Doc) -> dict[str, list[dict]]:
    """Rows of the `entities`, `places` and `roles` tables for one Doc."""
    from tasks.roles import extract_roles, credit_and_byline_people

    mentions, generic, tokens_by_sentence = mentions_of_doc(doc)
    people = credit_and_byline_people(doc, mentions)
    mentions = _drop_overlapped(mentions, people)
    mentions.extend(p.mention for p in people if p.mention is not None)
    mentions.sort(key=lambda m: (m.char_start, -m.char_end))

    groups, key_of = _place_groups(doc, mentions, tokens_by_sentence)
    resolve_groups(list(groups.values()))
    place_keys = {gk: f"{_level_tag(g)}:{_place_name_key(g.name)}" for gk, g in groups.items()}
    coref = _generic_referents(generic, groups, place_keys)

    entity_rows = []
    for m in mentions:
        tokens = tokens_by_sentence.get(m.sentence_index, [])
        name = _canonical_name(m, doc.text, tokens) if tokens else _canonical(doc.text[m.char_start:m.char_end])
        gk = key_of.get(id(m))
        m.place_key = place_keys.get(gk) if gk else None
        entity_rows.append(_entity_row(doc, m, name))
    for sentence_index, a, b, type_word, gk in coref:
        g = groups[gk]
        entity_rows.append({
            "article_id": doc.article_id, "sentence_index": sentence_index, "char_start": a, "char_end": b,
            "mention": doc.text[a:b], "type": "LOC", "canonical_name": _canonical(g.name), "unit_type": type_word,
            "place_key": place_keys[gk], "method": "coref", "confidence": 0.6, "nested": False,
            "extractor": EXTRACTOR_NAME, "extractor_version": EXTRACTOR_VERSION,
        })
    entity_rows.sort(key=lambda r: (r["char_start"], -r["char_end"]))
    place_rows = [place_row(doc.article_id, place_keys[gk], g) for gk, g in groups.items()]
    for row, g in zip(place_rows, groups.values()):
        row["mentions"] = g.mentions + sum(1 for c in coref if c[4] is not None and groups[c[4]] is g)
        row["extractor"], row["extractor_version"] = EXTRACTOR_NAME, EXTRACTOR_VERSION
    role_rows = extract_roles(doc, mentions, tokens_by_sentence, groups, place_keys, people)
    return {"entities": entity_rows, "places": place_rows, "roles": role_rows}


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
        "extractor": EXTRACTOR_NAME,
        "extractor_version": EXTRACTOR_VERSION,
    }


def _drop_overlapped(mentions: list[Mention], people) -> list[Mention]:
    """Mentions that do not overlap a credit/byline person (those spans are authoritative)."""
    spans = [(p.mention.char_start, p.mention.char_end) for p in people if p.mention is not None]
    return [m for m in mentions if not any(m.char_start < b and a < m.char_end for a, b in spans)]


def _place_name_key(name: str) -> str:
    """Readable key of a place name: textnorm's canonical key (case folded, tone marks unified)."""
    from tasks.textnorm import canonical_key

    return canonical_key(_canonical(name))


def _level_tag(g: PlaceGroup) -> str:
    from tasks.places import level_of

    return level_of(g)


def _place_groups(doc: Doc, mentions: list[Mention], tokens_by_sentence) -> tuple[dict, dict]:
    """Group LOC mentions by name: bare names join the typed group of the same name."""
    groups: dict[str, PlaceGroup] = {}
    key_of: dict[int, str] = {}
    locs = [m for m in mentions if m.type == "LOC"]
    # Typed mentions first so that "Cẩm Phả" joins "TP Cẩm Phả" rather than founding its own group.
    for m in sorted(locs, key=lambda m: (m.level_hint is None, m.char_start)):
        tokens = tokens_by_sentence[m.sentence_index]
        start = tokens[m.name_first].start if m.name_first is not None else m.char_start
        name = unicodedata.normalize("NFC", doc.text[start : m.char_end])
        name_key = match_key(name)
        level = m.level_hint
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


def _generic_referents(generic, groups, place_keys) -> list[tuple[int, int, int, str, str]]:
    out = []
    for sentence_index, a, b, type_word in generic:
        gk = referent(groups, type_word)
        if gk is not None:
            out.append((sentence_index, a, b, type_word, gk))
    return out
