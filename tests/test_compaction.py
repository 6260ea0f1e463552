"""Compaction: small part files rewritten as one per partition, every row kept, the ledger still right, crash-safe."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

from warehouse.store import Warehouse

VN = timezone(timedelta(hours=7))


def article(aid: str, content: str, when=datetime(2018, 10, 11, 17, tzinfo=VN)):
    return {"article_id": aid, "content_hash": content, "input_uri": f"/in/{aid}", "input_hash": content,
            "uri": f"/in/{aid}", "source_name": "seeds", "published_at": when, "run_id": "r",
            "extractor_versions": "x=1", "title": f"title {aid}", "text": f"text {content}"}


def paragraphs(aid: str, texts: list[str]) -> list[dict]:
    return [{"article_id": aid, "paragraph_index": i, "kind": "body", "text": t, "char_start": 0, "char_end": len(t)}
            for i, t in enumerate(texts)]


def fetch(fetch_id: str, day: int) -> dict:
    return {"fetch_id": fetch_id, "url": f"https://x.vn/{fetch_id}", "role": "article", "outcome": "fetched",
            "fetched_at": datetime(2024, 5, day, 3, tzinfo=timezone.utc)}


def content(wh: Warehouse) -> dict[str, list[str]]:
    keep = lambda r: {k: v for k, v in r.items() if k not in {"loaded_at"}}  # noqa: E731
    return {t: sorted(json.dumps(keep(r), default=str, sort_keys=True) for r in wh.read_table(t).to_pylist())
            for t in ("articles", "paragraphs", "fetches", "runs")}


@pytest.fixture
def wh(tmp_path, monkeypatch) -> Warehouse:
    monkeypatch.setenv("NEWSFACTS_COMPACT_MIN_FILES", "0")  # built file by file; compacted when a test says so
    wh = Warehouse(str(tmp_path / "wh"))
    for i in range(6):  # six small commits into one partition, two into another
        when = datetime(2018, 10, 11, 17, tzinfo=VN) if i < 4 else datetime(2019, 1, 2, tzinfo=VN)
        wh.commit({"articles": [article(f"a{i}", f"h{i}", when)], "paragraphs": paragraphs(f"a{i}", ["p", "q"]),
                   "fetches": [fetch(f"f{i}", 1 + i % 2)]}, "r")
    return wh


def test_compaction_leaves_one_file_per_partition_and_every_row(wh):
    before, files = content(wh), {t: len(wh.part_files(t)) for t in ("articles", "paragraphs", "fetches")}
    assert files == {"articles": 6, "paragraphs": 6, "fetches": 6}
    result = wh.compact()
    assert {t: result.files_after[t] for t in files} == {"articles": 2, "paragraphs": 2, "fetches": 2}
    assert content(wh) == before
    folder = wh.uri("paragraphs")
    assert len(pd.read_parquet(folder)) == 12
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/**/*.parquet', hive_partitioning=true)"
                      ).fetchall() == [(12,)]
    names = {t: sorted(i.base_name for i in wh.part_files(t)) for t in ("articles", "paragraphs")}
    assert names["articles"] == names["paragraphs"], "an article's rows must stay in files of one name"


def test_a_changed_article_after_compaction_replaces_its_rows_and_an_unchanged_one_stays(wh):
    wh.compact()
    again = Warehouse(wh.root)  # a fresh ledger, read from the compacted files
    result = again.commit({"articles": [article("a1", "h1-new"), article("a2", "h2")],
                           "paragraphs": paragraphs("a1", ["new"]) + paragraphs("a2", ["p", "q"])}, "r2")
    assert (result.changed, result.unchanged) == (["a1"], ["a2"])
    texts = sorted((r["article_id"], r["text"]) for r in again.read_table("paragraphs").to_pylist())
    assert texts == sorted([(f"a{i}", t) for i in range(6) if i != 1 for t in ("p", "q")] + [("a1", "new")])
    assert len(again.read_table("articles")) == 6


def test_compaction_starts_by_itself_when_a_partition_passes_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSFACTS_COMPACT_MIN_FILES", "4")
    wh = Warehouse(str(tmp_path / "wh"))
    for i in range(9):
        wh.commit({"articles": [article(f"a{i}", f"h{i}")], "paragraphs": paragraphs(f"a{i}", ["p"])}, "r")
        assert len(wh.part_files("articles")) < 4
    assert sorted(r["article_id"] for r in wh.read_table("articles").to_pylist()) == [f"a{i}" for i in range(9)]
    assert len(wh.read_table("paragraphs")) == 9


def test_finished_runs_are_compacted_and_a_running_run_keeps_its_own_file(wh):
    started = datetime.now(timezone.utc)
    for i in range(4):
        wh.write_run({"run_id": f"done{i}", "status": "completed", "started_at": started})
    wh.write_run({"run_id": "live", "status": "running", "started_at": started})
    wh.compact()
    assert sorted(i.base_name for i in wh.part_files("runs"))[-1] == "run-live.parquet"
    assert len(wh.part_files("runs")) == 2
    wh.write_run({"run_id": "live", "status": "completed", "started_at": started})
    assert sorted(r["run_id"] for r in wh.read_table("runs").to_pylist()) == ["done0", "done1", "done2", "done3", "live"]


def die_at_move(monkeypatch, n: int) -> None:
    """The n-th file moved into place by a publication raises: a compaction that dies halfway through."""
    import warehouse.staging as staging

    moved = []

    def checkpoint(point: str) -> None:
        moved.append(point) if point == "commit.moved" else None
        if len(moved) == n:
            raise OSError("killed while moving")

    monkeypatch.setattr(staging, "checkpoint", checkpoint)


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_compaction_that_dies_while_publishing_is_finished_by_recovery(wh, fail_at, monkeypatch):
    before = content(wh)
    die_at_move(monkeypatch, fail_at)
    with pytest.raises(OSError, match="killed"):
        wh.compact()
    monkeypatch.undo()
    after_crash = Warehouse(wh.root)
    after_crash.recover()
    assert content(after_crash) == before
    # The partition whose publication died is finished by recovery; one not yet begun keeps its small files.
    assert len(after_crash.part_files("articles")) == {1: 3, 2: 3, 3: 2}[fail_at]


def test_compaction_beside_a_writer_and_a_reader_who_joins_facts_to_articles(wh):
    """The reader sees each article with all of its paragraphs or not at all, however the steps interleave."""
    stop, seen, problems = threading.Event(), [], []

    def read_joined() -> None:
        while not stop.is_set():
            try:
                arts = pd.read_parquet(wh.uri("articles"), columns=["article_id"])
                paras = pd.read_parquet(wh.uri("paragraphs"), columns=["article_id"])
            except (FileNotFoundError, OSError):  # a file deleted between listing and reading: read again
                continue
            if arts["article_id"].duplicated().any():
                problems.append(f"an article twice: {sorted(arts['article_id'])}")
            counts = paras[paras["article_id"].isin(arts["article_id"])].value_counts("article_id")
            wrong = {a: n for a, n in counts.items() if n != 2} | {a: 0 for a in arts["article_id"] if a not in counts}
            if wrong:
                problems.append(f"joined paragraph counts {wrong}")
            seen.append(len(arts))

    reader = threading.Thread(target=read_joined)
    reader.start()
    try:
        for round_ in range(4):
            for i in range(3):
                aid = f"n{round_}{i}"
                wh.commit({"articles": [article(aid, aid)], "paragraphs": paragraphs(aid, ["p", "q"])}, "w")
            wh.compact()
    finally:
        stop.set()
        reader.join()
    assert not problems, problems[:3]
    assert seen, "the reader never completed a read"
    assert len(wh.read_table("articles")) == 18 and len(wh.part_files("articles")) == 2


def test_newsfacts_compact_compacts_and_prints_the_files_before_and_after(wh):
    from typer.testing import CliRunner

    from flows.cli.main import app

    before = content(wh)
    done = CliRunner().invoke(app, ["compact", "--warehouse", wh.root], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "4 partition(s)" in done.output and "paragraphs" in done.output
    assert len(wh.part_files("paragraphs")) == 2 and content(Warehouse(wh.root)) == before
