"""Write dispositions drive the writer: append, merge and replace as each table's contract declares, keys checked at commit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
from pyarrow.fs import FileSelector
import pytest

from tasks.load.batch import reject_rows
from tasks.model import Reject
from warehouse.contract import ContractError, Table, col
from warehouse.staging import STAGING
from warehouse.store import Warehouse
from warehouse.tables import TABLES

from test_store import article, batch, paragraph, rows


@pytest.fixture
def wh(tmp_path):
    return Warehouse(str(tmp_path / "wh"))


def nothing_staged(wh: Warehouse) -> bool:
    return not wh.exists(wh.path(STAGING)) or not wh.fs.get_file_info(FileSelector(wh.path(STAGING)))


def fetch(fetch_id: str, day: str = "2024-05-01") -> dict:
    return {"fetch_id": fetch_id, "url": f"https://tin.example.vn/{fetch_id}", "role": "article", "outcome": "fetched",
            "fetched_at": datetime.fromisoformat(day).replace(tzinfo=timezone.utc), "fetch_date": day}


# ---- append ---------------------------------------------------------------------------------
def test_append_adds_rows_in_their_own_partitions_and_rewrites_nothing(wh):
    wh.commit({"fetches": [fetch("f1"), fetch("f2", "2024-05-02")]}, "run1")
    first = {i.path for i in wh.part_files("fetches")}
    result = wh.commit({"fetches": [fetch("f3")]}, "run2")
    assert result.rows_written["fetches"] == 1
    assert first < {i.path for i in wh.part_files("fetches")}  # the earlier files are still there, untouched
    assert sorted((r["fetch_id"], r["fetch_date"]) for r in rows(wh, "fetches")) == [
        ("f1", "2024-05-01"), ("f2", "2024-05-02"), ("f3", "2024-05-01")]


def test_append_refuses_a_key_repeated_in_the_batch(wh):
    with pytest.raises(ContractError, match=r"table fetches: .*key \('fetch_id',\) .*\('f1',\)"):
        wh.commit({"fetches": [fetch("f1"), fetch("f1", "2024-05-02")]}, "run1")
    assert rows(wh, "fetches") == [] and nothing_staged(wh)


def test_append_refuses_a_key_already_committed(wh):
    wh.commit({"fetches": [fetch("f1")]}, "run1")
    with pytest.raises(ContractError, match=r"table fetches: .*already committed or repeated.*\('f1',\)"):
        wh.commit({"fetches": [fetch("f2"), fetch("f1", "2024-06-01")]}, "run2")
    assert [r["fetch_id"] for r in rows(wh, "fetches")] == ["f1"] and nothing_staged(wh)


def test_append_rows_as_records_or_arrow_go_to_the_partition_their_contract_derives(wh):
    """Partition values come from the row's own columns (fetch_date: UTC date of fetched_at), not from the caller."""
    fetches = TABLES["fetches"]
    late = {**fetch("f1"), "fetched_at": datetime(2024, 5, 1, 23, 30, tzinfo=timezone.utc)}
    early_vn = {**fetch("f2"), "fetched_at": datetime(2024, 5, 2, 6, 0, tzinfo=timezone(timedelta(hours=7)))}
    records = [fetches.record(**{k: v for k, v in r.items() if k != "fetch_date"}) for r in (late, early_vn)]
    wh.commit({"fetches": records[:1]}, "run1")
    wh.commit({"fetches": fetches.to_arrow(records[1:])}, "run2")
    assert sorted((r["fetch_id"], r["fetch_date"]) for r in rows(wh, "fetches")) == [
        ("f1", "2024-05-01"), ("f2", "2024-05-01")]


# ---- merge ----------------------------------------------------------------------------------
def test_merge_refuses_an_article_table_key_repeated_in_the_batch_and_commits_nothing(wh):
    image = {"article_id": "a", "image_index": 0, "caption": "ảnh"}
    doubled = {**batch((article("a", "h1", "run1"), paragraph("a", "x"))), "images": [image, image]}
    with pytest.raises(ContractError, match=r"table images: .*key \('article_id', 'image_index'\) "
                                            r"repeated in the batch, e.g. \[\('a', 0\)\]"):
        wh.commit(doubled, "run1")  # paragraphs are staged before images are checked: the staging goes too
    assert rows(wh, "articles") == [] and rows(wh, "paragraphs") == [] and nothing_staged(wh)


def test_merge_of_a_changed_article_does_not_collide_with_its_own_old_rows(wh):
    wh.commit(batch((article("a", "h1", "run1"), paragraph("a", "old"))), "run1")
    wh.commit(batch((article("a", "h2", "run2"), paragraph("a", "new"))), "run2")
    assert [(r["article_id"], r["paragraph_index"], r["text"]) for r in rows(wh, "paragraphs")] == [("a", 0, "new")]


def test_merge_refuses_a_reject_key_repeated_in_the_batch(wh):
    reject = {"input_id": "i1", "stage": "clean", "reason": "empty file", "uri": "/in/bad", "run_id": "run1"}
    with pytest.raises(ContractError, match=r"table rejects: .*key \('input_id', 'stage', 'reason'\)"):
        wh.commit({"rejects": [reject, {**reject, "detail": "again"}]}, "run1")
    assert rows(wh, "rejects") == []


def test_reject_rows_are_one_per_input_stage_and_reason():
    same = [Reject("clean", "reader failed", "src", "/in/f.jsonl", detail=f"record {i}") for i in (1, 2)]
    made = reject_rows([*same, Reject("clean", "empty file", "src", "/in/f.jsonl")], "run1")
    assert [(r.reason, r.detail) for r in made] == [("reader failed", "record 1"), ("empty file", None)]


def test_loading_an_input_clears_its_old_rejects(wh):
    rejected = reject_rows([Reject("clean", "empty file", "seeds", "/in/a")], "run1")
    wh.commit({"rejects": rejected}, "run1")
    wh.commit({**batch((article("a", "h1", "run2"), paragraph("a", "x"))), "rejects": []}, "run2")
    assert rows(wh, "rejects") == []


def _notes(write: str, partition_by: tuple[str, ...] = ()) -> Table:
    """A table no code names: what the store does with it comes from its contract alone."""
    return Table(name="notes", doc="test table", key=("group", "note_id"), write=write, merge_key=("group",),
                 partition_by=partition_by, partition_values={p: lambda rows: rows["group"] for p in partition_by},
                 columns=(col("note_id", pa.string(), "id", False),
                                                     col("group", pa.string(), "group", False),
                                                     col("text", pa.string(), "text")))


def note(note_id: str, group: str, text: str = "", **extra) -> dict:
    return {"note_id": note_id, "group": group, "text": text, **extra}


def test_an_unpartitioned_merge_table_replaces_the_groups_a_batch_brings(wh, monkeypatch):
    monkeypatch.setitem(TABLES, "notes", _notes("merge"))
    wh.commit({"notes": [note("n1", "g1", "one"), note("n2", "g2", "two")]}, "run1")
    wh.commit({"notes": [note("n3", "g1", "three")]}, "run2")
    assert sorted((r["note_id"], r["group"]) for r in rows(wh, "notes")) == [("n2", "g2"), ("n3", "g1")]
    files = [i.path for i in wh.part_files("notes")]
    result = wh.commit({"notes": [note("n3", "g1", "three again")]}, "run3")  # a row already committed stays
    assert "notes" not in result.rows_written and [i.path for i in wh.part_files("notes")] == files
    assert {r["note_id"]: r["text"] for r in rows(wh, "notes")}["n3"] == "three"


# ---- replace --------------------------------------------------------------------------------
def test_replace_rewrites_the_whole_table_at_each_commit_that_brings_it(wh, monkeypatch):
    monkeypatch.setitem(TABLES, "notes", _notes("replace"))
    wh.commit({"notes": [note("n1", "g1"), note("n2", "g2")]}, "run1")
    result = wh.commit({"notes": [note("n3", "g1")]}, "run2")
    assert result.rows_written["notes"] == 1
    assert [r["note_id"] for r in rows(wh, "notes")] == ["n3"] and len(wh.part_files("notes")) == 1
    wh.commit(batch((article("a", "h1", "run3"), paragraph("a", "x"))), "run3")  # a batch without the table
    assert [r["note_id"] for r in rows(wh, "notes")] == ["n3"]
    wh.commit({"notes": []}, "run4")  # brought with no rows: emptied
    assert rows(wh, "notes") == [] and wh.part_files("notes") == []


def test_replace_of_a_partitioned_table_leaves_no_old_partition(wh, monkeypatch):
    monkeypatch.setitem(TABLES, "notes", _notes("replace", partition_by=("shelf",)))
    wh.commit({"notes": [note("n1", "g1"), note("n2", "g2")]}, "run1")
    assert sorted(i.path.split("/")[-2] for i in wh.part_files("notes")) == ["shelf=g1", "shelf=g2"]
    wh.commit({"notes": [note("n1", "g3")]}, "run2")
    assert [(r["note_id"], r["shelf"]) for r in rows(wh, "notes")] == [("n1", "g3")]
    assert [i.path.split("/")[-2] for i in wh.part_files("notes")] == ["shelf=g3"]


def test_replace_refuses_a_key_repeated_in_the_batch_and_keeps_the_table(wh, monkeypatch):
    monkeypatch.setitem(TABLES, "notes", _notes("replace"))
    wh.commit({"notes": [note("n1", "g1")]}, "run1")
    with pytest.raises(ContractError, match=r"table notes: .*key \('group', 'note_id'\) repeated in the batch"):
        wh.commit({"notes": [note("n2", "g1"), note("n2", "g1", "again")]}, "run2")
    assert [r["note_id"] for r in rows(wh, "notes")] == ["n1"] and nothing_staged(wh)


# ---- what a commit accepts --------------------------------------------------------------------
def test_rows_for_an_undeclared_table_are_refused(wh):
    with pytest.raises(ContractError, match="rows given for 'notes', which is no declared table"):
        wh.commit({"notes": [note("n1", "g1")]}, "run1")


def test_run_rows_are_written_by_write_run_not_by_a_batch_commit(wh):
    run = TABLES["runs"].record(run_id="r1", status="running", started_at=datetime.now(timezone.utc))
    with pytest.raises(ContractError, match="table runs: its rows are not written by a batch commit"):
        wh.commit({"runs": [run]}, "r1")
    wh.write_run(run)
    assert [r["run_id"] for r in rows(wh, "runs")] == ["r1"]
