"""Source specs: what a user-given source string is, and named sources from a TOML config file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

SOURCE_KINDS = ("path", "url", "url_list", "feed", "sitemap")
URL_LIST_SUFFIXES = (".txt", ".urls", ".lst", ".list")
_FEED_PATH = re.compile(r"(\.rss|\.atom|\.rdf)$|/(feed|feeds|rss|atom)(/|$)|[?&](feed|format)=(rss|atom)|/rss/", re.I)
_SITEMAP_PATH = re.compile(r"sitemap[^/]*$|sitemap.*\.xml(\.gz)?$|\.xml\.gz$", re.I)


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # one of SOURCE_KINDS; "url" = a web page, or a feed/sitemap recognised only once fetched
    value: str  # the path or URL
    name: str  # label used as SourceItem.source


@dataclass(frozen=True)
class Schedule:
    cron: str | None = None
    interval_minutes: float | None = None
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class NamedSource:
    """One [[source]] of the sources config file."""

    name: str
    kind: str
    url: str
    schedule: Schedule | None = None
    max_items: int | None = None  # newest N discovered pages per run; None = all
    enabled: bool = True
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def spec(self) -> SourceSpec:
        return SourceSpec(self.kind, self.url, self.name)


class SourceConfigError(ValueError):
    """The sources config file is invalid; the message names the source and the field."""


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https")


def kind_from_url(url: str) -> str:
    """feed / sitemap when the URL path says so, else "url" (decided by sniffing the body once fetched)."""
    parts = urlsplit(url)
    path_and_query = parts.path + ("?" + parts.query if parts.query else "")
    if _SITEMAP_PATH.search(parts.path):
        return "sitemap"
    if _FEED_PATH.search(path_and_query):
        return "feed"
    return "url"


def sniff_kind(body: bytes) -> str | None:
    """"feed" / "sitemap" from the root element of an XML document, else None (e.g. an HTML page)."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    # skip the XML declaration, comments, processing instructions and DOCTYPE
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", b"", head, flags=re.S | re.I).lstrip()
    m = re.match(rb"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)", head)
    root = m.group(1).lower() if m else b""
    if root in (b"rss", b"feed", b"rdf", b"channel"):
        return "feed"
    if root in (b"urlset", b"sitemapindex"):
        return "sitemap"
    return None


def _is_url_list(path: Path) -> bool:
    """A text file whose meaningful lines (at least one) are all http(s) URLs."""
    if path.suffix.lower() not in URL_LIST_SUFFIXES or not path.is_file():
        return False
    with path.open("r", encoding="utf-8", errors="replace") as f:
        lines = [s for line in f.read(256 * 1024).splitlines() if (s := line.strip()) and not s.startswith("#")]
    return bool(lines) and all(is_url(s) for s in lines)


def classify(source: str) -> SourceSpec:
    """Kind of a source given on the command line.

    Never touches the network: a URL whose path does not say feed or sitemap is "url", and the web
    glue (tasks.fetch.web) sniffs the fetched body — a page turning out to be a feed is read as a feed.
    """
    source = source.strip()
    if is_url(source):
        return SourceSpec(kind_from_url(source), source, source)
    path = Path(source).expanduser()
    if _is_url_list(path):
        return SourceSpec("url_list", str(path), path.name)
    return SourceSpec("path", source, source)


def read_url_list(path: str) -> list[str]:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]


# ---------------------------------------------------------------- config file

_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")
_CONFIG_KINDS = ("url", "url_list", "feed", "sitemap")


def _schedule(raw, where: str) -> Schedule | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SourceConfigError(f"{where}: schedule must be a table, e.g. {{cron = \"*/30 * * * *\"}}")
    cron, interval, tz = raw.get("cron"), raw.get("interval_minutes"), raw.get("timezone", "Asia/Ho_Chi_Minh")
    if (cron is None) == (interval is None):
        raise SourceConfigError(f"{where}: schedule needs exactly one of cron or interval_minutes")
    if cron is not None:
        fields_ = str(cron).split()
        if len(fields_) not in (5, 6) or not all(_CRON_FIELD.match(f) for f in fields_):
            raise SourceConfigError(f"{where}: invalid cron expression {cron!r} (5 fields expected)")
        return Schedule(cron=" ".join(fields_), timezone=tz)
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval <= 0:
        raise SourceConfigError(f"{where}: interval_minutes must be a positive number, got {interval!r}")
    return Schedule(interval_minutes=float(interval), timezone=tz)


def _named_source(raw: dict, index: int, seen: set[str]) -> NamedSource:
    where = f"source #{index + 1}"
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceConfigError(f"{where}: missing name")
    where = f"source {name!r}"
    if name in seen:
        raise SourceConfigError(f"{where}: duplicate name")
    url = raw.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SourceConfigError(f"{where}: missing url")
    kind = raw.get("kind") or (kind_from_url(url) if is_url(url) else "url_list")
    if kind not in _CONFIG_KINDS:
        raise SourceConfigError(f"{where}: kind must be one of {', '.join(_CONFIG_KINDS)}, got {kind!r}")
    if kind != "url_list" and not is_url(url):
        raise SourceConfigError(f"{where}: url must be http(s), got {url!r}")
    max_items = raw.get("max_items")
    if max_items is not None and (not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 1):
        raise SourceConfigError(f"{where}: max_items must be a positive integer, got {max_items!r}")
    known = {"name", "kind", "url", "schedule", "max_items", "enabled"}
    return NamedSource(
        name=name.strip(), kind=kind, url=url.strip(), schedule=_schedule(raw.get("schedule"), where),
        max_items=max_items, enabled=bool(raw.get("enabled", True)),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_config(path: str | Path) -> list[NamedSource]:
    """[[source]] tables of a TOML file (see sources.example.toml); raises SourceConfigError."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{path}: invalid TOML: {exc}") from exc
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise SourceConfigError(f"{path}: use [[source]] tables")
    sources, seen = [], set()
    for i, raw in enumerate(raw_sources):
        named = _named_source(raw, i, seen)
        if named.kind == "url_list" and not is_url(named.url):
            # URL-list files are named relative to the config file, not to the working directory
            named = replace(named, url=str((Path(path).parent / Path(named.url).expanduser()).resolve()))
        seen.add(named.name)
        sources.append(named)
    return sources


def display_name(source: str) -> str:
    """Short name of a source for run names and tags: the config source's name, a URL's host, a folder's name."""
    path, _, name = source.strip().partition("#")
    if name and path.lower().endswith(".toml"):
        return name
    if is_url(source):
        return urlsplit(source).netloc or source
    return Path(source.rstrip("/")).name or source
