"""Test helpers for the web fetcher: synthetic Vietnamese pages, feeds, sitemaps and a real loopback site."""

from __future__ import annotations

import gzip
import hashlib
import html
import threading
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from tasks.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "web"
VN = timezone(timedelta(hours=7))

# Pieces of synthetic news sentences (written for these tests, in the style of provincial news).
_PLACES = ["Cẩm Phả", "Hạ Long", "Móng Cái", "Uông Bí", "Đông Triều", "Quảng Yên", "Vân Đồn", "Tiên Yên"]
_SUBJECTS = ["UBND thành phố", "Sở Giao thông Vận tải", "Ban Quản lý dự án", "Hội Nông dân xã", "Công an huyện"]
_ACTIONS = [
    "đã tổ chức hội nghị sơ kết công tác {n} tháng đầu năm",
    "vừa khởi công tuyến đường dài {n} km nối trung tâm với các xã vùng cao",
    "đã hỗ trợ {n} hộ nghèo sửa chữa nhà ở trước mùa mưa bão",
    "kiểm tra {n} cơ sở kinh doanh thực phẩm trên địa bàn",
    "trao {n} suất học bổng cho học sinh có hoàn cảnh khó khăn",
]


def article_html(i: int, *, charset: str = "utf-8", meta_charset: bool = True, padding: int = 0) -> str:
    """A synthetic Vietnamese news article page; deterministic in `i`."""
    place = _PLACES[i % len(_PLACES)]
    subject = _SUBJECTS[i % len(_SUBJECTS)]
    published = datetime(2024, 3, 1, 8, 0, tzinfo=VN) + timedelta(hours=i)
    sentences = [
        f"Ngày {published.day}/{published.month}, {subject} {place} "
        + _ACTIONS[(i + k) % len(_ACTIONS)].format(n=(i * 7 + k * 3) % 90 + 10) + "."
        for k in range(4)
    ]
    body = "\n".join(f"    <p>{html.escape(s)}</p>" for s in sentences)
    pad = f"\n    <!-- {'x' * padding} -->" if padding else ""
    head_charset = f'<meta charset="{charset}">' if meta_charset else ""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
  {head_charset}
  <title>{html.escape(place)}: tin số {i}</title>
  <meta property="article:published_time" content="{published.isoformat()}">
</head>
<body>
  <article>
    <h1>{html.escape(place)}: tin số {i}</h1>
    <p class="sapo">{html.escape(sentences[0])}</p>
{body}{pad}
    <p class="author">Bài và ảnh: Phóng viên {i}</p>
  </article>
</body>
</html>
"""


def rss_feed(items: list[tuple[str, str, datetime]], title: str = "Tin mới nhất") -> bytes:
    """RSS 2.0 with (link, title, published) items."""
    entries = "\n".join(
        f"""    <item>
      <title>{html.escape(t)}</title>
      <link>{html.escape(link)}</link>
      <guid isPermaLink="true">{html.escape(link)}</guid>
      <pubDate>{format_datetime(published)}</pubDate>
    </item>"""
        for link, t, published in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>{html.escape(title)}</title>
    <link>https://bao.example.vn/</link>
    <description>Tin tức tổng hợp</description>
{entries}
  </channel>
</rss>
""".encode()


def atom_feed(items: list[tuple[str, str, datetime]], title: str = "Tin Atom") -> bytes:
    entries = "\n".join(
        f"""  <entry>
    <title>{html.escape(t)}</title>
    <link rel="alternate" href="{html.escape(link)}"/>
    <id>{html.escape(link)}</id>
    <updated>{published.isoformat()}</updated>
    <published>{published.isoformat()}</published>
  </entry>"""
        for link, t, published in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{html.escape(title)}</title>
  <id>urn:example:feed</id>
  <updated>2024-03-01T08:00:00+07:00</updated>
{entries}
</feed>
""".encode()


def sitemap_urlset(items: list[tuple[str, str | None, datetime | None]]) -> bytes:
    """News sitemap with (loc, news title or None, publication date or None)."""
    urls = []
    for loc, title, published in items:
        news = ""
        if title or published:
            news = f"""
    <news:news>
      <news:publication><news:name>Báo Ví Dụ</news:name><news:language>vi</news:language></news:publication>
      {f'<news:publication_date>{published.isoformat()}</news:publication_date>' if published else ''}
      {f'<news:title>{html.escape(title)}</news:title>' if title else ''}
    </news:news>"""
        urls.append(f"  <url>\n    <loc>{html.escape(loc)}</loc>{news}\n  </url>")
    return ("""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
""" + "\n".join(urls) + "\n</urlset>\n").encode()


def sitemap_index(locs: list[str]) -> bytes:
    children = "\n".join(f"  <sitemap><loc>{html.escape(l)}</loc></sitemap>" for l in locs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{children}
</sitemapindex>
""".encode()


def billion_laughs() -> bytes:
    """The classic entity-expansion bomb (a few hundred bytes, ~3 GB if expanded)."""
    return (FIXTURES / "billion_laughs_feed.xml").read_bytes()


def gzip_bomb(decoded_bytes: int) -> bytes:
    """gzip stream of `decoded_bytes` zeros, built in chunks (never holds the expanded data)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk, parts, left = b"\0" * (1 << 20), [], decoded_bytes
    while left > 0:
        parts.append(z.compress(chunk[: min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(z.flush())
    return b"".join(parts)


# ---------------------------------------------------------------- a real HTTP server on 127.0.0.1


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict = field(default_factory=dict)
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    status: int = 200

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


LAST_MODIFIED = "Fri, 01 Mar 2024 01:00:00 GMT"
Handler = Callable[[BaseHTTPRequestHandler], None]


class LocalSite:
    """Threaded HTTP/1.1 server on 127.0.0.1 serving `routes` (path → Page or raw handler function).

    Logs every request (method, path, headers) so tests count what the client really asked for.
    """

    def __init__(self, routes: dict[str, Page | Handler] | None = None):
        self.routes: dict[str, Page | Handler] = dict(routes or {})
        self.log: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        site = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms delayed-ACK stalls

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                with site._lock:
                    site.log.append(("GET", self.path, dict(self.headers)))
                route = site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                elif isinstance(route, Page):
                    self._page(route)
                else:
                    route(self)

            def _page(self, page: Page):
                # RFC 9110: If-None-Match, when sent, decides alone; If-Modified-Since only without it
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if page.conditional and page.status == 200 and (inm == page.etag if inm else ims == LAST_MODIFIED):
                    self._send(304, b"", None, {"ETag": page.etag})
                    return
                headers = {"ETag": page.etag, "Last-Modified": LAST_MODIFIED} if page.conditional else {}
                self._send(page.status, page.body, page.content_type, {**headers, **page.headers})

            def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, predicate: Callable[[str], bool] = lambda p: True) -> list[str]:
        with self._lock:
            return [path for _, path, _ in self.log if predicate(path)]

    def __enter__(self) -> "LocalSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class HeldResponse:
    """A handler that answers only once released (or after `hold_s`): a response slower than any read timeout."""

    def __init__(self, hold_s: float = 30.0):
        self.released, self.hold_s = threading.Event(), hold_s

    def __call__(self, h):
        self.released.wait(self.hold_s)
        try:
            h._send(200, b"late", "text/html")
        except OSError:
            pass  # the client gave up already


def truncated_response(h) -> None:
    """A handler whose response ends long before its Content-Length: the connection closes mid-body."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", "10000")
    h.end_headers()
    h.wfile.write("<p>Bài viết bị cắt".encode())
    h.wfile.flush()
    h.close_connection = True


ROBOTS_ALLOW_ALL = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")


@dataclass(frozen=True)
class FastSettings(Settings):
    """Settings with the HTTP delays proposed for tasks.settings, made tiny so fault tests run fast."""

    http_backoff_base_s: float = 0.005
    http_backoff_max_s: float = 0.05
    http_retry_after_max_s: float = 0.05
    http_concurrency: int = 4


def fast_settings(tmp_path: Path | str, **overrides) -> FastSettings:
    base = FastSettings(warehouse=str(tmp_path), http_allow_private=True, http_connect_timeout_s=2.0,
                        http_read_timeout_s=2.0, http_total_deadline_s=10.0, http_per_host_rate=10_000.0,
                        http_max_retries=2)
    return replace(base, **overrides)


def news_site(n_pages: int) -> tuple[dict[str, Page], list[str]]:
    """Routes of `n_pages` article pages plus robots.txt; returns (routes, article paths)."""
    paths = [f"/tin-tuc/bai-{i:04d}.html" for i in range(n_pages)]
    routes: dict[str, Page] = {p: Page(article_html(i).encode()) for i, p in enumerate(paths)}
    routes["/robots.txt"] = ROBOTS_ALLOW_ALL
    return routes, paths


def add_listings(site: LocalSite, paths: list[str], *, gz_child: bool = True) -> None:
    """Feed (first 20 pages) and a sitemap index → two children (second one gzipped) covering all pages."""
    published = [datetime(2024, 3, 1, 8, tzinfo=VN) + timedelta(hours=i) for i in range(len(paths))]
    feed_items = [(site.url(p), f"Tin số {i}", published[i]) for i, p in enumerate(paths[:20])]
    site.routes["/rss/tin-moi.rss"] = Page(rss_feed(feed_items), "application/rss+xml; charset=utf-8")
    half = len(paths) // 2
    first = sitemap_urlset([(site.url(p), f"Tin số {i}", published[i]) for i, p in enumerate(paths[:half])])
    second = sitemap_urlset([(site.url(p), None, None) for p in paths[half:]])
    second_path = "/sitemaps/part-2.xml.gz" if gz_child else "/sitemaps/part-2.xml"
    site.routes["/sitemaps/part-1.xml"] = Page(first, "application/xml")
    site.routes[second_path] = Page(gzip.compress(second) if gz_child else second, "application/x-gzip")
    site.routes["/sitemap_index.xml"] = Page(sitemap_index([site.url("/sitemaps/part-1.xml"), site.url(second_path)]),
                                             "application/xml")
