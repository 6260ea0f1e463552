"""The Parquet store: merge semantics, atomic commits, recovery after a crash, rejects state, partitions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from warehouse.store import MANIFEST, STAGING, Warehouse, source_slug

VN = timezone(timedelta(hours=7))


def article(aid: str, content: str, run: str, source: str = "seeds", when=datetime(2018, 10, 11, 17, tzinfo=VN)):
    return {"article_id": aid, "content_hash": content, "input_uri": f"/in/{aid}", "input_hash": content,
            "uri": f"/in/{aid}", "source_name": source, "published_at": when, "run_id": run,
            "extractor_versions": "x=1", "title": f"title {aid}", "text": f"text {content}"}


def paragraph(aid: str, text: str):
    return {"article_id": aid, "paragraph_index": 0, "kind": "title", "text": text, "char_start": 0,
            "char_end": len(text)}


def batch(*items):
    return {"articles": [a for a, _ in items], "paragraphs": [p for _, p in items]}


@pytest.fixture
def wh(tmp_path):
    return Warehouse(str(tmp_path / "wh"))


def rows(wh, table):
    return sorted(wh.read_table(table).to_pylist(), key=lambda r: json.dumps(r, default=str, sort_keys=True))


def test_new_then_unchanged_keeps_rows_and_original_run_id(wh):
    first = wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "x")),
                            (article("b", "h2", "run1"), paragraph("b", "y"))), "run1")
    assert sorted(first.new) == ["a", "b"]
    before = {t: rows(wh, t) for t in ("articles", "paragraphs")}
    again = wh.commit(batch((article("a", "h1", "run2"), paragraph("a", "x")),
                            (article("b", "h2", "run2"), paragraph("b", "y"))), "run2")
    assert sorted(again.unchanged) == ["a", "b"] and not again.new and not again.changed
    assert {t: rows(wh, t) for t in ("articles", "paragraphs")} == before
    assert {r["run_id"] for r in rows(wh, "articles")} == {"run1"}


def test_changed_article_replaces_all_its_rows(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "old")),
                    (article("b", "h2", "run1"), paragraph("b", "keep"))), "run1")
    result = wh.commit(batch((article("a", "h1-new", "run2"), paragraph("a", "new")),), "run2")
    assert result.changed == ["a"]
    texts = {r["article_id"]: r["text"] for r in rows(wh, "paragraphs")}
    assert texts == {"a": "new", "b": "keep"}
    assert len(rows(wh, "articles")) == 2


def test_changed_article_moving_partition_leaves_no_stale_rows(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "old")),), "run1")
    moved = article("a", "h2", "run2", when=datetime(2020, 1, 2, tzinfo=VN))
    wh.commit(batch((moved, paragraph("a", "new")),), "run2")
    table = wh.read_table("paragraphs").to_pylist()
    assert [(r["text"], r["year"], r["month"]) for r in table] == [("new", 2020, 1)]


def test_same_id_with_different_text_in_one_run_is_rejected_not_duplicated(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "x")),), "run1")
    result = wh.commit(batch((article("a", "h2", "run1"), paragraph("a", "y")),), "run1")
    assert result.duplicates and "different text" in result.duplicates[0][1]
    assert [r["text"] for r in rows(wh, "paragraphs")] == ["x"]
    assert [r["stage"] for r in rows(wh, "rejects")] == ["load"]


def test_rejects_are_current_state_per_input(wh):
    reject = {"input_id": "i1", "stage": "clean", "reason": "empty file", "uri": "/in/bad", "run_id": "run1"}
    wh.commit({"rejects": [reject]}, "run1")
    wh.commit({"rejects": [{**reject, "run_id": "run2"}]}, "run2")
    assert [r["run_id"] for r in rows(wh, "rejects")] == ["run1"]  # same reject kept, first run remembered
    wh.commit({"rejects": [{**reject, "reason": "binary file", "run_id": "run3"}]}, "run3")
    assert [r["reason"] for r in rows(wh, "rejects")] == ["binary file"]


def test_parquet_files_carry_column_docs_and_schema_version(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "x")),), "run1")
    files = wh.part_files("articles")
    schema = pq.read_schema(files[0].path)
    assert schema.metadata[b"schema_version"] == b"1"
    assert b"description" in schema.field("content_hash").metadata


def test_readable_by_pandas_and_duckdb_without_project_code(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "x")),), "run1")
    df = pd.read_parquet(wh.uri("articles"))
    assert df.loc[0, "article_id"] == "a" and str(df.loc[0, "source"]) == "seeds"
    got = duckdb.sql(f"SELECT article_id, year, month FROM read_parquet('{wh.uri('articles')}/**/*.parquet', "
                     "hive_partitioning=true)").fetchall()
    assert got == [("a", 2018, 10)]


def test_recovery_finishes_a_committed_batch_and_discards_an_uncommitted_one(wh, tmp_path):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "x")),), "run1")
    # A batch that crashed after writing its manifest but before moving its files:
    committed = wh.path(STAGING, "b-committed")
    wh.fs.create_dir(committed)
    table = wh.read_table("paragraphs").drop_columns(["source", "year", "month"])
    pq.write_table(table, f"{committed}/00001.parquet")
    final = wh.path("paragraphs", "source=seeds", "year=2018", "month=10", "part-extra.parquet")
    (tmp_path / "m.json").write_text(json.dumps({"moves": [["00001.parquet", final]], "deletes": []}))
    wh.fs.copy_file(str(tmp_path / "m.json"), f"{committed}/{MANIFEST}")
    # …and one that crashed before its manifest:
    wh.fs.create_dir(wh.path(STAGING, "b-torn"))
    pq.write_table(table, wh.path(STAGING, "b-torn", "00001.parquet"))
    assert wh.recover() == {"finished": 1, "discarded": 1}
    assert wh.exists(final)
    assert len(wh.read_table("paragraphs")) == 2
    assert wh.fs.get_file_info(wh.path(STAGING, "b-torn")).type.name == "NotFound"


def test_runs_row_is_replaced_and_interrupted_runs_are_marked(wh):
    row = {"run_id": "r1", "status": "running", "started_at": datetime.now(timezone.utc), "host": "h", "pid": 1}
    wh.write_run(row)
    wh.write_run({**row, "status": "completed"})
    assert [r["status"] for r in rows(wh, "runs")] == ["completed"]
    wh.write_run({**row, "run_id": "r2"})
    assert wh.mark_interrupted_runs(lambda r: False) == ["r2"]
    assert {r["run_id"]: r["status"] for r in rows(wh, "runs")} == {"r1": "completed", "r2": "interrupted"}


@pytest.mark.parametrize("name", ["../../etc", "a/b", "x=1", "\x00nul", "." * 3, "s" * 500, "Tin tức Việt"])
def test_source_slug_is_a_safe_single_folder_name(name):
    slug = source_slug(name)
    assert slug and "/" not in slug and "=" not in slug and "\x00" not in slug
    assert slug not in {".", ".."} and not slug.startswith(".") and len(slug) <= 80


def test_source_slugs_of_different_names_differ():
    assert source_slug("a/b") != source_slug("a-b")
