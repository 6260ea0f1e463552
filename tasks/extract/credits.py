"""People named outside running text: photographers credited in captions and the article's author."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.extract.entity_lexicon import entity_lexicon
from tasks.extract.names import Mention
from tasks.extract.tokens import phrase_keys
from tasks.lexicon import table
from tasks.model import Doc

# "Ảnh: Bạch Dương (CTV)", "(Ảnh: Bạch Dương)", "Ảnh: Bảo Long/CTV" at the end of a caption.
_CREDIT = re.compile(
    r"(?:\(\s*)?Ảnh\s*:\s*(?P<name>[^\W\d_][^():/\n]{1,40}?)\s*(?:[(/]\s*(?P<role>[^()\n]{1,25}?)\s*\)?)?\s*\)?\s*\.?\s*$"
)
# A byline: two to five words, each capitalised, no sentence punctuation.
_BYLINE = re.compile(r"^[^\W\d_][^\W\d_.,;:!?]*(?: [^\W\d_][^\W\d_.,;:!?]*){1,4}$")


@dataclass(slots=True)
class Person:
    """A person found outside running text (photo credit, byline) with the role that implies."""

    name: str
    role: str
    char_start: int | None
    char_end: int | None
    sentence_index: int | None
    mention: Mention | None = None  # the PER mention, when the name is in the text


@cache
def _credit_roles() -> dict[str, str]:
    """Designation after a photo credit, casefolded -> role ("ctv" -> "CTV")."""
    return dict(table("entities/credit_roles.tsv"))


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
    lex = entity_lexicon()
    out: list[Person] = []
    for p in doc.paragraphs:
        m = _CREDIT.search(p.text) if "Ảnh" in p.text else None  # the cheap test spares most paragraphs the regex
        if not m:
            continue
        name = m.group("name").strip()
        if not _is_name(name) or lex.known.entries.get(phrase_keys(name)) == "ORG" or name in lex.not_names:
            continue  # "Ảnh: Reuters", "Ảnh: Internet"
        designation = (m.group("role") or "").strip()
        role = _credit_roles().get(designation.casefold(), designation or "phóng viên")
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

