"""Fetch web sources (article URLs, URL lists, feeds, sitemaps) into the raw archive; free of Prefect."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from tasks.common import content_type_parts
from tasks.fetch.archive import Archive, StateFile, sha256_hex
from tasks.fetch.charset import CharsetInfo, sniff_charset
from tasks.fetch.http import HttpClient
from tasks.fetch.listings import Candidate, ListingWalker, WebLedger, compact, validators_of
from tasks.fetch.policy import FetchResult, HttpPolicy
from tasks.fetch.sources import NamedSource
from tasks.model import Reject, SourceItem

VALIDATORS_FILE = "http_validators.json"
VALIDATOR_TTL_DAYS = 90  # validators of URLs not seen for this long are dropped from the state file
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
    fetch_rows: list  # records of the `fetches` table
    stats: dict
    validator_updates: dict = field(default_factory=dict)  # pending conditional-GET state, see commit_validators
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason): not_modified and unchanged pages

    def commit(self, warehouse: str) -> None:
        commit_validators(warehouse, self.validator_updates)


@dataclass
class _PageOutcome:
    candidate: Candidate
    result: FetchResult
    outcome: str
    key: str | None = None
    sha: str | None = None
    charset: CharsetInfo | None = None
    reason: str | None = None


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
    archive, state = Archive(warehouse), StateFile(warehouse, VALIDATORS_FILE).load()
    with HttpClient(policy) as client:
        run = _PageRun(client, archive, state, known or {})
        walker = ListingWalker(client, archive, state, run.ledger, policy.max_decompressed_bytes)
        for source in sources:
            walker.discover(source)
        run.fetch_pages(list(walker.candidates.values()), walker.failed_listings)
        for robots in client.robots_results:
            run.ledger.record(robots, None, "robots", outcome="fetched" if robots.ok else "rejected")
        run.ledger.stats["requests"] = client.requests_sent
    result = run.result(walker.listing_updates, walker.failed_listings)
    if commit_state:
        result.commit(warehouse)
    return result


class _PageRun:
    """The article pages of a run: fetched in a thread pool, checked, archived and settled one by one."""

    def __init__(self, client: HttpClient, archive: Archive, state: dict, known: dict[str, str]):
        self.client, self.archive, self.state, self.known = client, archive, state, known
        self.ledger = WebLedger()
        self.items: list[SourceItem] = []
        self.skipped: list[tuple[str, str]] = []

    def fetch_pages(self, candidates: list[Candidate], failed_listings: set[str]) -> None:
        """Fetch every candidate; a rejected page marks the listings that named it as failed (they are retried)."""
        concurrency = max(1, self.client.policy.concurrency)
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fetch") as pool:
            for outcome in pool.map(self._fetch_page, candidates):
                if outcome.outcome == "rejected":
                    failed_listings.update(outcome.candidate.listings)
                self._settle(outcome)

    def _fetch_page(self, candidate: Candidate) -> _PageOutcome:
        """Runs in a worker thread: fetch, check, archive. Touches no shared run state."""
        url = candidate.url
        remembered = self.state.get(url, {})
        # conditional GET only when the copy the validators describe is the one already loaded
        use_validators = remembered.get("content_hash") and self.known.get(url) == remembered["content_hash"]
        result = candidate.prefetched or self.client.fetch(
            url, validators=validators_of(remembered) if use_validators else None, trusted=candidate.trusted)
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
        c, r, stats = page.candidate, page.result, self.ledger.stats
        if page.outcome == "skipped":
            stats["skipped"] += 1
            stats[r.skip_kind or "skipped_other"] += 1
            self.ledger.rejects.append(Reject("fetch", f"skipped: {page.reason}", c.source, c.url))
            if r.attempts:  # skipped at a redirect hop: requests were made
                self.ledger.record(r, c.source, "article", outcome="skipped", charset=page.charset)
            return
        stats[page.outcome] += 1
        if page.outcome == "not_modified":
            self.skipped.append((c.url, "not modified since the last fetch (HTTP 304)"))
        elif page.outcome == "unchanged":
            self.skipped.append((c.url, "unchanged since last load (same content hash)"))
        self.ledger.record(r, c.source, "article", outcome=page.outcome, sha=page.sha, charset=page.charset,
                           error=page.reason if page.outcome == "rejected" else None)
        if page.outcome == "rejected":
            self.ledger.rejects.append(Reject("fetch", page.reason or "fetch failed", c.source, c.url,
                                              location=page.key, detail=r.detail))
            return
        remembered = self.state.get(c.url, {})
        self.ledger.updates[c.url] = {
            "etag": r.etag or remembered.get("etag"), "last_modified": r.last_modified or remembered.get("last_modified"),
            "content_hash": page.sha or remembered.get("content_hash"), "kind": "article", "seen": self.ledger.today,
        }
        if page.outcome == "fetched":
            self.items.append(_item(page))

    def result(self, listing_updates: dict[str, dict], failed_listings: set[str]) -> WebFetchResult:
        updates = dict(self.ledger.updates)
        for url, entry in listing_updates.items():
            if url not in failed_listings:  # else the next run must list (and retry) its pages again
                updates[url] = entry
        stats = {k: int(v) for k, v in self.ledger.stats.items()}
        for key in (*ARTICLE_OUTCOMES, *SKIP_KINDS, "discovered", "duplicates", "listings_fetched",
                    "listings_not_modified", "listings_rejected", "requests"):
            stats.setdefault(key, 0)
        return WebFetchResult(self.items, self.ledger.rejects, self.ledger.rows, stats, updates, self.skipped)


def _item(page: _PageOutcome) -> SourceItem:
    """The item the clean stage reads: where the body is archived, and the charset fetch determined for it."""
    c, r, cs = page.candidate, page.result, page.charset
    mime = content_type_parts(r.content_type)[0]
    meta = {**c.meta, "charset_declared": cs.header, "charset_meta": cs.meta,
            "charset_detected": cs.detected, "charset_source": cs.source, "final_url": r.final_url,
            "status": r.status, "etag": r.etag, "last_modified": r.last_modified, "content_hash": page.sha}
    return SourceItem(
        source=c.source, uri=c.url, location=page.key, size=len(r.body), fetched_at=r.fetched_at,
        content_type=r.content_type, format_hint="html" if mime in (None, "text/html", "application/xhtml+xml") else None,
        meta=compact(meta), charset=cs.charset,
    )
