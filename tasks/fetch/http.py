"""Polite, fault-tolerant HTTP GET on httpx: retries, limits, robots.txt, rate limits, conditional GET."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from tasks.common import BoundedDecoder, DecompressionError, content_type_parts
from tasks.fetch.policy import (
    REDIRECT_STATUSES,
    RETRY_STATUSES,
    FetchError,
    FetchResult,
    HttpPolicy,
    TokenBucket,
    Validators,
    backoff_delay,
    host_key,
    is_http_url,
    non_public_address,
    parse_retry_after,
    reason_phrase,
    redirect_keeps_trust,
    url_parses,
)
from tasks.fetch.robots import ROBOTS_MAX_BYTES, HostRobots, robots_url

CHUNK_BYTES = 64 * 1024


@dataclass
class HostState:
    """Per-host politeness: concurrent requests, the request rate and what robots.txt allows."""

    slots: threading.BoundedSemaphore
    bucket: TokenBucket
    robots: HostRobots = field(default_factory=HostRobots)


class HttpClient:
    """GET with the whole policy applied. Thread-safe; share one per run and close it at the end.

    Trust: URLs the user gave directly (`trusted=True`) may point anywhere, including loopback
    and private networks; URLs discovered in feeds and sitemaps may not, unless
    `allow_private` — a hostile feed must not make us probe the internal network.
    """

    def __init__(self, policy: HttpPolicy, transport: httpx.BaseTransport | None = None):
        self.policy = policy
        timeout = httpx.Timeout(connect=policy.connect_timeout_s, read=policy.read_timeout_s,
                                write=policy.read_timeout_s, pool=policy.total_deadline_s)
        limits = httpx.Limits(max_connections=max(policy.concurrency, policy.per_host_concurrency) * 4,
                              max_keepalive_connections=max(policy.concurrency, policy.per_host_concurrency) * 2)
        self._client = httpx.Client(
            timeout=timeout, limits=limits, follow_redirects=False, trust_env=policy.trust_env,
            transport=transport,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._hosts: dict[str, HostState] = {}
        self._hosts_lock = threading.Lock()
        self.robots_results: list[FetchResult] = []  # robots.txt fetches, for the `fetches` table
        self.requests_sent = 0
        self._count_lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- host bookkeeping

    def _host(self, url: str) -> HostState:
        key = host_key(url)
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = HostState(
                    slots=threading.BoundedSemaphore(max(1, self.policy.per_host_concurrency)),
                    bucket=TokenBucket(self.policy.per_host_rate, self.policy.per_host_concurrency),
                )
            return self._hosts[key]

    def precheck(self, url: str, trusted: bool, robots: bool = True) -> FetchResult | None:
        """A `skipped` (or, for an unreachable host, `rejected`) result when the URL must not be requested."""
        if not is_http_url(url) or not url_parses(url):
            return FetchResult(url, "skipped", reason=f"not a valid http(s) URL: {url[:200]}", skip_kind="skipped_scheme")
        if not trusted and not self.policy.allow_private:
            host = urlsplit(url).hostname or ""
            address = non_public_address(host)
            if address:
                return FetchResult(
                    url, "skipped", skip_kind="skipped_private",
                    reason=f"discovered URL points at a non-public address ({host} → {address}); "
                           "set http_allow_private to fetch it",
                )
        if robots and self.policy.respect_robots:
            return self._robots_verdict(url)
        return None

    def _robots_verdict(self, url: str) -> FetchResult | None:
        state = self._host(url)
        with state.robots.lock:  # one robots.txt fetch per host, other workers wait for it
            if not state.robots.known:
                result = self._fetch(robots_url(url), headers={}, trusted=True, max_body=ROBOTS_MAX_BYTES,
                                     truncate_ok=True, robots=False)
                self.robots_results.append(result)
                state.robots.learn(result)
                delay = state.robots.crawl_delay(self.policy.user_agent)
                if delay:
                    state.bucket.set_rate(min(self.policy.per_host_rate, 1.0 / float(delay)))
        return state.robots.verdict(url, self.policy.user_agent)

    # -- fetching

    def fetch(self, url: str, *, validators: Validators | None = None, trusted: bool = False) -> FetchResult:
        """GET `url` following redirects, with conditional headers when `validators` are given."""
        skipped = self.precheck(url, trusted)
        if skipped:
            return skipped
        return self._fetch(url, headers=validators.headers() if validators else {}, trusted=trusted,
                           max_body=self.policy.max_body_bytes)

    def _fetch(self, url: str, *, headers: dict, trusted: bool, max_body: int, truncate_ok: bool = False,
               robots: bool = True) -> FetchResult:
        started = time.monotonic()
        deadline = started + self.policy.total_deadline_s
        result = FetchResult(url, "rejected")
        current, chain = url, [url]
        try:
            while True:
                response = self._with_retries(current, headers, deadline, max_body, truncate_ok, result)
                status, response_headers, body = response
                if status in REDIRECT_STATUSES:
                    target = self._redirect_target(current, response_headers, chain, len(result.redirects), trusted,
                                                  robots)
                    if isinstance(target, FetchResult):
                        return self._finish(result, started, status, target.reason, detail=target.detail,
                                            outcome=target.outcome, skip_kind=target.skip_kind)
                    result.redirects.append(target)
                    trusted = trusted and redirect_keeps_trust(current, target)
                    chain.append(target)
                    current = target
                    continue
                result.final_url = current
                self._record_headers(result, response_headers)
                if status == 304 and headers:
                    return self._finish(result, started, status, None, outcome="not_modified")
                if 200 <= status < 300:
                    result.body = body
                    return self._finish(result, started, status, None, outcome="fetched")
                return self._finish(result, started, status, f"HTTP {status} {reason_phrase(status)}")
        except FetchError as exc:
            result.final_url = result.final_url or current
            return self._finish(result, started, exc.status, exc.reason, detail=exc.detail)

    def _redirect_target(self, current: str, headers: httpx.Headers, chain: list[str], hops: int,
                         trusted: bool, robots: bool) -> str | FetchResult:
        location = headers.get("location")
        if not location:
            raise FetchError("redirect without Location header", retriable=False)
        target = urljoin(current, location.strip()).split("#", 1)[0]
        if target in chain:
            raise FetchError(f"redirect loop at {target}", retriable=False, detail=" → ".join([*chain, target]))
        if hops + 1 > self.policy.max_redirects:
            raise FetchError(f"more than {self.policy.max_redirects} redirects", retriable=False)
        skipped = self.precheck(target, trusted and redirect_keeps_trust(current, target), robots)
        if skipped:
            skipped.reason = f"redirected to {target}: {skipped.reason}"
            return skipped
        return target

    def _with_retries(self, url: str, headers: dict, deadline: float, max_body: int, truncate_ok: bool,
                      result: FetchResult) -> tuple[int, httpx.Headers, bytes]:
        attempt = 0
        while True:
            attempt += 1
            result.attempts += 1
            try:
                status, response_headers, body = self._attempt(url, headers, deadline, max_body, truncate_ok, result)
                if status not in RETRY_STATUSES:
                    return status, response_headers, body
                error = FetchError(f"HTTP {status} {reason_phrase(status)}", retriable=True, status=status,
                                   retry_after=parse_retry_after(response_headers.get("retry-after")))
            except FetchError as exc:
                error = exc
            if not error.retriable or attempt > self.policy.max_retries:
                if error.retriable and attempt > 1:
                    error.reason = f"{error.reason} after {attempt} attempts"
                raise error
            delay = backoff_delay(attempt, self.policy, error.retry_after)
            if time.monotonic() + delay > deadline:
                error.reason = f"{error.reason}; gave up: total deadline of {self.policy.total_deadline_s:g}s"
                raise error
            time.sleep(delay)

    def _attempt(self, url: str, headers: dict, deadline: float, max_body: int, truncate_ok: bool,
                 result: FetchResult) -> tuple[int, httpx.Headers, bytes]:
        state = self._host(url)
        state.bucket.acquire()
        with state.slots:
            if time.monotonic() > deadline:
                raise FetchError(f"total deadline of {self.policy.total_deadline_s:g}s exceeded", retriable=False)
            with self._count_lock:
                self.requests_sent += 1
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    if response.status_code >= 300:
                        # redirects, 304 and error pages: their bodies are never kept
                        return response.status_code, response.headers, b""
                    body = self._read_body(response, deadline, max_body, truncate_ok, result)
                    return response.status_code, response.headers, body
            except httpx.TimeoutException as exc:
                raise FetchError(f"timeout ({type(exc).__name__})", retriable=True, detail=str(exc)) from exc
            except httpx.RemoteProtocolError as exc:
                raise FetchError("incomplete or malformed response", retriable=True, detail=str(exc)) from exc
            except (httpx.ConnectError, httpx.ReadError, httpx.WriteError) as exc:
                raise FetchError(f"connection failed ({type(exc).__name__})", retriable=True, detail=str(exc)) from exc
            except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError, ValueError) as exc:
                # ValueError: e.g. idna rejecting a host name
                raise FetchError("invalid request", retriable=False, detail=str(exc)) from exc
            except httpx.TransportError as exc:
                raise FetchError(f"transport error ({type(exc).__name__})", retriable=True, detail=str(exc)) from exc

    def _read_body(self, response: httpx.Response, deadline: float, max_body: int, truncate_ok: bool,
                   result: FetchResult) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body and not truncate_ok:
            raise FetchError(f"body larger than {max_body} bytes (Content-Length {declared})", retriable=False)
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding"), self.policy.max_decompressed_bytes)
            parts, wire = [], 0
            for chunk in response.iter_raw(CHUNK_BYTES):
                wire += len(chunk)
                if wire > max_body:
                    if truncate_ok:
                        break
                    raise FetchError(f"body larger than {max_body} bytes (aborted while streaming)", retriable=False)
                if time.monotonic() > deadline:
                    raise FetchError(f"total deadline of {self.policy.total_deadline_s:g}s exceeded while reading",
                                     retriable=False)
                parts.append(decoder.feed(chunk))
            else:
                parts.append(decoder.finish())
        except DecompressionError as exc:
            raise FetchError(f"compressed body: {exc}", retriable=False) from exc
        result.wire_bytes = wire
        return b"".join(parts)

    @staticmethod
    def _record_headers(result: FetchResult, headers: httpx.Headers) -> None:
        result.content_type = headers.get("content-type")
        result.charset_header = content_type_parts(result.content_type)[1]
        result.etag = headers.get("etag")
        result.last_modified = headers.get("last-modified")

    @staticmethod
    def _finish(result: FetchResult, started: float, status: int | None, reason: str | None, *,
                detail: str | None = None, outcome: str = "rejected", skip_kind: str | None = None) -> FetchResult:
        result.status, result.reason, result.outcome = status, reason, outcome
        result.detail = detail or (f"HTTP {status}" if status and outcome == "rejected" else None)
        result.skip_kind = skip_kind
        result.elapsed_s = round(time.monotonic() - started, 6)
        return result
