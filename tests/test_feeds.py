"""RSS/Atom parsing: entries, dates, relative links, and refusal of entity bombs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tasks.fetch.feeds import FeedError, parse_feed, refuse_unsafe_xml
from tasks.fetch.sources import sniff_kind
from webfixtures import FIXTURES, VN, billion_laughs, rss_feed


def test_rss_entries_with_titles_and_utc_dates():
    published = datetime(2024, 3, 1, 8, 30, tzinfo=VN)
    feed = parse_feed(rss_feed([("https://bao.example.vn/a.html", "Quảng Ninh đón mưa lớn", published)]),
                      "https://bao.example.vn/rss.xml")
    assert feed.version == "rss20" and feed.title == "Tin mới nhất"
    [entry] = feed.entries
    assert entry.url == "https://bao.example.vn/a.html"
    assert entry.title == "Quảng Ninh đón mưa lớn"
    assert entry.published == datetime(2024, 3, 1, 1, 30, tzinfo=timezone.utc)
    assert entry.published_raw.endswith("+0700")


def test_atom_relative_links_resolve_and_linkless_entries_are_dropped():
    feed = parse_feed((FIXTURES / "feed_atom.xml").read_bytes(), "https://bao.example.vn/thoi-su.atom")
    assert feed.version == "atom10" and feed.title == "Báo Ví Dụ – Thời sự"
    assert [e.url for e in feed.entries] == [
        "https://bao.example.vn/thoi-su/cau-ka-long.html",
        "https://bao.example.vn/du-lich/doan-khach-dau-nam.html",
    ]
    assert feed.entries_without_link == 1
    first = feed.entries[0]
    assert first.author == "Minh Hà" and first.categories == ("Thời sự",)
    assert first.published == datetime(2024, 3, 2, 2, 15, tzinfo=timezone.utc)


def test_billion_laughs_is_refused_before_any_expansion():
    with pytest.raises(FeedError, match="unsafe XML refused"):
        parse_feed(billion_laughs(), "https://bao.example.vn/rss.xml")


def test_entity_declaration_in_malformed_document_is_refused():
    broken = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><title>&a;</title>'
    with pytest.raises(FeedError, match="entity"):
        refuse_unsafe_xml(broken)


def test_external_entity_is_refused():
    xxe = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'
    with pytest.raises(FeedError):
        parse_feed(xxe, "https://bao.example.vn/rss.xml")


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedError, match="not an RSS/Atom feed"):
        parse_feed(b"<html><body><p>Trang tin</p></body></html>", "https://bao.example.vn/")


def test_sniff_kind_by_root_element():
    assert sniff_kind(rss_feed([])) == "feed"
    assert sniff_kind((FIXTURES / "feed_atom.xml").read_bytes()) == "feed"
    assert sniff_kind((FIXTURES / "sitemap_news.xml").read_bytes()) == "sitemap"
    assert sniff_kind(b"<!DOCTYPE html><html><head></head></html>") is None
