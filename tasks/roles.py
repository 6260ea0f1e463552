"""Who holds which office: title chains next to people, photo credits and the byline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.model import Doc

# "Ảnh: Bạch Dương (CTV)", "(Ảnh: Bạch Dương)", "Ảnh: Bảo Long/CTV" at the end of a caption.
_CREDIT = re.compile(
    r"(?:\(\s*)?Ảnh\s*:\s*(?P<name>[^\W\d_][^():/\n]{1,40}?)\s*(?:[(/]\s*(?P<role>[^()\n]{1,25}?)\s*\)?)?\s*\)?\s*\.?\s*$"
)
_BYLINE = re.compile(r"^[^\W\d_][^\W\d_.,;:!?]*(?: [^\W\d_][^\W\d_.,;:!?]*){1,4}$")
# Designations after a photo credit -> role.
_CREDIT_ROLES = {"ctv": "CTV", "pv": "phóng viên", "tl": "tư liệu"}
_TITLE_SEPARATORS = frozenset({",", "kiêm", ";"})
# Organisations bound to a unit level: "Bí thư Thành ủy" in an article about Cẩm Phả is Cẩm Phả's.
_LEVEL_BOUND = {"thành ủy": "thành phố", "thành uỷ": "thành phố", "tỉnh ủy": "tỉnh", "tỉnh uỷ": "tỉnh",
                "huyện ủy": "huyện", "huyện uỷ": "huyện", "quận ủy": "quận", "quận uỷ": "quận",
                "thị ủy": "thị xã", "thị uỷ": "thị xã"}


@dataclass
class Person:
    """A person found outside running text (photo credit, byline) with the role that implies."""

    name: str
    role: str
    char_start: int | None
    char_end: int | None
    sentence_index: int | None
    mention: object | None = None  # the entities.Mention, when the name is in the text


def _sentence_at(doc: Doc, pos: int) -> int | None:
    for s in doc.sentences:
        if s.start <= pos < s.end:
            return s.index
    return None


def _is_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 5 and all(w[0].isupper() for w in words)


def credit_and_byline_people(doc: Doc, mentions: list) -> list[Person]:
    """Photographers named in captions and the article's author (byline paragraph or doc.author)."""
    from tasks.entities import Mention, lexicons

    lex = lexicons()
    out: list[Person] = []
    for p in doc.paragraphs:
        m = _CREDIT.search(p.text)
        if not m or not _is_name(m.group("name").strip()):
            continue
        name = m.group("name").strip()
        from tasks.entities import _keys

        if lex["known"].entries.get(_keys(name)) == "ORG" or name in lex["not_names"]:
            continue
        start = p.char_start + m.start("name")
        end = start + len(name)
        designation = (m.group("role") or "").strip()
        role = _CREDIT_ROLES.get(designation.casefold(), designation or "phóng viên")
        sentence = _sentence_at(doc, start)
        mention = Mention("PER", 0, 0, "pattern", 0.9, sentence_index=sentence or 0, char_start=start, char_end=end)
        mention.extra["role"] = role
        out.append(Person(name, role, start, end, sentence, mention))
    author = _author(doc)
    if author:
        name, start = author
        if start is None:
            out.append(Person(name, "tác giả", None, None, None))
        else:
            sentence = _sentence_at(doc, start)
            mention = Mention("PER", 0, 0, "pattern", 0.9, sentence_index=sentence or 0,
                              char_start=start, char_end=start + len(name))
            out.append(Person(name, "tác giả", start, start + len(name), sentence, mention))
    return out


def _author(doc: Doc) -> tuple[str, int | None] | None:
    """(name, offset) of the author: a byline paragraph, doc.author, or a name-only last line."""
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
    last: int  # token index after the organisation
    role: str
    role_written: str
    org_first: int | None
    org_last: int | None


def _title_phrases(tokens, lex) -> list[_TitlePhrase]:
    from tasks.entities import _org_extent

    out = []
    i = 0
    while i < len(tokens):
        n = lex["titles"].longest(tokens, i) if tokens[i].key in lex["triggers"] else 0
        if not n:
            i += 1
            continue
        role = lex["titles"].value(tokens, i, n)
        title_end = i + n
        # "Trưởng Ban Tổ chức": the capitalised "Ban" starts the organisation.
        if n > 1 and tokens[i + n - 1].cap and lex["org_heads"].longest(tokens, i + n - 1) \
                and i + n < len(tokens) and tokens[i + n].cap and tokens[i + n].word:
            title_end = i + n - 1
        j = title_end
        org_first = org_last = None
        if j < len(tokens):
            n_head = lex["org_heads"].longest(tokens, j)
            if n_head:
                org_first, org_last = j, _org_extent(tokens, j + n_head, lex)
            elif tokens[j].acronym and tokens[j].word:
                org_first, org_last = j, _org_extent(tokens, j + 1, lex)
        out.append(_TitlePhrase(i, org_last or title_end, role,
                                " ".join(t.text for t in tokens[i:title_end]), org_first, org_last))
        i = org_last or title_end
    return out


def _chains(phrases: list[_TitlePhrase], tokens) -> list[list[_TitlePhrase]]:
    """Title phrases joined by "," or "kiêm" ("Bí thư Thành ủy, Chủ tịch HĐND TP Cẩm Phả")."""
    chains: list[list[_TitlePhrase]] = []
    for p in phrases:
        if chains:
            prev = chains[-1][-1]
            gap = tokens[prev.last : p.first]
            if len(gap) == 1 and gap[0].key in _TITLE_SEPARATORS or len(gap) == 0:
                chains[-1].append(p)
                continue
        chains.append([p])
    return chains


def extract_roles(doc: Doc, mentions: list, tokens_by_sentence: dict, groups: dict, place_keys: dict,
                  people: list[Person]) -> list[dict]:
    """`roles` rows: one per (person, role, organisation) in the article, first evidence kept."""
    from tasks.entities import EXTRACTOR_NAME, EXTRACTOR_VERSION, lexicons

    lex = lexicons()
    rows: dict[tuple, dict] = {}
    pers = [m for m in mentions if m.type == "PER"]
    for s_index, tokens in tokens_by_sentence.items():
        if not tokens:
            continue
        phrases = _title_phrases(tokens, lex)
        for chain in _chains(phrases, tokens):
            person = _holder(chain, tokens, pers, doc)
            if person is None:
                continue
            for p in chain:
                org_written = " ".join(t.text for t in tokens[p.org_first : p.org_last]) if p.org_first is not None else None
                if org_written is not None:
                    org_written = doc.text[tokens.starts[p.org_first] : tokens.ends[p.org_last - 1]]
                organisation, place_key = _resolve_org(org_written, groups, place_keys)
                start, end = tokens.starts[p.first], tokens.ends[p.last - 1]
                row = {
                    "article_id": doc.article_id,
                    "person": person,
                    "role": p.role,
                    "role_written": doc.text[start : tokens.starts[p.first] + len(p.role_written)] if p.role_written else p.role,
                    "organisation": organisation,
                    "organisation_written": org_written,
                    "place_key": place_key,
                    "sentence_index": s_index,
                    "char_start": start,
                    "char_end": end,
                    "mention": doc.text[start:end],
                    "evidence_count": 1,
                    "extractor": EXTRACTOR_NAME,
                    "extractor_version": EXTRACTOR_VERSION,
                }
                _keep(rows, row)
    for person in people:
        _keep(rows, {
            "article_id": doc.article_id, "person": person.name, "role": person.role, "role_written": person.role,
            "organisation": None, "organisation_written": None, "place_key": None,
            "sentence_index": person.sentence_index, "char_start": person.char_start, "char_end": person.char_end,
            "mention": doc.text[person.char_start : person.char_end] if person.char_start is not None else person.name,
            "evidence_count": 1, "extractor": EXTRACTOR_NAME, "extractor_version": EXTRACTOR_VERSION,
        })
    _drop_undesignated_credits(rows)
    return sorted(rows.values(), key=lambda r: (r["char_start"] is None, r["char_start"] or 0))


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


def _holder(chain: list[_TitlePhrase], tokens, pers: list, doc: Doc) -> str | None:
    """The person a title chain belongs to: a name right after it, or the name it follows after a comma."""
    after = chain[-1].last
    first_tok = tokens[chain[0].first]
    for m in pers:
        if after < len(tokens) and m.char_start == tokens.starts[after]:
            return _person_name(m, doc)
    before = chain[0].first
    if before >= 2 and tokens[before - 1].text in (",", "(", "-", "–"):
        end = tokens.ends[before - 2]
        for m in pers:
            if m.char_end == end:
                return _person_name(m, doc)
    del first_tok
    return None


def _person_name(m, doc: Doc) -> str:
    from tasks.entities import _canonical

    return _canonical(doc.text[m.char_start : m.char_end])


def _resolve_org(org_written: str | None, groups: dict, place_keys: dict) -> tuple[str | None, str | None]:
    """Organisation name with its place made explicit ("Thành ủy" → "Thành ủy Cẩm Phả") and that place's key."""
    from tasks.entities import canonical_org, referent
    from tasks.places import match_key, unit_types

    if not org_written:
        return None, None
    canonical = canonical_org(org_written)
    key = match_key(org_written)
    # A place named inside the organisation ("HĐND TP Cẩm Phả").
    for gk, g in groups.items():
        if match_key(g.name) in key:
            return canonical, place_keys[gk]
    words = key.split()
    admin = unit_types()
    bound_keys = {match_key(k): v for k, v in _LEVEL_BOUND.items()}
    bound = bound_keys.get(" ".join(words[-2:])) if len(words) >= 2 else None
    trailing_type = None
    for n in (2, 1):
        tail = " ".join(org_written.split()[-n:]).casefold()
        if len(words) > n and tail in admin:
            trailing_type = admin[tail][0]
            break
    type_word = bound or trailing_type
    if type_word:
        gk = referent(groups, type_word)
        if gk is not None:
            name = groups[gk].name
            if bound:
                return canonical_org(f"{org_written} {name}"), place_keys[gk]
            return canonical_org(f"{org_written} {name}"), place_keys[gk]
    return canonical, None
