"""Human-readable run summaries: the Markdown artifact of a run, its HTML report and the example queries shown to analysts."""

from __future__ import annotations

import logging


def example_query(warehouse_uri: str) -> str:
    """A query that runs as printed: newsfacts sql defines a DuckDB view per table of the warehouse."""
    return (f"newsfacts sql -w {warehouse_uri} \"SELECT q.mention, q.normalized_value, q.normalized_unit, a.title "
            f"FROM quantities q JOIN articles a USING (article_id) ORDER BY q.normalized_value DESC LIMIT 5\"")


def publish_report(warehouse_uri: str, log: logging.Logger | logging.LoggerAdapter, changed: bool = True) -> str | None:
    """Write the warehouse's HTML report (what `newsfacts report` writes); where it is, or None when it failed.

    A run that changed nothing keeps the report there is (a no-op rerun stays a few seconds). A report
    that cannot be written is logged and never fails the run: the tables are what the run promises.
    """
    from warehouse.files import exists
    from warehouse.report import REPORT_PATH, write_report
    from warehouse.store import Warehouse

    try:
        wh = Warehouse(warehouse_uri)
        if not changed and exists(wh.fs, wh.path(*REPORT_PATH)):
            return wh.uri(*REPORT_PATH)
        result = write_report(wh)
    except Exception as exc:  # noqa: BLE001 - see above
        log.warning("The HTML report could not be written: %s: %s", type(exc).__name__, exc)
        return None
    log.info("Report written to %s (%.1f MB in %.1f s)", result.location, result.size_bytes / 1e6, result.seconds)
    return result.location


def report_link(location: str) -> str:
    """A Markdown link to the report: file:// for a local warehouse, the s3:// URL as it is otherwise."""
    return f"[{location}]({location if '://' in location else 'file://' + location})"


def markdown_report(summary: dict) -> str:
    lines = [
        f"# ingest run `{summary['run_id']}` — {summary['status']}",
        "",
        f"Sources: {', '.join(f'`{s}`' for s in summary['sources'])}  ",
        f"Warehouse: `{summary['warehouse']}`  ",
        f"Report: {report_link(summary['report']) if summary.get('report') else 'not written (see the run log)'}",
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
