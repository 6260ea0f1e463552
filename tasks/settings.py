"""Every tunable of newsfacts in one place; each can be overridden by a NEWSFACTS_<NAME> variable."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_VERSION = "0.1.0"
# The real articles beside the checkout (../shared/corpus, see its README) and the hand-made gold files.
SHARED_CORPUS_DIR = PROJECT_ROOT.parent / "shared" / "corpus"
GOLD_DIR = PROJECT_ROOT / "tests" / "gold"


@dataclass(frozen=True)
class Settings:
    warehouse: str = str(PROJECT_ROOT / "warehouse" / "data")
    # Inputs per batch. Each batch costs four task runs (~40 ms of Prefect client and server CPU):
    # 400 keeps that under 0.5 ms per article while three batches in flight stay a few hundred MB.
    batch_size: int = 400
    # Processes for the CPU-bound stage work (clean, extract); 1 runs it in the task's own thread.
    cpu_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_input_bytes: int = 20 * 1024 * 1024  # a single file or HTTP body larger than this is rejected
    task_retries: int = 3
    task_retry_delay_s: float = 2.0  # base of the exponential backoff between task retries
    task_retry_jitter: float = 0.5
    task_timeout_s: float = 900.0
    # Longer sentences (a 10 MB line) are cut at a space: extractors look back within a sentence.
    max_sentence_chars: int = 2000
    # Data derived from installed libraries (never committed), rebuilt when their versions change.
    cache_dir: str = field(default_factory=lambda: str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsfacts"))
    tone_style: str = "new"  # canonical tone-mark placement for keys: "new" (hóa, thủy) or "old" (hoá, thuỷ)
    http_user_agent: str = "newsfacts/0.1 (+https://example.invalid/newsfacts)"
    http_connect_timeout_s: float = 5.0
    http_read_timeout_s: float = 15.0
    http_total_deadline_s: float = 60.0
    http_max_retries: int = 3
    http_backoff_base_s: float = 0.5
    http_backoff_max_s: float = 30.0
    http_retry_after_max_s: float = 120.0  # a longer Retry-After is shortened to this
    http_concurrency: int = 4  # article pages fetched at once
    http_respect_robots: bool = True
    http_trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY
    http_per_host_concurrency: int = 4
    http_per_host_rate: float = 8.0  # requests per second per host
    http_max_redirects: int = 5
    http_max_decompressed_bytes: int = 50 * 1024 * 1024
    http_allow_private: bool = False  # fetch loopback/private addresses found in feeds and sitemaps
    # Object-storage writer lease (warehouse/lease.py): a holder that has not renewed it for this long is
    # presumed dead and another writer may take it over; the holder stops writing after half of it.
    warehouse_lease_s: float = 30.0
    # For a store without conditional writes (If-None-Match / If-Match): run one writer per prefix, with a
    # best-effort lease. Without it such a store is refused at the first commit.
    warehouse_single_writer: bool = False
    # Compaction (warehouse/compaction.py): a partition with this many small part files (0: never automatic)
    # is rewritten as one file after a commit; files of this size or more are left as they are.
    compact_min_files: int = 32
    compact_small_bytes: int = 32 * 1024 * 1024


def _coerce(value: str, like):
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return type(like)(value)


def load_settings(**overrides) -> Settings:
    """Defaults, then NEWSFACTS_* environment variables, then explicit overrides (None is ignored)."""
    base = _from_environment(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("NEWSFACTS_"))),
                             os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **overrides) if overrides else base


@lru_cache(maxsize=32)
def _from_environment(variables: tuple[tuple[str, str], ...], *default_inputs: str | None) -> Settings:
    """Settings from NEWSFACTS_* `variables`, built once per distinct environment: stage code asks for
    its settings per input, and building them costs more than reading a short article. The other
    environment values the defaults read (`default_inputs`) are part of the cache key."""
    base = Settings()
    given = dict(variables)
    env = {
        f.name: _coerce(given[f"NEWSFACTS_{f.name.upper()}"], getattr(base, f.name))
        for f in fields(Settings)
        if f"NEWSFACTS_{f.name.upper()}" in given
    }
    return replace(base, **env)
