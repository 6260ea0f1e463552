"""Web fetch tables: `fetches`, one row per HTTP fetch, and the layout of the raw archive it points into."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import Table, col

TIMESTAMP_UTC = pa.timestamp("us", tz="UTC")


def _fetch_date(rows: pa.Table) -> pa.ChunkedArray:
    """The fetch_date partition of fetch rows: the UTC date (YYYY-MM-DD) of fetched_at."""
    return pc.strftime(rows["fetched_at"], format="%Y-%m-%d")


FETCHES = Table(
    name="fetches",
    doc=(
        "One row per URL requested by the web fetcher (a row covers all retries and redirects of that URL): "
        "article pages, feeds, sitemaps and robots.txt. Append-only log. "
        "Raw archive layout: every fetched body is stored once, gzip-compressed, keyed by the SHA-256 of the "
        "(decoded) body: <warehouse>/_raw/<first 2 hex of sha>/<sha256>.gz, written atomically; its key "
        "'archive:<sha256>' is the raw_location here and the location of the SourceItem / articles.raw_location. "
        "Re-extraction reads from the archive and never refetches. Conditional-GET validators (ETag, "
        "Last-Modified, content hash per URL) live in <warehouse>/_state/http_validators.json."
    ),
    key=("fetch_id",),
    write="append",
    partition_by=("fetch_date",),
    partition_values={"fetch_date": _fetch_date},
    partition_docs={"fetch_date": "Partition: UTC date (YYYY-MM-DD) of the fetch."},
    columns=(
        col("fetch_id", pa.string(), "Random unique id of this fetch row.", False),
        col("url", pa.string(), "URL requested (as discovered or given).", False),
        col("final_url", pa.string(), "URL after redirects."),
        col("source_name", pa.string(), "Source the URL belongs to (feed/sitemap URL, config source name); null for robots.txt."),
        col("role", pa.string(), "What was fetched: article, feed, sitemap, page (a user URL that failed before it could be sniffed) or robots.", False),
        col("status", pa.int32(), "Final HTTP status; null when no response arrived (timeout, connection error)."),
        col("outcome", pa.string(), "fetched, not_modified (304), unchanged (200, same content hash as loaded), rejected, or skipped (redirected somewhere not allowed).", False),
        col("content_hash", pa.string(), "SHA-256 of the decoded body (the archive key without 'archive:')."),
        col("raw_location", pa.string(), "archive:<sha256> when the body was stored."),
        col("bytes", pa.int64(), "Size of the decoded body in bytes."),
        col("wire_bytes", pa.int64(), "Bytes received on the wire (before Content-Encoding decoding)."),
        col("content_type", pa.string(), "Content-Type header as sent."),
        col("charset", pa.string(), "Charset the clean stage is told (valid UTF-8 wins over a wrong declaration)."),
        col("charset_declared", pa.string(), "Charset from the Content-Type header, when present."),
        col("etag", pa.string(), "ETag header."),
        col("last_modified", pa.string(), "Last-Modified header, as sent."),
        col("fetched_at", TIMESTAMP_UTC, "When the fetch started.", False),
        col("elapsed_s", pa.float64(), "Seconds spent on the URL, retries and backoff included."),
        col("attempts", pa.int32(), "Requests made for the URL (retries included, redirect hops counted once per attempt)."),
        col("redirects", pa.list_(pa.string()), "Redirect targets followed, in order."),
        col("error", pa.string(), "Why it was rejected or skipped, e.g. 'HTTP 404 Not Found', 'timeout … after 4 attempts'."),
    ),
)

WEB_TABLES = (FETCHES,)
