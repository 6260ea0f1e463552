"""Decide: the `articles` table as the ledger of what is loaded, and the fate of each incoming article."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

from warehouse.partitions import partition_dir, partition_of
from warehouse.parts import PartFiles

LEDGER_TABLE = "articles"  # one row per loaded article: what is loaded, from which batch, in which partition
LEDGER_FIELDS = ["article_id", "content_hash", "extractor_versions", "run_id", "input_uri", "source", "year", "month"]
# What a commit needs of each incoming article to decide its fate and partition.
DECISION_COLUMNS = ["article_id", "content_hash", "extractor_versions", "uri", "source_name", "raw_location",
                    "published_at", "fetched_at"]


class LedgerEntry(NamedTuple):
    """What a commit needs to know of an article already in the warehouse (one per article: kept small)."""

    content_hash: str
    extractor_versions: str
    run_id: str
    part_file: str  # the name of the part file that holds its rows, the same in every article table
    input_uri: str
    partition: str  # its folder: source=…/year=…/month=…


class Ledger:
    """article_id -> LedgerEntry of every committed article, kept up to date incrementally.

    Only part files added or rewritten since the last refresh are read, so the commits of a run do
    not re-read the whole table each time. Values repeated down a file (versions, run, batch,
    partition) are shared, not copied per article: at 100k articles the ledger is the flow
    process's largest structure.
    """

    def __init__(self) -> None:
        self._entries: dict[str, LedgerEntry] = {}
        self._files: dict[str, tuple[tuple[int, int], list[str]]] = {}  # path -> (stamp, article ids)

    def refresh(self, parts: PartFiles) -> dict[str, LedgerEntry]:
        files = {i.path: i for i in parts.part_files(LEDGER_TABLE)}
        for path in set(self._files) - set(files):
            self._forget(path)
        for path, info in files.items():
            stamp = (info.size, info.mtime_ns or 0)
            if path in self._files and self._files[path][0] == stamp:
                continue
            self._forget(path)
            columns = parts.read_part(info, LEDGER_FIELDS, keep=False).to_pydict()  # the ledger holds these rows
            one_copy: dict[str, str] = {}
            share = lambda value: one_copy.setdefault(value, value)  # noqa: E731
            ids, part_file = columns["article_id"], info.base_name
            for i, aid in enumerate(ids):
                self._entries[aid] = LedgerEntry(
                    columns["content_hash"][i], share(columns["extractor_versions"][i]), share(columns["run_id"][i]),
                    part_file, columns["input_uri"][i],
                    share(partition_dir(columns["source"][i], columns["year"][i], columns["month"][i])))
            self._files[path] = (stamp, ids)
        return dict(self._entries)

    def _forget(self, path: str) -> None:
        for aid in self._files.pop(path, (None, ()))[1]:
            self._entries.pop(aid, None)


@dataclass
class Decision:
    """The fate of each article of a batch, and where the rows of the written ones go."""

    arts: list[dict] = field(default_factory=list)  # the incoming articles (DECISION_COLUMNS), in batch order
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (article_id, reason): rejected, not written
    keep: dict[str, int] = field(default_factory=dict)  # written article id -> its row in `articles` (first copy)
    old_locations: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    # ^ (part file name, partition) -> changed article ids whose old rows are in the part files of that name there

    @property
    def partitions(self) -> dict[str, str]:
        """Written article id -> the partition folder of its new rows."""
        return {aid: partition_of(self.arts[index]) for aid, index in self.keep.items()}

    def first_copy(self, aid: str) -> dict:
        return next(a for a in self.arts if a["article_id"] == aid)

    def loaded_uris(self) -> set[str]:
        """Where the articles now in the warehouse came from: written ones and unchanged ones."""
        unchanged = set(self.unchanged)
        return {self.arts[index]["uri"] for index in self.keep.values()} | {
            a["uri"] for a in self.arts if a["article_id"] in unchanged}


def decide(ledger: dict[str, LedgerEntry], articles: pa.Table | None, run_id: str) -> Decision:
    """new (id unknown), unchanged (same content hash and extractor versions), changed (old rows replaced),
    or duplicate (a second copy in the batch, or other text under an id this same run loaded)."""
    decision = Decision(articles.select(DECISION_COLUMNS).to_pylist() if articles is not None else [])
    for index, art in enumerate(decision.arts):
        aid, old = art["article_id"], ledger.get(art["article_id"])
        if aid in decision.keep:
            decision.duplicates.append((aid, f"duplicate article id in one batch: {art['uri']}"))
            continue
        if old is None:
            decision.new.append(aid)
        elif old.content_hash == art["content_hash"] and old.extractor_versions == art["extractor_versions"]:
            decision.unchanged.append(aid)
            continue
        elif old.run_id == run_id:
            decision.duplicates.append(
                (aid, f"same article id as {old.input_uri} (same canonical URL) but different text"))
            continue
        else:
            decision.changed.append(aid)
            decision.old_locations[(old.part_file, old.partition)].add(aid)
        decision.keep[aid] = index
    return decision
