"""`newsfacts sql`: views per table, table output, --out files, and the analyst questions of docs/operations.md."""

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
