"""Fetch stage: discover the inputs of every source, then fingerprint each batch so unchanged inputs skip the rest."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable
from datetime import datetime, timezone
from pathlib import Path

from tasks.model import Reject, SourceItem
from tasks.settings import Settings
from tasks.sources import classify
from tasks.web import config_reference, fetch_web_sources
from tasks.stage import stage_task
from warehouse.failpoints import checkpoint

# Files a folder walk treats as articles; anything else is counted as skipped with its reason.
ARTICLE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".gz"}


@dataclass
class Discovery:
    items: list[SourceItem] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (uri, reason)
    fetch_rows: list[dict] = field(default_factory=list)  # rows of the `fetches` table (web sources)
    web_stats: dict = field(default_factory=dict)
    commit_web_state: Callable[[], None] | None = None  # saves HTTP validators; call after the load

    @property
    def discovered(self) -> int:
        return len(self.items) + len(self.rejects) + len(self.skipped)


@dataclass
class FetchedBatch:
    """A batch after fingerprinting: items to process and those skipped as unchanged."""

    items: list[SourceItem]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    seconds: tuple[float, ...] = ()  # (fetch,)


def source_label(path: Path) -> str:
    """The name a local source is known by in the tables: the folder's name (a file: its folder's)."""
    folder = path if path.is_dir() else path.parent
    return folder.name or str(folder)


def discover_local(source: str, settings: Settings, label: str | None = None) -> Discovery:
    """Files of a file or folder source (recursive, symlinked folders not followed: no loops)."""
    found = Discovery()
    root = Path(source).expanduser()
    label = label or source_label(root.resolve()) if root.exists() else (label or source)
    if not root.exists():
        found.rejects.append(Reject("fetch", "source not found: no such file or folder", label, str(root)))
        return found
    paths = [root] if root.is_file() else _walk(root, found)
    for path in paths:
        try:
            uri = str(path.resolve())
            uri.encode("utf-8")
        except UnicodeEncodeError:  # a name in a legacy encoding: Parquet strings must be UTF-8
            shown = os.fsencode(path).decode("utf-8", "backslashreplace")
            found.rejects.append(Reject("fetch", "file name is not valid UTF-8: rename the file to load it",
                                        label, shown, shown))
            continue
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            shown = os.fsencode(path).decode("utf-8", "backslashreplace")
            found.rejects.append(Reject("fetch", f"cannot resolve path (symlink loop?): {exc}", label, shown, shown))
            continue
        if path.name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES and root.is_dir():
            found.skipped.append((uri, f"not an article file (suffix {path.suffix or 'none'!r})"))
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            found.rejects.append(Reject("fetch", f"cannot read file: {exc.strerror}", label, uri, uri))
            continue
        if size > settings.max_input_bytes:
            found.rejects.append(Reject(
                "fetch", f"file too large: {size / 1e6:.1f} MB > limit {settings.max_input_bytes / 1e6:.1f} MB",
                label, uri, uri))
            continue
        found.items.append(SourceItem(label, uri, uri, size, datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)))
    return found


def _walk(root: Path, found: Discovery) -> list[Path]:
    paths = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=lambda e: found.rejects.append(
            Reject("fetch", f"cannot list folder: {e.strerror}", root.name, str(e.filename)))):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        paths.extend(Path(dirpath) / f for f in sorted(filenames))
    return paths


def discover(sources: list[str], settings: Settings, warehouse: str, known_pages: dict[str, str] | None = None) -> Discovery:
    """All inputs of all sources. Web sources are downloaded into the raw archive here."""
    total = Discovery()
    # URLs, feeds, sitemaps, URL-list files and sources configs go to the web fetcher
    web = [s for s in sources if config_reference(s) or classify(s).kind != "path"]
    for source in sources:
        if source not in web:
            _merge(total, discover_local(source, settings))
    if web:

        result = fetch_web_sources(web, warehouse, settings, known=known_pages, commit_state=False)
        total.items.extend(result.items)
        total.rejects.extend(result.rejects)
        total.skipped.extend(getattr(result, "skipped", []))
        total.fetch_rows.extend(result.fetch_rows)
        total.web_stats = dict(result.stats)
        total.commit_web_state = partial(result.commit, warehouse)
    seen: set[str] = set()  # one source given twice (or nested folders) must not load a file twice
    unique = []
    for item in total.items:
        if item.uri in seen:
            total.skipped.append((item.uri, "listed twice by the sources"))
        else:
            seen.add(item.uri)
            unique.append(item)
    total.items = unique
    checkpoint("fetch.discovered")
    return total


def _merge(total: Discovery, part: Discovery) -> None:
    total.items.extend(part.items)
    total.rejects.extend(part.rejects)
    total.skipped.extend(part.skipped)


def read_input(item: SourceItem, archive=None) -> bytes:
    """The raw bytes of an input: from its file, or from the raw archive for fetched pages."""
    if item.location.startswith("archive:"):
        return archive.get(item.location)
    with open(item.location, "rb") as f:
        return f.read()


def fingerprint_batch(items: list[SourceItem], inputs_seen: dict[str, str], archive=None) -> FetchedBatch:
    """Hash each input's raw bytes; inputs whose hash matches the ledger are skipped as unchanged.

    `inputs_seen` maps input uri -> raw hash of inputs whose articles are all current (loaded
    with the current extractor versions); a full refresh passes an empty mapping.
    """
    batch = FetchedBatch(items=[])
    for item in items:
        checkpoint("fetch.item")
        if item.location.startswith("archive:"):
            digest = item.location.removeprefix("archive:")
        else:
            try:
                digest = hashlib.sha256(read_input(item, archive)).hexdigest()
            except OSError as exc:
                batch.rejects.append(Reject("fetch", f"cannot read input: {exc}", item.source, item.uri, item.location))
                continue
        if inputs_seen.get(item.uri) == digest:
            batch.skipped.append((item.uri, "unchanged since last load"))
            continue
        batch.items.append(SourceItem(item.source, item.uri, item.location, item.size, item.fetched_at,
                                      item.content_type, item.format_hint, {**item.meta, "input_hash": digest}))
    return batch


@stage_task("fetch", run_name="fetch[discover]")
def discover_task(sources: list[str], settings: Settings, warehouse: str,
                  known_pages: dict[str, str] | None = None) -> Discovery:
    return discover(sources, settings, warehouse, known_pages)


@stage_task("fetch")
def fetch_task(items: list[SourceItem], inputs_seen: dict[str, str], warehouse: str,
               batch_no: int, batch_count: int) -> FetchedBatch:
    from tasks.archive import Archive

    started = time.perf_counter()
    out = fingerprint_batch(items, inputs_seen, Archive(warehouse))
    out.seconds = (time.perf_counter() - started,)
    return out
