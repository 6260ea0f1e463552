"""Input readers of the clean stage: detect the format of one input and turn it into assembled Articles or Rejects."""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from tasks.clean.encodings import UndecodableError, decode_bytes
from tasks.clean.htmlpage import PageRejected, body_from_fragment, parse_html_page
from tasks.model import Article, Reject, SourceItem
from tasks.clean.body import Body, build_body, title_paragraph
from tasks.clean.datelines import parse_date_value
from tasks.clean.plaintext import parse_plaintext, split_blocks
from tasks.settings import Settings, load_settings
from tasks.clean.textnorm import clean_text

FORMATS = ("plaintext", "corpus", "html", "jsonl", "csv")
FORMAT_ALIASES = {"seed": "plaintext", "text": "plaintext", "txt": "plaintext", "json": "jsonl", "ndjson": "jsonl", "tsv": "csv"}
EXTENSION_FORMATS = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "jsonl", ".csv": "csv", ".tsv": "csv",
}
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
CSV_DELIMITERS = (",", ";", "\t", "|")
GZIP_MAGIC = b"\x1f\x8b"
MAX_GZIP_NESTING = 3
# Magic numbers of binary files people drop into input folders by mistake.
BINARY_SIGNATURES = {
    b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (Office document or zip file)", b"BZh": "a bzip2 archive", b"\xfd7zXZ": "an xz archive",
    b"7z\xbc\xaf": "a 7-Zip archive", b"RIFF": "a RIFF media file", b"\x7fELF": "an executable",
}
_CORPUS_HEADER = re.compile(r"^#\s*([\w.-]+)\s*=\s*(.*?)\s*$")
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<(?:p|div|br|h[1-6]|figure|img|ul|ol|li|span|strong|em|a)\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class InputRejected(ValueError):
    """The whole input cannot be read; the message is the human reason."""


# ---------------------------------------------------------------- entry point


def read_item(
    item: SourceItem, data: bytes, columns: dict | None = None, settings: Settings | None = None
) -> list[Article | Reject]:
    """Articles (assembled) and Rejects read from one input; never raises."""
    settings = settings or load_settings()
    try:
        return _read(item, data, columns, settings, item.uri, depth=0)
    except InputRejected as exc:
        return [_reject(item, str(exc))]
    except UndecodableError as exc:
        return [_reject(item, f"undecodable text: {exc}")]
    except Exception as exc:  # a reader bug must not stop the batch: the input becomes a reject
        return [_reject(item, f"unexpected error while reading the input ({type(exc).__name__})", detail=repr(exc))]


def _reject(item: SourceItem, reason: str, uri: str | None = None, detail: str | None = None) -> Reject:
    return Reject(stage="clean", reason=reason, source=item.source, uri=uri or item.uri, location=item.location, detail=detail)


def _read(item: SourceItem, data: bytes, columns: dict | None, settings: Settings, name: str, depth: int) -> list:
    if len(data) > settings.max_input_bytes:
        raise InputRejected(f"input too large: {len(data):,} bytes, the limit (max_input_bytes) is {settings.max_input_bytes:,}")
    if not data.strip():
        raise InputRejected("empty input: the file has no content")
    if data[:2] == GZIP_MAGIC:
        if depth >= MAX_GZIP_NESTING:
            raise InputRejected("gzip nested too deeply")
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        return _read(item, gunzip_bounded(data, settings.max_input_bytes), columns, settings, inner_name, depth + 1)
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise InputRejected(f"binary file: this is {what}, not an article")
    declared = declared_charset(item.content_type, data)
    text = decode_bytes(data, declared).text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect_format(text, name, item.format_hint, item.content_type)
    reader = READERS[fmt]
    results = reader(item, text, columns)
    if not results:  # e.g. a CSV with only its header: still accounted for, as a reject
        raise InputRejected(f"no article in this {fmt} input (no records)")
    return [_finish(r, item, fmt) if isinstance(r, Article) else r for r in results]


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress gzip data (all members), refusing output larger than `limit` (decompression bombs)."""
    out = bytearray()
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while data:
                out += inflater.decompress(data, limit + 1 - len(out))
                if len(out) > limit:
                    raise InputRejected(f"gzip input decompresses to more than {limit:,} bytes (max_input_bytes)")
                data = inflater.unconsumed_tail
            out += inflater.flush()
        except zlib.error as exc:
            raise InputRejected(f"corrupt gzip data: {exc}") from exc
        if not inflater.eof:
            raise InputRejected("truncated gzip data: the compressed stream ends early")
        data = inflater.unused_data.lstrip(b"\x00")
    return bytes(out)


def declared_charset(content_type: str | None, data: bytes) -> str | None:
    """Charset named by the HTTP Content-Type or an HTML <meta charset> near the top of the bytes."""
    if content_type and (m := re.search(r"charset\s*=\s*\"?([\w-]+)", content_type, re.IGNORECASE)):
        return m.group(1).lower()
    if m := _CHARSET.search(data[:4096]):
        return m.group(1).decode("ascii", "replace").lower()
    return None


def detect_format(text: str, name: str, hint: str | None = None, content_type: str | None = None) -> str:
    """The reader for a decoded input: forced hint, then strong content signs, then extension, then plain text."""
    if hint:
        fmt = FORMAT_ALIASES.get(hint.lower(), hint.lower())
        if fmt not in FORMATS:
            raise InputRejected(f"unknown format hint {hint!r} (known: {', '.join(FORMATS)})")
        return fmt
    head = text.lstrip("\ufeff \n\t")[:2048]
    first_line = head.split("\n", 1)[0].strip()
    if _HTML_START.match(head) or (content_type or "").lower().startswith(("text/html", "application/xhtml")):
        return "html"
    if _CORPUS_HEADER.match(first_line):
        return "corpus"
    if first_line.startswith(("{", "[")):
        return "jsonl"
    suffix = PurePosixPath(urlsplit(name).path).suffix.lower()
    if suffix in EXTENSION_FORMATS:
        return EXTENSION_FORMATS[suffix]
    if _looks_like_csv_header(first_line):
        return "csv"
    return "plaintext"


def _looks_like_csv_header(line: str) -> bool:
    known = {c.casefold() for names in DEFAULT_COLUMNS.values() for c in names}
    for delimiter in CSV_DELIMITERS:
        cells = [c.strip().strip('"').casefold() for c in line.split(delimiter)]
        if len(cells) >= 2 and sum(c in known for c in cells) >= 2:
            return True
    return False


def _finish(article: Article, item: SourceItem, fmt: str) -> Article | Reject:
    """Common fields, the no-title-no-text check, then assemble."""
    has_text = any(p.kind != "title" and p.text for p in article.paragraphs)
    if not article.title and not has_text:
        return _reject(item, "article has no title and no text", uri=article.uri)
    if not article.title:
        article.quality_flags.append("no_title: the source gives no headline")
    if not has_text:
        article.quality_flags.append("no_body: the article has a title only")
    article.source = item.source
    article.fetched_at = item.fetched_at
    article.input_format = fmt
    for image in article.images:
        if image.src and (article.canonical_url or "").startswith("http"):
            image.src = urljoin(article.canonical_url, image.src)
    return article.assemble()


def _article(item: SourceItem, uri: str, title: str, body: Body, **fields) -> Article:
    flags = list(fields.pop("quality_flags", []))
    return Article(
        source=item.source,
        uri=uri,
        title=title,
        paragraphs=[title_paragraph(title), *body.paragraphs],
        images=list(body.images),
        lead=body.lead,
        author=fields.pop("author", None) or body.author,
        quality_flags=flags + [f for f in body.flags if f not in flags],
        **fields,
    )


# ---------------------------------------------------------------- plain text, corpus, HTML


def read_plaintext(item: SourceItem, text: str, columns: dict | None = None) -> list:
    parsed = parse_plaintext(clean_text(text))
    return [_article(item, item.uri, parsed.title, parsed.body, published_at=parsed.published_at, quality_flags=parsed.flags)]


def read_corpus(item: SourceItem, text: str, columns: dict | None = None) -> list:
    """`# key = value` header lines, then the title line, then one sentence per line."""
    header: dict[str, str] = {}
    content: list[str] = []
    for line in clean_text(text).split("\n"):
        line = line.strip()
        match = _CORPUS_HEADER.match(line) if not content else None
        if match:
            header[match.group(1).lower()] = match.group(2)
        elif line:
            content.append(line)
    title = content[0] if content else ""
    flags: list[str] = []
    published_at = None
    if header.get("date"):
        published_at, flags = parse_date_value(header["date"])
    else:
        flags.append("no_published_at: no date in the corpus header")
    body = build_body([[line] for line in content[1:]], find_byline=False, find_headings=False)
    url = header.get("url") or None
    return [
        _article(
            item, item.uri, title, body, canonical_url=url, doc_id=header.get("doc_id") or header.get("id"),
            published_at=published_at, quality_flags=flags,
        )
    ]


def read_html(item: SourceItem, text: str, columns: dict | None = None) -> list:
    url = item.uri if item.uri.startswith(("http://", "https://")) else None
    try:
        page = parse_html_page(text, url)
    except PageRejected as exc:
        return [_reject(item, str(exc))]
    return [
        _article(
            item, item.uri, page.title, page.body, canonical_url=page.canonical_url or url,
            published_at=page.published_at, author=page.author, language=page.language,
            description=page.description, categories=page.categories, tags=page.tags,
            og_image=page.og_image, quality_flags=page.flags,
        )
    ]


# ---------------------------------------------------------------- JSON Lines and CSV records


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
    return _article(
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
            results.append(_reject(item, f"JSON Lines line {number} is not valid JSON: {error}", uri=uri))
            continue
        if not isinstance(value, dict):
            results.append(_reject(item, f"JSON Lines line {number} is a {type(value).__name__}, not an object", uri=uri))
            continue
        mapping = resolve_columns(list(value), columns)
        results.append(_guarded_record(item, value, mapping, uri, f"line {number}"))
    return results


def _guarded_record(item: SourceItem, record: dict, mapping: dict[str, str], uri: str, where: str) -> Article | Reject:
    if "content" not in mapping and "title" not in mapping:
        return _reject(item, f"record at {where} has neither a title nor a content field (fields: {', '.join(map(str, record))[:200]})", uri=uri)
    try:
        return record_article(item, record, mapping, uri)
    except Exception as exc:  # one bad record must not lose the others
        return _reject(item, f"record at {where} could not be read ({type(exc).__name__})", uri=uri, detail=repr(exc))


def sniff_delimiter(text: str) -> str:
    """The CSV delimiter whose header names the most known columns (ties: most columns)."""
    known = {c.casefold() for names in DEFAULT_COLUMNS.values() for c in names}
    header = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        return sum(c.strip().casefold() in known for c in cells), len(cells)

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
            results.append(_reject(item, f"CSV row at line {start} is malformed: {exc}", uri=f"{item.uri}#L{start}"))
            break
        uri = f"{item.uri}#L{start}"
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                results.append(_reject(item, f"CSV row at line {start} has {len(row)} fields, the header has {len(header)}", uri=uri))
            else:
                results.append(_guarded_record(item, dict(zip(header, row)), mapping, uri, f"line {start}"))
        start = reader.line_num + 1
    return results


READERS: dict[str, Callable[[SourceItem, str, dict | None], list]] = {
    "plaintext": read_plaintext,
    "corpus": read_corpus,
    "html": read_html,
    "jsonl": read_jsonl,
    "csv": read_csv,
}
