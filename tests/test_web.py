"""fetch_web_sources end to end against a real site on 127.0.0.1: listings, archive, faults, incremental runs."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest

from tasks.fetch.archive import Archive
from tasks.fetch.sources import NamedSource, SourceConfigError, classify, load_config
from tasks.fetch.web import VALIDATORS_FILE, fetch_web_sources
from warehouse.schema_web import FETCHES
from webfixtures import (
    FIXTURES,
    ROBOTS_ALLOW_ALL,
    VN,
    HeldResponse,
    LocalSite,
    Page,
    add_listings,
    article_html,
    billion_laughs,
    fast_settings,
    gzip_bomb,
    news_site,
    rss_feed,
    truncated_response,
)

MB = 1024 * 1024
OUTCOMES = ("fetched", "not_modified", "unchanged", "rejected", "skipped")


def assert_nothing_lost(stats: dict) -> None:
    assert stats["discovered"] == sum(stats[o] for o in OUTCOMES), stats
    assert stats["skipped"] == stats["robots_disallowed"] + stats["skipped_private"] + stats["skipped_scheme"]


def article_requests(site: LocalSite) -> list[str]:
    return site.requests(lambda p: p.startswith(("/tin-tuc/", "/loi/")))


# ---------------------------------------------------------------- the main scenario


def test_feed_and_sitemap_index_200_pages_then_an_unchanged_rerun_costs_no_article_get(tmp_path):
    routes, paths = news_site(200)
    with LocalSite(routes) as site:
        add_listings(site, paths, gz_child=True)
        sources = [site.url("/rss/tin-moi.rss"), site.url("/sitemap_index.xml")]
        settings = fast_settings(tmp_path)

        first = fetch_web_sources(sources, str(tmp_path), settings)
        assert sorted(i.uri for i in first.items) == sorted(site.url(p) for p in paths)
        assert first.stats["fetched"] == first.stats["discovered"] == 200 and not first.rejects
        assert first.stats["duplicates"] == 20  # the feed's pages are in the sitemap too
        assert first.stats["listings_fetched"] == 4  # feed, index, two children (one .xml.gz)
        assert_nothing_lost(first.stats)
        assert sorted(article_requests(site)) == sorted(paths)  # each page requested exactly once

        archive = Archive(str(tmp_path))
        by_uri = {i.uri: i for i in first.items}
        sample = by_uri[site.url(paths[7])]
        assert archive.get(sample.location) == article_html(7).encode()
        assert sample.source == sources[0] and sample.meta["listing_kind"] == "feed"
        assert sample.meta["title"] == "Tin số 7" and sample.meta["published"].startswith("2024-03-01T08:00")
        assert sample.charset == "utf-8" and sample.content_type == "text/html; charset=utf-8"
        from_gz_child = by_uri[site.url(paths[150])]
        assert from_gz_child.source == sources[1] and from_gz_child.meta["listing"].endswith("part-2.xml.gz")
        assert (tmp_path / "_state" / VALIDATORS_FILE).is_file()

        before = len(site.log)
        known = {i.uri: i.meta["content_hash"] for i in first.items}
        second = fetch_web_sources(sources, str(tmp_path), settings, known=known)
        new_requests = [path for _, path, _ in site.log[before:]]
        # the unchanged index's children are still asked (conditionally): a static index may front a
        # rolling news sitemap
        assert sorted(new_requests) == ["/robots.txt", "/rss/tin-moi.rss", "/sitemap_index.xml",
                                         "/sitemaps/part-1.xml", "/sitemaps/part-2.xml.gz"]
        assert not second.items and not second.rejects
        assert second.stats["listings_not_modified"] == 4 and second.stats["discovered"] == 0
        assert {r.status for r in second.fetch_rows if r.role != "robots"} == {304}


def test_changed_feed_refetches_known_pages_conditionally(tmp_path):
    routes, paths = news_site(6)
    with LocalSite(routes) as site:
        published = [datetime(2024, 3, 1, 8, tzinfo=VN) + timedelta(hours=i) for i in range(6)]
        items = [(site.url(p), f"Tin {i}", published[i]) for i, p in enumerate(paths)]
        site.routes["/rss"] = Page(rss_feed(items[:5]), "application/rss+xml")
        settings = fast_settings(tmp_path)
        first = fetch_web_sources([site.url("/rss")], str(tmp_path), settings)
        assert first.stats["fetched"] == 5

        site.routes["/rss"] = Page(rss_feed(items), "application/rss+xml")  # one new article
        known = {i.uri: i.meta["content_hash"] for i in first.items}
        before = len(site.log)
        second = fetch_web_sources([site.url("/rss")], str(tmp_path), settings, known=known)
        assert [i.uri for i in second.items] == [site.url(paths[5])]
        assert second.stats["not_modified"] == 5 and second.stats["fetched"] == 1
        assert sorted(u for u, _ in second.skipped) == sorted(site.url(p) for p in paths[:5])
        conditional = [h for _, p, h in site.log[before:] if p in paths[:5]]
        assert len(conditional) == 5 and all(h.get("If-None-Match") for h in conditional)

        # state lost: known pages are still recognised by their content hash
        (tmp_path / "_state" / VALIDATORS_FILE).unlink()
        known[site.url(paths[5])] = second.items[0].meta["content_hash"]
        third = fetch_web_sources([site.url("/rss")], str(tmp_path), settings, known=known)
        assert third.stats["unchanged"] == 6 and not third.items
        assert_nothing_lost(third.stats)


# ---------------------------------------------------------------- faults end well


def flaky(failures: int, page: Page):
    calls = [0]
    lock = threading.Lock()

    def handle(h):
        with lock:
            calls[0] += 1
            n = calls[0]
        if n <= failures:
            h._send(503, b"busy", "text/plain")
        else:
            h._page(page)

    return handle


def huge(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    block = b"a" * (256 * 1024)
    try:
        for _ in range(200):  # 50 MB
            h.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
        h.wfile.write(b"0\r\n\r\n")
    except OSError:
        pass
    h.close_connection = True


def test_every_fault_ends_well_and_is_counted(tmp_path):
    vi_utf8 = article_html(9, meta_charset=False).encode()
    slow = HeldResponse()
    routes = {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /loi/cam/\n", "text/plain"),
        "/loi/ok.html": Page(article_html(1).encode()),
        "/loi/flaky.html": flaky(2, Page(article_html(2).encode())),
        "/loi/404.html": Page(b"khong thay", "text/html", status=404),
        "/loi/slow.html": slow,
        "/loi/cut.html": truncated_response,
        "/loi/charset.html": Page(vi_utf8, "text/html; charset=iso-8859-1"),
        "/loi/a": Page(b"", status=302, headers={"Location": "/loi/b"}, conditional=False),
        "/loi/b": Page(b"", status=302, headers={"Location": "/loi/a"}, conditional=False),
        "/loi/huge.html": huge,
        "/loi/bomb.html": Page(gzip_bomb(64 * MB), "text/html", headers={"Content-Encoding": "gzip"}),
        "/loi/cam/bai.html": Page(b"robots says no"),
        "/loi/anh.jpg": Page(b"\xff\xd8\xff\xe0", "image/jpeg"),
    }
    with LocalSite(routes) as site:
        links = [site.url(p) for p in routes if p.startswith("/loi/") and p != "/loi/b"] + ["ftp://bao.example.vn/x"]
        when = datetime(2024, 3, 1, 8, tzinfo=VN)
        site.routes["/rss"] = Page(rss_feed([(u, f"Tin {i}", when) for i, u in enumerate(links)]), "application/rss+xml")
        # the slow page is held past every read timeout; the timeout stays long enough for a busy machine's
        # answers to robots.txt and the other pages
        settings = fast_settings(tmp_path, http_read_timeout_s=1.0, http_max_retries=2, max_input_bytes=2 * MB,
                                 http_max_decompressed_bytes=4 * MB)
        try:
            result = fetch_web_sources([site.url("/rss")], str(tmp_path), settings)
        finally:
            slow.released.set()

    stats = result.stats
    assert_nothing_lost(stats)
    assert stats["discovered"] == len(links) == 12
    assert (stats["fetched"], stats["rejected"], stats["skipped"]) == (3, 7, 2)
    assert stats["robots_disallowed"] == 1 and stats["skipped_scheme"] == 1
    reasons = {r.uri.rsplit("/", 1)[-1]: r.reason for r in result.rejects}
    assert reasons["404.html"] == "HTTP 404 Not Found"
    assert "timeout" in reasons["slow.html"] and "after 3 attempts" in reasons["slow.html"]
    assert "incomplete" in reasons["cut.html"]
    assert "redirect loop" in reasons["a"]
    assert "larger than" in reasons["huge.html"] and "compression bomb" in reasons["bomb.html"]
    assert reasons["anh.jpg"] == "not an HTML page (image/jpeg)"
    assert reasons["bai.html"].startswith("skipped: disallowed by") and reasons["x"].startswith("skipped: not a valid http(s) URL")
    items = {i.uri.rsplit("/", 1)[-1]: i for i in result.items}
    assert set(items) == {"ok.html", "flaky.html", "charset.html"}
    flaky_row = next(r for r in result.fetch_rows if r.url.endswith("flaky.html"))
    assert (flaky_row.attempts, flaky_row.status, flaky_row.outcome) == (3, 200, "fetched")
    cs = items["charset.html"].meta
    assert (items["charset.html"].charset, cs["charset_declared"], cs["charset_detected"]) == ("utf-8", "iso-8859-1", "utf-8")
    charset_row = next(r for r in result.fetch_rows if r.url.endswith("charset.html"))
    assert (charset_row.charset, charset_row.charset_declared) == ("utf-8", "iso-8859-1")
    assert next(r for r in result.fetch_rows if r.url.endswith("404.html")).status == 404
    # a feed with a failed page keeps no validators: the next run lists it again and retries the page
    state = json.loads((tmp_path / "_state" / VALIDATORS_FILE).read_text())
    assert site.url("/rss") not in state and site.url("/loi/ok.html") in state


def test_feed_items_on_loopback_are_skipped_without_allow_private(tmp_path):
    routes, paths = news_site(3)
    with LocalSite(routes) as site:
        when = datetime(2024, 3, 1, 8, tzinfo=VN)
        site.routes["/rss"] = Page(rss_feed([(site.url(p), "Tin", when) for p in paths]), "application/rss+xml")
        result = fetch_web_sources([site.url("/rss")], str(tmp_path), fast_settings(tmp_path, http_allow_private=False))
        assert not article_requests(site)
    assert result.stats["skipped_private"] == 3 and not result.items
    assert_nothing_lost(result.stats)
    assert all("non-public address" in r.reason and "http_allow_private" in r.reason for r in result.rejects)


def test_entity_bomb_feed_is_rejected_without_expansion(tmp_path):
    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL, "/bomb.rss": Page(billion_laughs(), "application/rss+xml")}) as site:
        result = fetch_web_sources([site.url("/bomb.rss")], str(tmp_path), fast_settings(tmp_path))
    assert not result.items and result.stats["listings_rejected"] == 1 and result.stats["discovered"] == 0
    [reject] = result.rejects
    assert reject.stage == "fetch" and "unsafe XML refused" in reject.reason and reject.location.startswith("archive:")


def test_listing_http_error_is_a_reject_with_status(tmp_path):
    with LocalSite({"/robots.txt": ROBOTS_ALLOW_ALL}) as site:
        result = fetch_web_sources([site.url("/khong-co.rss")], str(tmp_path), fast_settings(tmp_path))
    [reject] = result.rejects
    assert reject.reason == "feed HTTP 404 Not Found" and reject.detail == "HTTP 404"


# ---------------------------------------------------------------- source kinds


def test_direct_url_url_list_sniffed_feed_and_local_path(tmp_path):
    routes, paths = news_site(4)
    with LocalSite(routes) as site:
        site.routes["/tin-moi"] = Page(rss_feed([(site.url(paths[3]), "Tin", datetime(2024, 3, 1, tzinfo=VN))]),
                                       "text/xml")  # no hint in the path: recognised by sniffing
        url_list = tmp_path / "urls.txt"
        url_list.write_text(f"# danh sách\n{site.url(paths[1])}\n{site.url(paths[2])}\n")
        sources = [site.url(paths[0]), str(url_list), site.url("/tin-moi"), str(tmp_path / "bai-viet")]
        result = fetch_web_sources(sources, str(tmp_path / "wh"), fast_settings(tmp_path))
        assert sorted(article_requests(site)) == sorted(paths)
    by_uri = {i.uri: i for i in result.items}
    assert by_uri[site.url(paths[0])].source == sources[0]
    assert by_uri[site.url(paths[1])].source == str(url_list)
    assert by_uri[site.url(paths[3])].source == sources[2] and by_uri[site.url(paths[3])].meta["listing_kind"] == "feed"
    [reject] = result.rejects
    assert "not a web source" in reject.reason
    assert_nothing_lost(result.stats)


def test_named_source_max_items_keeps_the_newest(tmp_path):
    routes, paths = news_site(10)
    with LocalSite(routes) as site:
        add_listings(site, paths)
        named = NamedSource(name="bao-vi-du", kind="sitemap", url=site.url("/sitemap_index.xml"), max_items=3)
        result = fetch_web_sources([named], str(tmp_path), fast_settings(tmp_path))
    # newest 3 across both children: the dated child has pages 0-4, the gzipped one is undated
    assert {i.source for i in result.items} == {"bao-vi-du"}
    assert {i.uri for i in result.items} == {site.url(paths[i]) for i in (4, 3, 2)}
    assert result.stats["discovered"] == 3 and result.stats["listings_fetched"] == 3


def test_validators_committed_only_when_asked(tmp_path):
    routes, paths = news_site(2)
    with LocalSite(routes) as site:
        add_listings(site, paths)
        result = fetch_web_sources([site.url("/rss/tin-moi.rss")], str(tmp_path), fast_settings(tmp_path),
                                   commit_state=False)
        assert not (tmp_path / "_state" / VALIDATORS_FILE).exists()
        result.commit(str(tmp_path))
        again = fetch_web_sources([site.url("/rss/tin-moi.rss")], str(tmp_path), fast_settings(tmp_path))
    assert again.stats["listings_not_modified"] == 1


def test_fetch_rows_fit_the_fetches_table(tmp_path):
    routes, paths = news_site(3)
    with LocalSite(routes) as site:
        add_listings(site, paths)
        result = fetch_web_sources([site.url("/sitemap_index.xml"), site.url("/loi/404")], str(tmp_path),
                                   fast_settings(tmp_path))
    table = FETCHES.to_arrow(result.fetch_rows)  # typed records of the table: the contract checks them
    assert table.schema == FETCHES.file_schema()
    assert table.num_rows == len(result.fetch_rows) == 1 + 3 + 3 + 1  # robots, listings, pages, 404
    roles = sorted(set(table.column("role").to_pylist()))
    assert roles == ["article", "robots", "sitemap"]
    assert all(type(r) is FETCHES.record for r in result.fetch_rows)


def test_classify_kinds(tmp_path):
    url_list = tmp_path / "ds.txt"
    url_list.write_text("https://bao.example.vn/a.html\n# chú thích\n\nhttps://bao.example.vn/b.html\n")
    notes = tmp_path / "ghi-chu.txt"
    notes.write_text("Hạ Long, ngày 1/3\n")
    assert classify("https://bao.example.vn/rss/thoi-su.rss").kind == "feed"
    assert classify("https://bao.example.vn/feed").kind == "feed"
    assert classify("https://bao.example.vn/sitemap_index.xml").kind == "sitemap"
    assert classify("https://bao.example.vn/sitemaps/news-2024-03.xml.gz").kind == "sitemap"
    assert classify("https://bao.example.vn/thoi-su/cau-moi.html").kind == "url"
    assert classify(str(url_list)).kind == "url_list"
    assert classify(str(notes)).kind == "path"
    assert classify(str(tmp_path)).kind == "path"


def test_load_config_example_and_errors(tmp_path):
    sources = load_config(FIXTURES.parents[2] / "sources.example.toml")
    assert [s.name for s in sources] == ["baovidu-thoisu", "baovidu-sitemap", "danh-sach-tay"]
    feed, sitemap, url_list = sources
    assert feed.schedule.cron == "*/30 * * * *" and feed.max_items == 50 and feed.kind == "feed"
    assert sitemap.schedule.interval_minutes == 180.0 and sitemap.schedule.timezone == "Asia/Ho_Chi_Minh"
    assert url_list.url.endswith("urls/bai-can-doc.txt") and url_list.url.startswith("/") and not url_list.enabled

    def bad(text: str) -> str:
        path = tmp_path / "bad.toml"
        path.write_text(text)
        with pytest.raises(SourceConfigError) as exc:
            load_config(path)
        return str(exc.value)

    assert "cron" in bad('[[source]]\nname="a"\nurl="https://x.vn/rss"\nschedule={cron="every day"}\n')
    assert "exactly one" in bad('[[source]]\nname="a"\nurl="https://x.vn/rss"\nschedule={}\n')
    assert "duplicate" in bad('[[source]]\nname="a"\nurl="https://x.vn/rss"\n[[source]]\nname="a"\nurl="https://x.vn/b"\n')
    assert "kind" in bad('[[source]]\nname="a"\nkind="ftp"\nurl="https://x.vn/rss"\n')
    assert "max_items" in bad('[[source]]\nname="a"\nurl="https://x.vn/rss"\nmax_items=0\n')
    assert "invalid TOML" in bad("[[source]\n")


def test_static_index_over_a_changed_child_still_finds_new_pages(tmp_path):
    routes, paths = news_site(4)
    with LocalSite(routes) as site:
        add_listings(site, paths[:3], gz_child=False)
        settings = fast_settings(tmp_path)
        first = fetch_web_sources([site.url("/sitemap_index.xml")], str(tmp_path), settings)
        assert first.stats["fetched"] == 3
        known = {i.uri: i.meta["content_hash"] for i in first.items}
        index_before = site.routes["/sitemap_index.xml"]
        add_listings(site, paths, gz_child=False)  # children now list 4 pages; the index bytes stay the same
        assert site.routes["/sitemap_index.xml"].body == index_before.body
        second = fetch_web_sources([site.url("/sitemap_index.xml")], str(tmp_path), settings, known=known)
    assert [i.uri for i in second.items] == [site.url(paths[3])]
    assert second.stats["listings_not_modified"] == 1 and second.stats["listings_fetched"] == 2
    assert_nothing_lost(second.stats)


def test_sources_config_file_is_expanded(tmp_path):
    routes, paths = news_site(6)
    with LocalSite(routes) as site:
        add_listings(site, paths)
        (tmp_path / "lists").mkdir()
        (tmp_path / "lists" / "tay.txt").write_text(site.url(paths[0]) + "\n")
        config = tmp_path / "sources.toml"
        config.write_text(f"""
[[source]]
name = "bao-a"
kind = "feed"
url = "{site.url('/rss/tin-moi.rss')}"
max_items = 2
schedule = {{interval_minutes = 15}}

[[source]]
name = "tay"
kind = "url_list"
url = "lists/tay.txt"

[[source]]
name = "tat"
url = "{site.url('/sitemap_index.xml')}"
enabled = false
""")
        result = fetch_web_sources([str(config)], str(tmp_path / "wh"), fast_settings(tmp_path))
    # bao-a: the 2 newest feed entries; tay: its list (relative to the config file); tat: disabled
    assert sorted((i.source, i.uri) for i in result.items) == [
        ("bao-a", site.url(paths[4])), ("bao-a", site.url(paths[5])), ("tay", site.url(paths[0]))]
    assert result.stats["sources_disabled"] == 1 and not result.rejects
    assert "/sitemap_index.xml" not in site.requests()
