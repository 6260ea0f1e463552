"""HTTP client policy against real servers on 127.0.0.1: retries, limits, redirects, robots, conditional GET."""

from __future__ import annotations

import gzip
import random
import socket
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from tasks.common import DecompressionBomb, DecompressionError, content_type_parts, decompress_bounded
from tasks.fetch.charset import sniff_charset
from tasks.fetch.http import HttpClient
from tasks.fetch.policy import HttpPolicy, Validators, backoff_delay, is_public_ip, parse_retry_after
from webfixtures import (
    ROBOTS_ALLOW_ALL,
    HeldResponse,
    LocalSite,
    Page,
    article_html,
    fast_settings,
    gzip_bomb,
    truncated_response,
)

MB = 1024 * 1024


def policy(tmp_path, **overrides) -> HttpPolicy:
    return HttpPolicy.from_settings(fast_settings(tmp_path, **overrides))


@pytest.fixture(scope="module")
def _module_server():
    s = HTTPServer(host="127.0.0.1", threaded=True)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def server(_module_server):
    _module_server.clear()
    _module_server.expect_request("/robots.txt").respond_with_data("", status=404)
    return _module_server


def paths_requested(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


# ---------------------------------------------------------------- pure helpers


def test_retry_after_seconds_date_and_garbage():
    now = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_is_capped_and_honours_capped_retry_after():
    p = HttpPolicy(backoff_base_s=1.0, backoff_max_s=8.0, retry_after_max_s=20.0)
    rng = random.Random(7)
    assert 0.5 <= backoff_delay(1, p, rng=rng) <= 1.5
    assert 2.0 <= backoff_delay(3, p, rng=rng) <= 6.0
    assert backoff_delay(10, p, rng=rng) <= 12.0  # capped at backoff_max_s (8) plus jitter
    assert backoff_delay(1, p, retry_after=3600, rng=rng) == 20.0  # Retry-After shortened to the cap
    assert backoff_delay(1, p, retry_after=5, rng=rng) == 5.0


def test_content_type_parts():
    assert content_type_parts('text/html; charset="UTF-8"') == ("text/html", "utf-8")
    assert content_type_parts("application/rss+xml") == ("application/rss+xml", None)
    assert content_type_parts(None) == (None, None)


def test_public_ip_classification():
    assert is_public_ip("93.184.216.34")
    for private in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0"):
        assert not is_public_ip(private), private


def test_decompress_bounded_stops_a_gzip_bomb_and_reads_multi_member_gzip():
    with pytest.raises(DecompressionBomb, match="compression bomb"):
        decompress_bounded(gzip_bomb(8 * MB), limit=MB)
    assert decompress_bounded(gzip.compress(b"ab") + gzip.compress(b"cd"), limit=10) == b"abcd"
    assert decompress_bounded(gzip.compress(b"ab") + b"\0" * 8 + gzip.compress(b"cd"), limit=10) == b"abcd"
    cut = gzip.compress(b"Tin t\xe1\xbb\xa9c " * 100)
    with pytest.raises(DecompressionError, match="truncated gzip"):
        decompress_bounded(cut[: len(cut) // 2], limit=MB)


def test_charset_header_meta_and_detection():
    vi = "Thời sự: Hạ Long đón khách".encode()
    wrong = sniff_charset(vi, "text/html; charset=iso-8859-1")
    assert (wrong.charset, wrong.header, wrong.detected, wrong.mismatch) == ("utf-8", "iso-8859-1", "utf-8", True)
    legacy = unicodedata.normalize("NFD", "Hạ Long").encode("cp1258")  # cp1258 spells tones as combining marks
    assert sniff_charset(legacy, "text/html; charset=windows-1258").charset == "windows-1258"
    meta = b'<html><head><meta charset="windows-1258"></head><body>' + legacy + b"</body></html>"
    info = sniff_charset(meta, "text/html")
    assert (info.charset, info.meta, info.source) == ("windows-1258", "windows-1258", "meta")
    assert sniff_charset(b"<p>plain</p>", None).charset == "utf-8"


# ---------------------------------------------------------------- retries


def test_503_twice_then_200_is_fetched(tmp_path, server):
    for _ in range(2):
        server.expect_oneshot_request("/bai.html").respond_with_data("busy", status=503)
    server.expect_request("/bai.html").respond_with_data(article_html(1), content_type="text/html; charset=utf-8")
    with HttpClient(policy(tmp_path)) as client:
        result = client.fetch(server.url_for("/bai.html"))
    assert (result.outcome, result.status, result.attempts) == ("fetched", 200, 3)
    assert "Cẩm Phả" in result.body.decode() or "Hạ Long" in result.body.decode()
    assert paths_requested(server, "/bai.html") == 3


def test_429_with_retry_after_is_retried(tmp_path, server):
    server.expect_oneshot_request("/bai.html").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    server.expect_request("/bai.html").respond_with_data("ok")
    with HttpClient(policy(tmp_path)) as client:
        result = client.fetch(server.url_for("/bai.html"))
    assert (result.outcome, result.attempts) == ("fetched", 2)


def test_persistent_503_gives_up_with_the_status(tmp_path, server):
    server.expect_request("/bai.html").respond_with_data("down", status=503)
    with HttpClient(policy(tmp_path, http_max_retries=2)) as client:
        result = client.fetch(server.url_for("/bai.html"))
    assert (result.outcome, result.status, result.attempts) == ("rejected", 503, 3)
    assert "HTTP 503" in result.reason and "after 3 attempts" in result.reason


def test_404_is_rejected_without_retry(tmp_path, server):
    server.expect_request("/mat.html").respond_with_data("gone", status=404)
    with HttpClient(policy(tmp_path)) as client:
        result = client.fetch(server.url_for("/mat.html"))
    assert (result.outcome, result.status, result.attempts) == ("rejected", 404, 1)
    assert result.reason == "HTTP 404 Not Found"


def test_total_deadline_stops_retrying(tmp_path, server):
    server.expect_request("/bai.html").respond_with_data("down", status=503, headers={"Retry-After": "600"})
    p = policy(tmp_path, http_max_retries=10, http_total_deadline_s=5.0, http_retry_after_max_s=60.0)
    started = time.monotonic()
    with HttpClient(p) as client:
        result = client.fetch(server.url_for("/bai.html"))
    assert result.outcome == "rejected" and "deadline" in result.reason
    assert result.attempts == 1  # waiting 60 s would pass the 5 s deadline: give up at once
    assert time.monotonic() - started < p.retry_after_max_s / 2  # without sleeping first


def test_slow_response_times_out_is_retried_then_rejected(tmp_path):
    held = HeldResponse()
    with LocalSite({"/cham.html": held}) as site:
        try:
            # robots.txt is not asked: only the held page meets the short read timeout
            with HttpClient(replace(policy(tmp_path, http_read_timeout_s=0.3, http_max_retries=1),
                                    respect_robots=False)) as client:
                result = client.fetch(site.url("/cham.html"))
        finally:
            held.released.set()
        assert result.outcome == "rejected" and result.status is None
        assert "timeout" in result.reason and result.attempts == 2
        assert len(site.requests(lambda p: p == "/cham.html")) == 2


def test_truncated_body_is_rejected_not_kept(tmp_path):
    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL, "/cut.html": truncated_response}) as site:
        with HttpClient(policy(tmp_path, http_max_retries=1)) as client:
            result = client.fetch(site.url("/cut.html"))
    assert result.outcome == "rejected" and result.body == b""
    assert "incomplete" in result.reason and result.attempts == 2


# ---------------------------------------------------------------- redirects


def test_redirects_followed_loop_and_limit(tmp_path, server):
    server.expect_request("/cu").respond_with_data("", status=301, headers={"Location": "/moi"})
    server.expect_request("/moi").respond_with_data("đích", content_type="text/html; charset=utf-8")
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": server.url_for("/a")})
    for i in range(8):
        server.expect_request(f"/r{i}").respond_with_data("", status=307, headers={"Location": f"/r{i + 1}"})
    with HttpClient(policy(tmp_path, http_max_redirects=5)) as client:
        moved = client.fetch(server.url_for("/cu"))
        loop = client.fetch(server.url_for("/a"))
        chain = client.fetch(server.url_for("/r0"))
    assert moved.outcome == "fetched" and moved.final_url == server.url_for("/moi") and moved.redirects == [server.url_for("/moi")]
    assert loop.outcome == "rejected" and "redirect loop" in loop.reason
    assert chain.outcome == "rejected" and "more than 5 redirects" in chain.reason


def test_redirect_to_other_scheme_is_skipped(tmp_path, server):
    server.expect_request("/ftp").respond_with_data("", status=302, headers={"Location": "ftp://example.org/x"})
    with HttpClient(policy(tmp_path)) as client:
        result = client.fetch(server.url_for("/ftp"))
    assert result.outcome == "skipped" and result.skip_kind == "skipped_scheme"


# ---------------------------------------------------------------- size limits


def streaming_handler(total: int, *, declare_length: bool, sent: list[int]):
    """Send `total` bytes, with Content-Length or chunked; record how much actually left the server."""

    def handle(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length" if declare_length else "Transfer-Encoding",
                      str(total) if declare_length else "chunked")
        h.end_headers()
        block = b"<p>" + b"a" * (64 * 1024 - 3)
        try:
            while sent[0] < total:
                if declare_length:
                    h.wfile.write(block)
                else:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                sent[0] += len(block)
            if not declare_length:
                h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        h.close_connection = True

    return handle


def test_50mb_body_is_aborted_at_the_limit_without_buffering_it(tmp_path):
    declared, chunked = [0], [0]
    routes = {
        "/robots.txt": ROBOTS_ALLOW_ALL,
        "/declared": streaming_handler(50 * MB, declare_length=True, sent=declared),
        "/chunked": streaming_handler(50 * MB, declare_length=False, sent=chunked),
    }
    with LocalSite(routes) as site:
        with HttpClient(policy(tmp_path, max_input_bytes=2 * MB)) as client:
            by_length = client.fetch(site.url("/declared"))
            streamed = client.fetch(site.url("/chunked"))
        time.sleep(0.2)  # let the server threads notice the closed connections
    assert by_length.outcome == "rejected" and "Content-Length" in by_length.reason and by_length.attempts == 1
    assert streamed.outcome == "rejected" and "aborted while streaming" in streamed.reason
    assert streamed.body == b"" and by_length.body == b""
    assert declared[0] < 25 * MB and chunked[0] < 25 * MB  # far from all 50 MB left the server


def test_gzip_bomb_is_aborted_at_the_decompressed_limit(tmp_path):
    bomb = gzip_bomb(64 * MB)
    routes = {"/robots.txt": ROBOTS_ALLOW_ALL,
              "/bomb.html": Page(bomb, "text/html", headers={"Content-Encoding": "gzip"}, conditional=False),
              "/ok.html": Page(gzip.compress("Tin tức".encode()), "text/html; charset=utf-8",
                               headers={"Content-Encoding": "gzip"}),
              # a whole response (Content-Length right) whose gzip stream stops early: a cut page, not kept
              "/cut.html": Page(gzip.compress(article_html(2).encode())[:300], "text/html; charset=utf-8",
                                headers={"Content-Encoding": "gzip"})}
    with LocalSite(routes) as site:
        with HttpClient(policy(tmp_path, http_max_decompressed_bytes=2 * MB)) as client:
            result = client.fetch(site.url("/bomb.html"))
            ok = client.fetch(site.url("/ok.html"))
            cut = client.fetch(site.url("/cut.html"))
    assert len(bomb) < MB
    assert result.outcome == "rejected" and "compression bomb" in result.reason and result.attempts == 1
    assert ok.outcome == "fetched" and ok.body.decode() == "Tin tức"
    assert cut.outcome == "rejected" and "truncated gzip" in cut.reason and cut.body == b""


# ---------------------------------------------------------------- politeness and trust


def test_robots_txt_is_respected_and_fetched_once_per_host(tmp_path):
    routes = {"/robots.txt": Page(b"User-agent: *\nDisallow: /cam/\n", "text/plain"),
              "/cam/bai.html": Page(b"secret"), "/mo/bai.html": Page(b"open")}
    with LocalSite(routes) as site:
        with HttpClient(policy(tmp_path)) as client:
            blocked = client.fetch(site.url("/cam/bai.html"))
            allowed = client.fetch(site.url("/mo/bai.html"))
            again = client.fetch(site.url("/mo/bai.html"))
        assert blocked.outcome == "skipped" and blocked.skip_kind == "robots_disallowed"
        assert allowed.outcome == again.outcome == "fetched"
        assert site.requests(lambda p: p == "/robots.txt") == ["/robots.txt"]
        assert "/cam/bai.html" not in site.requests()
        assert all(h.get("User-Agent") == HttpPolicy.from_settings(fast_settings(tmp_path)).user_agent
                   for _, _, h in site.log)


def robots_verdicts(tmp_path, robots: bytes, paths: list[str]) -> tuple[dict[str, str], list[str]]:
    """{path: outcome} of fetching each path from a real site with this robots.txt, and what the site was asked."""
    routes = {"/robots.txt": Page(robots, "text/plain"), **{urlsplit(p).path: Page(b"<p>trang</p>") for p in paths}}
    with LocalSite(routes) as site:
        with HttpClient(policy(tmp_path)) as client:
            outcomes = {p: client.fetch(site.url(p)).outcome for p in paths}
        return outcomes, site.requests(lambda p: p != "/robots.txt")


def test_robots_txt_longest_match_wins_over_the_first_rule(tmp_path):
    # RFC 9309 2.2.2: the most specific (longest) matching rule applies, whatever the order of the lines
    robots = b"User-agent: *\nDisallow: /a\nAllow: /a/b\n"
    outcomes, asked = robots_verdicts(tmp_path, robots, ["/a/b/bai.html", "/a/c.html", "/ab.html", "/khac.html"])
    assert outcomes == {"/a/b/bai.html": "fetched", "/a/c.html": "skipped", "/ab.html": "skipped",
                        "/khac.html": "fetched"}
    assert sorted(asked) == ["/a/b/bai.html", "/khac.html"]


def test_robots_txt_wildcards_and_end_anchor(tmp_path):
    robots = b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /tin/*/in-an\n"
    paths = ["/tai-lieu/bao-cao.pdf", "/tai-lieu/bao-cao.pdf?tai=1", "/tai-lieu/bao-cao.pdfx",
             "/tin/2024/in-an", "/tin/2024/bai.html"]
    outcomes, asked = robots_verdicts(tmp_path, robots, paths)
    assert outcomes == {"/tai-lieu/bao-cao.pdf": "skipped", "/tai-lieu/bao-cao.pdf?tai=1": "fetched",
                        "/tai-lieu/bao-cao.pdfx": "fetched", "/tin/2024/in-an": "skipped",
                        "/tin/2024/bai.html": "fetched"}
    assert "/tai-lieu/bao-cao.pdf" not in asked and "/tin/2024/in-an" not in asked


def test_robots_txt_group_of_our_product_token_applies(tmp_path):
    # the group naming our user agent's product token ("newsfacts/0.1 (...)") replaces the * group
    robots = b"User-agent: *\nDisallow: /\n\nUser-agent: newsfacts\nDisallow: /rieng/\n"
    outcomes, _ = robots_verdicts(tmp_path, robots, ["/rieng/bai.html", "/bai.html"])
    assert outcomes == {"/rieng/bai.html": "skipped", "/bai.html": "fetched"}


def test_unreachable_robots_txt_means_crawl_nothing(tmp_path):
    routes = {"/robots.txt": Page(b"oops", status=500), "/bai.html": Page(b"x")}
    with LocalSite(routes) as site:
        with HttpClient(policy(tmp_path, http_max_retries=0)) as client:
            result = client.fetch(site.url("/bai.html"))
        assert result.outcome == "skipped" and "unreachable" in result.reason
        assert "/bai.html" not in site.requests()


def test_private_addresses_only_for_trusted_urls_unless_allowed(tmp_path):
    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL, "/bai.html": Page(b"x")}) as site:
        with HttpClient(policy(tmp_path, http_allow_private=False)) as client:
            discovered = client.fetch(site.url("/bai.html"), trusted=False)
            given = client.fetch(site.url("/bai.html"), trusted=True)
        with HttpClient(policy(tmp_path, http_allow_private=True)) as client:
            allowed = client.fetch(site.url("/bai.html"), trusted=False)
    assert discovered.outcome == "skipped" and discovered.skip_kind == "skipped_private"
    assert "127.0.0.1" in discovered.reason
    assert given.outcome == allowed.outcome == "fetched"


def test_conditional_get_returns_not_modified(tmp_path):
    page = Page(article_html(3).encode())
    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL, "/bai.html": page}) as site:
        with HttpClient(policy(tmp_path)) as client:
            first = client.fetch(site.url("/bai.html"))
            second = client.fetch(site.url("/bai.html"), validators=Validators(first.etag, first.last_modified))
        assert first.outcome == "fetched" and first.etag == page.etag
        assert second.outcome == "not_modified" and second.status == 304 and second.body == b""
        assert site.log[-1][2].get("If-None-Match") == page.etag


def test_per_host_concurrency_is_bounded(tmp_path):
    """Each request is held until a second one is in flight (so two must overlap, however busy the machine),
    then for a while longer in case a third one gets in: with a bound of 2 none can."""
    total, in_flight, arrived, peak = 12, [0], [0], [0]
    changed = threading.Condition()

    def counting(h):
        with changed:
            in_flight[0] += 1
            arrived[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            changed.notify_all()
            changed.wait_for(lambda: in_flight[0] >= 2 or arrived[0] == total, timeout=30)
            changed.wait_for(lambda: in_flight[0] > 2, timeout=0.1)  # a third request would show here
            in_flight[0] -= 1
        h._send(200, b"ok", "text/html")

    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL, "/p": counting}) as site:
        # timeouts far above the holds: a busy machine slows the test down but cannot fail it
        slow_ok = policy(tmp_path, http_per_host_concurrency=2, http_read_timeout_s=60.0, http_total_deadline_s=120.0)
        with HttpClient(slow_ok) as client:
            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(lambda i: client.fetch(site.url(f"/p?i={i}")), range(total)))
    assert all(r.outcome == "fetched" for r in results)
    assert peak[0] == 2


def test_connection_refused_is_retried_then_rejected(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with HttpClient(replace(policy(tmp_path, http_max_retries=2), respect_robots=False)) as client:
        result = client.fetch(f"http://127.0.0.1:{port}/bai.html")
    assert result.outcome == "rejected" and result.status is None
    assert result.reason.startswith("connection failed") and result.attempts == 3
    with HttpClient(policy(tmp_path, http_max_retries=0)) as client:  # robots.txt finds the host down first
        via_robots = client.fetch(f"http://127.0.0.1:{port}/bai.html")
    assert via_robots.outcome == "rejected" and via_robots.reason.startswith("host unreachable")
