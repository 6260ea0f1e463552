"""The body assembler every reader shares: lines -> paragraphs (lead, headings, captions, byline) and images with credits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache

from tasks.common import phrase_alternation
from tasks.lexicon import table
from tasks.model import Image, Paragraph


# Longest caption (without its credit) still taken as a caption rather than a body paragraph.
MAX_CAPTION_CHARS = 400
# Longest credit name ("Ảnh: <name>"); longer text after "Ảnh:" is a sentence, not a credit.
MAX_CREDIT_CHARS = 60
MAX_CREDIT_WORDS = 7
# A heading is a short stand-alone line without sentence-final punctuation.
MAX_HEADING_CHARS = 150
MAX_HEADING_WORDS = 20
MAX_BYLINE_CHARS = 50
MAX_BYLINE_WORDS = 6
# Similarity (difflib ratio, credits stripped) above which two adjacent lines are the alt text
# and the caption of the same photo.
SAME_PHOTO_RATIO = 0.6
SAME_PHOTO_PREFIX = 160
# Characters a line must share with its neighbour after the lost first letter(s).
MIN_DROP_CAP_MATCH = 12

_PUNCTUATION_ONLY = re.compile(r"^[\s.…·•*_=~\-–—|]*$")
_SENTENCE_END = (".", "!", "?", "…", ":", ";", ",", '"', "”", "'")


# ---------------------------------------------------------------- photo credits


@dataclass(frozen=True)
class Credit:
    """A caption split into its text and its credit ("… Đông Bắc. Ảnh: Bảo Long (CTV)")."""

    caption: str | None  # text before the credit, None when the line is only a credit
    credit: str | None  # the credited name, None for "Ảnh minh họa"
    role: str | None  # bracketed role after the name, e.g. "CTV"
    kind: str  # photo | illustration | source | …


@cache
def _credit_markers() -> tuple[tuple[str, str, bool], ...]:
    rows = [(marker, kind, takes == "yes") for marker, kind, takes in table("readers/credit_markers.tsv")]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@cache
def _credit_roles() -> frozenset[str]:
    return frozenset(row[0].casefold() for row in table("readers/credit_roles.tsv"))


@cache
def _credit_patterns() -> tuple[tuple[re.Pattern, str, bool], ...]:
    """One regex per marker matching a credit at the end of a line, bracketed or after a sentence."""
    patterns = []
    for marker, kind, takes_name in _credit_markers():
        name = r"\s*:\s*(?P<name>[^()\n]+?)" if takes_name else ""
        body = rf"(?P<marker>{re.escape(marker)}){name}(?:\s*\((?P<role>[^()\n]{{1,30}})\))?"
        bracketed = rf"(?P<pre>^|.*?\s*)\(\s*{body}\s*\)\s*\.?$"
        # An unbracketed credit starts the line or follows a sentence end or a dash; "Marker: Name"
        # (with its colon) may also follow a caption that lacks its full stop.
        after = r"[.!?…\"”)]\s+|\s+[-–—]\s+" + (r"|\s+" if takes_name else "")
        trailing = rf"(?P<pre>^|.*?(?:{after})){body}\s*\.?$"
        patterns.append((re.compile(bracketed, re.DOTALL), kind, takes_name))
        patterns.append((re.compile(trailing, re.DOTALL), kind, takes_name))
    return tuple(patterns)


def _is_credit_name(name: str) -> bool:
    words = name.split()
    return 0 < len(name) <= MAX_CREDIT_CHARS and len(words) <= MAX_CREDIT_WORDS and not re.search(r"[.!?;]\s", name)


@cache
def _any_marker() -> re.Pattern:
    return re.compile(phrase_alternation(marker for marker, _, _ in _credit_markers()))


@lru_cache(maxsize=4096)
def split_credit(line: str) -> Credit | None:
    """The caption/credit split of a line that ends with a photo credit, or None when it has none."""
    text = line.strip()
    if not _any_marker().search(text):  # cheap pre-check: most lines name no credit marker at all
        return None
    for pattern, kind, takes_name in _credit_patterns():
        m = pattern.match(text)
        if not m:
            continue
        name = (m.group("name") or "").strip().rstrip(".") if takes_name else ""
        if takes_name and not _is_credit_name(name):
            continue
        role = (m.group("role") or "").strip() or None
        if role and role.casefold() not in _credit_roles() and not (role.isupper() and len(role) <= 8):
            # "(Ảnh: Minh Anh (Hà Nội))"-style brackets are part of the name, not a role.
            name = f"{name} ({role})" if name else role
            role = None
        caption = m.group("pre").strip()
        caption = re.sub(r"\s*[-–—]$", "", caption).strip() or None
        return Credit(caption, name or None, role, kind)
    return None


# ---------------------------------------------------------------- line shapes


def is_punctuation_only(line: str) -> bool:
    return bool(_PUNCTUATION_ONLY.match(line))


def is_name_like(line: str) -> bool:
    """A short line of capitalised words without sentence punctuation, e.g. a byline "Nguyễn Huế"."""
    text = re.sub(r"\s*\([^()]{1,30}\)\s*$", "", line.strip())  # "Minh Hà (TTXVN)"
    words = [w for w in re.split(r"\s+|\s*[-–/]\s*", text) if w]
    if not words or len(text) > MAX_BYLINE_CHARS or len(words) > MAX_BYLINE_WORDS:
        return False
    if text.endswith(_SENTENCE_END) or any(ch.isdigit() for ch in text):
        return False
    return all(w[0].isupper() for w in words)


def is_heading_like(line: str) -> bool:
    """A short line that does not end like a sentence (sections of an article)."""
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text.endswith(_SENTENCE_END) or text.endswith("?"):
        return False
    return text[0].isupper() or text[0].isdigit()


def repair_drop_cap(line: str, reference: str) -> str | None:
    """`line` with the first letter(s) restored when it is `reference` minus its first letter(s).

    Pages that style the first letter as a drop cap often lose it in text exports ("ãnh đạo" for
    "Lãnh đạo"); a neighbouring copy of the same sentence (alt text / caption) shows what was lost.
    """
    if not line or not reference or not line[0].islower() or not reference[0].isupper():
        return None
    for lost in (1, 2):
        head, rest = reference[:lost], reference[lost:]
        probe = line[: min(len(line), len(rest), 30)]
        # a short shared start could be chance; 12 characters of the same words are not
        if head.isalpha() and len(probe) >= MIN_DROP_CAP_MATCH and rest.startswith(probe):
            return head + line
    return None


def _without_credit(line: str) -> str:
    credit = split_credit(line)
    return (credit.caption or "") if credit else line


def same_photo(first: str, second: str) -> bool:
    """Whether two adjacent lines describe the same photo (alt text and caption of one image)."""
    a, b = _without_credit(first).casefold(), _without_credit(second).casefold()
    if not a or not b:
        return False
    if not (split_credit(first) or split_credit(second)) and min(len(a), len(b)) < 20:
        return False
    # the start of a caption says which photo it is; comparing whole long captions costs O(n²)
    a, b = a[:SAME_PHOTO_PREFIX], b[:SAME_PHOTO_PREFIX]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= SAME_PHOTO_RATIO and matcher.ratio() >= SAME_PHOTO_RATIO


# ---------------------------------------------------------------- body assembly


@dataclass
class Body:
    """Paragraphs after the title (indices count the title as paragraph 0) and their images."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    lead: str | None = None
    author: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    """A photo whose caption is known from markup (HTML figure/figcaption); caption "" = no caption text."""

    caption: str
    alt_text: str | None = None
    src: str | None = None


@dataclass
class _Unit:
    text: str
    kind: str = "body"  # body | caption | heading | byline | lead | figure (image without caption text)
    credit: Credit | None = None
    alt_text: str | None = None
    src: str | None = None


def _figure_unit(figure: Figure) -> _Unit:
    if not figure.caption:
        return _Unit("", "figure", None, figure.alt_text, figure.src)
    credit = split_credit(figure.caption) or Credit(figure.caption, None, None, "photo")
    return _Unit(figure.caption, "caption", credit, figure.alt_text, figure.src)


def _repair_pair(line: str, nxt: str, flags: list[str]) -> tuple[str, str]:
    fixed_line, fixed_next = repair_drop_cap(line, nxt), repair_drop_cap(nxt, line)
    for before, after in ((line, fixed_line), (nxt, fixed_next)):
        if after:
            flags.append(f"drop_cap_repaired: {before[:20]!r} -> {after[:20]!r}")
    return fixed_line or line, fixed_next or nxt


def _append_line(units: list[_Unit], line: str) -> None:
    """Add a text line; a bare credit line ("Ảnh: X") right after an uncredited caption completes it."""
    credit = split_credit(line)
    previous = units[-1] if units else None
    if credit and credit.caption is None and previous and previous.kind == "caption" and previous.credit:
        if previous.credit.credit is None and previous.credit.kind == "photo" and previous.credit.caption:
            previous.text = f"{previous.text} {line}"
            previous.credit = Credit(previous.credit.caption, credit.credit, credit.role, credit.kind)
            return
    if credit and len(credit.caption or "") <= MAX_CAPTION_CHARS:
        units.append(_Unit(line, "caption", credit))
    else:
        units.append(_Unit(line))


def _units_from_blocks(blocks: list[list[str | Figure]], flags: list[str]) -> list[_Unit]:
    """Lines to units; two adjacent lines of one block that describe the same photo become one caption."""
    units: list[_Unit] = []
    for block in blocks:
        i = 0
        while i < len(block):
            line = block[i]
            if isinstance(line, Figure):
                units.append(_figure_unit(line))
                i += 1
                continue
            if i + 1 < len(block) and isinstance(block[i + 1], str):
                line, nxt = _repair_pair(line, block[i + 1], flags)
                if same_photo(line, nxt):
                    credit = split_credit(nxt) or Credit(nxt, None, None, "photo")
                    units.append(_Unit(nxt, "caption", credit, alt_text=line))
                    i += 2
                    continue
                block[i + 1] = nxt
            _append_line(units, line)
            i += 1
    return units


def _mark_byline(units: list[_Unit]) -> None:
    body = [u for u in units if u.kind == "body"]
    if len(body) < 2:
        return
    last = body[-1]
    position = next(i for i, u in enumerate(units) if u is last)
    if any(u.kind != "figure" for u in units[position + 1 :]):
        return  # a caption or text after the name: it is not the closing byline
    if last.kind == "body" and is_name_like(last.text):
        last.kind = "byline"


def _mark_headings_and_lead(units: list[_Unit], first_is_lead: bool, find_headings: bool) -> None:
    lead_done = not first_is_lead
    for i, unit in enumerate(units):
        if unit.kind != "body":
            continue
        if not lead_done:
            if not is_heading_like(unit.text):
                unit.kind = "lead"
                lead_done = True
            continue
        if not find_headings:
            break
        has_body_after = any(u.kind == "body" for u in units[i + 1 :])
        if has_body_after and is_heading_like(unit.text):
            unit.kind = "heading"


def build_body(
    blocks: list[list[str | Figure]], *, first_is_lead: bool = True, find_byline: bool = True, find_headings: bool = True
) -> Body:
    """Paragraph kinds, sections, images, lead and byline from blocks of non-empty cleaned lines.

    Sources that put one sentence per line (corpora) pass find_headings/find_byline False: there a
    short line without a full stop is as often an uncredited photo caption as a heading.
    """
    body = Body()
    units = _units_from_blocks([list(b) for b in blocks if b], body.flags)
    if find_byline:
        _mark_byline(units)
    _mark_headings_and_lead(units, first_is_lead, find_headings)
    section: str | None = None
    for unit in units:
        index = len(body.paragraphs) + 1  # the title is paragraph 0
        if unit.kind == "figure":
            body.images.append(Image(len(body.images), None, alt_text=unit.alt_text, src=unit.src))
            continue
        if unit.kind == "heading":
            section = unit.text
        paragraph_section = None if unit.kind in ("lead", "byline") else section
        body.paragraphs.append(Paragraph(index, unit.kind, unit.text, paragraph_section))
        if unit.kind == "lead":
            body.lead = unit.text
        elif unit.kind == "byline":
            # "Bài và ảnh: Minh Hà (TTXVN)" -> "Minh Hà": the agency tag stays in the byline paragraph.
            author = re.sub(r"^(?:Bài và ảnh|Bài, ảnh|Bài|Tin)\s*:\s*", "", unit.text)
            body.author = re.sub(r"\s*\([^()]{1,30}\)$", "", author) or author
        elif unit.kind == "caption" and unit.credit:
            body.images.append(
                Image(
                    index=len(body.images),
                    paragraph_index=index,
                    caption=unit.credit.caption,
                    credit=unit.credit.credit,
                    credit_role=unit.credit.role,
                    alt_text=unit.alt_text,
                    src=unit.src,
                )
            )
    return body


def title_paragraph(title: str) -> Paragraph:
    return Paragraph(0, "title", title)


