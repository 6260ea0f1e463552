"""XML sitemaps, sitemap indexes and news sitemaps (.xml or .xml.gz), parsed with defusedxml only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from tasks.common import DecompressionError, decompress_bounded

GZIP_MAGIC = b"\x1f\x8b"


class SitemapError(ValueError):
    """Not a sitemap we can read safely; the message is the human reason."""


@dataclass(frozen=True)
class SitemapUrl:
    url: str
    lastmod: datetime | None = None
    news_title: str | None = None
    news_published: datetime | None = None
    news_published_raw: str | None = None


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "urlset" | "sitemapindex"
    urls: list[SitemapUrl] = field(default_factory=list)  # pages (urlset) or child sitemaps (index)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(element: Element, *path: str) -> str | None:
    """Text of the first descendant following local names `path` (namespace-agnostic)."""
    node = element
    for name in path:
        node = next((c for c in node if _local(c.tag) == name), None)
        if node is None:
            return None
    return (node.text or "").strip() or None


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """W3C datetime (2024-05-01, 2024-05-01T08:30:00+07:00, …Z) → aware datetime (UTC when no zone)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def maybe_gunzip(data: bytes, limit: int) -> bytes:
    """Gzipped sitemap files (.xml.gz served as application/x-gzip) decompressed within `limit`."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return decompress_bounded(data, limit)
    except DecompressionError as exc:
        raise SitemapError(f"gzipped sitemap: {exc}") from exc


def parse_sitemap(data: bytes, base_url: str, limit: int = 50 * 1024 * 1024) -> Sitemap:
    """URLs of a <urlset> or child sitemaps of a <sitemapindex>; DTDs and entities are refused."""
    data = maybe_gunzip(data, limit)
    try:
        root = safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SitemapError(f"unsafe XML refused: {type(exc).__name__} (DTD / entity / external reference)") from exc
    except ParseError as exc:
        raise SitemapError(f"malformed sitemap XML: {exc}") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (root element <{kind}>)")
    wanted = "url" if kind == "urlset" else "sitemap"
    urls = []
    for node in root:
        if _local(node.tag) != wanted or not (loc := _child_text(node, "loc")):
            continue
        published_raw = _child_text(node, "news", "publication_date")
        urls.append(SitemapUrl(
            url=urljoin(base_url, loc),
            lastmod=parse_w3c_datetime(_child_text(node, "lastmod")),
            news_title=_child_text(node, "news", "title"),
            news_published=parse_w3c_datetime(published_raw),
            news_published_raw=published_raw,
        ))
    return Sitemap(kind, urls)


def newest_first(urls: list[SitemapUrl]) -> list[SitemapUrl]:
    """Dated entries newest first (so a max_items cut keeps the newest), undated ones after, in order."""
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(urls, key=lambda u: u.news_published or u.lastmod or floor, reverse=True)
