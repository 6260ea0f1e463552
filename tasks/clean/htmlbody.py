"""The body of a news page as blocks for build_body: trafilatura's extraction filtered of page furniture
(boilerplate boxes, repeated headline, datelines, link teasers) with its figures; and HTML fragments of data exports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import lxml.html
from lxml import etree

from tasks.clean.body import Body, Figure, build_body, split_credit
from tasks.clean.datelines import parse_dateline
from tasks.clean.textnorm import clean_text
from tasks.common import phrase_alternation
from tasks.lexicon import word_list

# After a "Tin liên quan"-style marker, paragraphs shorter than this are taken as the box's links.
MAX_LINK_CHARS = 120


@cache
def _site_prefix() -> re.Pattern:
    """ "(Dân trí) - " or "TTO - " before a lead (names in readers/site_prefixes.txt)."""
    names = phrase_alternation(word_list("readers/site_prefixes.txt"))
    return re.compile(rf"^(?:\([^()]{{2,30}}\)|{names})\s*[-–—]\s*")


def strip_site_prefix(text: str) -> str:
    return _site_prefix().sub("", text)


def page_text(value: str | None) -> str:
    """Display text of markup text: whitespace runs collapsed, then clean_text."""
    return clean_text(" ".join((value or "").split())).strip()


def element_text(el: etree._Element) -> str:
    """The display text of an element and all it contains."""
    return page_text(" ".join(el.itertext()))


@cache
def _boilerplate_markers() -> frozenset[str]:
    return frozenset(m.casefold() for m in word_list("readers/boilerplate.txt"))


def is_boilerplate_marker(text: str) -> bool:
    return page_text(text).rstrip(":").strip().casefold() in _boilerplate_markers()


def _is_link_teaser(text: str) -> bool:
    """ "Xem thêm: <headline>" — a marker, a colon and one short link title."""
    marker, colon, rest = text.partition(":")
    return bool(colon) and is_boilerplate_marker(marker) and len(rest) <= MAX_LINK_CHARS


def is_prose(text: str) -> bool:
    """Sentences rather than a run of link titles: several words and a sentence end somewhere."""
    return len(text.split()) >= 5 and bool(re.search(r"[.!?…](?:\s|$|[\"”)])", text))


def same_text(a: str, b: str) -> bool:
    a, b = strip_site_prefix(a).casefold(), strip_site_prefix(b).casefold()
    return bool(a) and (a == b or (len(a) > 40 and (a.startswith(b) or b.startswith(a))))


@dataclass
class BodyStream:
    """The extracted body as blocks for build_body, filtered of page furniture on the way."""

    title: str
    captions: dict[str, tuple[str | None, str | None]]
    dropped: list[str] = field(default_factory=list)
    blocks: list[list[str | Figure]] = field(default_factory=list)
    skipping_box: bool = False
    pending: Figure | None = None

    def flush_figure(self) -> None:
        if self.pending:
            self.blocks.append([self.pending])
            self.pending = None

    def add_text(self, lines: list[str], kind: str) -> None:
        lines = [line for line in lines if line]
        if not lines:
            return
        joined = " ".join(lines)
        if is_boilerplate_marker(joined):
            self.flush_figure()
            self.skipping_box = True
            self.dropped.append(joined)
            return
        if self.skipping_box and (kind == "item" or len(joined) <= MAX_LINK_CHARS):
            self.dropped.append(joined)
            return
        self.skipping_box = False
        if same_text(joined, self.title):
            # Whatever came before the headline (category label, breadcrumb) is page furniture.
            if all(len(t) <= MAX_LINK_CHARS for b in self.blocks for t in b if isinstance(t, str)):
                self.dropped.extend(t for b in self.blocks for t in b if isinstance(t, str))
                self.blocks.clear()
            self.dropped.append(joined)
            return
        if len(lines) == 1 and parse_dateline(joined):
            self.dropped.append(joined)
            return
        if self.pending and (joined in self.captions or split_credit(joined)):
            self.blocks.append([Figure(joined, self.pending.alt_text, self.pending.src)])
            self.pending = None
            return
        self.flush_figure()
        if self._completes_previous_caption(joined):
            return
        if joined in self.captions:
            alt, src = self.captions[joined]
            self.blocks.append([Figure(joined, alt, src)])
            return
        if _is_link_teaser(joined):
            self.dropped.append(joined)
            return
        self.blocks.append(lines)

    def _completes_previous_caption(self, line: str) -> bool:
        """A credit line ("Ảnh: X") right after an uncredited figure caption joins that caption."""
        credit = split_credit(line)
        last = self.blocks[-1][-1] if self.blocks and self.blocks[-1] else None
        if not (credit and credit.caption is None and isinstance(last, Figure) and last.caption):
            return False
        if split_credit(last.caption):
            return False
        self.blocks[-1][-1] = Figure(f"{last.caption} {line}", last.alt_text, last.src)
        return True

    def add_graphic(self, el: etree._Element) -> None:
        self.flush_figure()
        self.pending = Figure("", page_text(el.get("alt")) or None, el.get("src") or el.get("data-src"))


def _lines(el: etree._Element) -> list[str]:
    """Text of an element split at its <lb/> line breaks, without nested graphics."""
    lines, current = [], [el.text or ""]
    for child in el:
        if child.tag == "lb":
            lines.append("".join(current))
            current = []
        elif child.tag != "graphic":
            current.append(" ".join(child.itertext()))
        current.append(child.tail or "")
    lines.append("".join(current))
    return [page_text(line) for line in lines]


def walk(el: etree._Element, stream: BodyStream) -> None:
    for child in el:
        tag = child.tag
        if tag == "graphic":
            stream.add_graphic(child)
        elif tag in ("p", "head", "quote", "item", "cell"):
            for graphic in child.iter("graphic"):
                stream.add_graphic(graphic)
            stream.add_text(_lines(child), "item" if tag == "item" else tag)
        elif tag in ("list", "table", "row", "div", "code"):
            if tag == "row" and not child.xpath(".//graphic") and stream.pending is None:
                stream.add_text([" | ".join(element_text(c) for c in child if element_text(c))], "row")
            else:
                walk(child, stream)
        else:
            stream.add_text(_lines(child), tag)
    if el.tag == "body":
        stream.flush_figure()


def body_from_fragment(html: str) -> Body:
    """The paragraph model of an HTML fragment (article content stored as HTML in a data export)."""
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks: list[list[str | Figure]] = []
    for el in tree.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "blockquote", "img"):
        if el.tag == "img":
            continue
        if el.tag == "p" and el.getparent() is not None and el.getparent().tag == "figcaption":
            continue
        text = element_text(el)
        if text and el.tag == "figcaption":
            img = el.getparent().find(".//img") if el.getparent() is not None else None
            blocks.append([Figure(text, img.get("alt") if img is not None else None, img.get("src") if img is not None else None)])
        elif text and not el.xpath("ancestor::li | ancestor::blockquote"):
            blocks.append([text])
    if not blocks:
        text = element_text(tree)
        blocks = [[line] for line in text.split("\n") if line.strip()]
    return build_body(blocks)
