"""The flow against a real local news site: a feed, a sitemap index and 200 pages; then an incremental rerun."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.ingest import ingest
from webfixtures import LocalSite, add_listings, news_site

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_site_of_200_pages_loads_all_then_a_rerun_fetches_no_article(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFACTS_HTTP_ALLOW_PRIVATE", "true")  # the test site is on 127.0.0.1
    monkeypatch.setenv("NEWSFACTS_HTTP_PER_HOST_RATE", "10000")
    routes, paths = news_site(200)
    warehouse = str(tmp_path / "wh")
    with LocalSite(routes) as site:
        add_listings(site, paths, gz_child=True)
        sources = [site.url("/rss/tin-moi.rss"), site.url("/sitemap_index.xml")]
        first = ingest(sources=sources, warehouse=warehouse, batch_size=50)
        assert first["status"] == "completed" and first["balanced"]
        assert first["new"] == 200 and first["rejected"] == 0
        articles = pd.read_parquet(f"{warehouse}/articles")
        assert sorted(articles["uri"]) == sorted(site.url(p) for p in paths)
        assert articles["raw_location"].str.startswith("archive:").all()
        assert len(pd.read_parquet(f"{warehouse}/fetches")) >= 200

        before = len(site.log)
        second = ingest(sources=sources, warehouse=warehouse, batch_size=50)
        article_gets = [path for _, path, _ in site.log[before:] if path.startswith("/tin-tuc/")]
        assert article_gets == []
        assert second["new"] == second["changed"] == 0 and second["balanced"]
        assert second["web"]["listings_not_modified"] == 4 and second["web"]["discovered"] == 0
    assert len(pd.read_parquet(f"{warehouse}/articles")) == 200


def test_discover_mixes_a_folder_and_a_file_of_urls(tmp_path, seed_folder):
    from tasks.fetch.discover import discover
    from webfixtures import fast_settings

    routes, paths = news_site(3)
    with LocalSite(routes) as site:
        url_list = tmp_path / "urls.txt"
        url_list.write_text("# today's picks\n" + "\n".join(site.url(p) for p in paths) + "\n", encoding="utf-8")
        found = discover([str(seed_folder), str(url_list)], fast_settings(tmp_path), str(tmp_path / "wh"))
    assert sorted(i.uri for i in found.items if i.uri.startswith("http")) == sorted(site.url(p) for p in paths)
    assert [i.source for i in found.items if not i.uri.startswith("http")] == ["seeds"]
    assert found.discovered == 4 and not found.rejects
