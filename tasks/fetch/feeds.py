"""RSS/Atom feeds: refuse entity declarations (entity bombs) with defusedxml, then parse with feedparser."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
import feedparser
from defusedxml import DefusedXmlException


class FeedError(ValueError):
    """The bytes are not a feed we can read safely; the message is the human reason."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None = None
    published: datetime | None = None  # UTC
    published_raw: str | None = None  # as written, with the source's own offset
    updated: datetime | None = None
    guid: str | None = None
    author: str | None = None
    summary: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    title: str | None
    link: str | None
    version: str  # feedparser's name, e.g. rss20, atom10
    entries: list[FeedEntry] = field(default_factory=list)
    entries_without_link: int = 0  # entries dropped for lack of a link


_ENTITY_DECL = re.compile(rb"<!\s*entity", re.I)


def refuse_unsafe_xml(data: bytes) -> None:
    """Raise FeedError when the document declares entities or external references.

    defusedxml stops at the declaration itself, so nothing is ever expanded. A document too broken
    for a strict parser is still scanned for entity declarations before the lenient parser sees it.
    """
    try:
        safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe XML refused: {type(exc).__name__} (entity expansion / external reference)") from exc
    except ParseError:
        if _ENTITY_DECL.search(data) or _ENTITY_DECL.search(_utf16_as_ascii(data)):
            raise FeedError("unsafe XML refused: entity declaration in a malformed document") from None


def _utf16_as_ascii(data: bytes) -> bytes:
    """ASCII view of UTF-16 bytes (drop the NUL halves) so the declaration scan sees them."""
    return data.replace(b"\x00", b"") if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00<" in data[:4] else b""


def _utc(parsed) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def _entry(raw, base_url: str) -> FeedEntry | None:
    link = raw.get("link")
    guid = raw.get("id")
    if raw.get("guidislink") and not str(link).startswith(("http://", "https://")):
        link = None  # feedparser's fallback from a non-URL <id>/<guid> (e.g. "tag:…"): no page to fetch
    if not link:
        return None
    url = urljoin(base_url, link.strip())
    return FeedEntry(
        url=url,
        title=(raw.get("title") or "").strip() or None,
        published=_utc(raw.get("published_parsed")),
        published_raw=raw.get("published"),
        updated=_utc(dict.get(raw, "updated_parsed")),  # plain dict.get: no deprecated fallback
        guid=guid,
        author=raw.get("author"),
        summary=raw.get("summary"),
        categories=tuple(t.get("term") for t in raw.get("tags", []) if t.get("term")),
    )


def parse_feed(data: bytes, base_url: str, content_type: str | None = None) -> Feed:
    """Entries of an RSS 0.9x/1.0/2.0 or Atom document (bytes only: feedparser never fetches here)."""
    refuse_unsafe_xml(data)
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no feed elements"
        raise FeedError(f"not an RSS/Atom feed ({reason})")
    entries = [e for raw in parsed.entries if (e := _entry(raw, base_url))]
    meta = parsed.get("feed", {})
    return Feed(title=meta.get("title"), link=meta.get("link"), version=parsed.get("version") or "unknown",
                entries=entries, entries_without_link=len(parsed.entries) - len(entries))
