"""Discovery of the article pages of web sources (URL lists, feeds, sitemap indexes, sources configs) and the
ledger a web run keeps of every request; free of Prefect."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from tasks.common import GZIP_MAGIC
from tasks.fetch.archive import Archive
from tasks.fetch.charset import CharsetInfo
from tasks.fetch.feeds import FeedError, parse_feed
from tasks.fetch.http import HttpClient
from tasks.fetch.policy import FetchResult, Validators
from tasks.fetch.sitemaps import SitemapError, maybe_gunzip, newest_first, parse_sitemap
from tasks.fetch.sources import NamedSource, SourceConfigError, SourceSpec, classify, load_config, read_url_list, sniff_kind
from tasks.model import Reject
from warehouse.tables import TABLES

FetchRow = TABLES["fetches"].record
MAX_SITEMAP_DEPTH = 3  # index → index → urlset is the deepest real sites go
SNIFF_GUNZIP_BYTES = 1 << 22  # a gzipped body is sniffed for feed/sitemap within this much


@dataclass
class Candidate:
    """An article page to fetch, with where it was found."""

    url: str
    source: str
    trusted: bool  # given by the user (may be private/loopback) rather than discovered
    meta: dict = field(default_factory=dict)
    listings: list[str] = field(default_factory=list)  # feed/sitemap URLs (and their ancestors) that listed it
    prefetched: FetchResult | None = None  # a user URL already fetched while sniffing its kind
    when: datetime | None = None  # publication/lastmod date from the listing: max_items keeps the newest


@dataclass
class WebLedger:
    """What a web run records as it goes, listings and pages alike: `fetches` rows, counts, rejects and
    the conditional-GET state to commit once the run's items are loaded."""

    rows: list = field(default_factory=list)  # FetchRow records
    stats: Counter = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    updates: dict[str, dict] = field(default_factory=dict)
    today: str = field(default_factory=lambda: datetime.now(timezone.utc).date().isoformat())

    def record(self, r: FetchResult, source: str | None, role: str, *, outcome: str | None = None,
               sha: str | None = None, charset: CharsetInfo | None = None, error: str | None = None) -> None:
        """One row of the `fetches` table for a request made (or a URL given up on)."""
        outcome = outcome or r.outcome
        self.stats["wire_bytes"] += r.wire_bytes
        self.rows.append(FetchRow(
            fetch_id=uuid.uuid4().hex, url=r.url, final_url=r.final_url, source_name=source, role=role,
            status=r.status, outcome=outcome, content_hash=sha,
            raw_location=f"archive:{sha}" if sha and outcome == "fetched" else None,
            bytes=len(r.body) if r.body else 0, wire_bytes=r.wire_bytes, content_type=r.content_type,
            charset=charset.charset if charset else None, charset_declared=r.charset_header,
            etag=r.etag, last_modified=r.last_modified, fetched_at=r.fetched_at, elapsed_s=r.elapsed_s,
            attempts=r.attempts, redirects=list(r.redirects),
            error=error or (r.reason if outcome != "fetched" else None),
        ))


def config_reference(source: str) -> tuple[str, str | None] | None:
    """(config path, source name or None) for "sources.toml" or "sources.toml#<name>"; None otherwise.

    The "#<name>" form lets a scheduled deployment ingest one named source with its own name and
    limits, from the same config file `newsfacts serve` read.
    """
    path, _, name = source.strip().partition("#")
    if path.lower().endswith(".toml") and Path(path).expanduser().is_file():
        return path, name or None
    return None


class ListingWalker:
    """Finds the article pages of every source; listing documents are fetched (conditionally) and archived."""

    def __init__(self, client: HttpClient, archive: Archive, state: dict, ledger: WebLedger, max_decompressed: int):
        self.client, self.archive, self.state, self.ledger = client, archive, state, ledger
        self.max_decompressed = max_decompressed
        self.candidates: dict[str, Candidate] = {}
        self.listing_updates: dict[str, dict] = {}  # committed only when the whole listing went well
        self.failed_listings: set[str] = set()
        self._found: list[Candidate] = []  # pages of the source being discovered, before the max_items cut

    def discover(self, source: str | NamedSource) -> None:
        if isinstance(source, NamedSource):
            if not source.enabled:
                self.ledger.stats["sources_disabled"] += 1
                return
            spec, max_items = source.spec, source.max_items
        elif config_reference(source):
            self._config(*config_reference(source))
            return
        else:
            spec, max_items = classify(source), None
            spec = SourceSpec(spec.kind, spec.value, source)
        if spec.kind == "path":
            self.ledger.rejects.append(Reject("fetch", "not a web source (local path: read it with the local readers)",
                                              spec.name, spec.value))
            self.ledger.stats["sources_not_web"] += 1
        elif spec.kind == "url_list":
            self._url_list(spec, max_items)
        else:
            self._found = []
            self._listing(spec.kind, spec.value, spec.name, trusted=True, ancestors=[])
            floor = datetime.min.replace(tzinfo=timezone.utc)
            found = sorted(self._found, key=lambda c: c.when or floor, reverse=True)  # stable: undated keep order
            for candidate in found[:max_items] if max_items else found:
                self._add(candidate)

    def _url_list(self, spec: SourceSpec, max_items: int | None) -> None:
        try:
            urls = read_url_list(spec.value)
        except OSError as exc:
            self.ledger.rejects.append(Reject("fetch", "URL list unreadable", spec.name, spec.value, detail=str(exc)))
            return
        for url in urls[:max_items] if max_items else urls:
            self._add(Candidate(url, spec.name, trusted=True))

    def _config(self, path: str, name: str | None) -> None:
        """Every enabled [[source]] of a sources config file (see sources.example.toml), or the one named."""
        try:
            named_sources = load_config(Path(path).expanduser())
        except (SourceConfigError, OSError) as exc:
            self.ledger.rejects.append(Reject("fetch", "sources config file unusable", path, path, detail=str(exc)))
            return
        chosen = [n for n in named_sources if name is None or n.name == name]
        if not chosen:
            self.ledger.rejects.append(Reject("fetch", f"no source named {name!r} in the sources config", path, path))
        for named in chosen:
            self.discover(named)

    def _add(self, candidate: Candidate) -> None:
        url = candidate.url.split("#", 1)[0]
        candidate.url = url
        if url in self.candidates:
            self.ledger.stats["duplicates"] += 1
            known = self.candidates[url].listings
            known.extend(listing for listing in candidate.listings if listing not in known)
            return
        self.ledger.stats["discovered"] += 1
        self.candidates[url] = candidate

    def _listing(self, kind: str, url: str, source: str, *, trusted: bool, ancestors: list[str]) -> None:
        """Fetch a feed/sitemap (or a user URL of unknown kind) and collect its pages into self._found."""
        remembered = self.state.get(url, {})
        if kind == "url" and remembered.get("kind") in ("feed", "sitemap"):
            kind = remembered["kind"]  # sniffed on an earlier run: conditional GET is safe again
        validators = validators_of(remembered) if kind != "url" else None
        result = self.client.fetch(url, validators=validators, trusted=trusted)
        role = kind if kind != "url" else "page"
        if kind == "url":
            sniffed = _sniff(result.body) if result.outcome == "fetched" else None
            if sniffed is None:  # an article page given directly (or failing): it is its own candidate
                self._found.append(Candidate(url, source, trusted, prefetched=result))
                return
            kind = role = sniffed
        lineage = [*ancestors, url]
        if result.outcome != "fetched":
            self._listing_not_fetched(result, source, role, remembered, lineage)
            return
        key = self.archive.put(result.body)
        self.ledger.record(result, source, role, sha=key.split(":", 1)[1])
        children: list[str] = []
        try:
            if kind == "feed":
                self._feed_entries(result, source, lineage)
            else:
                children = self._sitemap_entries(result, source, lineage)
        except (FeedError, SitemapError) as exc:
            self._listing_failed(lineage, source, str(exc), role, result, location=key)
            return
        except Exception as exc:  # a parser bug on hostile input must not stop the other sources
            self._listing_failed(lineage, source, f"could not be parsed ({type(exc).__name__})", role,
                                 replace(result, detail=str(exc)), location=key)
            return
        self.ledger.stats["listings_fetched"] += 1
        self.listing_updates[url] = compact({"etag": result.etag, "last_modified": result.last_modified, "kind": kind,
                                             "content_hash": key.split(":", 1)[1], "seen": self.ledger.today,
                                             "children": children})

    def _listing_not_fetched(self, result: FetchResult, source: str, role: str, remembered: dict,
                             lineage: list[str]) -> None:
        self.ledger.record(result, source, role)
        if result.outcome != "not_modified":
            self._listing_failed(lineage, source, result.reason or "failed", role, result)
            return
        self.ledger.stats["listings_not_modified"] += 1
        self.ledger.updates[lineage[-1]] = {**remembered, "seen": self.ledger.today}
        # an unchanged index may still have changed children (often a static index over a
        # rolling news sitemap): revisit the children it listed last time, conditionally
        for child in remembered.get("children", []):
            if child not in lineage:
                self._listing("sitemap", child, source, trusted=False, ancestors=lineage)

    def _listing_failed(self, lineage: list[str], source: str, reason: str, role: str,
                        result: FetchResult, location: str | None = None) -> None:
        self.ledger.stats["listings_rejected"] += 1
        self.failed_listings.update(lineage)
        self.ledger.rejects.append(Reject("fetch", f"{role} {reason}", source, lineage[-1], location=location,
                                          detail=result.detail))

    def _feed_entries(self, result: FetchResult, source: str, lineage: list[str]) -> None:
        feed = parse_feed(result.body, result.final_url or result.url, result.content_type)
        self.ledger.stats["feed_entries_without_link"] += feed.entries_without_link
        for entry in feed.entries:
            meta = {"listing": lineage[-1], "listing_kind": "feed", "feed_title": feed.title,
                    "title": entry.title, "published": _iso(entry.published), "published_raw": entry.published_raw,
                    "author": entry.author, "guid": entry.guid, "categories": list(entry.categories)}
            self._found.append(Candidate(entry.url, source, trusted=False, meta=compact(meta), listings=list(lineage),
                                         when=entry.published or entry.updated))

    def _sitemap_entries(self, result: FetchResult, source: str, lineage: list[str]) -> list[str]:
        """Collect the pages of a urlset, or visit the children of an index; returns the children's URLs."""
        sitemap = parse_sitemap(result.body, result.final_url or result.url, self.max_decompressed)
        if sitemap.kind == "sitemapindex":
            if len(lineage) > MAX_SITEMAP_DEPTH:
                raise SitemapError(f"sitemap index nested deeper than {MAX_SITEMAP_DEPTH}")
            for child in newest_first(sitemap.urls):
                if child.url in lineage:
                    raise SitemapError(f"sitemap index loop at {child.url}")
                self._listing("sitemap", child.url, source, trusted=False, ancestors=lineage)
            return [child.url for child in sitemap.urls]
        for entry in sitemap.urls:
            meta = {"listing": lineage[-1], "listing_kind": "sitemap", "title": entry.news_title,
                    "published": _iso(entry.news_published), "published_raw": entry.news_published_raw,
                    "lastmod": _iso(entry.lastmod)}
            self._found.append(Candidate(entry.url, source, trusted=False, meta=compact(meta), listings=list(lineage),
                                         when=entry.news_published or entry.lastmod))
        return []


def _sniff(body: bytes) -> str | None:
    """feed / sitemap / None (a page) from a body, looking inside gzip for .xml.gz sitemaps."""
    if body.startswith(GZIP_MAGIC):
        try:
            body = maybe_gunzip(body, SNIFF_GUNZIP_BYTES)
        except SitemapError:
            return "sitemap"  # too big to sniff cheaply: let the sitemap parser report it
    return sniff_kind(body)


def validators_of(remembered: dict) -> Validators | None:
    """The conditional-GET validators remembered for a URL, if any."""
    if not (remembered.get("etag") or remembered.get("last_modified")):
        return None
    return Validators(remembered.get("etag"), remembered.get("last_modified"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def compact(meta: dict) -> dict:
    """`meta` without its empty values."""
    return {k: v for k, v in meta.items() if v not in (None, [], "")}
