"""Human-readable run summaries: the Markdown artifact of a run and the example queries shown to analysts."""

from __future__ import annotations


def example_query(warehouse_uri: str) -> str:
    """A query that runs as printed: newsfacts sql defines a DuckDB view per table of the warehouse."""
    return (f"newsfacts sql -w {warehouse_uri} \"SELECT q.mention, q.normalized_value, q.normalized_unit, a.title "
            f"FROM quantities q JOIN articles a USING (article_id) ORDER BY q.normalized_value DESC LIMIT 5\"")


def markdown_report(summary: dict) -> str:
    lines = [
        f"# ingest run `{summary['run_id']}` — {summary['status']}",
        "",
        f"Sources: {', '.join(f'`{s}`' for s in summary['sources'])}  ",
        f"Warehouse: `{summary['warehouse']}`",
        "",
        "| outcome | count |",
        "|---|---:|",
    ]
    for key in ("discovered", "new", "changed", "unchanged", "skipped", "rejected", "undated"):
        lines.append(f"| {key} | {summary[key]} |")
    lines += ["", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in summary["seconds"].items()]
    lines += ["", "| table | rows now | written by this run |", "|---|---:|---:|"]
    lines += [f"| {t} | {n} | {summary['rows_written'].get(t, 0)} |" for t, n in summary["table_rows"].items()]
    if summary.get("web"):
        lines += ["", "| web fetch | count |", "|---|---:|"]
        lines += [f"| {key} | {value} |" for key, value in summary["web"].items()]
    if summary["rejects"]:
        lines += ["", "## Rejects", "", "| input | stage | reason |", "|---|---|---|"]
        lines += [f"| `{uri}` | {stage} | {reason} |" for uri, stage, reason in summary["rejects"]]
    if summary.get("top_facts"):
        lines += ["", "## Top new facts", ""] + [f"- {fact}" for fact in summary["top_facts"]]
    lines += ["", "Query it:", "", "```", example_query(summary["warehouse"]), "```"]
    return "\n".join(lines)
