"""The command line faces that need no Prefect: `extract` as a JSON Lines filter and the data dictionary."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import REPO, SEED
from warehouse.dictionary import render
from warehouse.tables import TABLES

runner = CliRunner()


def test_extract_filter_gives_facts_with_spans_per_input_line():
    seed_text = SEED.read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "seed", "text": seed_text, "published_at": "2018-10-11T17:00:00+07:00"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "short", "text": "Tỉnh đã thu hút 12 dự án với tổng vốn 2,5 triệu USD."}, ensure_ascii=False),
    ]
    result = runner.invoke(app, ["extract", "--with-text"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["seed", None, "short"]
    assert out[1]["line"] == 2 and "JSONDecodeError" in out[1]["error"]
    for record in (out[0], out[2]):
        text = record["text"]
        for table, rows in record["facts"].items():
            for row in rows:
                if "char_start" in row:
                    assert text[row["char_start"]:row["char_end"]] == row["mention"], (table, row)
    short = {(q["normalized_value"], q["normalized_unit"]) for q in out[2]["facts"]["quantities"]}
    assert (2.5e6, "USD") in short and (12.0, "count") in short
    seed_docs = out[0]["facts"]["documents"]
    assert [d["number"] for d in seed_docs] == ["19"]


def test_data_dictionary_in_docs_is_generated_from_the_contracts():
    generated = render()
    assert (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == generated, \
        "docs/data-dictionary.md is stale: run `make dictionary`"
    for name, table in TABLES.items():
        assert f"## `{name}`" in generated
        assert all(c.doc for c in table.columns), f"undocumented column in {name}"
