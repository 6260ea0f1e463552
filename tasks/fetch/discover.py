"""Fetch stage: discover the inputs of every source, set aside those unchanged since their load, fingerprint each batch."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable
from datetime import datetime, timezone
from pathlib import Path

from tasks.fetch.archive import Archive
from tasks.fetch.listings import config_reference
from tasks.fetch.sources import classify
from tasks.fetch.web import fetch_web_sources
from tasks.model import Reject, SourceItem
from tasks.settings import Settings
from warehouse.failpoints import checkpoint

# Files a folder walk treats as articles; anything else is counted as skipped with its reason.
ARTICLE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".gz"}


@dataclass
class Discovery:
    items: list[SourceItem] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (uri, reason)
    fetch_rows: list = field(default_factory=list)  # records of the `fetches` table (web sources)
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
    is_folder = root.is_dir()
    # Plain strings rather than Path objects: a rerun lists every file again (10k files: 0.1 s less).
    listed = [(e.path, e) for e in _walk(str(root.resolve()), found)] if is_folder else [(str(root), None)]
    for path, entry in listed:
        try:
            # Walking the resolved root yields real paths: only a symlinked file needs resolving.
            uri = str(Path(path).resolve()) if entry is None or entry.is_symlink() else path
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
        name = entry.name if entry is not None else root.name
        suffix = _suffix(name)
        if is_folder and (name.startswith(".") or suffix.lower() not in ARTICLE_SUFFIXES):
            found.skipped.append((uri, f"not an article file (suffix {suffix or 'none'!r})"))
            continue
        try:
            stat = entry.stat() if entry is not None else os.stat(path)
        except OSError as exc:
            found.rejects.append(Reject("fetch", f"cannot read file: {exc.strerror}", label, uri, uri))
            continue
        if stat.st_size > settings.max_input_bytes:
            found.rejects.append(Reject(
                "fetch", f"file too large: {stat.st_size / 1e6:.1f} MB > limit {settings.max_input_bytes / 1e6:.1f} MB",
                label, uri, uri))
            continue
        found.items.append(SourceItem(label, uri, uri, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc)))
    return found


def _suffix(name: str) -> str:
    """A file name's extension as pathlib gives it: none for a hidden name or a trailing dot."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _walk(root: str, found: Discovery) -> list[os.DirEntry]:
    """Directory entries of every file under `root`, in sorted order; hidden folders left out.

    Directory entries carry the file type from the listing and cache their stat: one system call
    per file instead of three (10k files: 0.7 s -> 0.2 s)."""
    files: list[os.DirEntry] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.rejects.append(Reject("fetch", f"cannot list folder: {exc.strerror}", os.path.basename(root),
                                        str(exc.filename or folder)))
            continue
        folders = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    folders.append(entry.path)
            else:
                files.append(entry)
        pending.extend(reversed(folders))  # depth first, in name order, as os.walk listed them
    return files


def discover(sources: list[str], settings: Settings, warehouse: str, known_pages: dict[str, str] | None = None) -> Discovery:
    """All inputs of all sources. Web sources are downloaded into the raw archive here.

    `known_pages` maps input uri -> raw hash of inputs already loaded and current (the ledger of
    `flows.ingest.inputs_seen`): web pages among them are fetched conditionally, and every input
    whose bytes still hash the same is set aside as unchanged.
    """
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
        total.skipped.extend(result.skipped)
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
    if known_pages:  # a rerun: inputs unchanged since their load never become batches (no task runs at all)
        fresh = fingerprint_batch(total.items, known_pages, Archive(warehouse))
        total.items = fresh.items  # the per-batch fetch hashes them again: a file may change meanwhile
        total.skipped.extend(fresh.skipped)
        total.rejects.extend(fresh.rejects)
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
        batch.items.append(replace(item, meta={**item.meta, "input_hash": digest}))
    return batch
