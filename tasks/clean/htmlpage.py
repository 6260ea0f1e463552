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

from tasks.clean.body import Body, build_body
from tasks.clean.datelines import Dateline, parse_date_value, parse_dateline
from tasks.clean.htmlbody import BodyStream, element_text, is_prose, page_text, same_text, strip_site_prefix, walk
from tasks.lexicon import word_list

DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "extensive_search": True, "original_date": True}
# Fewer visible characters than this outside scripts: the page is rendered by JavaScript.
MIN_VISIBLE_CHARS = 40
# An article page has at least this much prose (sentences, not link titles) in its body.
MIN_PROSE_CHARS = 80
_SAPO_CLASSES = ("sapo", "description", "summary", "chapeau", "lead", "excerpt", "teaser")
_DATE_CLASSES = ("date", "time", "datetime", "publish", "publishdate", "ngay", "ngay dang")
_CAPTION_CLASSES = ("caption", "image_desc", "desc", "figcaption", "photo-note", "note")


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


@cache
def _noise_words() -> tuple[str, ...]:
    return tuple(_class_words(w) for w in word_list("readers/html_noise.txt"))


NOISE_MARK = "data-newsfacts-noise"
# Boxes that are page furniture by their tag; a <header> holding the headline is the article's own.
NOISE_XPATH = f"//*[@{NOISE_MARK}] | //nav | //footer | //aside | //form | //header[not(.//h1)]"


def mark_noise(tree: lxml.html.HtmlElement) -> int:
    """Mark boxes whose class/id names them as noise (readers/html_noise.txt) for pruning; returns how many.

    Marking instead of removing keeps the whole page for metadata extraction; a box that holds
    the headline is the article column whatever its class says (VnExpress's "sidebar-1").
    """
    marked = 0
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if attrs.strip() and any(w in _class_words(attrs) for w in _noise_words()) and el.find(".//h1") is None:
            el.set(NOISE_MARK, "1")
            marked += 1
    return marked


def _meta(tree: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for el in tree.xpath(f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']"):
            value = page_text(el.get("content"))
            if value:
                return value
    return None


def _metas(tree: lxml.html.HtmlElement, name: str) -> list[str]:
    return [page_text(el.get("content")) for el in tree.xpath(f"//meta[@property='{name}' or @name='{name}']") if el.get("content")]


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
        return page_text(value) or None
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
            text = page_text(str(part))
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
    dateline = _dateline_in_markup(tree)
    if dateline is not None:
        flags.extend(dateline.flags)
        return dateline.published_at
    if document is not None and document.date:
        parsed, value_flags = parse_date_value(document.date)
        if parsed:
            flags.append("published_at_guessed: date found by htmldate heuristics, not stated by the page")
            return parsed
    flags.append("no_published_at: the page states no publication date")
    return None


def _dateline_in_markup(tree) -> Dateline | None:
    """A Vietnamese dateline in a date-like element, searched near the headline first.

    Site headers often show today's date in a "date" box; the article's own date sits beside the
    headline, so the boxes around the <h1> are searched before the whole page.
    """
    h1 = tree.find(".//h1")
    scopes = [a for a in (h1.iterancestors() if h1 is not None else ()) if a.tag != "html"][:4] + [tree]
    for scope in scopes:
        for el in scope.iter("div", "span", "p", "time", "li"):
            if el.get(NOISE_MARK) or len(el) > 3 or not _has_class(el, _DATE_CLASSES):
                continue
            dateline = parse_dateline(element_text(el))
            if dateline and dateline.published_at:
                return dateline
    return None


def _sapo(tree) -> str | None:
    for el in tree.xpath("//*[self::p or self::h2 or self::div or self::span or self::strong]"):
        if _has_class(el, _SAPO_CLASSES) and not el.xpath(".//p[string-length(normalize-space()) > 200]"):
            text = strip_site_prefix(element_text(el))
            if len(text) >= 30:
                return text
    return None


def _nearest_image(el: etree._Element) -> tuple[str | None, str | None]:
    """(alt, src) of the image sharing a figure/photo box with a caption element."""
    box = el
    for _ in range(4):
        box = box.getparent()
        if box is None:
            break
        images = box.xpath(".//img")
        if images:
            img = images[0]
            return page_text(img.get("alt")) or None, img.get("src") or img.get("data-src") or img.get("data-original")
    return None, None


def _dom_captions(tree) -> dict[str, tuple[str | None, str | None]]:
    """Caption texts of the page (figcaption, caption boxes and their paragraphs) -> (alt, src) of their image."""
    boxes = list(tree.xpath("//figcaption"))
    boxes += [
        el for el in tree.xpath("//*[self::p or self::td or self::div or self::span or self::em]")
        if _has_class(el, _CAPTION_CLASSES) and len(el) <= 4
    ]
    captions: dict[str, tuple[str | None, str | None]] = {}
    for box in boxes:
        image = _nearest_image(box)
        for el in [box, *box.xpath(".//p")]:
            text = element_text(el)
            if text:
                captions.setdefault(text, image)
    return captions


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
    tree, document = _extract(html, url)
    h1 = tree.xpath("//h1")
    title = page_text(_meta(tree, "og:title")) or (element_text(h1[0]) if h1 else "") or page_text(document.title)
    description = _meta(tree, "description", "og:description") or page_text(document.description) or None
    body = _page_body(tree, document, title, lead=_sapo(tree) or description)
    flags = list(body.flags)
    ld = _json_ld_objects(tree)
    author = (_meta(tree, "author", "article:author") or _person_names(_ld_value(ld, "author"))
              or page_text(document.author) or body.author)
    if author and author.startswith("http"):
        author = body.author
    canonical = (tree.xpath("//link[@rel='canonical']/@href") or [None])[0] or _meta(tree, "og:url") or document.url or url
    categories = _split_list([*_metas(tree, "article:section"), _ld_value(ld, "articleSection") or "",
                              *(document.categories or [])])
    tags = _split_list([*_metas(tree, "article:tag"), _meta(tree, "keywords", "news_keywords") or "",
                        _ld_value(ld, "keywords") or "", *(document.tags or [])])
    language = (tree.get("lang") or document.language or "vi").split("-")[0].lower() or "vi"
    return PageArticle(
        title=title,
        body=body,
        published_at=_published_at(tree, document, flags),
        author=author,
        description=description,
        canonical_url=page_text(canonical) or None,
        categories=categories,
        tags=tags,
        og_image=_meta(tree, "og:image") or document.image,
        language=language,
        flags=flags,
    )


def _extract(html: str, url: str | None):
    """The parsed page (its noise boxes marked) and trafilatura's extraction of it."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise PageRejected(f"HTML could not be parsed: {exc}") from exc
    _check_page(html, tree)
    mark_noise(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_images=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_PARAMS,
        prune_xpath=[NOISE_XPATH],
    )
    if document is None or document.body is None:
        raise PageRejected("no article text found in the page (navigation or listing page?)")
    return tree, document


def _page_body(tree, document, title: str, lead: str | None) -> Body:
    """The extracted body without page furniture, the lead first; a page with too little prose is rejected."""
    stream = BodyStream(title=title, captions=_dom_captions(tree))
    walk(document.body, stream)
    stream.flush_figure()
    prose = sum(len(t) for b in stream.blocks for t in b if isinstance(t, str) and is_prose(t))
    if prose < MIN_PROSE_CHARS:
        raise PageRejected("no article text found in the page (only a title, links or navigation)")
    blocks = stream.blocks
    if lead:
        blocks = [b for b in blocks if not (len(b) == 1 and isinstance(b[0], str) and same_text(b[0], lead))]
        blocks.insert(0, [lead])
    return build_body(blocks)
