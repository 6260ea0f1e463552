"""The ingest flow: fetch -> clean -> extract -> load over batches of articles, with a run record and artifacts."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.context import FlowRunContext
from prefect.utilities.annotations import opaque

from flows.run_summary import markdown_report, publish_report
from tasks.clean.task import clean_task
from tasks.extract.task import extract_task
from tasks.fetch.task import discover_task, fetch_task
from tasks.load.task import load_task
from tasks.extract.batch import ExtractedBatch, extractor_versions
from tasks.fetch.discover import Discovery
from tasks.model import SourceItem
from tasks.fetch.sources import display_name
from tasks.load.batch import LoadResult, open_warehouse
from tasks.settings import PIPELINE_VERSION, PROJECT_ROOT, load_settings
from warehouse.failpoints import checkpoint
from warehouse.store import Warehouse
from warehouse.tables import TABLES

DEFAULT_SOURCES = [str(PROJECT_ROOT / "seeds")]
# Callables (batches_done, batch_count) told after each batch: the CLI's progress bar listens here.
batch_listeners: list = []


# Prefect refuses an event with more than 100 related resources, and each tag of a run is one: a run is tagged
# with a few source names, never one per source (`newsfacts run` may be handed a day's 500 files).
MAX_SOURCE_TAGS = 5
# More sources than this reach the flow as a file listing them (`sources_file`): a run's parameters stay small.
MAX_PARAMETER_SOURCES = 20


def source_labels(sources: list[str]) -> list[str]:
    """Short names of the sources for tags and run names, each once, at most MAX_SOURCE_TAGS: each source's own
    name when they are few, else the folders the files are in (and the other sources' names), commonest first."""
    names = list(dict.fromkeys(display_name(s) for s in sources))
    if len(names) <= MAX_SOURCE_TAGS:
        return names
    folders = Counter(display_name(str(Path(s).parent)) if Path(s).is_file() else display_name(s) for s in sources)
    return [label for label, _ in folders.most_common(MAX_SOURCE_TAGS)]


def source_tags(sources: list[str]) -> list[str]:
    """Prefect tags naming the sources ("source:seeds"), so runs can be filtered per source in the UI."""
    labels = source_labels(sources or ["seeds"])
    many = len(set(map(display_name, sources))) > len(labels) and len(labels) == MAX_SOURCE_TAGS
    return [f"source:{label}"[:100] for label in labels] + (["source:more"] if many else [])


def read_sources_file(path: str) -> list[str]:
    """The sources listed one a line in a file (blank lines ignored)."""
    return [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_name() -> str:
    """Flow run name: the sources (their number when many) and the start time, as the Prefect UI lists it."""
    if flow_run.parameters.get("reprocess"):
        return f"ingest reprocess stale @ {datetime.now():%Y-%m-%d %H:%M:%S}"
    listed = flow_run.parameters.get("sources_file")
    sources = flow_run.parameters.get("sources") or (read_sources_file(listed) if listed else DEFAULT_SOURCES)
    label = ", ".join(source_labels(sources))
    if len(sources) > MAX_SOURCE_TAGS:
        label = f"{len(sources)} sources in {label}"
    return f"ingest {label[:60]} @ {datetime.now():%Y-%m-%d %H:%M:%S}"


@dataclass
class RunTotals:
    """Counts of one run; `balanced` checks that every record read is accounted for."""

    discovered: int = 0
    skipped: int = 0
    rejected: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    undated: int = 0
    records: int = 0  # articles and record rejects produced by clean, plus inputs never read
    seconds: dict = field(default_factory=lambda: {"fetch": 0.0, "clean": 0.0, "extract": 0.0, "load": 0.0})
    rows_written: dict = field(default_factory=dict)
    reject_reasons: list = field(default_factory=list)
    failed_batches: list = field(default_factory=list)
    new_article_ids: list = field(default_factory=list)
    top_facts: list = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.new + self.changed

    @property
    def balanced(self) -> bool:
        return self.records == self.loaded + self.unchanged + self.rejected + self.skipped


_THIS_PROCESS_RUNS: set[str] = set()


def _alive(run_row: dict) -> bool:
    """Whether a run recorded as 'running' may still be running (only this host's runs can be checked)."""
    if run_row.get("host") != socket.gethostname() or not run_row.get("pid"):
        return True
    if run_row["pid"] == os.getpid():
        return run_row["run_id"] in _THIS_PROCESS_RUNS
    try:
        os.kill(int(run_row["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _run_row(run_id: str, status: str, started: datetime, sources: list[str], wh: Warehouse, batches: int,
             totals: RunTotals, error: str | None = None):
    """The run's row of `runs` (a typed record), written at the start and replaced at the end."""
    return TABLES["runs"].record(
        run_id=run_id, flow_run_name=flow_run.name or run_id, status=status, started_at=started,
        finished_at=None if status == "running" else datetime.now(timezone.utc), sources=sources,
        warehouse=wh.uri(), host=socket.gethostname(), pid=os.getpid(), batches=batches,
        discovered=totals.discovered, articles_loaded=totals.loaded, articles_new=totals.new,
        articles_changed=totals.changed, articles_unchanged=totals.unchanged, inputs_skipped=totals.skipped,
        rejected=totals.rejected, undated=totals.undated, fetch_s=totals.seconds["fetch"],
        clean_s=totals.seconds["clean"], extract_s=totals.seconds["extract"], load_s=totals.seconds["load"],
        rows_written=json.dumps(totals.rows_written, sort_keys=True), pipeline_version=PIPELINE_VERSION,
        error=error,
    )


def stale_inputs(wh: Warehouse) -> Discovery:
    """The raw inputs of articles whose facts came from other extractor versions than the current ones."""
    current, found, listed = extractor_versions(), Discovery(), set()
    columns = ["input_uri", "raw_location", "source_name", "extractor_versions", "fetched_at"]
    for row in wh.read_table("articles", columns).to_pylist():
        if row["extractor_versions"] == current or row["input_uri"] in listed:
            continue
        listed.add(row["input_uri"])
        found.items.append(SourceItem(row["source_name"], row["input_uri"], row["raw_location"] or row["input_uri"],
                                      fetched_at=row["fetched_at"]))
    return found


def batch_handoff():
    """How a batch (or the future of one) is passed to the next task.

    In-process runners: `opaque`, because Prefect would otherwise walk every article and row of a
    batch looking for nested futures before each task — more CPU than the stage itself (the
    dependency is still recorded). Dask resolves futures by walking the parameters itself and
    serialises results anyway, so there batches are passed as they are.
    """
    if isinstance(FlowRunContext.get().task_runner, ThreadPoolTaskRunner):
        return opaque
    return lambda value: value


def inputs_seen(wh: Warehouse, full_refresh: bool) -> dict[str, str]:
    """input uri -> raw hash for inputs whose every article is current; empty on a full refresh."""
    if full_refresh:
        return {}
    current = extractor_versions()
    seen: dict[str, str] = {}
    stale: set[str] = set()
    for row in wh.read_table("articles", ["input_uri", "input_hash", "extractor_versions"]).to_pylist():
        if row["extractor_versions"] != current or not row["input_hash"]:
            stale.add(row["input_uri"])
        else:
            seen[row["input_uri"]] = row["input_hash"]
    return {uri: h for uri, h in seen.items() if uri not in stale}


# A submitted task waits for its upstream task inside its thread, so each batch in flight holds up
# to four threads (fetch, clean, extract, load): with fewer, batches run one after another and a
# pool worker idles while a batch loads. The CPU-bound work itself is bounded by the process pool.
TASK_THREADS = 16


@flow(name="ingest", flow_run_name=run_name, task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS),
      log_prints=False,
      description="Vietnamese news articles -> Parquet fact tables: fetch, clean, extract, load in batches.")
def ingest(sources: list[str] | None = None, warehouse: str | None = None, batch_size: int | None = None,
           full_refresh: bool = False, since: date | None = None, until: date | None = None,
           reprocess: bool = False, in_flight: int = 3, sources_file: str | None = None) -> dict:
    """Ingest `sources` (files, folders, URLs, feeds, sitemaps) into the warehouse; returns the run summary.

    `sources_file` lists the sources one a line instead (how many sources are handed over: the run's
    parameters stay small, and the list is the run's `ingest-sources` artifact). With `reprocess`,
    the inputs are instead the stored raw inputs of articles extracted by older extractor versions
    (never refetched).
    """
    log = get_run_logger()
    settings = load_settings(warehouse=warehouse, batch_size=batch_size)
    sources = sources or (read_sources_file(sources_file) if sources_file else None) or DEFAULT_SOURCES
    if len(sources) > MAX_PARAMETER_SOURCES:
        _publish_sources(sources)
    run_id = str(flow_run.id or uuid.uuid4())
    _THIS_PROCESS_RUNS.add(run_id)
    started = datetime.now(timezone.utc)
    wh = open_warehouse(settings.warehouse)
    _recover(wh, log)
    totals = RunTotals()
    wh.write_run(_run_row(run_id, "running", started, sources, wh, 0, totals))

    hand = batch_handoff()
    t0 = time.perf_counter()
    seen = inputs_seen(wh, full_refresh or reprocess)
    found = stale_inputs(wh) if reprocess else discover_task(sources, settings, settings.warehouse, hand(seen))
    totals.seconds["fetch"] += time.perf_counter() - t0
    batches = _plan(found, settings.batch_size, len(sources), totals, log)
    if found.rejects or found.fetch_rows:  # what discovery itself produced: rejects and the HTTP fetch log
        discovered = ExtractedBatch(rows={"fetches": found.fetch_rows}, rejects=found.rejects)
        _add_batch(load_task(settings.warehouse, discovered, run_id, batch_no=0, batch_count=len(batches)), totals)
    _run_batches(batches, seen, settings.warehouse, run_id, since, until, in_flight, totals, log)

    if found.commit_web_state and not totals.failed_batches:
        found.commit_web_state()  # conditional-GET validators only once what they vouch for is loaded
    status, error = _outcome(totals)
    totals.rows_written["runs"] = 1
    checkpoint("flow.finishing")
    wh.write_run(_run_row(run_id, status, started, sources, wh, len(batches), totals, error))
    summary = summarize(run_id, wh, sources, totals, len(batches), status)
    summary["web"] = found.web_stats
    _publish_artifacts(summary, totals)
    log.info("Run %s: %d new, %d changed, %d unchanged, %d skipped, %d rejected; tables in %s",
             status, totals.new, totals.changed, totals.unchanged, totals.skipped, totals.rejected, wh.uri())
    if status == "failed":
        raise RuntimeError(f"ingest failed: {error}")
    return summary


def _recover(wh: Warehouse, log) -> None:
    """Finish or discard the batches an interrupted run left, and mark its run row interrupted."""
    with wh.lock():
        recovered = wh.recover()
        interrupted = wh.mark_interrupted_runs(_alive)
    if recovered["finished"] or recovered["discarded"] or interrupted:
        log.warning("Recovered the warehouse after an interrupted run: %s batch(es) finished, %s discarded; "
                    "runs marked interrupted: %s", recovered["finished"], recovered["discarded"], interrupted or "none")


def _plan(found: Discovery, batch_size: int, n_sources: int, totals: RunTotals, log) -> list[list[SourceItem]]:
    """The discovered inputs cut into batches; what discovery set aside is counted now."""
    totals.discovered = found.discovered
    totals.skipped += len(found.skipped)
    totals.records += len(found.skipped)
    batches = [found.items[i:i + batch_size] for i in range(0, len(found.items), batch_size)]
    log.info("Discovered %d input(s) in %d source(s): %d to process in %d batch(es) of up to %d, %d skipped, "
             "%d rejected at fetch", found.discovered, n_sources, len(found.items), len(batches), batch_size,
             len(found.skipped), len(found.rejects))
    return batches


def _run_batches(batches: list[list[SourceItem]], seen: dict[str, str], warehouse: str, run_id: str,
                 since: date | None, until: date | None, in_flight: int, totals: RunTotals, log) -> None:
    """Each batch through fetch -> clean -> extract -> load, `in_flight` batches at a time (bounded memory)."""
    hand, count = batch_handoff(), len(batches)
    progress = create_progress_artifact(0.0, key="ingest-progress", description="Batches loaded")
    pending: deque = deque()
    for no, batch in enumerate(batches, start=1):
        subset = {i.uri: seen[i.uri] for i in batch if i.uri in seen}
        fetched = fetch_task.submit(hand(batch), hand(subset), warehouse, batch_no=no, batch_count=count)
        cleaned = clean_task.submit(hand(fetched), warehouse, since, until, batch_no=no, batch_count=count)
        extracted = extract_task.submit(hand(cleaned), run_id, batch_no=no, batch_count=count)
        loaded = load_task.submit(warehouse, hand(extracted), run_id, batch_no=no, batch_count=count)
        pending.append((no, batch, loaded))
        while pending and (len(pending) >= in_flight or no == count):
            _collect(*pending.popleft(), totals, log, count)
            update_progress_artifact(progress, 100.0 * (no - len(pending)) / count)
            for listener in batch_listeners:
                listener(no - len(pending), count)
    update_progress_artifact(progress, 100.0)


def _outcome(totals: RunTotals) -> tuple[str, str | None]:
    """The run's status and error: failed when a batch failed or an input is not accounted for."""
    if not totals.balanced:
        return "failed", (f"accounting mismatch: {totals.records} records read, "
                          f"{totals.loaded + totals.unchanged + totals.rejected + totals.skipped} accounted for")
    if totals.failed_batches:
        return "failed", "; ".join(totals.failed_batches)
    return "completed", None


def _collect(no: int, batch: list, loaded, totals: RunTotals, log, count: int) -> None:
    """Wait for one batch's chain (fetch -> clean -> extract -> load) and add its outcome to the totals."""
    try:
        result: LoadResult = loaded.result()
    except Exception as exc:  # noqa: BLE001 - a batch that failed all its retries fails the run, visibly
        totals.failed_batches.append(f"batch {no}/{count} failed after retries: {type(exc).__name__}: {exc}")
        totals.records += len(batch)
        totals.rejected += len(batch)
        log.error("Batch %d/%d failed after its retries (%s); its %d input(s) are not loaded", no, count, exc, len(batch))
        return
    _add_batch(result, totals)
    b = result.batch
    checkpoint("flow.batch_done")
    log.info("Batch %d/%d: %d input(s): %d skipped, %d article(s) extracted -> %d new, %d changed, %d unchanged; "
             "%d rejected", no, count, len(batch), len(b.skipped), b.articles, result.new, result.changed,
             result.unchanged, len(b.rejects) + len(result.duplicates))


def _add_batch(result: LoadResult, totals: RunTotals) -> None:
    b = result.batch
    totals.skipped += len(b.skipped)
    totals.records += len(b.skipped) + len(b.rejects) + b.articles
    totals.rejected += len(b.rejects) + len(result.duplicates)
    totals.new += result.new
    totals.changed += result.changed
    totals.unchanged += result.unchanged
    totals.undated += b.undated
    totals.new_article_ids.extend(result.new_article_ids)
    totals.top_facts.extend(result.top_facts)
    totals.reject_reasons.extend((r.uri, r.stage, r.reason) for r in b.rejects)
    totals.reject_reasons.extend((aid, "load", reason) for aid, reason in result.duplicates)
    for table, n in result.rows_written.items():
        totals.rows_written[table] = totals.rows_written.get(table, 0) + n
    for stage, seconds in zip(("fetch", "clean", "extract", "load"), result.seconds):
        totals.seconds[stage] += seconds


def table_counts(wh: Warehouse) -> dict[str, int]:
    return {name: wh.count_rows(name) for name in TABLES}


def summarize(run_id: str, wh: Warehouse, sources: list[str], totals: RunTotals, batches: int, status: str) -> dict:
    return {
        "run_id": run_id, "status": status, "sources": sources, "warehouse": wh.uri(), "batches": batches,
        "discovered": totals.discovered, "loaded": totals.loaded, "new": totals.new, "changed": totals.changed,
        "unchanged": totals.unchanged, "skipped": totals.skipped, "rejected": totals.rejected,
        "undated": totals.undated, "balanced": totals.balanced, "seconds": totals.seconds,
        "rows_written": totals.rows_written, "table_rows": table_counts(wh),
        "rejects": totals.reject_reasons[:50], "new_article_ids": totals.new_article_ids[:1000],
        "top_facts": totals.top_facts[:10],
    }


def _publish_sources(sources: list[str], shown: int = 5000) -> None:
    """The run's sources as an artifact, when there are too many for its parameters and name to show."""
    lines = [f"- `{s}`" for s in sources[:shown]]
    more = [f"- … and {len(sources) - shown} more"] if len(sources) > shown else []
    create_markdown_artifact("\n".join([f"# {len(sources)} sources", "", *lines, *more]), key="ingest-sources",
                             description="The sources this run was given")


def _publish_artifacts(summary: dict, totals: RunTotals) -> None:
    changed = bool(summary["new"] or summary["changed"] or summary["rejected"])
    summary["report"] = publish_report(summary["warehouse"], get_run_logger(), changed)
    create_markdown_artifact(markdown_report(summary), key="ingest-summary", description="What this run did")
    create_table_artifact([{"table": t, "rows": n, "written_by_this_run": summary["rows_written"].get(t, 0)}
                           for t, n in summary["table_rows"].items()],
                          key="ingest-table-rows", description="Rows per table after this run")
