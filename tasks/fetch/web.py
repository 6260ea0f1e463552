"""Fetch web sources (article URLs, URL lists, feeds, sitemaps) into the raw archive; free of Prefect."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tasks.fetch.archive import Archive, StateFile, sha256_hex
from tasks.fetch.feeds import FeedError, parse_feed
from tasks.fetch.http import CharsetInfo, FetchResult, HttpClient, HttpPolicy, Validators, content_type_parts, sniff_charset
from tasks.model import Reject, SourceItem
from tasks.fetch.sitemaps import SitemapError, maybe_gunzip, newest_first, parse_sitemap
from tasks.fetch.sources import NamedSource, SourceConfigError, SourceSpec, classify, load_config, read_url_list, sniff_kind

VALIDATORS_FILE = "http_validators.json"
VALIDATOR_TTL_DAYS = 90  # validators of URLs not seen for this long are dropped from the state file
MAX_SITEMAP_DEPTH = 3  # index → index → urlset is the deepest real sites go
ARTICLE_OUTCOMES = ("fetched", "not_modified", "unchanged", "rejected", "skipped")
SKIP_KINDS = ("robots_disallowed", "skipped_private", "skipped_scheme")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass
class WebFetchResult:
    """What fetch hands on: items to clean, rejects, rows for the `fetches` table and counts.

    stats invariant: discovered == fetched + not_modified + unchanged + rejected + skipped,
    where skipped == robots_disallowed + skipped_private + skipped_scheme (all for article pages).
    Pages end as: `items` (fetched), `skipped` (not_modified, unchanged: nothing to clean) or `rejects`
    (rejected, and robots/private/scheme skips with reason "skipped: …" so the reason is kept).
    Sources may be URLs, URL-list files, sources config files (*.toml) or NamedSource objects.
    Listing documents (feeds, sitemaps) are counted apart: listings_fetched / _not_modified / _rejected.
    """

    items: list[SourceItem]
    rejects: list[Reject]
    fetch_rows: list[dict]
    stats: dict
    validator_updates: dict = field(default_factory=dict)  # pending conditional-GET state, see commit_validators
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason): not_modified and unchanged pages

    def commit(self, warehouse: str) -> None:
        commit_validators(warehouse, self.validator_updates)


@dataclass
class _Candidate:
    """An article page to fetch, with where it was found."""

    url: str
    source: str
    trusted: bool  # given by the user (may be private/loopback) rather than discovered
    meta: dict = field(default_factory=dict)
    listings: list[str] = field(default_factory=list)  # feed/sitemap URLs (and their ancestors) that listed it
    prefetched: FetchResult | None = None  # a user URL already fetched while sniffing its kind
    when: datetime | None = None  # publication/lastmod date from the listing: max_items keeps the newest


@dataclass
class _PageOutcome:
    candidate: _Candidate
    result: FetchResult
    outcome: str
    key: str | None = None
    sha: str | None = None
    charset: CharsetInfo | None = None
    reason: str | None = None


def config_reference(source: str) -> tuple[str, str | None] | None:
    """(config path, source name or None) for "sources.toml" or "sources.toml#<name>"; None otherwise.

    The "#<name>" form lets a scheduled deployment ingest one named source with its own name and
    limits, from the same config file `newsfacts serve` read.
    """
    path, _, name = source.strip().partition("#")
    if path.lower().endswith(".toml") and Path(path).expanduser().is_file():
        return path, name or None
    return None


def commit_validators(warehouse: str, updates: dict) -> None:
    """Merge pending ETag/Last-Modified updates into `<warehouse>/_state/http_validators.json`.

    Call it after the fetched items are safely loaded: committed validators make the next run
    skip unchanged feeds and pages, so committing before a crash would lose those pages.
    """
    if not updates:
        return
    store = StateFile(warehouse, VALIDATORS_FILE)
    state = store.load()  # reloaded now so a concurrent run's entries are kept
    state.update(updates)
    cutoff = (datetime.now(timezone.utc) - timedelta(days=VALIDATOR_TTL_DAYS)).date().isoformat()
    store.save({url: v for url, v in state.items() if isinstance(v, dict) and v.get("seen", "") >= cutoff})


def fetch_web_sources(
    sources: list[str | NamedSource],
    warehouse: str,
    settings,
    known: dict[str, str] | None = None,
    *,
    commit_state: bool = True,
    policy: HttpPolicy | None = None,
) -> WebFetchResult:
    """Fetch every web source into the raw archive and return one SourceItem per new or changed page.

    `known` maps page URL → SHA-256 of the raw body already loaded (articles.input_hash): such pages
    are fetched conditionally and reported `not_modified` / `unchanged` instead of becoming items.
    With commit_state=False the caller commits `result.validator_updates` itself after loading.
    """
    policy = policy or HttpPolicy.from_settings(settings)
    run = _WebRun(policy, warehouse, known or {})
    with HttpClient(policy) as client:
        run.client = client
        for source in sources:
            run.discover(source)
        run.fetch_pages()
        run.record_robots(client.robots_results)
        run.stats["requests"] = client.requests_sent
    result = run.result()
    if commit_state:
        result.commit(warehouse)
    return result


class _WebRun:
    def __init__(self, policy: HttpPolicy, warehouse: str, known: dict[str, str]):
        self.policy, self.known = policy, known
        self.archive = Archive(warehouse)
        self.state = StateFile(warehouse, VALIDATORS_FILE).load()
        self.client: HttpClient | None = None
        self.candidates: dict[str, _Candidate] = {}
        self.items: list[SourceItem] = []
        self.rejects: list[Reject] = []
        self.rows: list[dict] = []
        self.stats: Counter = Counter()
        self.updates: dict[str, dict] = {}
        self.listing_updates: dict[str, dict] = {}  # committed only when the whole listing went well
        self.failed_listings: set[str] = set()
        self.skipped: list[tuple[str, str]] = []
        self._found: list[_Candidate] = []  # pages of the source being discovered, before the max_items cut
        self.today = datetime.now(timezone.utc).date().isoformat()

    # -- discovery

    def discover(self, source: str | NamedSource) -> None:
        if isinstance(source, NamedSource):
            if not source.enabled:
                self.stats["sources_disabled"] += 1
                return
            spec, max_items = source.spec, source.max_items
        elif config_reference(source):
            self._config(*config_reference(source))
            return
        else:
            spec, max_items = classify(source), None
            spec = SourceSpec(spec.kind, spec.value, source)
        if spec.kind == "path":
            self.rejects.append(Reject("fetch", "not a web source (local path: read it with the local readers)",
                                       spec.name, spec.value))
            self.stats["sources_not_web"] += 1
        elif spec.kind == "url_list":
            try:
                urls = read_url_list(spec.value)
            except OSError as exc:
                self.rejects.append(Reject("fetch", "URL list unreadable", spec.name, spec.value, detail=str(exc)))
                return
            for url in urls[:max_items] if max_items else urls:
                self._add(_Candidate(url, spec.name, trusted=True))
        else:
            self._found = []
            self._listing(spec.kind, spec.value, spec.name, trusted=True, ancestors=[])
            floor = datetime.min.replace(tzinfo=timezone.utc)
            found = sorted(self._found, key=lambda c: c.when or floor, reverse=True)  # stable: undated keep order
            for candidate in found[:max_items] if max_items else found:
                self._add(candidate)

    def _config(self, path: str, name: str | None) -> None:
        """Every enabled [[source]] of a sources config file (see sources.example.toml), or the one named."""
        try:
            named_sources = load_config(Path(path).expanduser())
        except (SourceConfigError, OSError) as exc:
            self.rejects.append(Reject("fetch", "sources config file unusable", path, path, detail=str(exc)))
            return
        chosen = [n for n in named_sources if name is None or n.name == name]
        if not chosen:
            self.rejects.append(Reject("fetch", f"no source named {name!r} in the sources config", path, path))
        for named in chosen:
            self.discover(named)

    def _add(self, candidate: _Candidate) -> None:
        url = candidate.url.split("#", 1)[0]
        candidate.url = url
        if url in self.candidates:
            self.stats["duplicates"] += 1
            self.candidates[url].listings.extend(l for l in candidate.listings if l not in self.candidates[url].listings)
            return
        self.stats["discovered"] += 1
        self.candidates[url] = candidate

    def _listing(self, kind: str, url: str, source: str, *, trusted: bool, ancestors: list[str]) -> None:
        """Fetch a feed/sitemap (or a user URL of unknown kind) and collect its pages into self._found."""
        remembered = self.state.get(url, {})
        if kind == "url" and remembered.get("kind") in ("feed", "sitemap"):
            kind = remembered["kind"]  # sniffed on an earlier run: conditional GET is safe again
        validators = _validators(remembered) if kind != "url" else None
        result = self.client.fetch(url, validators=validators, trusted=trusted)
        role = kind if kind != "url" else "page"
        if kind == "url":
            sniffed = _sniff(result.body) if result.outcome == "fetched" else None
            if sniffed is None:  # an article page given directly (or failing): it is its own candidate
                self._found.append(_Candidate(url, source, trusted, prefetched=result))
                return
            kind = role = sniffed
        lineage = [*ancestors, url]
        if result.outcome != "fetched":
            self._record_row(result, source, role)
            if result.outcome == "not_modified":
                self.stats["listings_not_modified"] += 1
                self.updates[url] = {**remembered, "seen": self.today}
                # an unchanged index may still have changed children (often a static index over a
                # rolling news sitemap): revisit the children it listed last time, conditionally
                for child in remembered.get("children", []):
                    if child not in lineage:
                        self._listing("sitemap", child, source, trusted=False, ancestors=lineage)
            else:
                self._listing_failed(lineage, source, url, result.reason or "failed", role, result)
            return
        key = self.archive.put(result.body)
        self._record_row(result, source, role, sha=key.split(":", 1)[1])
        children: list[str] = []
        try:
            if kind == "feed":
                self._feed_entries(result, source, lineage)
            else:
                children = self._sitemap_entries(result, source, lineage)
        except (FeedError, SitemapError) as exc:
            self._listing_failed(lineage, source, url, str(exc), role, result, location=key)
            return
        except Exception as exc:  # a parser bug on hostile input must not stop the other sources
            self._listing_failed(lineage, source, url, f"could not be parsed ({type(exc).__name__})", role,
                                 replace(result, detail=str(exc)), location=key)
            return
        self.stats["listings_fetched"] += 1
        self.listing_updates[url] = _compact({"etag": result.etag, "last_modified": result.last_modified, "kind": kind,
                                              "content_hash": key.split(":", 1)[1], "seen": self.today,
                                              "children": children})

    def _listing_failed(self, lineage: list[str], source: str, url: str, reason: str, role: str,
                        result: FetchResult, location: str | None = None) -> None:
        self.stats["listings_rejected"] += 1
        self.failed_listings.update(lineage)
        self.rejects.append(Reject("fetch", f"{role} {reason}", source, url, location=location, detail=result.detail))

    def _feed_entries(self, result: FetchResult, source: str, lineage: list[str]) -> None:
        feed = parse_feed(result.body, result.final_url or result.url, result.content_type)
        self.stats["feed_entries_without_link"] += feed.entries_without_link
        for entry in feed.entries:
            meta = {"listing": lineage[-1], "listing_kind": "feed", "feed_title": feed.title,
                    "title": entry.title, "published": _iso(entry.published), "published_raw": entry.published_raw,
                    "author": entry.author, "guid": entry.guid, "categories": list(entry.categories)}
            self._found.append(_Candidate(entry.url, source, trusted=False, meta=_compact(meta), listings=list(lineage),
                                          when=entry.published or entry.updated))

    def _sitemap_entries(self, result: FetchResult, source: str, lineage: list[str]) -> list[str]:
        """Collect the pages of a urlset, or visit the children of an index; returns the children's URLs."""
        sitemap = parse_sitemap(result.body, result.final_url or result.url, self.policy.max_decompressed_bytes)
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
            self._found.append(_Candidate(entry.url, source, trusted=False, meta=_compact(meta), listings=list(lineage),
                                          when=entry.news_published or entry.lastmod))
        return []

    # -- article pages

    def fetch_pages(self) -> None:
        candidates = list(self.candidates.values())
        with ThreadPoolExecutor(max_workers=max(1, self.policy.concurrency), thread_name_prefix="fetch") as pool:
            for outcome in pool.map(self._fetch_page, candidates):
                self._settle(outcome)

    def _fetch_page(self, candidate: _Candidate) -> _PageOutcome:
        """Runs in a worker thread: fetch, check, archive. Touches no shared run state."""
        url = candidate.url
        remembered = self.state.get(url, {})
        # conditional GET only when the copy the validators describe is the one already loaded
        use_validators = remembered.get("content_hash") and self.known.get(url) == remembered["content_hash"]
        result = candidate.prefetched or self.client.fetch(
            url, validators=_validators(remembered) if use_validators else None, trusted=candidate.trusted)
        if result.outcome != "fetched":
            return _PageOutcome(candidate, result, result.outcome, reason=result.reason)
        mime = content_type_parts(result.content_type)[0]
        if mime and mime not in PAGE_TYPES:
            return _PageOutcome(candidate, result, "rejected", reason=f"not an HTML page ({mime})")
        if not result.body.strip():
            return _PageOutcome(candidate, result, "rejected", reason=f"empty body (HTTP {result.status})")
        sha = sha256_hex(result.body)
        charset = sniff_charset(result.body, result.content_type)
        if self.known.get(url) == sha:
            return _PageOutcome(candidate, result, "unchanged", sha=sha, charset=charset)
        return _PageOutcome(candidate, result, "fetched", key=self.archive.put(result.body), sha=sha, charset=charset)

    def _settle(self, page: _PageOutcome) -> None:
        c, r = page.candidate, page.result
        if page.outcome == "skipped":
            self.stats["skipped"] += 1
            self.stats[r.skip_kind or "skipped_other"] += 1
            self.rejects.append(Reject("fetch", f"skipped: {page.reason}", c.source, c.url))
            if r.attempts:  # skipped at a redirect hop: requests were made
                self._record_row(r, c.source, "article", outcome="skipped", charset=page.charset)
            return
        self.stats[page.outcome] += 1
        if page.outcome == "not_modified":
            self.skipped.append((c.url, "not modified since the last fetch (HTTP 304)"))
        elif page.outcome == "unchanged":
            self.skipped.append((c.url, "unchanged since last load (same content hash)"))
        self._record_row(r, c.source, "article", outcome=page.outcome, sha=page.sha, charset=page.charset,
                         error=page.reason if page.outcome == "rejected" else None)
        if page.outcome == "rejected":
            self.failed_listings.update(c.listings)
            self.rejects.append(Reject("fetch", page.reason or "fetch failed", c.source, c.url,
                                       location=page.key, detail=r.detail))
            return
        remembered = self.state.get(c.url, {})
        self.updates[c.url] = {
            "etag": r.etag or remembered.get("etag"), "last_modified": r.last_modified or remembered.get("last_modified"),
            "content_hash": page.sha or remembered.get("content_hash"), "kind": "article", "seen": self.today,
        }
        if page.outcome == "fetched":
            self.items.append(self._item(page))

    def _item(self, page: _PageOutcome) -> SourceItem:
        c, r, cs = page.candidate, page.result, page.charset
        mime = content_type_parts(r.content_type)[0]
        meta = {**c.meta, "charset": cs.charset, "charset_declared": cs.header, "charset_meta": cs.meta,
                "charset_detected": cs.detected, "charset_source": cs.source, "final_url": r.final_url,
                "status": r.status, "etag": r.etag, "last_modified": r.last_modified, "content_hash": page.sha}
        return SourceItem(
            source=c.source, uri=c.url, location=page.key, size=len(r.body), fetched_at=r.fetched_at,
            content_type=r.content_type, format_hint="html" if mime in (None, "text/html", "application/xhtml+xml") else None,
            meta=_compact(meta),
        )

    # -- rows and result

    def record_robots(self, results: list[FetchResult]) -> None:
        for r in results:
            self._record_row(r, None, "robots", outcome="fetched" if r.ok else "rejected")

    def _record_row(self, r: FetchResult, source: str | None, role: str, *, outcome: str | None = None,
                    sha: str | None = None, charset: CharsetInfo | None = None, error: str | None = None) -> None:
        self.stats["wire_bytes"] += r.wire_bytes
        self.rows.append({
            "fetch_id": uuid.uuid4().hex,
            "url": r.url,
            "final_url": r.final_url,
            "source_name": source,
            "role": role,
            "status": r.status,
            "outcome": outcome or r.outcome,
            "content_hash": sha,
            "raw_location": f"archive:{sha}" if sha and (outcome or r.outcome) == "fetched" else None,
            "bytes": len(r.body) if r.body else 0,
            "wire_bytes": r.wire_bytes,
            "content_type": r.content_type,
            "charset": charset.charset if charset else None,
            "charset_declared": r.charset_header,
            "etag": r.etag,
            "last_modified": r.last_modified,
            "fetched_at": r.fetched_at,
            "elapsed_s": r.elapsed_s,
            "attempts": r.attempts,
            "redirects": list(r.redirects),
            "error": error or (r.reason if (outcome or r.outcome) != "fetched" else None),
            "fetch_date": r.fetched_at.date().isoformat(),
        })

    def result(self) -> WebFetchResult:
        updates = dict(self.updates)
        for url, entry in self.listing_updates.items():
            if url not in self.failed_listings:  # else the next run must list (and retry) its pages again
                updates[url] = entry
        stats = {k: int(v) for k, v in self.stats.items()}
        for key in (*ARTICLE_OUTCOMES, *SKIP_KINDS, "discovered", "duplicates", "listings_fetched",
                    "listings_not_modified", "listings_rejected", "requests"):
            stats.setdefault(key, 0)
        return WebFetchResult(self.items, self.rejects, self.rows, stats, updates, self.skipped)


def _sniff(body: bytes) -> str | None:
    """feed / sitemap / None (a page) from a body, looking inside gzip for .xml.gz sitemaps."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = maybe_gunzip(body, 1 << 22)
        except SitemapError:
            return "sitemap"  # too big to sniff cheaply: let the sitemap parser report it
    return sniff_kind(body)


def _validators(remembered: dict) -> Validators | None:
    if not (remembered.get("etag") or remembered.get("last_modified")):
        return None
    return Validators(remembered.get("etag"), remembered.get("last_modified"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _compact(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if v not in (None, [], "")}
