"""The table contract rejects what it does not declare: rows, Arrow tables, records and declarations, with ContractError."""

from __future__ import annotations

import pyarrow as pa
import pytest

from warehouse.contract import ContractError, Table, col
from warehouse.tables import TABLES, _registry

PARAGRAPHS = TABLES["paragraphs"]


def paragraph(**extra) -> dict:
    return {"article_id": "a", "paragraph_index": 0, "kind": "body", "text": "x", "char_start": 0, "char_end": 1,
            **extra}


def test_a_row_with_an_undeclared_column_is_refused_naming_it():
    with pytest.raises(ContractError, match=r"table paragraphs: .*undeclared \['colour'\]"):
        PARAGRAPHS.to_arrow([paragraph(colour="red")])


def test_a_row_missing_a_required_column_is_refused_naming_it():
    row = paragraph()
    del row["text"]
    with pytest.raises(ContractError, match=r"table paragraphs: .*missing \['text'\]"):
        PARAGRAPHS.to_arrow([row])


def test_nullable_columns_may_be_left_out_and_partition_values_may_ride_along():
    table = PARAGRAPHS.to_arrow([paragraph(source="seeds", year=2018, month=10)])
    assert table.column_names == list(PARAGRAPHS.file_columns)
    assert table.to_pylist()[0]["section"] is None


def test_an_arrow_table_with_extra_or_missing_columns_is_refused():
    good = PARAGRAPHS.to_arrow([paragraph()])
    with pytest.raises(ContractError, match=r"table paragraphs: Arrow columns differ.*undeclared \['colour'\]"):
        PARAGRAPHS.to_arrow(good.append_column("colour", pa.array(["red"])))
    with pytest.raises(ContractError, match=r"table paragraphs: Arrow columns differ.*missing \['text'\]"):
        PARAGRAPHS.to_arrow(good.drop_columns(["text"]))


def test_an_arrow_table_is_given_the_file_schema_or_refused_when_its_types_cannot_be():
    good = PARAGRAPHS.to_arrow([paragraph()])
    reordered = good.select(list(reversed(good.column_names)))
    assert PARAGRAPHS.to_arrow(reordered).schema.equals(PARAGRAPHS.file_schema())
    wrong = good.set_column(good.schema.get_field_index("char_start"), "char_start", pa.array(["zero"]))
    with pytest.raises(ContractError, match="table paragraphs: Arrow column types differ"):
        PARAGRAPHS.to_arrow(wrong)


def test_a_record_of_another_table_is_refused():
    sentence = TABLES["sentences"].record(article_id="a", sentence_index=0, paragraph_index=0, char_start=0,
                                          char_end=1, text="x")
    with pytest.raises(ContractError, match="table paragraphs: a row is a SentencesRow, not a ParagraphsRow or a dict"):
        PARAGRAPHS.to_arrow([sentence])


def test_records_are_typed_rows_with_keyword_fields():
    record = PARAGRAPHS.record
    assert PARAGRAPHS.to_arrow([record(**paragraph())]).to_pylist() == PARAGRAPHS.to_arrow([paragraph()]).to_pylist()
    with pytest.raises(TypeError):
        record(**paragraph(colour="red"))
    with pytest.raises(TypeError):
        record(article_id="a")  # required columns missing


def test_the_checks_hold_under_python_O():
    """Validation raises ContractError, never `assert` (which `python -O` removes)."""
    import subprocess
    import sys

    from conftest import REPO

    code = ("from warehouse.contract import ContractError\nfrom warehouse.tables import TABLES\n"
            "try:\n    TABLES['paragraphs'].to_arrow([{'article_id': 'a', 'colour': 1}])\n"
            "except ContractError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_keys_are_checked_unique_with_a_readable_error():
    rows = PARAGRAPHS.to_arrow([paragraph(), paragraph(), paragraph(paragraph_index=1)])
    with pytest.raises(ContractError, match=r"table paragraphs: 1 key value\(s\) of key \('article_id', "
                                            r"'paragraph_index'\) repeated in the batch, e.g. \[\('a', 0\)\]"):
        PARAGRAPHS.check_unique(rows)
    PARAGRAPHS.check_unique(rows.slice(1))
    with pytest.raises(ContractError, match="already committed or repeated"):
        PARAGRAPHS.check_unique(rows.slice(2), committed=rows.slice(0, 1).set_column(1, "paragraph_index",
                                                                                  pa.array([1], pa.int32())))


def test_first_per_key_keeps_the_first_row_of_each_key():
    rows = [paragraph(text="first"), paragraph(text="second"), paragraph(paragraph_index=1)]
    assert [r["text"] for r in PARAGRAPHS.first_per_key(rows)] == ["first", "x"]


def _table(**overrides) -> Table:
    declared = {"name": "t", "doc": "d", "key": ("k",), "partition_by": (), "merge_key": ("k",),
                "columns": (col("k", pa.string(), "key", False), col("v", pa.string(), "value"))}
    return Table(**{**declared, **overrides})


@pytest.mark.parametrize("overrides, message", [
    ({"write": "upsert"}, "write disposition 'upsert' is not one of"),
    ({"key": ("nope",)}, "key .* names undeclared columns"),
    ({"merge_key": ("v",)}, "merge key .* is not part of the key"),
    ({"partition_by": ("day",)}, "a partitioned merge table must merge by article_id"),
    ({"columns": (col("k", pa.string(), "key"), col("k", pa.string(), "again"))}, "a column is declared twice"),
])
def test_a_declaration_breaking_the_contract_is_refused(overrides, message):
    with pytest.raises(ContractError, match=message):
        _table(**overrides)


def test_append_and_replace_tables_are_partitioned_by_values_derived_from_their_columns():
    day = {"day": lambda rows: rows["v"]}
    assert _table(write="append", partition_by=("day",), partition_values=day).partition_by == ("day",)
    assert _table(write="replace", partition_by=("day",), partition_values=day).partition_by == ("day",)
    with pytest.raises(ContractError, match=r"table t: partitions \('day',\) need a partition_values function"):
        _table(write="append", partition_by=("day",))


def test_a_table_declared_twice_is_refused():
    with pytest.raises(ContractError, match="table t declared twice"):
        _registry((_table(),), (_table(),))


def test_every_table_declares_a_disposition_the_store_writes():
    from warehouse.contract import WRITE_DISPOSITIONS
    from warehouse.writers import WRITERS

    assert set(WRITERS) == set(WRITE_DISPOSITIONS) and {t.write for t in TABLES.values()} <= set(WRITERS)
    assert (TABLES["rejects"].write, TABLES["rejects"].merge_key) == ("merge", ("input_id",))
    assert (TABLES["runs"].write, TABLES["runs"].merge_key) == ("merge", ("run_id",))
    assert TABLES["fetches"].write == "append"
