"""robots.txt of one host (RFC 9309) read with protego: the longest matching rule wins, `*` and `$` wildcards work."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from protego import Protego

from tasks.fetch.policy import FetchResult, host_key

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: crawlers may ignore robots.txt content past 500 KiB


def robots_url(url: str) -> str:
    """Where the robots.txt that governs `url` is: the root of its scheme, host and port."""
    return host_key(url) + "/robots.txt"


@dataclass
class HostRobots:
    """What the robots.txt of one host allows; learnt once, from the fetch of the file (see `learn`)."""

    rules: Protego | None = None
    error: str | None = None  # set when robots.txt was unreachable (RFC 9309: crawl nothing)
    host_down: bool = False  # robots.txt got no HTTP answer at all: pages are rejected, not skipped
    lock: threading.Lock = field(default_factory=threading.Lock)  # one fetch per host, other workers wait

    @property
    def known(self) -> bool:
        return self.rules is not None or self.error is not None

    def learn(self, result: FetchResult) -> None:
        """The rules of a fetched robots.txt; a 4xx means none (RFC 9309 "unavailable"), anything else crawl nothing."""
        if result.ok:
            self.rules = Protego.parse(result.body.decode("utf-8", "replace"))
        elif result.status is not None and 400 <= result.status < 500:
            self.rules = Protego.parse("")
        else:
            self.error = (f"robots.txt of {host_key(result.url)} unreachable ({result.reason}); "
                          "not crawling the host (RFC 9309)")
            self.host_down = result.status is None

    def crawl_delay(self, user_agent: str) -> float | None:
        """Seconds between requests the host asks of `user_agent` (Crawl-delay, not part of RFC 9309 but common)."""
        return self.rules.crawl_delay(user_agent) if self.rules is not None else None

    def verdict(self, url: str, user_agent: str) -> FetchResult | None:
        """None when `url` may be fetched; else a `skipped` result (or `rejected`, the host being down)."""
        if self.host_down:
            return FetchResult(url, "rejected", reason=f"host unreachable: {self.error}")
        if self.error:
            return FetchResult(url, "skipped", reason=self.error, skip_kind="robots_disallowed")
        if self.rules is not None and not self.rules.can_fetch(url, user_agent):
            return FetchResult(url, "skipped", reason=f"disallowed by {robots_url(url)}",
                               skip_kind="robots_disallowed")
        return None
