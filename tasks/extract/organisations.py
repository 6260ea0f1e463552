"""Organisations: where the name after an organisation head ends, the places named inside it, and its canonical name."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from tasks.clean.textnorm import expand_abbreviation
from tasks.extract.entity_lexicon import EntityLexicon, compound_words, province_district_keys
from tasks.extract.gazetteer import unit_types
from tasks.extract.names import Mention, cap_run, canonical_name, named_after_head
from tasks.extract.tokens import KEY, TOKEN, Token

_SPACE_BEFORE_CLOSING = re.compile(r"\s+([,.)])")


def lower_head_ok(tokens: Sequence[Token], i: int, n: int) -> bool:
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


def org_extent(tokens: Sequence[Token], j: int, lex: EntityLexicon) -> int:
    """Index after the name part of an organisation whose head ends at token j."""
    name_start, more = j, True
    while more and j < len(tokens):
        j, more = _org_step(tokens, j, name_start, lex)
    while j > name_start and tokens[j - 1].text in lex.connectors:
        j -= 1  # "Tập đoàn Aquaone - Chủ tịch …": a dangling connector is not part of the name
    return j


def _org_step(tokens: Sequence[Token], j: int, name_start: int, lex: EntityLexicon) -> tuple[int, bool]:
    """How far the organisation's name reaches from token j, and whether it may reach further than that."""
    tok, prev = tokens[j], tokens[j - 1]
    if tok.name or (tok.word and tok.acronym):
        return (j, False) if _name_word_ends_org(tokens, j, lex) else (j + 1, True)
    if tok.text.isdigit() and j > name_start and prev.cap:
        return j + 1, True  # "Bệnh viện Nhân Dân 115"
    if not tok.word or tok.text in lex.connectors:
        # "Văn hoá - Thông tin", "Giáo dục và Đào tạo": a connector between capitalised parts.
        joins = tok.text in lex.connectors and j > name_start and j + 1 < len(tokens) \
            and tokens[j + 1].name and not lex.org_heads.longest(tokens, j + 1)
        return (j + 1, True) if joins else (j, False)
    n_admin = lex.admin.longest(tokens, j)
    n_geo = lex.geo.longest(tokens, j)
    if n_admin or n_geo:
        return _place_in_org(tokens, j, lex, n_admin, n_geo)
    words = compound_words()
    if j > name_start and (prev.key, tok.key) in words and prev.word and prev.cap:
        return j + 1, True
    n_word = lex.org_words.longest(tokens, j)
    if n_word and (j > name_start or _name_follows_words(tokens, j, lex)):
        return j + n_word, True
    if j == name_start and (prev.key, tok.key) in words:
        return j, False  # "Hội nghị", "Trường hợp": the head was the first syllable of a common word
    stretch_end = _lowercase_stretch_end(tokens, j, lex)
    return (stretch_end, True) if stretch_end is not None else (j, False)


def _name_word_ends_org(tokens: Sequence[Token], j: int, lex: EntityLexicon) -> bool:
    """Whether the capitalised word j starts a title or a person's name rather than going on with the organisation's."""
    tok = tokens[j]
    if tok.trigger and lex.titles.longest(tokens, j):
        return True
    if tok.key in lex.surnames and lex.known.longest(tokens, j) < 2:
        run = cap_run(tokens, j, lex)
        return 2 <= run <= 4  # "Sở Y tế Nguyễn Văn A": the person starts here
    return False


def _place_in_org(tokens: Sequence[Token], j: int, lex: EntityLexicon, n_admin: int, n_geo: int) -> tuple[int, bool]:
    """A unit type or feature word inside an organisation's name: "UBND tỉnh Quảng Ninh", "Ban quản lý vịnh Hạ Long"."""
    named = named_after_head(tokens, j, lex, max(n_admin, n_geo), None, None, "LOC")
    if named:
        return named.last, True
    if n_admin and lex.admin.value(tokens, j, n_admin)[1] in ("province", "city", "district", "commune") \
            and lower_head_ok(tokens, j, n_admin):
        return j + n_admin, False  # "UBND tỉnh", "HĐND thành phố": the unit is named elsewhere in the article
    return j, False


def _lowercase_stretch_end(tokens: Sequence[Token], j: int, lex: EntityLexicon) -> int | None:
    """End of a short lowercase stretch inside the name, before more of it ("Nước mặt sông Đuống", "Cơ quan
    thời tiết Philippines"); None when the name ends at j instead (a function word, or nothing known follows)."""
    k = j
    while k < len(tokens) and k - j < 2 and tokens[k].word and not tokens[k].cap \
            and (tokens[k].key,) not in lex.stop and not _starts_phrase(tokens, k, lex):
        k += 1
    if k > j and k < len(tokens) and (lex.known.longest(tokens, k) or lex.geo.longest(tokens, k)) \
            and not lex.titles.longest(tokens, k) \
            and not lex.org_heads.longest(tokens, k) and not (tokens[k].key in lex.surnames):
        return k
    return None


def _starts_phrase(tokens: Sequence[Token], k: int, lex: EntityLexicon) -> bool:
    """True when token k starts a title, a place-type word or a feature word."""
    if not tokens[k].trigger:
        return False
    return bool(lex.titles.longest(tokens, k) or lex.admin.longest(tokens, k) or lex.geo.longest(tokens, k))


def _name_follows_words(tokens: Sequence[Token], j: int, lex: EntityLexicon) -> bool:
    """After a head, lowercase name words belong to the name only when a capitalised name follows them
    ("Trường mầm non Trumkids", but not "Ban tổ chức cho biết")."""
    while j < len(tokens):
        n = lex.org_words.longest(tokens, j)
        if not n:
            return tokens[j].name or tokens[j].acronym
        j += n
    return False


def nested_places(tokens: Sequence[Token], first: int, last: int, lex: EntityLexicon) -> list[Mention]:
    """Places named inside an organisation's name ("HĐND TP Cẩm Phả" → "TP Cẩm Phả", "… Hà Nội" at its end)."""
    out = []
    i = first
    while i < last:
        n_adm = lex.admin.longest(tokens, i)
        if n_adm and (not tokens[i].cap or tokens[i].acronym):
            type_word, level = lex.admin.value(tokens, i, n_adm)
            m = named_after_head(tokens, i, lex, n_adm, type_word, level, "LOC")
            if m and m.last <= last and level != "street":
                m.nested = True
                out.append(m)
                i = m.last
                continue
        if tokens[i].cap and last - i >= 2 and tuple(map(KEY, tokens[i:last])) in province_district_keys():
            out.append(Mention("LOC", i, last, "lexicon", 0.8, name_first=i, nested=True))
            break
        i += 1
    return out


@lru_cache(maxsize=65536)
def canonical_org(text: str) -> str:
    """Organisation name with unit abbreviations (TP → thành phố) and known acronyms expanded."""
    admin = unit_types()
    out = []
    for m in TOKEN.finditer(text):
        word = m.group()
        if word.casefold() in admin and word.isupper():
            out.append(admin[word.casefold()][0])
            continue
        expanded = expand_abbreviation(word) if word.isupper() and len(word) > 1 else None
        out.append(expanded or word)
    joined = " ".join(out)
    joined = joined[:1].upper() + joined[1:]
    return canonical_name(_SPACE_BEFORE_CLOSING.sub(r"\1", joined).replace("( ", "("))
