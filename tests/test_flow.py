"""End to end: the real ingest flow under Prefect on the seed; tables read back with pandas and DuckDB."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

from flows.ingest import ingest
from tests.conftest import REPO, SEED
from warehouse.store import Warehouse
from warehouse.tables import TABLES

pytestmark = pytest.mark.usefixtures("prefect_harness")

VN = timezone(timedelta(hours=7))


def snapshot(root: str) -> dict[str, list]:
    """Every table except runs, as sorted rows (the comparison of idempotency tests)."""
    wh = Warehouse(root)
    out = {}
    for name in TABLES:
        if name == "runs":
            continue
        rows = wh.read_table(name).to_pylist()
        for r in rows:
            r.pop("loaded_at", None)
        out[name] = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
    return out


def test_seed_end_to_end(seed_folder, tmp_path):
    warehouse = str(tmp_path / "wh")
    summary = ingest(sources=[str(seed_folder)], warehouse=warehouse, batch_size=10)
    assert summary["status"] == "completed" and summary["balanced"]
    assert (summary["discovered"], summary["new"], summary["rejected"], summary["skipped"]) == (1, 1, 0, 0)

    articles = pd.read_parquet(f"{warehouse}/articles")
    assert len(articles) == 1
    row = articles.iloc[0]
    assert row["title"] == "Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị"
    assert row["published_at"].to_pydatetime() == datetime(2018, 10, 11, 17, 0, tzinfo=VN)
    assert row["published_tz"] == "+07:00"
    assert row["author"] == "Nguyễn Huế" and row["language"] == "vi"
    assert str(row["source"]) == "seeds" and int(row["year"]) == 2018 and int(row["month"]) == 10

    con = duckdb.connect()
    kinds = dict(con.sql(f"SELECT kind, count(*) FROM read_parquet('{warehouse}/paragraphs/**/*.parquet', "
                         "hive_partitioning=true) GROUP BY kind").fetchall())
    assert kinds["heading"] == 2 and kinds["caption"] == 2 and kinds["lead"] == 1 and kinds["title"] == 1
    credits = con.sql(f"SELECT credit, credit_role FROM read_parquet('{warehouse}/images/**/*.parquet', "
                      "hive_partitioning=true) ORDER BY image_index").fetchall()
    assert credits == [("Bạch Dương", "CTV"), ("Bảo Long", "CTV")]
    text = row["text"]
    for table in ("sentences", "quantities", "entities", "documents"):
        df = pd.read_parquet(f"{warehouse}/{table}")
        assert len(df) > 0, table
        mention_col = "text" if table == "sentences" else "mention"
        assert all(text[s:e] == m for s, e, m in zip(df["char_start"], df["char_end"], df[mention_col])), table
    runs = pd.read_parquet(f"{warehouse}/runs")
    assert list(runs["status"]) == ["completed"] and int(runs.iloc[0]["articles_new"]) == 1


def test_running_twice_changes_nothing_but_runs(seed_folder, tmp_path):
    warehouse = str(tmp_path / "wh")
    ingest(sources=[str(seed_folder)], warehouse=warehouse)
    before = snapshot(warehouse)
    second = ingest(sources=[str(seed_folder)], warehouse=warehouse)
    assert second["skipped"] == 1 and second["new"] == 0 and second["balanced"]
    assert second["batches"] == 0  # set aside at discovery: no fetch/clean/extract/load task runs at all
    assert snapshot(warehouse) == before
    third = ingest(sources=[str(seed_folder)], warehouse=warehouse, full_refresh=True)
    assert third["unchanged"] == 1 and third["new"] == 0
    assert snapshot(warehouse) == before
    assert len(pd.read_parquet(f"{warehouse}/runs")) == 3


def test_changed_article_replaces_its_rows(seed_folder, tmp_path):
    warehouse = str(tmp_path / "wh")
    ingest(sources=[str(seed_folder)], warehouse=warehouse)
    seed_file = seed_folder / SEED.name
    seed_file.write_text(seed_file.read_text(encoding="utf-8").replace("248 doanh nghiệp", "249 doanh nghiệp"),
                         encoding="utf-8")
    summary = ingest(sources=[str(seed_folder)], warehouse=warehouse)
    assert summary["changed"] == 1
    assert len(pd.read_parquet(f"{warehouse}/articles")) == 1
    values = set(pd.read_parquet(f"{warehouse}/quantities")["value"])
    assert 249.0 in values and 248.0 not in values


def test_a_rerun_runs_batches_only_for_the_inputs_that_changed(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    fixtures = sorted((REPO / "tests" / "fixtures" / "articles").glob("plain_*.txt"))
    for path in fixtures:
        shutil.copy(path, folder / path.name)
    warehouse = str(tmp_path / "wh")
    first = ingest(sources=[str(folder)], warehouse=warehouse, batch_size=1)
    assert first["new"] == len(fixtures) == first["batches"]
    edited = folder / fixtures[0].name
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMột câu mới được thêm vào bài.\n", encoding="utf-8")
    second = ingest(sources=[str(folder)], warehouse=warehouse, batch_size=1)
    assert (second["changed"], second["skipped"], second["batches"]) == (1, len(fixtures) - 1, 1)
    assert second["balanced"]


def test_bad_inputs_are_rejected_while_the_rest_of_the_batch_loads(seed_folder, tmp_path):
    (seed_folder / "empty.txt").write_bytes(b"")
    (seed_folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (seed_folder / "LICENSE").write_text("not an article")
    shutil.copy(SEED, seed_folder / "copy-of-seed.txt")
    warehouse = str(tmp_path / "wh")
    summary = ingest(sources=[str(seed_folder)], warehouse=warehouse, batch_size=50)
    assert summary["balanced"]
    assert summary["discovered"] == 5 and summary["new"] == 2 and summary["skipped"] == 1
    rejects = pd.read_parquet(f"{warehouse}/rejects")
    assert sorted(rejects["uri"].map(lambda u: u.rsplit("/", 1)[-1])) == ["empty.txt", "image.txt"]
    assert all(rejects["reason"].str.len() > 5) and set(rejects["stage"]) == {"clean"}
