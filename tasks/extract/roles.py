"""Who holds which office: title chains next to the people they name, photo credits and the author, as `roles` rows."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import compress

from tasks.extract.entity_lexicon import EntityLexicon, entity_lexicon
from tasks.extract.extractor import Extractor
from tasks.extract.mentions import ArticleMentions, article_mentions
from tasks.extract.names import Mention, canonical_name
from tasks.extract.organisations import org_extent
from tasks.extract.places import ArticlePlaces, article_places, resolve_organisation
from tasks.extract.tokenizer import Tokens
from tasks.extract.tokens import TITLE
from tasks.model import Doc
from warehouse.tables import TABLES

Role = TABLES["roles"].record  # one row of `roles`



@dataclass(slots=True)
class _TitlePhrase:
    """A title and the organisation written after it (token indices local to the sentence)."""

    first: int  # token index of the title
    title_end: int  # token index after the title words
    last: int  # token index after the organisation (or the title when none follows)
    role: str
    org_first: int | None
    org_last: int | None


def _title_phrases(tokens: Tokens, lex: EntityLexicon) -> list[_TitlePhrase]:
    """Every "<title> [<organisation>]" of a sentence ("Chủ tịch HĐND TP Cẩm Phả", "Bí thư thành ủy")."""
    titles = lex.titles
    out = []
    resume = 0
    for i in compress(range(len(tokens)), map(TITLE, tokens)):  # only where a title may start
        n = titles.longest(tokens, i) if i >= resume else 0
        if not n:
            continue
        role = titles.value(tokens, i, n)
        title_end = i + n
        if n > 1 and tokens[i + n - 1].cap and lex.org_heads.longest(tokens, i + n - 1) \
                and i + n < len(tokens) and tokens[i + n].cap and tokens[i + n].word:
            title_end = i + n - 1  # "Trưởng Ban Tổ chức": the capitalised "Ban" starts the organisation
        org_first = org_last = None
        if title_end < len(tokens):
            n_head = lex.org_heads.longest(tokens, title_end)  # lowercase heads too: "Bí thư thành ủy"
            if n_head:
                org_first, org_last = title_end, org_extent(tokens, title_end + n_head, lex)
            elif tokens[title_end].acronym and tokens[title_end].word:
                org_first, org_last = title_end, org_extent(tokens, title_end + 1, lex)
        out.append(_TitlePhrase(i, title_end, org_last or title_end, role, org_first, org_last))
        resume = org_last or title_end
    return out


def _chains(phrases: list[_TitlePhrase], tokens: Tokens, lex: EntityLexicon) -> list[list[_TitlePhrase]]:
    """Title phrases joined by "," or "kiêm" ("Bí thư Thành ủy, Chủ tịch HĐND TP Cẩm Phả") form one chain."""
    chains: list[list[_TitlePhrase]] = []
    for p in phrases:
        if chains:
            gap = tokens[chains[-1][-1].last : p.first]
            if not gap or (len(gap) == 1 and gap[0].key in lex.title_separators):
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


def role_rows(doc: Doc) -> list[Role]:
    """`roles` rows: one per (person, role, organisation) in the article; the first evidence is kept and counted."""
    found = article_mentions(doc)
    rows: dict[tuple, Role] = {}
    for row in _title_chain_rows(doc, found, article_places(doc)):
        _keep(rows, row)
    for person in found.people:
        mention = doc.text[person.char_start : person.char_end] if person.char_start is not None else person.name
        _keep(rows, Role(article_id=doc.article_id, person=person.name, role=person.role, role_written=person.role,
                         sentence_index=person.sentence_index, char_start=person.char_start, char_end=person.char_end,
                         mention=mention, evidence_count=1))
    _drop_undesignated_credits(rows)
    return sorted(rows.values(), key=lambda r: (r.char_start is None, r.char_start or 0))


def _title_chain_rows(doc: Doc, found: ArticleMentions, places: ArticlePlaces) -> list[Role]:
    """A row per title of every title chain next to a person, in the order written."""
    lex = entity_lexicon()
    out = []
    persons = [m for m in found.mentions if m.type == "PER"]
    starts = {m.char_start: m for m in persons}
    ends = {m.char_end: m for m in persons}
    # A title chain's holder starts right after it or ends right before it, in its sentence: a sentence in
    # which no person starts or ends has none, and is not searched for titles.
    edges = sorted({*starts, *ends})
    spans = {s.index: (s.start, s.end) for s in doc.sentences}
    for s_index, tokens in found.tokens_by_sentence.items():
        span = spans.get(s_index)
        if span is not None:
            k = bisect_left(edges, span[0])
            if k == len(edges) or edges[k] > span[1]:
                continue
        for chain in _chains(_title_phrases(tokens, lex), tokens, lex):
            holder = _holder(chain, tokens, starts, ends)
            if holder is None:
                continue  # "thực hiện chức danh Bí thư kiêm Chủ tịch": offices, no holder
            person = canonical_name(doc.text[holder.char_start : holder.char_end])
            out.extend(_title_row(doc, person, p, tokens, s_index, places) for p in chain)
    return out


def _title_row(doc: Doc, person: str, p: _TitlePhrase, tokens: Tokens, sentence_index: int,
               places: ArticlePlaces) -> Role:
    org_written = None
    if p.org_first is not None:
        org_written = doc.text[tokens.starts[p.org_first] : tokens.ends[p.org_last - 1]]
    organisation, place_key = resolve_organisation(org_written, places)
    start, end = tokens.starts[p.first], tokens.ends[p.last - 1]
    return Role(article_id=doc.article_id, person=person, role=p.role,
                role_written=doc.text[start : tokens.ends[p.title_end - 1]], organisation=organisation,
                organisation_written=org_written, place_key=place_key, sentence_index=sentence_index,
                char_start=start, char_end=end, mention=doc.text[start:end], evidence_count=1)


def _keep(rows: dict[tuple, Role], row: Role) -> None:
    """The first row of each (person, role, organisation), counting the evidence of the others."""
    key = (row.person, row.role, row.organisation)
    if key in rows:
        rows[key].evidence_count += 1
    else:
        rows[key] = row


def _drop_undesignated_credits(rows: dict[tuple, Role]) -> None:
    """A photographer credited once as "(CTV)" and once without: keep the designated role only."""
    designated = {k[0] for k, r in rows.items() if r.role == "CTV"}
    for k in [k for k in rows if k[1] == "phóng viên" and k[0] in designated and k[2] is None]:
        del rows[k]


ROLES = Extractor("roles", "1.0.0", ("roles",), lambda doc: {"roles": role_rows(doc)})
