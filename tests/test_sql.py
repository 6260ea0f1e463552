"""`newsfacts sql`: views per table, table or record-block output, formats, --out files, and the analyst questions of docs/operations.md."""

from __future__ import annotations

import csv
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import REPO, SEED

DOC = REPO / "docs" / "operations.md"
SECTION = "## Five questions an analyst asks of the seed's tables"
# "### n. question", a ```sh block with one `newsfacts sql "…"`, then the answer as a markdown table.
QUESTION = re.compile(r'^### \d+\. (?P<question>.+?)\n\n```sh\nnewsfacts sql "(?P<query>[^"]+)"\n```\n\n'
                      r'(?P<table>(?:\|.*\|\n)+)', re.M)


def doc_questions(text: str) -> list[dict]:
    """(question, query, header, rows) of each analyst question in the doc's section."""
    section = text.split(SECTION, 1)[1]
    out = []
    for m in QUESTION.finditer(section + "\n"):
        lines = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in m["table"].splitlines()]
        out.append({"question": m["question"], "query": m["query"], "header": lines[0], "rows": lines[2:],
                    "table": m["table"]})
    return out


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def sql(*args: str):
    from flows.cli.main import app

    return CliRunner().invoke(app, ["sql", *args], catch_exceptions=False)


def answer(query: str, warehouse: str, out: Path) -> tuple[list[str], list[list[str]]]:
    """What `newsfacts sql QUERY --out x.csv` writes, as header and rows of strings."""
    result = sql(query, "-w", warehouse, "--out", str(out))
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def build_seed_warehouse(root: Path) -> str:
    from flows.ingest import ingest

    seeds = root / "seeds"
    seeds.mkdir(parents=True)
    shutil.copy(SEED, seeds / SEED.name)
    summary = ingest(sources=[str(seeds)], warehouse=str(root / "wh"))
    assert summary["status"] == "completed" and summary["new"] == 1
    return str(root / "wh")


@pytest.fixture(scope="module")
def seed_warehouse(prefect_harness, tmp_path_factory) -> str:
    return build_seed_warehouse(tmp_path_factory.mktemp("sql"))


def test_the_doc_has_five_questions():
    questions = doc_questions(DOC.read_text(encoding="utf-8"))
    assert len(questions) == 5 and all(q["rows"] for q in questions)


@pytest.mark.parametrize("number", range(5))
def test_analyst_question_answers_as_documented(seed_warehouse, tmp_path, number):
    q = doc_questions(DOC.read_text(encoding="utf-8"))[number]
    header, rows = answer(q["query"], seed_warehouse, tmp_path / "answer.csv")
    assert (header, rows) == (q["header"], q["rows"]), f"{q['question']}: run `python tests/test_sql.py --update`"


def test_one_view_per_table_with_data(seed_warehouse, tmp_path):
    header, rows = answer("SELECT table_name FROM information_schema.tables ORDER BY 1", seed_warehouse,
                          tmp_path / "views.csv")
    views = {r[0] for r in rows}
    assert {"articles", "paragraphs", "sentences", "images", "quantities", "periods", "documents", "runs"} <= views
    assert "fetches" not in views  # no web source in the seed: the table has no files, so no view


def test_result_is_printed_as_a_table(seed_warehouse):
    result = sql("SELECT title, author FROM articles", "-w", seed_warehouse)
    assert result.exit_code == 0
    header = next(line for line in result.output.splitlines() if "title" in line)
    assert header.startswith("┃") and "author" in header
    assert "Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị" in result.output and "Nguyễn Huế" in result.output


def test_out_parquet_keeps_types(seed_warehouse, tmp_path):
    out = tmp_path / "q.parquet"
    result = sql("SELECT mention, value, period_start FROM quantities WHERE counted_object = 'doanh nghiệp'",
                 "-w", seed_warehouse, "--out", str(out))
    assert result.exit_code == 0
    df = pd.read_parquet(out)
    assert df.to_dict("records")[0]["value"] == 248.0 and str(df["period_start"].iloc[0]) == "2018-01-01"


def test_a_bad_query_fails_with_duckdbs_message(seed_warehouse):
    result = sql("SELECT nope FROM articles", "-w", seed_warehouse)
    assert result.exit_code == 1 and "nope" in result.output


def sql_at(width: int, *args: str):
    """`newsfacts sql` on a terminal `width` characters wide."""
    from flows.cli.main import app

    return CliRunner().invoke(app, ["sql", *args], env={"COLUMNS": str(width)}, catch_exceptions=False)


def test_a_result_too_wide_for_the_screen_prints_one_block_per_record(seed_warehouse):
    result = sql_at(100, "SELECT * FROM places ORDER BY place_key LIMIT 2", "-w", seed_warehouse)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.rstrip("-") for line in lines if line.startswith("-[ record")] == ["-[ record 1 ]", "-[ record 2 ]"]
    assert "┃" not in result.output and all(len(line) <= 100 for line in lines[:30])
    fields = [line.split(" | ", 1)[0].strip() for line in lines if " | " in line]
    assert fields[:3] == ["article_id", "place_key", "name"] and fields.count("new_province_code") == 2
    narrow = sql_at(100, "SELECT name, level FROM places ORDER BY place_key LIMIT 2", "-w", seed_warehouse)
    assert "┃" in narrow.output and "-[ record" not in narrow.output


def test_long_text_is_cut_with_an_ellipsis_unless_full(seed_warehouse):
    text = pd.read_parquet(f"{seed_warehouse}/articles")["text"].iloc[0]
    cut = sql_at(200, "SELECT text FROM articles", "-w", seed_warehouse)
    assert "…" in cut.output and " ".join(text.split())[:59] in cut.output
    assert len(max(cut.output.splitlines(), key=len)) < 80
    full = sql_at(200, "SELECT text FROM articles", "-w", seed_warehouse, "--full", "--format", "markdown")
    assert " ".join(text.split()) in full.output and " ".join(text.split()) not in cut.output


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_formats_on_stdout(seed_warehouse, fmt):
    query = "SELECT counted_object, value FROM quantities WHERE counted_object = 'doanh nghiệp' ORDER BY value"
    result = sql_at(80, query, "-w", seed_warehouse, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "csv":
        assert result.output.splitlines()[:2] == ["counted_object,value", "doanh nghiệp,248.0"]
    elif fmt == "json":
        import json

        assert json.loads(result.output)[0] == {"counted_object": "doanh nghiệp", "value": 248.0}
    else:
        assert result.output.splitlines()[:3] == ["| counted_object | value |", "|---|---|", "| doanh nghiệp | 248.0 |"]


def test_out_json_and_csv_files_are_whole(seed_warehouse, tmp_path):
    import json

    query = "SELECT article_id, text FROM articles"
    assert sql(query, "-w", seed_warehouse, "--out", str(tmp_path / "a.json")).exit_code == 0
    records = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    text = pd.read_parquet(f"{seed_warehouse}/articles")["text"].iloc[0]
    assert records[0]["text"] == text  # never cut in a file
    assert sql(query, "-w", seed_warehouse, "--out", str(tmp_path / "a.csv")).exit_code == 0
    assert pd.read_csv(tmp_path / "a.csv")["text"].iloc[0] == text


def test_unknown_format_or_suffix_is_refused(seed_warehouse, tmp_path):
    assert sql("SELECT 1", "-w", seed_warehouse, "--format", "xml").exit_code == 2
    assert sql("SELECT 1", "-w", seed_warehouse, "--out", str(tmp_path / "a.xlsx")).exit_code == 2
    assert not (tmp_path / "a.xlsx").exists()


def update_doc() -> None:
    """Rewrite the answers in docs/operations.md from a fresh seed warehouse (after an intended change)."""
    import tempfile

    from prefect.testing.utilities import prefect_test_harness

    text = DOC.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=240):
        warehouse = build_seed_warehouse(Path(tmp))
        for q in doc_questions(text):
            header, rows = answer(q["query"], warehouse, Path(tmp) / "answer.csv")
            text = text.replace(q["table"], markdown_table(header, rows), 1)
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    sys.path.insert(0, str(REPO))
    update_doc()
