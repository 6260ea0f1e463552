"""Load stage: commit a batch's rows of every table to the warehouse, atomically and idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from tasks.extract.batch import ExtractedBatch
from tasks.model import Reject
from warehouse.failpoints import checkpoint
from warehouse.store import Warehouse, reject_row
from warehouse.tables import TABLES


@dataclass
class LoadResult:
    """What a batch became; `batch` is the extracted batch minus its rows (counts, rejects, skips)."""

    batch: ExtractedBatch
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article_id, reason), rejected at load
    rows_written: dict[str, int] = field(default_factory=dict)
    new_article_ids: list[str] = field(default_factory=list)
    top_facts: list[str] = field(default_factory=list)  # the largest money amounts among the new facts
    seconds: tuple[float, ...] = ()  # (fetch, clean, extract, load)


def reject_rows(rejects: list[Reject], run_id: str) -> list:
    """The batch's rejects as `rejects` records, one per input, stage and reason (the table's key): records
    of one file failing alike are one reject, the first."""
    rows = [reject_row(run_id, r.stage, r.reason, r.source, r.uri, r.location, r.article_id, r.detail)
            for r in rejects]
    return TABLES["rejects"].first_per_key(rows)


def load_batch(warehouse: Warehouse, batch: ExtractedBatch, run_id: str, batch_label: str) -> LoadResult:
    checkpoint("load.batch")
    batch.rows = {name: TABLES[name].to_arrow(rows) for name, rows in batch.rows.items()}  # records or Arrow in
    summary = ExtractedBatch(rejects=batch.rejects, skipped=batch.skipped, articles=batch.articles,
                             undated=batch.undated, seconds=batch.seconds)
    if not any(len(rows) for rows in batch.rows.values()) and not batch.rejects:  # all inputs unchanged: nothing to commit
        return LoadResult(summary)
    result = warehouse.commit({**batch.rows, "rejects": reject_rows(batch.rejects, run_id)}, run_id, batch_label)
    written = set(result.new + result.changed)
    return LoadResult(summary, len(result.new), len(result.changed), len(result.unchanged), result.duplicates,
                      result.rows_written, result.new + result.changed, top_money_facts(batch.rows, written))


def top_money_facts(rows: dict[str, pa.Table], article_ids: set[str], limit: int = 5) -> list[str]:
    """One line per largest VND/USD amount among the written articles, for the run report."""
    articles, quantities = rows.get("articles"), rows.get("quantities")
    if articles is None or quantities is None:
        return []
    titles = dict(zip(articles["article_id"].to_pylist(), articles["title"].to_pylist()))
    money = quantities.filter(pc.is_in(quantities["normalized_unit"], pa.array(["VND", "USD"])))  # only these leave Arrow
    money = [q for q in money.select(["article_id", "normalized_unit", "normalized_value", "mention", "metric",
                                      "counted_object"]).to_pylist()
             if q["article_id"] in article_ids and q["normalized_value"]]
    money.sort(key=lambda q: q["normalized_value"] * (25_000 if q["normalized_unit"] == "USD" else 1), reverse=True)
    return [f"{q['mention']} — {q['metric'] or q['counted_object'] or ''} ({titles.get(q['article_id'], '')})"
            for q in money[:limit]]


_warehouses: dict[str, Warehouse] = {}


def open_warehouse(root: str) -> Warehouse:
    """One Warehouse per root and process, so its read cache survives from batch to batch."""
    if root not in _warehouses:
        _warehouses[root] = Warehouse(root)
    return _warehouses[root]
