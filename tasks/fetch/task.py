"""The fetch stage as retryable Prefect tasks: discovery of the sources, then fingerprints per batch."""

from __future__ import annotations

import time

from tasks.prefect_edge import stage_task
from tasks.fetch.archive import Archive
from tasks.fetch.discover import Discovery, FetchedBatch, discover, fingerprint_batch
from tasks.model import SourceItem
from tasks.settings import Settings


@stage_task("fetch", run_name="fetch[discover]")
def discover_task(sources: list[str], settings: Settings, warehouse: str,
                  known_pages: dict[str, str] | None = None) -> Discovery:
    return discover(sources, settings, warehouse, known_pages)


@stage_task("fetch")
def fetch_task(items: list[SourceItem], inputs_seen: dict[str, str], warehouse: str,
               batch_no: int, batch_count: int) -> FetchedBatch:
    started = time.perf_counter()
    out = fingerprint_batch(items, inputs_seen, Archive(warehouse))
    out.seconds = (time.perf_counter() - started,)
    return out
