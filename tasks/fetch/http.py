"""Polite, fault-tolerant HTTP GET on httpx: retries, limits, robots.txt, rate limits, conditional GET."""

from __future__ import annotations

import codecs
import email.utils
import ipaddress
import random
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from charset_normalizer import from_bytes

from tasks.settings import Settings

RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600)) - {501, 505}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: crawlers may ignore robots.txt content past 500 KiB
CHUNK_BYTES = 64 * 1024


_DEFAULTS = Settings()


@dataclass(frozen=True)
class HttpPolicy:
    """Every knob of the client; the defaults and `from_settings` both come from tasks.settings."""

    user_agent: str = _DEFAULTS.http_user_agent
    connect_timeout_s: float = _DEFAULTS.http_connect_timeout_s
    read_timeout_s: float = _DEFAULTS.http_read_timeout_s
    total_deadline_s: float = _DEFAULTS.http_total_deadline_s  # one URL, all attempts and the body included
    max_retries: int = _DEFAULTS.http_max_retries
    backoff_base_s: float = _DEFAULTS.http_backoff_base_s
    backoff_max_s: float = _DEFAULTS.http_backoff_max_s
    retry_after_max_s: float = _DEFAULTS.http_retry_after_max_s
    per_host_concurrency: int = _DEFAULTS.http_per_host_concurrency
    per_host_rate: float = _DEFAULTS.http_per_host_rate  # requests per second per host (token bucket)
    concurrency: int = _DEFAULTS.http_concurrency
    max_redirects: int = _DEFAULTS.http_max_redirects
    max_body_bytes: int = _DEFAULTS.max_input_bytes  # bytes on the wire
    max_decompressed_bytes: int = _DEFAULTS.http_max_decompressed_bytes
    allow_private: bool = _DEFAULTS.http_allow_private
    respect_robots: bool = _DEFAULTS.http_respect_robots
    trust_env: bool = _DEFAULTS.http_trust_env

    @classmethod
    def from_settings(cls, settings: Settings) -> "HttpPolicy":
        """Each knob is the setting `http_<knob>`, except the body limit shared with local files."""
        setting_of = {f.name: f"http_{f.name}" for f in fields(cls)} | {"max_body_bytes": "max_input_bytes"}
        return cls(**{knob: getattr(settings, name) for knob, name in setting_of.items()})


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: the ETag and Last-Modified of the copy we have."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass
class FetchResult:
    """The end of one URL: its body (when fetched) and everything the `fetches` table records.

    outcome: fetched (2xx body) | not_modified (304) | rejected (error, gave up) |
             skipped (never requested: robots_disallowed, skipped_private, skipped_scheme).
    """

    url: str
    outcome: str
    final_url: str | None = None
    status: int | None = None
    reason: str | None = None  # human-readable, for rejected/skipped
    skip_kind: str | None = None  # stats key of a skip
    detail: str | None = None
    body: bytes = b""
    content_type: str | None = None
    charset_header: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    elapsed_s: float = 0.0
    attempts: int = 0
    wire_bytes: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "fetched"


class FetchError(Exception):
    """A failed attempt. `retriable` says whether trying again may help; `status` when HTTP answered."""

    def __init__(self, reason: str, *, retriable: bool, status: int | None = None, detail: str | None = None,
                 retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retriable, self.status, self.detail, self.retry_after = reason, retriable, status, detail, retry_after


# ---------------------------------------------------------------- pure helpers


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def backoff_delay(attempt: int, policy: HttpPolicy, retry_after: float | None = None,
                  rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter for the `attempt`-th retry (1-based), at least a capped Retry-After."""
    base = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1))
    delay = base * (rng or random).uniform(0.5, 1.5)  # jitter spreads retries of many workers apart
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.retry_after_max_s))
    return delay


def content_type_parts(header: str | None) -> tuple[str | None, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'."""
    if not header:
        return None, None
    mime, _, params = header.partition(";")
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
    return (mime.strip().lower() or None), (m.group(1).lower() if m else None)


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_public_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified)


@lru_cache(maxsize=4096)
def non_public_address(host: str) -> str | None:
    """The first loopback/private/link-local address `host` resolves to, or None (also when unresolvable).

    An unresolvable host is let through: the request then fails as a connect error with its own reason.
    """
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return None
    for info in infos:
        address = str(info[4][0])
        if not is_public_ip(address):
            return address
    return None


class BoundedDecoder:
    """Content-Encoding decoder that refuses to produce more than `limit` bytes (gzip bombs)."""

    def __init__(self, encoding: str | None, limit: int):
        self.encoding = (encoding or "identity").strip().lower()
        if self.encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {self.encoding!r}", retriable=False)
        self.limit, self.total = limit, 0
        self._z = self._new() if self.encoding != "identity" else None
        self._deflate_probe = self.encoding == "deflate"

    def _new(self, raw_deflate: bool = False):
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.limit:
            raise FetchError(f"decompressed body larger than {self.limit} bytes (compression bomb?)", retriable=False)
        return out

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._count(data)
        parts = []
        while data:
            try:
                out = self._z.decompress(data, self.limit - self.total + 1)
            except zlib.error as exc:
                if self._deflate_probe:  # "deflate" is often sent as raw deflate without zlib header
                    self._deflate_probe = False
                    self._z = self._new(raw_deflate=True)
                    continue
                raise FetchError("corrupt compressed body", retriable=False, detail=str(exc)) from exc
            self._deflate_probe = False
            parts.append(self._count(out))
            if self._z.unconsumed_tail:
                data = self._z.unconsumed_tail
            elif self._z.eof and self._z.unused_data:
                data = self._z.unused_data  # another gzip member follows
                self._z = self._new()
            else:
                data = b""
        return b"".join(parts)

    def flush(self) -> bytes:
        return self._count(self._z.flush()) if self._z is not None else b""


def decompress_bounded(data: bytes, limit: int, encoding: str = "gzip") -> bytes:
    """Decompress a whole gzip/deflate payload (e.g. a .xml.gz sitemap) without exceeding `limit` bytes."""
    decoder = BoundedDecoder(encoding, limit)
    return decoder.feed(data) + decoder.flush()


# ---------------------------------------------------------------- per-host politeness


class TokenBucket:
    """Thread-safe token bucket: `rate` tokens per second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, max(1.0, burst)
        self.tokens, self.updated = self.burst, time.monotonic()
        self.lock = threading.Lock()

    def set_rate(self, rate: float) -> None:
        with self.lock:
            self.rate = rate

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


@dataclass
class HostState:
    slots: threading.BoundedSemaphore
    bucket: TokenBucket
    robots: RobotFileParser | None = None
    robots_error: str | None = None  # set when robots.txt was unreachable (RFC 9309: crawl nothing)
    host_down: bool = False  # robots.txt got no HTTP answer at all: pages are rejected, not skipped
    robots_lock: threading.Lock = field(default_factory=threading.Lock)


def _parses(url: str) -> bool:
    """httpx accepts the URL (host name valid for IDNA, no control characters)."""
    try:
        httpx.URL(url)
        return "\n" not in url and "\r" not in url
    except Exception:  # idna and httpx raise several unrelated types for bad host names
        return False


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _redirect_keeps_trust(from_url: str, to_url: str) -> bool:
    return urlsplit(from_url).hostname == urlsplit(to_url).hostname


# ---------------------------------------------------------------- the client


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
        if not is_http_url(url) or not _parses(url):
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
        with state.robots_lock:  # one robots.txt fetch per host, other workers wait for it
            if state.robots is None and state.robots_error is None:
                self._load_robots(url, state)
        if state.host_down:
            return FetchResult(url, "rejected", reason=f"host unreachable: {state.robots_error}")
        if state.robots_error:
            return FetchResult(url, "skipped", reason=state.robots_error, skip_kind="robots_disallowed")
        if state.robots is not None and not state.robots.can_fetch(self.policy.user_agent, url):
            return FetchResult(url, "skipped", reason=f"disallowed by {host_key(url)}/robots.txt",
                               skip_kind="robots_disallowed")
        return None

    def _load_robots(self, url: str, state: HostState) -> None:
        robots_url = host_key(url) + "/robots.txt"
        result = self._fetch(robots_url, headers={}, trusted=True, max_body=ROBOTS_MAX_BYTES, truncate_ok=True,
                             robots=False)
        self.robots_results.append(result)
        parser = RobotFileParser(robots_url)
        if result.ok:
            parser.parse(result.body.decode("utf-8", "replace").splitlines())
        elif result.status is not None and 400 <= result.status < 500:
            parser.parse([])  # RFC 9309: robots.txt "unavailable" (4xx) means no restrictions
        else:
            state.robots_error = (f"robots.txt of {host_key(url)} unreachable ({result.reason}); "
                                  "not crawling the host (RFC 9309)")
            state.host_down = result.status is None
            return
        delay = parser.crawl_delay(self.policy.user_agent)
        if delay:
            state.bucket.set_rate(min(self.policy.per_host_rate, 1.0 / float(delay)))
        state.robots = parser

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
                    trusted = trusted and _redirect_keeps_trust(current, target)
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
                return self._finish(result, started, status, f"HTTP {status} {_phrase(status)}")
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
        skipped = self.precheck(target, trusted and _redirect_keeps_trust(current, target), robots)
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
                error = FetchError(f"HTTP {status} {_phrase(status)}", retriable=True, status=status,
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
            parts.append(decoder.flush())
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


def _phrase(status: int) -> str:
    try:
        return httpx.codes.get_reason_phrase(status)
    except Exception:  # pragma: no cover - httpx returns "" for unknown codes
        return ""


# ---------------------------------------------------------------- charset


@dataclass(frozen=True)
class CharsetInfo:
    """Charset evidence for a body. `charset` is the best guess handed to decode_bytes as `declared`."""

    charset: str | None
    header: str | None = None  # from Content-Type
    meta: str | None = None  # from <meta charset>, http-equiv or the XML declaration
    detected: str | None = None  # from the bytes (BOM, UTF-8 validity, charset-normalizer)
    source: str = "none"  # which of the three won

    @property
    def mismatch(self) -> bool:
        declared = self.header or self.meta
        return bool(declared and self.charset and _codec(declared) != _codec(self.charset))


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
SNIFF_BYTES = 64 * 1024


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:4096])
    return (m.group(1) or m.group(2)).decode("ascii", "replace").lower() if m else None


def sniff_charset(body: bytes, content_type: str | None) -> CharsetInfo:
    """Weigh header, meta tag and the bytes themselves.

    Valid UTF-8 with non-ASCII bytes wins over any declaration: legacy single-byte text is
    practically never valid UTF-8, while a wrong `charset=iso-8859-1` header is common.
    """
    header = content_type_parts(content_type)[1]
    meta = meta_charset(body)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return CharsetInfo(name, header, meta, name, "bom")
    head = body[:SNIFF_BYTES]
    if not head.isascii() and _valid_utf8_prefix(head):
        return CharsetInfo("utf-8", header, meta, "utf-8", "utf-8-valid")
    for declared, source in ((header, "header"), (meta, "meta")):
        if _codec(declared):
            return CharsetInfo(declared, header, meta, None, source)
    if head.isascii():
        return CharsetInfo("utf-8" if head else None, header, meta, "ascii" if head else None, "ascii")
    best = from_bytes(head).best()
    detected = best.encoding if best else None
    return CharsetInfo(detected, header, meta, detected, "detected" if detected else "none")


def _valid_utf8_prefix(data: bytes) -> bool:
    """UTF-8 validity of a prefix that may end inside a multi-byte sequence."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
