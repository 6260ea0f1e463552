"""`newsfacts report` and the report every run writes: one self-contained page, its sections, its evidence links."""

from __future__ import annotations

import json
import logging
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from warehouse.report import REPORT_PATH, build_report, write_report
from warehouse.store import Warehouse

MAX_BYTES = 5_000_000


class _ExternalReferences(HTMLParser):
    """Tags that would load something from elsewhere: scripts or images with src, stylesheets, frames."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (tag in ("script", "img", "iframe") and attrs.get("src")) or tag == "link":
            self.found.append((tag, attrs))


def external_references(html: str) -> list[tuple]:
    parser = _ExternalReferences()
    parser.feed(html)
    return parser.found


def page_of(warehouse: str) -> str:
    return build_report(Warehouse(warehouse))


def doc_json(html: str) -> dict:
    found = re.search(r'<script type="application/json"[^>]*>\s*(.*?)\s*</script>', html, re.S)
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def column_values(value, name: str) -> list:
    """Values of every column `name` in the figures' data sources (Bokeh writes a source's data as map entries)."""
    out = []
    if isinstance(value, list) and len(value) == 2 and value[0] == name:
        column = value[1]
        return list(column["array"] if isinstance(column, dict) else column)
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in children:
        out += column_values(item, name)
    return out


def test_every_run_writes_the_report_under_the_warehouse(report_warehouse):
    page = Path(report_warehouse, *REPORT_PATH)
    assert page.exists() and page.stat().st_size < MAX_BYTES
    assert not Path(report_warehouse, "_report").joinpath("_staging").exists()


def test_the_page_is_self_contained(report_warehouse):
    html = page_of(report_warehouse)
    assert external_references(html) == []  # every script and style is inline
    assert "cdn.bokeh.org" not in html and "BEGIN bokeh.min.js" in html and "BEGIN bokeh-tables.min.js" in html
    assert "mathjax" not in html.lower()[:200_000]  # only the bundles the figures use
    assert len(html.encode()) < MAX_BYTES


def test_the_page_has_every_section(report_warehouse):
    html = page_of(report_warehouse)
    for section in ("articles", "money-province", "count-province", "money-period", "count-period", "top-per", "top-org",
                    "top-loc", "map", "holders", "rejects", "flags", "evidence"):
        assert f'id="{section}"' in html or f"id='{section}'" in html, section
    assert 'id="events"' not in html  # no events table in this warehouse: the section is left out
    data = doc_json(html)
    holders = list(zip(column_values(data, "person"), column_values(data, "organisation")))
    assert ("Nguyễn Văn An", "Ủy ban nhân dân tỉnh Quảng Ninh") in holders
    assert any(str(fact).endswith("empty.txt") for fact in column_values(data, "fact"))  # a rejected input


def test_every_link_of_every_figure_reaches_an_evidence_entry(report_warehouse):
    html = page_of(report_warehouse)
    ids = set(re.findall(r"id='([^']+)'", html)) | set(re.findall(r'id="([^"]+)"', html))
    links = column_values(doc_json(html), "anchor")
    assert len(links) > 50
    missing = {a for a in links if a not in ids}
    assert missing == set()
    assert any(a.startswith("s-") for a in links) and any(a.startswith("a-") for a in links)


def test_an_evidence_entry_gives_the_article_sentence_ids_and_offsets(report_warehouse):
    import duckdb

    html = page_of(report_warehouse)
    q = duckdb.sql(f"SELECT q.article_id, q.sentence_index, s.text, s.char_start, s.char_end FROM "
                   f"read_parquet('{report_warehouse}/quantities/**/*.parquet') q JOIN "
                   f"read_parquet('{report_warehouse}/sentences/**/*.parquet') s USING (article_id, sentence_index) "
                   "WHERE q.normalized_unit = 'VND' ORDER BY q.normalized_value DESC LIMIT 1").fetchall()[0]
    article_id, sentence_index, text, start, end = q
    entry = re.search(rf"<li id='s-{article_id}-{sentence_index}'[^>]*>(.*?)</li>", html).group(1)
    assert text in entry and f"chars {start}–{end}" in entry and f"sentence {sentence_index}" in entry
    assert f"article_id {article_id}" in html


def test_an_events_table_is_drawn_when_the_warehouse_has_one(report_warehouse, tmp_path, monkeypatch):
    from warehouse import query
    from warehouse.contract import Table, article_key_columns, col, span_columns

    events = Table(name="events", doc="test events", key=("article_id", "char_start"),
                   columns=(*article_key_columns(), *span_columns(), col("event_type", pa.string(), "type")))
    monkeypatch.setitem(query.TABLES, "events", events)
    root = tmp_path / "wh"
    shutil.copytree(report_warehouse, root)
    sentences = pq.read_table(next((root / "sentences").rglob("*.parquet"))).slice(0, 2)
    folder = root / "events" / "source=test" / "year=2018" / "month=10"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"article_id": sentences["article_id"], "sentence_index": sentences["sentence_index"],
                             "char_start": sentences["char_start"], "char_end": sentences["char_end"],
                             "mention": ["thành lập", "sáp nhập"], "event_type": ["establish", "merge"]}),
                   folder / "part-1.parquet")
    html = page_of(str(root))
    assert 'id="events"' in html and "establish" in column_values(doc_json(html), "label")


def test_places_files_without_coordinates_leave_the_map_out_with_a_note(report_warehouse, tmp_path):
    root = tmp_path / "wh"
    shutil.copytree(report_warehouse, root)
    for path in (root / "places").rglob("*.parquet"):
        pq.write_table(pq.read_table(path).drop_columns(["latitude", "longitude", "new_latitude", "new_longitude"]), path)
    html = page_of(str(root))
    assert "newsfacts reprocess" in html and not column_values(doc_json(html), "longitude")


def test_an_empty_warehouse_gives_a_page_that_says_so(tmp_path):
    assert "no articles yet" in page_of(str(tmp_path / "empty"))


def test_the_command_writes_the_file_it_is_given(report_warehouse, tmp_path):
    from flows.cli.main import app

    out = tmp_path / "mail" / "report.html"
    result = CliRunner().invoke(app, ["report", "-w", report_warehouse, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and out.exists() and str(out) in result.output
    assert write_report(Warehouse(report_warehouse)).location.endswith("_report/index.html")


def test_the_run_artifact_links_the_report_and_a_failed_report_never_fails_the_run(tmp_path, caplog):
    from flows.run_summary import markdown_report, publish_report

    summary = {"run_id": "r", "status": "completed", "sources": ["s"], "warehouse": "/w", "report": "/w/_report/index.html",
               "seconds": {}, "table_rows": {}, "rows_written": {}, "rejects": [],
               **dict.fromkeys(("discovered", "new", "changed", "unchanged", "skipped", "rejected", "undated"), 0)}
    assert "Report: [/w/_report/index.html](file:///w/_report/index.html)" in markdown_report(summary)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a warehouse")
    with caplog.at_level(logging.WARNING):
        assert publish_report(str(blocker), logging.getLogger("test")) is None
    assert "report could not be written" in caplog.text
    assert "not written" in markdown_report({**summary, "report": None})


def test_a_run_that_changed_nothing_keeps_the_report(report_warehouse, tmp_path):
    from flows.run_summary import publish_report

    root = tmp_path / "wh"
    shutil.copytree(report_warehouse, root)
    page = root.joinpath(*REPORT_PATH)
    page.write_text("kept", encoding="utf-8")
    assert publish_report(str(root), logging.getLogger("test"), changed=False) == str(page)
    assert page.read_text(encoding="utf-8") == "kept"
    assert publish_report(str(root), logging.getLogger("test"), changed=True) == str(page)
    assert page.stat().st_size > 100_000
