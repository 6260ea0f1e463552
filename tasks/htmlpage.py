"""Saved HTML news pages to article parts: trafilatura for the main text, page metadata for date, author, lead and images."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import lxml.html
import trafilatura
from lxml import etree

from tasks.lexicon import word_list
from tasks.plaintext import Body, Figure, build_body, parse_date_value, parse_dateline, split_credit
from tasks.textnorm import clean_text

DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "extensive_search": True, "original_date": True}
# Fewer visible characters than this outside scripts: the page is rendered by JavaScript.
MIN_VISIBLE_CHARS = 40
# An article page has at least this much prose (sentences, not link titles) in its body.
MIN_PROSE_CHARS = 80
# After a "Tin liên quan"-style marker, paragraphs shorter than this are taken as the box's links.
MAX_LINK_CHARS = 120
_SITE_PREFIX = re.compile(r"^\([^()]{2,30}\)\s*[-–—]\s*")  # "(Dân trí) - " before a sapo
_SAPO_CLASSES = ("sapo", "description", "summary", "chapeau", "lead", "excerpt", "teaser")
_CAPTION_CLASSES = ("caption", "image_desc", "desc", "figcaption", "photo-note", "note")
_LOWER = "abcdefghijklmnopqrstuvwxyz"


class PageRejected(ValueError):
    """The page holds no article we can use; the message is the human reason."""


@dataclass
class PageArticle:
    title: str
    body: Body
    published_at: datetime | None = None
    author: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    og_image: str | None = None
    language: str = "vi"
    flags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- helpers


def _text(value: str | None) -> str:
    return clean_text(" ".join((value or "").split())).strip()


def _element_text(el: etree._Element) -> str:
    return _text(" ".join(el.itertext()))


@cache
def _boilerplate_markers() -> frozenset[str]:
    return frozenset(m.casefold() for m in word_list("reader_boilerplate.txt"))


def is_boilerplate_marker(text: str) -> bool:
    return _text(text).rstrip(":").strip().casefold() in _boilerplate_markers()


@cache
def _noise_xpaths() -> tuple[str, ...]:
    """XPath expressions removing boxes whose class/id names them as noise (see reader_html_noise.txt)."""
    upper = _LOWER.upper()
    tests = []
    for word in word_list("reader_html_noise.txt"):
        token = " ".join(word.lower().split())
        for attr in ("@class", "@id"):
            normalised = f"concat(' ', translate(translate({attr}, '{upper}', '{_LOWER}'), '-_', '  '), ' ')"
            tests.append(f"contains({normalised}, ' {token} ')")
    structural = "//nav | //footer | //aside | //form | //header[not(.//h1)]"
    # A box holding the headline is the article column, whatever its class says ("sidebar-1").
    return (structural, f"//*[not(self::body or self::html)][not(.//h1)][{' or '.join(tests)}]")


def _meta(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for el in tree.xpath(f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']"):
            value = _text(el.get("content"))
            if value:
                return value
    return None


def _metas(tree: lxml.html.HtmlElement, name: str) -> list[str]:
    return [_text(el.get("content")) for el in tree.xpath(f"//meta[@property='{name}' or @name='{name}']") if el.get("content")]


def _json_ld_objects(tree: lxml.html.HtmlElement) -> list[dict]:
    objects: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            elif isinstance(item, list):
                stack.extend(item)
    return objects


def _ld_value(objects: list[dict], key: str) -> object:
    for obj in objects:
        if obj.get(key):
            return obj[key]
    return None


def _person_names(value: object) -> str | None:
    if isinstance(value, str):
        return _text(value) or None
    if isinstance(value, dict):
        return _person_names(value.get("name"))
    if isinstance(value, list):
        names = [n for v in value if (n := _person_names(v))]
        return ", ".join(names) or None
    return None


def _split_list(values: list[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        parts = value if isinstance(value, list) else str(value or "").split(",")
        for part in parts:
            text = _text(str(part))
            if text and text.casefold() not in {o.casefold() for o in out}:
                out.append(text)
    return out


def _class_words(value: str) -> str:
    return " " + " ".join(value.lower().replace("-", " ").replace("_", " ").split()) + " "


def _has_class(el: etree._Element, words: tuple[str, ...]) -> bool:
    """Whether the class or id of `el` contains one of `words` as whole words ("image_desc" ~ "image desc")."""
    attrs = _class_words(f"{el.get('class') or ''} {el.get('id') or ''}")
    return any(_class_words(w) in attrs for w in words)


# ---------------------------------------------------------------- metadata


def _published_at(tree, document, flags: list[str]) -> datetime | None:
    """Publication time, preferring the page's own machine-readable fields (they keep the zone)."""
    ld = _json_ld_objects(tree)
    candidates: list[object] = [
        _meta(tree, "article:published_time", "og:article:published_time", "datePublished", "pubdate", "publishdate"),
        _ld_value(ld, "datePublished"),
    ]
    candidates += [t.get("datetime") for t in tree.xpath("//time[@datetime]")]
    for value in candidates:
        if value:
            parsed, value_flags = parse_date_value(value)
            if parsed:
                flags.extend(value_flags)
                return parsed
    for el in tree.xpath("//*[self::div or self::span or self::p or self::time or self::li]"):
        if _has_class(el, ("date", "time", "datetime", "publish", "ngay")) and len(el) <= 3:
            dateline = parse_dateline(_element_text(el))
            if dateline and dateline.published_at:
                flags.extend(dateline.flags)
                return dateline.published_at
    if document is not None and document.date:
        parsed, value_flags = parse_date_value(document.date)
        if parsed:
            flags.append("published_at_guessed: date found by htmldate heuristics, not stated by the page")
            return parsed
    flags.append("no_published_at: the page states no publication date")
    return None


def _sapo(tree) -> str | None:
    for el in tree.xpath("//*[self::p or self::h2 or self::div or self::span or self::strong]"):
        if _has_class(el, _SAPO_CLASSES) and not el.xpath(".//p[string-length(normalize-space()) > 200]"):
            text = _SITE_PREFIX.sub("", _element_text(el))
            if len(text) >= 30:
                return text
    return None


def _dom_captions(tree) -> set[str]:
    captions = {_element_text(el) for el in tree.xpath("//figcaption")}
    for el in tree.xpath("//*[self::p or self::td or self::div or self::span or self::em]"):
        if _has_class(el, _CAPTION_CLASSES) and len(el) <= 4:
            captions.add(_element_text(el))
    return {c for c in captions if c}


# ---------------------------------------------------------------- body


def _is_prose(text: str) -> bool:
    """Sentences rather than a run of link titles: several words and a sentence end somewhere."""
    return len(text.split()) >= 5 and bool(re.search(r"[.!?…](?:\s|$|[\"”)])", text))


def _same_text(a: str, b: str) -> bool:
    a, b = _SITE_PREFIX.sub("", a).casefold(), _SITE_PREFIX.sub("", b).casefold()
    return bool(a) and (a == b or (len(a) > 40 and (a.startswith(b) or b.startswith(a))))


@dataclass
class _Stream:
    """The extracted body as blocks for build_body, filtered of page furniture on the way."""

    title: str
    captions: set[str]
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
            self.skipping_box, _ = True, self.dropped.append(joined)
            return
        if self.skipping_box and (kind == "item" or len(joined) <= MAX_LINK_CHARS):
            self.dropped.append(joined)
            return
        self.skipping_box = False
        if _same_text(joined, self.title):
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
        if joined in self.captions:
            self.blocks.append([Figure(joined)])
            return
        self.blocks.append(lines)

    def add_graphic(self, el: etree._Element) -> None:
        self.flush_figure()
        self.pending = Figure("", _text(el.get("alt")) or None, el.get("src") or el.get("data-src"))


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
    return [_text(line) for line in lines]


def _walk(el: etree._Element, stream: _Stream) -> None:
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
                stream.add_text([" | ".join(_element_text(c) for c in child if _element_text(c))], "row")
            else:
                _walk(child, stream)
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
        text = _element_text(el)
        if text and el.tag == "figcaption":
            img = el.getparent().find(".//img") if el.getparent() is not None else None
            blocks.append([Figure(text, img.get("alt") if img is not None else None, img.get("src") if img is not None else None)])
        elif text and not el.xpath("ancestor::li | ancestor::blockquote"):
            blocks.append([text])
    if not blocks:
        text = _element_text(tree)
        blocks = [[line] for line in text.split("\n") if line.strip()]
    return build_body(blocks)


# ---------------------------------------------------------------- the page


def _check_page(html: str, tree) -> None:
    lowered = html[-4096:].lower()
    if "</html" not in lowered and "</body" not in lowered:
        tail = " ".join(html[-60:].split())
        raise PageRejected(f"truncated HTML: the page ends before </body></html> (ends with {tail!r})")
    visible = tree.xpath("string(//body)") if tree.find(".//body") is not None else ""
    scripts = "".join(tree.xpath("//body//script//text() | //body//style//text() | //body//noscript//text()"))
    visible_chars = len(" ".join(visible.split())) - len(" ".join(scripts.split()))
    if visible_chars < MIN_VISIBLE_CHARS and scripts.strip():
        raise PageRejected("page has no visible text, only scripts (rendered by JavaScript; save the rendered page)")
    if visible_chars < MIN_VISIBLE_CHARS:
        raise PageRejected(f"no article in the page: only {max(visible_chars, 0)} characters of visible text")


def parse_html_page(html: str, url: str | None = None) -> PageArticle:
    """Article parts of a saved news page; raises PageRejected when the page holds no usable article."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise PageRejected(f"HTML could not be parsed: {exc}") from exc
    _check_page(html, tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_images=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_PARAMS,
        prune_xpath=list(_noise_xpaths()),
    )
    if document is None or document.body is None:
        raise PageRejected("no article text found in the page (navigation or listing page?)")

    flags: list[str] = []
    ld = _json_ld_objects(tree)
    h1 = tree.xpath("//h1")
    title = _text(_meta(tree, "og:title")) or (_element_text(h1[0]) if h1 else "") or _text(document.title)
    stream = _Stream(title=title, captions=_dom_captions(tree))
    _walk(document.body, stream)
    stream.flush_figure()

    description = _meta(tree, "description", "og:description") or _text(document.description) or None
    lead = _sapo(tree) or description
    blocks = stream.blocks
    if lead:
        blocks = [b for b in blocks if not (len(b) == 1 and isinstance(b[0], str) and _same_text(b[0], lead))]
        blocks.insert(0, [lead])
    body = build_body(blocks)
    if sum(len(p.text) for p in body.paragraphs if _is_prose(p.text) and p.kind in ("body", "lead")) < MIN_PROSE_CHARS:
        raise PageRejected("no article text found in the page (only a title, links or navigation)")
    flags.extend(body.flags)

    author = (
        _meta(tree, "author", "article:author")
        or _person_names(_ld_value(ld, "author"))
        or _text(document.author)
        or body.author
    )
    if author and author.startswith("http"):
        author = body.author
    canonical = (tree.xpath("//link[@rel='canonical']/@href") or [None])[0] or _meta(tree, "og:url") or document.url or url
    categories = _split_list([*_metas(tree, "article:section"), _ld_value(ld, "articleSection") or "", *(document.categories or [])])
    tags = _split_list([*_metas(tree, "article:tag"), _meta(tree, "keywords", "news_keywords") or "", _ld_value(ld, "keywords") or "", *(document.tags or [])])
    language = (tree.get("lang") or document.language or "vi").split("-")[0].lower() or "vi"
    return PageArticle(
        title=title,
        body=body,
        published_at=_published_at(tree, document, flags),
        author=author,
        description=description,
        canonical_url=_text(canonical) or None,
        categories=categories,
        tags=tags,
        og_image=_meta(tree, "og:image") or document.image,
        language=language,
        flags=flags,
    )
