"""Partition folders of the warehouse: source slugs, and the source/year/month folder an article is filed under."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from hashlib import sha256

import pyarrow as pa

from tasks.common import VIETNAM_TZ

PARTITION_SCHEMA = pa.schema([("source", pa.string()), ("year", pa.int32()), ("month", pa.int32())])
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def source_slug(name: str) -> str:
    """A partition-safe folder name for a source label: no '/', '..', '=', NUL; at most 80 characters."""
    slug = _SLUG_UNSAFE.sub("-", name.lower()).strip(".-_") or "source"
    if len(slug) > 80 or slug != name.lower():
        slug = f"{slug[:60].strip('.-_')}-{sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return slug


def partition_field(name: str) -> pa.Field:
    """The type a partition value read back from a folder name gets (year and month are numbers)."""
    return PARTITION_SCHEMA.field(name) if name in PARTITION_SCHEMA.names else pa.field(name, pa.string())


def partition_dir(source: str, year: int, month: int) -> str:
    return f"source={source}/year={year}/month={month}"


def partition_of(article: dict) -> str:
    """The folder of an article: its source, and the month of its publication in Vietnam time (else of its fetch)."""
    when = article.get("published_at") or article.get("fetched_at") or datetime.now(timezone.utc)
    if when.tzinfo is not None:
        when = when.astimezone(VIETNAM_TZ)
    return partition_dir(source_slug(article.get("source_name") or "source"), when.year, when.month)


def folder_of(values: dict, partition_by: tuple[str, ...]) -> str:
    """The folder of a row of a table partitioned by its own values (e.g. fetches by fetch_date); '' if unpartitioned."""
    return "/".join(f"{p}={values[p]}" for p in partition_by)
