"""Sitemaps: urlsets, indexes, news extensions, gzip, and refusal of DTDs, entities and bombs."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest

from tasks.fetch.sitemaps import SitemapError, newest_first, parse_sitemap, parse_w3c_datetime
from webfixtures import FIXTURES, gzip_bomb, sitemap_index, sitemap_urlset

BASE = "https://bao.example.vn/sitemap.xml"


def test_news_sitemap_fields_and_relative_loc():
    sm = parse_sitemap((FIXTURES / "sitemap_news.xml").read_bytes(), BASE)
    assert sm.kind == "urlset"
    first, second, third = sm.urls
    assert first.news_title == "Giá lúa tăng nhẹ ở Đồng bằng sông Cửu Long"
    assert first.news_published == datetime(2024, 3, 2, 6, 45, tzinfo=timezone(timedelta(hours=7)))
    assert first.lastmod == datetime(2024, 3, 2, tzinfo=timezone.utc)
    assert second.lastmod == datetime(2024, 3, 3, 12, tzinfo=timezone.utc) and second.news_title is None
    assert third.url == "https://bao.example.vn/tuong-doi/bai-cu.html"
    assert [u.url for u in newest_first(sm.urls)] == [second.url, first.url, third.url]


def test_index_and_gzipped_file():
    index = parse_sitemap(gzip.compress(sitemap_index(["https://bao.example.vn/s1.xml", "/s2.xml.gz"])), BASE)
    assert index.kind == "sitemapindex"
    assert [u.url for u in index.urls] == ["https://bao.example.vn/s1.xml", "https://bao.example.vn/s2.xml.gz"]


def test_gzip_bomb_sitemap_is_refused():
    with pytest.raises(SitemapError, match="compression bomb"):
        parse_sitemap(gzip_bomb(8 * 1024 * 1024), BASE, limit=1024 * 1024)


def test_entities_and_dtd_are_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "xxxxxxxx"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&b;</loc></url></urlset>')
    with pytest.raises(SitemapError, match="unsafe XML"):
        parse_sitemap(bomb, BASE)


def test_not_a_sitemap_and_malformed():
    with pytest.raises(SitemapError, match="root element <rss>"):
        parse_sitemap(b"<rss version='2.0'><channel/></rss>", BASE)
    with pytest.raises(SitemapError, match="malformed"):
        parse_sitemap(sitemap_urlset([("https://bao.example.vn/a", None, None)])[:-20], BASE)


def test_w3c_dates():
    assert parse_w3c_datetime("2024-03-01") == datetime(2024, 3, 1, tzinfo=timezone.utc)
    assert parse_w3c_datetime("2024-03-01T08:00:00Z") == datetime(2024, 3, 1, 8, tzinfo=timezone.utc)
    assert parse_w3c_datetime("hôm qua") is None
