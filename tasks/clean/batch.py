"""Clean stage: read each input's bytes, detect its format and turn it into normalised, assembled articles."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import date

from tasks.fetch.archive import Archive
from tasks.fetch.discover import read_input
from tasks.model import Article, Reject, SourceItem
from tasks.clean.readers import read_item
from tasks.settings import load_settings
from warehouse.failpoints import checkpoint


@dataclass
class CleanedBatch:
    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: tuple[float, ...] = ()  # time spent per stage so far: (fetch, clean)
    packed: bytes = b""  # the articles as one pickle, as the clean task hands them on (see `pack`)
    packed_count: int = 0

    def pack(self) -> "CleanedBatch":
        """The articles as one pickled blob. Between the clean and the extract worker a batch passes
        through the flow's process, which then holds and forwards one bytes object instead of
        rebuilding and pickling again thousands of objects (less CPU and memory where the flow runs)."""
        self.packed, self.packed_count = pickle.dumps(self.articles, pickle.HIGHEST_PROTOCOL), len(self.articles)
        self.articles = []
        return self


def unpack_articles(packed: bytes) -> list[Article]:
    return pickle.loads(packed)


def in_window(article: Article, since: date | None, until: date | None) -> bool:
    """--since/--until select on the publication date; with a window, undated articles are left out."""
    if since is None and until is None:
        return True
    if article.published_at is None:
        return False
    day = article.published_at.date()
    return (since is None or day >= since) and (until is None or day <= until)


def clean_batch(items: list[SourceItem], archive=None, since: date | None = None,
                until: date | None = None) -> CleanedBatch:
    """Articles of a batch of inputs. One bad input or record becomes a reject; the batch goes on."""
    out = CleanedBatch()
    settings = load_settings()  # once per batch, not per input
    for item in items:
        checkpoint("clean.item")
        try:
            data = read_input(item, archive)
        except Exception as exc:  # noqa: BLE001 - any failure to read is this input's reject, not the batch's
            out.rejects.append(Reject("clean", f"cannot read input: {exc}", item.source, item.uri, item.location,
                                      detail=repr(exc)))
            continue
        try:
            results = read_item(item, data, settings=settings)
        except Exception as exc:  # noqa: BLE001 - read_item should not raise; if it does, reject the input
            results = [Reject("clean", f"reader failed: {type(exc).__name__}: {exc}", item.source, item.uri,
                              item.location, detail=repr(exc))]
        for result in results:
            if isinstance(result, Reject):
                out.rejects.append(result)
            elif in_window(result, since, until):
                result.input_uri, result.raw_location = item.uri, item.location
                result.input_hash = item.meta.get("input_hash")
                out.articles.append(result)
            else:
                out.skipped.append((result.uri, "published outside --since/--until"))
    return out


def clean_in_worker(items: list[SourceItem], warehouse: str, since: date | None, until: date | None) -> CleanedBatch:
    return clean_batch(items, Archive(warehouse), since, until).pack()
