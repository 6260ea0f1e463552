"""Data exports as articles: JSON Lines (or a JSON array) and CSV records, their columns found by name."""

from __future__ import annotations

import csv
import io
import json
import re

from tasks.clean.articles import InputRejected, input_reject, new_article
from tasks.clean.body import Body, build_body
from tasks.clean.datelines import parse_date_value
from tasks.clean.htmlbody import body_from_fragment
from tasks.clean.plaintext import split_blocks
from tasks.clean.textnorm import clean_text
from tasks.model import Article, Reject, SourceItem

# Default export column names for each Article field, tried in order (case-insensitive).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "url": ("url", "link", "canonical_url", "source_url"),
    "title": ("title", "headline", "name"),
    "content": ("content", "body", "text", "article", "content_html", "html"),
    "published_at": ("published_at", "date", "pubDate", "time", "published", "publish_date", "datetime", "created_at"),
    "author": ("author", "byline", "authors", "creator"),
    "id": ("id", "doc_id", "guid", "article_id"),
    "description": ("description", "summary", "sapo", "lead", "abstract"),
    "categories": ("categories", "category", "section"),
    "tags": ("tags", "keywords"),
    "image": ("image", "og_image", "thumbnail", "image_url"),
}
_KNOWN_COLUMNS = frozenset(c.casefold() for names in DEFAULT_COLUMNS.values() for c in names)
CSV_DELIMITERS = (",", ";", "\t", "|")
_HTML_TAG = re.compile(r"<(?:p|div|br|h[1-6]|figure|img|ul|ol|li|span|strong|em|a)\b[^>]*>", re.IGNORECASE)


def looks_like_csv_header(line: str) -> bool:
    """A first line that names at least two known columns, split at one of the CSV delimiters."""
    for delimiter in CSV_DELIMITERS:
        cells = [c.strip().strip('"').casefold() for c in line.split(delimiter)]
        if len(cells) >= 2 and sum(c in _KNOWN_COLUMNS for c in cells) >= 2:
            return True
    return False


def resolve_columns(available: list[str], columns: dict | None) -> dict[str, str]:
    """Our field -> the export's column name, from the caller's mapping or the defaults."""
    by_fold = {name.casefold(): name for name in available}
    resolved: dict[str, str] = {}
    for fieldname, defaults in DEFAULT_COLUMNS.items():
        wanted = (columns or {}).get(fieldname)
        candidates = ([wanted] if isinstance(wanted, str) else list(wanted)) if wanted else list(defaults)
        for candidate in candidates:
            if candidate in available or "." in candidate:
                resolved[fieldname] = candidate
                break
            if candidate.casefold() in by_fold:
                resolved[fieldname] = by_fold[candidate.casefold()]
                break
    return resolved


def _lookup(record: dict, column: str | None) -> object:
    if column is None:
        return None
    if column in record:
        return record[column]
    value: object = record
    for part in column.split("."):  # "meta.title" reaches into nested JSON objects
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("text") or "")
    return clean_text(str(value)).strip()


def _as_list(value: object) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[,;|]", str(value or ""))
    return [t for v in items if (t := _as_text(v))]


def _record_body(content: object, description: str) -> Body:
    if isinstance(content, list):
        blocks = [[line] for v in content if (line := _as_text(v))]
        if description and not (blocks and blocks[0][0].startswith(description[:60])):
            blocks.insert(0, [description])
        return build_body(blocks)
    raw = str(content or "")
    if _HTML_TAG.search(raw):
        body = body_from_fragment(raw)
        if description and not (body.lead and body.lead.startswith(description[:60])):
            blocks = [[description], *[[p.text] for p in body.paragraphs]]
            return build_body(blocks)
        return body
    blocks = split_blocks(clean_text(raw).split("\n"))
    if description and not (blocks and blocks[0][0].startswith(description[:60])):
        blocks.insert(0, [description])
    return build_body(blocks)


def record_article(item: SourceItem, record: dict, mapping: dict[str, str], uri: str) -> Article:
    """One export record (JSON object or CSV row) as an Article."""
    get = lambda f: _lookup(record, mapping.get(f))  # noqa: E731
    description = _as_text(get("description"))
    body = _record_body(get("content"), description)
    flags: list[str] = []
    published_at = None
    if "published_at" in mapping:
        published_at, flags = parse_date_value(get("published_at"))
    else:
        flags.append("no_published_at: the export has no date column")
    url = _as_text(get("url")) or None
    image = _as_text(get("image")) or None
    doc_id = _as_text(get("id")) or None
    return new_article(
        item, uri, _as_text(get("title")), body, canonical_url=url, doc_id=doc_id, published_at=published_at,
        author=_as_text(get("author")) or None, description=description or None, categories=_as_list(get("categories")),
        tags=_as_list(get("tags")), og_image=image, quality_flags=flags,
    )


def _records_json(text: str) -> list[tuple[int, object, str | None]]:
    """(line number, parsed value, error) for a JSON Lines file; a whole JSON array/object also works."""
    stripped = text.lstrip("\ufeff \n\t")
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
            return [(i + 1, value, None) for i, value in enumerate(data)]
        except ValueError:
            pass
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line), None))
        except ValueError as exc:
            records.append((number, None, str(exc)))
    if len(records) > 1 and all(err for _, _, err in records):
        try:  # a pretty-printed single JSON object spans many lines
            return [(1, json.loads(text), None)]
        except ValueError:
            pass
    return records


def read_jsonl(item: SourceItem, text: str, columns: dict | None = None) -> list:
    results: list = []
    for number, value, error in _records_json(text):
        uri = f"{item.uri}#L{number}"
        if error:
            results.append(input_reject(item, f"JSON Lines line {number} is not valid JSON: {error}", uri=uri))
            continue
        if not isinstance(value, dict):
            results.append(input_reject(item, f"JSON Lines line {number} is a {type(value).__name__}, not an object", uri=uri))
            continue
        mapping = resolve_columns(list(value), columns)
        results.append(_guarded_record(item, value, mapping, uri, f"line {number}"))
    return results


def _guarded_record(item: SourceItem, record: dict, mapping: dict[str, str], uri: str, where: str) -> Article | Reject:
    if "content" not in mapping and "title" not in mapping:
        return input_reject(item, f"record at {where} has neither a title nor a content field (fields: {', '.join(map(str, record))[:200]})", uri=uri)
    try:
        return record_article(item, record, mapping, uri)
    except Exception as exc:  # one bad record must not lose the others
        return input_reject(item, f"record at {where} could not be read ({type(exc).__name__})", uri=uri, detail=repr(exc))


def sniff_delimiter(text: str) -> str:
    """The CSV delimiter whose header names the most known columns (ties: most columns)."""
    header = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(c.strip().casefold() in _KNOWN_COLUMNS for c in cells), len(cells)

    best = max(CSV_DELIMITERS, key=score)
    if score(best) == (0, 1):
        try:
            return csv.Sniffer().sniff(text[:8192], delimiters="".join(CSV_DELIMITERS)).delimiter
        except csv.Error:
            return ","
    return best


def read_csv(item: SourceItem, text: str, columns: dict | None = None) -> list:
    text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputRejected("empty CSV: no header row") from None
    mapping = resolve_columns(header, columns)
    if "content" not in mapping:
        wanted = (columns or {}).get("content") or "/".join(DEFAULT_COLUMNS["content"])
        raise InputRejected(f"CSV has no content column (looked for {wanted}; columns: {', '.join(header)[:200]})")
    results: list = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            results.append(input_reject(item, f"CSV row at line {start} is malformed: {exc}", uri=f"{item.uri}#L{start}"))
            break
        uri = f"{item.uri}#L{start}"
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                results.append(input_reject(item, f"CSV row at line {start} has {len(row)} fields, the header has {len(header)}", uri=uri))
            else:
                results.append(_guarded_record(item, dict(zip(header, row)), mapping, uri, f"line {start}"))
        start = reader.line_num + 1
    return results
