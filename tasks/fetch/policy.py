"""What the HTTP client may do and what one URL ends as: the policy knobs, retry and backoff rules,
address trust, the per-host rate limit, and the result and error types."""

from __future__ import annotations

import email.utils
import ipaddress
import random
import socket
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import urlsplit

import httpx

from tasks.settings import Settings

RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600)) - {501, 505}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

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


# ---------------------------------------------------------------- retries


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


def reason_phrase(status: int) -> str:
    try:
        return httpx.codes.get_reason_phrase(status)
    except Exception:  # pragma: no cover - httpx returns "" for unknown codes
        return ""


# ---------------------------------------------------------------- URLs and trust


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def url_parses(url: str) -> bool:
    """httpx accepts the URL (host name valid for IDNA, no control characters)."""
    try:
        httpx.URL(url)
        return "\n" not in url and "\r" not in url
    except Exception:  # idna and httpx raise several unrelated types for bad host names
        return False


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def redirect_keeps_trust(from_url: str, to_url: str) -> bool:
    return urlsplit(from_url).hostname == urlsplit(to_url).hostname


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


# ---------------------------------------------------------------- per-host rate


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
