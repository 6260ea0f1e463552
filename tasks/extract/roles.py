"""Who holds which office: title chains next to people, photo credits and the byline."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import compress
from operator import attrgetter

from tasks.extract.entities import (
    Mention,
    Tokens,
    _canonical,
    _keys,
    _org_extent,
    canonical_org,
    lexicons,
    referent,
)
from tasks.model import Doc
from tasks.extract.places import PlaceGroup, match_key, unit_types

# "Ảnh: Bạch Dương (CTV)", "(Ảnh: Bạch Dương)", "Ảnh: Bảo Long/CTV" at the end of a caption.
_CREDIT = re.compile(
    r"(?:\(\s*)?Ảnh\s*:\s*(?P<name>[^\W\d_][^():/\n]{1,40}?)\s*(?:[(/]\s*(?P<role>[^()\n]{1,25}?)\s*\)?)?\s*\)?\s*\.?\s*$"
)
# A byline: two to five words, each capitalised, no sentence punctuation.
_BYLINE = re.compile(r"^[^\W\d_][^\W\d_.,;:!?]*(?: [^\W\d_][^\W\d_.,;:!?]*){1,4}$")
# Designations after a photo credit -> role.
_CREDIT_ROLES = {"ctv": "CTV", "pv": "phóng viên", "tl": "tư liệu"}
_TITLE_SEPARATORS = frozenset({",", "kiêm", ";"})
_TITLE = attrgetter("title")  # a token that starts some title
# Organisations bound to a unit level: "Bí thư Thành ủy" in an article about Cẩm Phả is Cẩm Phả's.
_LEVEL_BOUND = {"thành ủy": "thành phố", "tỉnh ủy": "tỉnh", "huyện ủy": "huyện", "quận ủy": "quận", "thị ủy": "thị xã"}


@dataclass
class Person:
    """A person found outside running text (photo credit, byline) with the role that implies."""

    name: str
    role: str
    char_start: int | None
    char_end: int | None
    sentence_index: int | None
    mention: Mention | None = None  # the PER mention, when the name is in the text


def _sentence_at(doc: Doc, pos: int) -> int | None:
    for s in doc.sentences:
        if s.start <= pos < s.end:
            return s.index
    return None


def _is_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(w[0].isupper() for w in words)


def _person_at(doc: Doc, name: str, role: str, start: int | None) -> Person:
    if start is None:
        return Person(name, role, None, None, None)
    sentence = _sentence_at(doc, start)
    mention = Mention("PER", 0, 0, "pattern", 0.9, sentence_index=sentence or 0,
                      char_start=start, char_end=start + len(name))
    return Person(name, role, start, start + len(name), sentence, mention)


def credit_and_byline_people(doc: Doc) -> list[Person]:
    """Photographers named in captions ("Ảnh: Bạch Dương (CTV)") and the author (byline paragraph or doc.author)."""
    lex = lexicons()
    out: list[Person] = []
    for p in doc.paragraphs:
        m = _CREDIT.search(p.text) if "Ảnh" in p.text else None  # the cheap test spares most paragraphs the regex
        if not m:
            continue
        name = m.group("name").strip()
        if not _is_name(name) or lex["known"].entries.get(_keys(name)) == "ORG" or name in lex["not_names"]:
            continue  # "Ảnh: Reuters", "Ảnh: Internet"
        designation = (m.group("role") or "").strip()
        role = _CREDIT_ROLES.get(designation.casefold(), designation or "phóng viên")
        out.append(_person_at(doc, name, role, p.char_start + m.start("name")))
    author = _author(doc)
    if author:
        out.append(_person_at(doc, author[0], "tác giả", author[1]))
    return out


def _author(doc: Doc) -> tuple[str, int | None] | None:
    """(name, offset) of the author: a byline paragraph, doc.author, or a name-only last line of plain text."""
    bylines = [p for p in doc.paragraphs if p.kind == "byline" and p.text.strip()]
    if bylines:
        p = bylines[-1]
        name = p.text.strip()
        return name, p.char_start + p.text.index(name)
    if doc.author:
        at = doc.text.rfind(doc.author)
        return doc.author, (at if at >= 0 else None)
    body = [p for p in doc.paragraphs if p.text.strip()]
    if len(body) >= 3 and all(p.kind == "body" for p in doc.paragraphs):
        last = body[-1]
        name = last.text.strip()
        if _BYLINE.match(name) and _is_name(name) and len(name) <= 40:
            return name, last.char_start + last.text.index(name)
    return None


@dataclass
class _TitlePhrase:
    first: int  # token index of the title
    title_end: int  # token index after the title words
    last: int  # token index after the organisation (or the title when none follows)
    role: str
    org_first: int | None
    org_last: int | None


def _title_phrases(tokens: Tokens, lex: dict) -> list[_TitlePhrase]:
    """Every "<title> [<organisation>]" of a sentence ("Chủ tịch HĐND TP Cẩm Phả", "Bí thư thành ủy")."""
    titles = lex["titles"]
    out = []
    resume = 0
    for i in compress(range(len(tokens)), map(_TITLE, tokens)):  # only where a title may start
        n = titles.longest(tokens, i) if i >= resume else 0
        if not n:
            continue
        role = titles.value(tokens, i, n)
        title_end = i + n
        if n > 1 and tokens[i + n - 1].cap and lex["org_heads"].longest(tokens, i + n - 1) \
                and i + n < len(tokens) and tokens[i + n].cap and tokens[i + n].word:
            title_end = i + n - 1  # "Trưởng Ban Tổ chức": the capitalised "Ban" starts the organisation
        org_first = org_last = None
        if title_end < len(tokens):
            n_head = lex["org_heads"].longest(tokens, title_end)  # lowercase heads too: "Bí thư thành ủy"
            if n_head:
                org_first, org_last = title_end, _org_extent(tokens, title_end + n_head, lex)
            elif tokens[title_end].acronym and tokens[title_end].word:
                org_first, org_last = title_end, _org_extent(tokens, title_end + 1, lex)
        out.append(_TitlePhrase(i, title_end, org_last or title_end, role, org_first, org_last))
        resume = org_last or title_end
    return out


def _chains(phrases: list[_TitlePhrase], tokens: Tokens) -> list[list[_TitlePhrase]]:
    """Title phrases joined by "," or "kiêm" ("Bí thư Thành ủy, Chủ tịch HĐND TP Cẩm Phả") form one chain."""
    chains: list[list[_TitlePhrase]] = []
    for p in phrases:
        if chains:
            gap = tokens[chains[-1][-1].last : p.first]
            if not gap or (len(gap) == 1 and gap[0].key in _TITLE_SEPARATORS):
                chains[-1].append(p)
                continue
        chains.append([p])
    return chains


def _holder(chain: list[_TitlePhrase], tokens: Tokens, starts: dict[int, Mention],
            ends: dict[int, Mention]) -> Mention | None:
    """The person a title chain belongs to: a name right after it, or the name it follows after a comma."""
    after = chain[-1].last
    if after < len(tokens) and tokens.starts[after] in starts:
        return starts[tokens.starts[after]]
    before = chain[0].first
    if before >= 2 and tokens[before - 1].text in (",", "(", "-", "–"):
        return ends.get(tokens.ends[before - 2])
    return None


def extract_roles(doc: Doc, mentions: list[Mention], tokens_by_sentence: dict[int, Tokens],
                  groups: dict[str, PlaceGroup], place_keys: dict[str, str], people: list[Person]) -> list[dict]:
    """`roles` rows: one per (person, role, organisation) in the article; the first evidence is kept and counted."""
    lex = lexicons()
    rows: dict[tuple, dict] = {}
    persons = [m for m in mentions if m.type == "PER"]
    starts = {m.char_start: m for m in persons}
    ends = {m.char_end: m for m in persons}
    # A title chain's holder starts right after it or ends right before it, in its sentence: a sentence in
    # which no person starts or ends has none, and is not searched for titles.
    edges = sorted({*starts, *ends})
    spans = {s.index: (s.start, s.end) for s in doc.sentences}
    for s_index, tokens in tokens_by_sentence.items():
        span = spans.get(s_index)
        if span is not None:
            k = bisect_left(edges, span[0])
            if k == len(edges) or edges[k] > span[1]:
                continue
        for chain in _chains(_title_phrases(tokens, lex), tokens):
            holder = _holder(chain, tokens, starts, ends)
            if holder is None:
                continue  # "thực hiện chức danh Bí thư kiêm Chủ tịch": offices, no holder
            person = _canonical(doc.text[holder.char_start : holder.char_end])
            for p in chain:
                org_written = None
                if p.org_first is not None:
                    org_written = doc.text[tokens.starts[p.org_first] : tokens.ends[p.org_last - 1]]
                organisation, place_key = resolve_organisation(org_written, groups, place_keys)
                start, end = tokens.starts[p.first], tokens.ends[p.last - 1]
                _keep(rows, _role_row(doc, person, p.role, doc.text[start : tokens.ends[p.title_end - 1]],
                                      organisation, org_written, place_key, s_index, start, end))
    for person in people:
        mention = doc.text[person.char_start : person.char_end] if person.char_start is not None else person.name
        _keep(rows, _role_row(doc, person.name, person.role, person.role, None, None, None, person.sentence_index,
                              person.char_start, person.char_end, mention))
    _drop_undesignated_credits(rows)
    return sorted(rows.values(), key=lambda r: (r["char_start"] is None, r["char_start"] or 0))


def _role_row(doc: Doc, person: str, role: str, role_written: str, organisation: str | None,
              organisation_written: str | None, place_key: str | None, sentence_index: int | None,
              start: int | None, end: int | None, mention: str | None = None) -> dict:
    return {
        "article_id": doc.article_id,
        "person": person,
        "role": role,
        "role_written": role_written,
        "organisation": organisation,
        "organisation_written": organisation_written,
        "place_key": place_key,
        "sentence_index": sentence_index,
        "char_start": start,
        "char_end": end,
        "mention": mention if mention is not None else doc.text[start:end],
        "evidence_count": 1,
        "extractor": None,  # stamped by the registry (Extractor.run)
        "extractor_version": None,
    }


def _keep(rows: dict, row: dict) -> None:
    key = (row["person"], row["role"], row["organisation"])
    if key in rows:
        rows[key]["evidence_count"] += 1
    else:
        rows[key] = row


def _drop_undesignated_credits(rows: dict) -> None:
    """A photographer credited once as "(CTV)" and once without: keep the designated role only."""
    designated = {k[0] for k, r in rows.items() if r["role"] == "CTV"}
    for k in [k for k in rows if k[1] == "phóng viên" and k[0] in designated and k[2] is None]:
        del rows[k]


@cache
def _level_bound_keys() -> dict[str, str]:
    """_LEVEL_BOUND keyed by match_key, built once."""
    return {match_key(k): v for k, v in _LEVEL_BOUND.items()}


def resolve_organisation(org_written: str | None, groups: dict[str, PlaceGroup],
                         place_keys: dict[str, str]) -> tuple[str | None, str | None]:
    """Organisation with its place made explicit ("Thành ủy" → "Thành ủy Cẩm Phả",
    "HĐND thành phố" → "Hội đồng nhân dân thành phố Cẩm Phả") and that place's key."""
    if not org_written:
        return None, None
    key = f" {match_key(org_written)} "
    for gk, g in groups.items():
        if f" {match_key(g.name)} " in key:
            return canonical_org(org_written), place_keys[gk]  # the place is named: "HĐND TP Cẩm Phả"
    words = org_written.split()
    bound = _level_bound_keys().get(match_key(" ".join(words[-2:])))
    type_word = bound
    if type_word is None:
        admin = unit_types()
        for n in (2, 1):
            tail = " ".join(words[-n:]).casefold()
            if len(words) > n and tail in admin and admin[tail][1] in ("province", "city", "district", "commune"):
                type_word = admin[tail][0]  # "UBND tỉnh", "HĐND thành phố"
                break
    gk = referent(groups, type_word) if type_word else None
    if gk is None:
        return canonical_org(org_written), None
    return canonical_org(f"{org_written} {groups[gk].name}"), place_keys[gk]
