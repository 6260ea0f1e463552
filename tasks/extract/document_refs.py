"""References to legal and party documents in a sentence ("Nghị quyết số 19-NQ/TU của BCH Đảng bộ tỉnh về “…”"), with type, number, issuer and title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tasks.common import phrase_alternation
from tasks.extract.textscan import first_digit as first_digit_in
from tasks.lexicon import table, word_list


@dataclass(frozen=True, slots=True)
class DocumentRef:
    start: int
    end: int
    doc_type: str | None
    number: str
    year: int | None
    issuer_code: str | None
    issuer: str | None
    issuer_mention: str | None
    title: str | None


def _alternation(phrases) -> str:
    return phrase_alternation(set(phrases))


@cache
def _type_by_name() -> dict[str, str]:
    return {row[0].lower(): row[0] for row in table("documents/types.tsv")}


@cache
def _type_by_code() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, code in table("documents/types.tsv"):
        out.setdefault(code, name)  # first listed name wins ("Luật" before "Bộ luật" for QH)
    return out


@cache
def _issuers() -> dict[str, str]:
    return {row[0]: row[1] for row in table("documents/issuers.tsv")}


@cache
def _type_word_pattern() -> re.Pattern:
    """First word of any document type name, lower case ("nghị", "quyết", "luật"): a cheap gate."""
    return re.compile("|".join(sorted({re.escape(name.split()[0]) for name in _type_by_name()})))


@cache
def _named_gate() -> re.Pattern:
    r"""What a named reference cannot do without, in the lower-cased text: its type, then its number
    ("(?:nghị định|luật|…)(?:\s+số)?\s+\d"), written for the text reversed.

    The "named" pattern ignores case and opens with a look-behind, so the engine tries it, slowly, at
    every position; reversed, this one opens with the number's digit, which the engine skips ahead to
    (a text holds a match of a pattern of letters, classes and repeats exactly when its reverse holds
    the reversed pattern's).
    """
    types = _alternation({name[::-1] for name in _type_by_name()})
    so = re.escape("số"[::-1])
    return re.compile(rf"\d\s+(?:{so}\s+)?(?:{types})")


# Characters that re.IGNORECASE matches to a letter other than their lower case ("ſ" to "s"): in
# their presence the lower-cased gate above could miss a reference, so the older gate decides.
_FOLDS = ("İ", "ı", "ſ")
_CODE = r"[A-ZĐ][A-Za-zĐđ0-9]*(?:[/\-][A-ZĐ][A-Za-zĐđ0-9]*)*"


@cache
def _patterns() -> dict[str, re.Pattern]:
    types = _alternation(_type_by_name())
    codes = _alternation(_type_by_code())
    heads = _alternation(word_list("documents/issuer_names.txt"))
    return {
        "named": re.compile(
            rf"(?<![\w])(?P<type>{types})(?P<so>\s+số)?\s+(?P<num>\d{{1,5}})(?:/(?P<year>\d{{4}}))?"
            rf"(?:[/\-](?P<code>{_CODE}))?(?![\w])",
            re.IGNORECASE,
        ),
        "bare": re.compile(
            # the look-behind after the first digit, so the engine skips ahead to digits
            rf"(?P<num>\d(?<![\w/.\-]\d)\d{{0,4}})(?:/(?P<year>\d{{4}}))?[/\-](?P<code>(?:{codes})[/\-]{_CODE})(?![\w])"
        ),
        "number_only_ok": re.compile(r"\s+(?:của|ngày|về|do)\s|\s*[,.;:)]|\s*$"),
        "tail": re.compile(
            r"(?:\s*,?\s+ngày\s+\d{1,2}[/\-]\d{1,2}[/\-](?P<dy>\d{4}))?"
            rf"(?:\s+(?:của|do)\s+(?P<iss>(?:{heads})(?:(?!\s+(?:về|ngày)\s)[^“”\"«»,;.()\n])*))?"
            r"(?:\s*,?\s+ngày\s+\d{1,2}[/\-]\d{1,2}[/\-](?P<dy2>\d{4}))?"
            r"(?:\s*,?\s*(?:về\s+việc|về|:)?\s*[“\"«](?P<title>[^“”\"«»\n]{3,300})[”\"»])?"
        ),
    }


def _issuer_of(code: str | None) -> str | None:
    """Expand the issuer part of a number code: "NQ/TU" → "Tỉnh ủy", "NĐ-CP" → "Chính phủ"."""
    if not code:
        return None
    parts = re.split(r"[/\-]", code)
    if parts and parts[0] in _type_by_code() and len(parts) > 1:
        parts = parts[1:]
    issuers = _issuers()
    names = []
    for part in parts:
        name = issuers.get(part) or issuers.get(part.rstrip("0123456789"))
        if name:
            names.append(name)
    return ", ".join(names) or None


def _type_of_code(code: str | None) -> str | None:
    if not code:
        return None
    return _type_by_code().get(re.split(r"[/\-]", code)[0])


def find_documents_in(text: str, lo: int, hi: int, low: str | None = None,
                      first_digit: int | None = None) -> list[DocumentRef]:
    """Document references in text[lo:hi]; `low` is text.lower() (same length) when the caller has it,
    `first_digit` where the first digit of text[lo:hi] is (-1: none) when the caller has looked."""
    if first_digit is None:
        first_digit = first_digit_in(text, lo, hi)
    if first_digit < 0:
        return []  # every reference has a number
    pats = _patterns()
    found: list[DocumentRef] = []
    taken: list[tuple[int, int]] = []
    # Cheap gates: a named reference needs a type word, a bare one a "/" or "-" before its code.
    if low is not None:
        lowered, s_lo, s_hi = low, lo, hi
    else:  # the segment alone ("İ" may lengthen it)
        lowered = text[lo:hi].lower()
        s_lo, s_hi = 0, len(lowered)
    segment = text[lo:hi]
    if _FOLDS[0] not in segment and _FOLDS[1] not in segment and _FOLDS[2] not in segment:
        named = _named_gate().search(lowered[s_lo:s_hi][::-1]) is not None
    else:
        named = _type_word_pattern().search(lowered, s_lo, s_hi) is not None
    matches = [("named", m) for m in pats["named"].finditer(text, lo, hi)] if named else []
    if "/" in segment or "-" in segment:
        # a bare reference opens with its number: no need to look before the first digit
        matches += [("bare", m) for m in pats["bare"].finditer(text, first_digit, hi)]
    if not matches:
        return found
    for kind, m in sorted(matches, key=lambda km: (km[1].start(), km[0] != "named")):
        if any(m.start() < e and m.end() > s for s, e in taken):
            continue
        code = m.group("code")
        if kind == "named":
            if not code and not m.group("so") and not pats["number_only_ok"].match(text, m.end(), hi):
                continue  # "Kế hoạch 5 năm" is not a document number
            doc_type = _type_by_name()[re.sub(r"\s+", " ", m.group("type").lower())]
        else:
            doc_type = _type_of_code(code)
        tail = pats["tail"].match(text, m.end(), hi)
        year = m.group("year") or (tail.group("dy") or tail.group("dy2") if tail else None)
        issuer_mention = tail.group("iss").strip() if tail and tail.group("iss") else None
        title = tail.group("title").strip() if tail and tail.group("title") else None
        found.append(
            DocumentRef(
                m.start(), m.end(), doc_type, m.group("num"), int(year) if year else None,
                code, _issuer_of(code), issuer_mention, title,
            )
        )
        taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)
