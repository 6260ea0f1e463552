"""Input readers of the clean stage: detect the format of one input and turn it into assembled Articles or Rejects."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from tasks.clean.articles import InputRejected, input_reject, new_article
from tasks.clean.body import build_body
from tasks.clean.datelines import parse_date_value
from tasks.clean.encodings import UndecodableError, binary_kind, decode_bytes
from tasks.clean.htmlpage import PageRejected, parse_html_page
from tasks.clean.plaintext import parse_plaintext
from tasks.clean.records import looks_like_csv_header, read_csv, read_jsonl
from tasks.clean.textnorm import clean_text
from tasks.common import GZIP_MAGIC, DecompressionBomb, DecompressionError, content_type_parts, decompress_bounded, markup_charset
from tasks.model import Article, Reject, SourceItem
from tasks.settings import Settings, load_settings

FORMATS = ("plaintext", "corpus", "html", "jsonl", "csv")
FORMAT_ALIASES = {"seed": "plaintext", "text": "plaintext", "txt": "plaintext", "json": "jsonl", "ndjson": "jsonl", "tsv": "csv"}
EXTENSION_FORMATS = {
    ".html": "html", ".htm": "html", ".xhtml": "html", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "jsonl", ".csv": "csv", ".tsv": "csv",
}
MAX_GZIP_NESTING = 3
_CORPUS_HEADER = re.compile(r"^#\s*([\w.-]+)\s*=\s*(.*?)\s*$")
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.IGNORECASE | re.DOTALL)


# ---------------------------------------------------------------- entry point


def read_item(
    item: SourceItem, data: bytes, columns: dict | None = None, settings: Settings | None = None
) -> list[Article | Reject]:
    """Articles (assembled) and Rejects read from one input; never raises."""
    settings = settings or load_settings()
    try:
        return _read(item, data, columns, settings, item.uri, depth=0)
    except InputRejected as exc:
        return [input_reject(item, str(exc))]
    except UndecodableError as exc:
        return [input_reject(item, f"undecodable text: {exc}")]
    except Exception as exc:  # a reader bug must not stop the batch: the input becomes a reject
        return [input_reject(item, f"unexpected error while reading the input ({type(exc).__name__})", detail=repr(exc))]


def _read(item: SourceItem, data: bytes, columns: dict | None, settings: Settings, name: str, depth: int) -> list:
    if len(data) > settings.max_input_bytes:
        raise InputRejected(f"input too large: {len(data):,} bytes, the limit (max_input_bytes) is {settings.max_input_bytes:,}")
    if not data.strip():
        raise InputRejected("empty input: the file has no content")
    if data.startswith(GZIP_MAGIC):
        if depth >= MAX_GZIP_NESTING:
            raise InputRejected("gzip nested too deeply")
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        return _read(item, _gunzip(data, settings.max_input_bytes), columns, settings, inner_name, depth + 1)
    if kind := binary_kind(data):
        raise InputRejected(f"binary file: {kind}, not an article")
    # fetch decided the charset of the bytes it fetched, not of what they decompress to
    hint = (item.charset if depth == 0 else None) or declared_charset(item.content_type, data)
    text = decode_bytes(data, hint).text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect_format(text, name, item.format_hint, item.content_type)
    reader = READERS[fmt]
    results = reader(item, text, columns)
    if not results:  # e.g. a CSV with only its header: still accounted for, as a reject
        raise InputRejected(f"no article in this {fmt} input (no records)")
    return [_finish(r, item, fmt) if isinstance(r, Article) else r for r in results]


def _gunzip(data: bytes, limit: int) -> bytes:
    """A .gz input decompressed (all members) within `limit` bytes; a bomb, a corrupt or cut stream is a reject."""
    try:
        return decompress_bounded(data, limit)
    except DecompressionBomb as exc:
        raise InputRejected(f"gzip input {exc}: the limit is max_input_bytes") from exc
    except DecompressionError as exc:
        raise InputRejected(str(exc)) from exc


def declared_charset(content_type: str | None, data: bytes) -> str | None:
    """What an input that fetch did not decode for says of its charset: a Content-Type, or its own markup."""
    return content_type_parts(content_type)[1] or markup_charset(data)


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
    if looks_like_csv_header(first_line):
        return "csv"
    return "plaintext"


def _finish(article: Article, item: SourceItem, fmt: str) -> Article | Reject:
    """Common fields, the no-title-no-text check, then assemble."""
    has_text = any(p.kind != "title" and p.text for p in article.paragraphs)
    if not article.title and not has_text:
        return input_reject(item, "article has no title and no text", uri=article.uri)
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


# ---------------------------------------------------------------- plain text, corpus, HTML


def read_plaintext(item: SourceItem, text: str, columns: dict | None = None) -> list:
    parsed = parse_plaintext(clean_text(text))
    return [new_article(item, item.uri, parsed.title, parsed.body, published_at=parsed.published_at, quality_flags=parsed.flags)]


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
        new_article(
            item, item.uri, title, body, canonical_url=url, doc_id=header.get("doc_id") or header.get("id"),
            published_at=published_at, quality_flags=flags,
        )
    ]


def read_html(item: SourceItem, text: str, columns: dict | None = None) -> list:
    url = item.uri if item.uri.startswith(("http://", "https://")) else None
    try:
        page = parse_html_page(text, url)
    except PageRejected as exc:
        return [input_reject(item, str(exc))]
    return [
        new_article(
            item, item.uri, page.title, page.body, canonical_url=page.canonical_url or url,
            published_at=page.published_at, author=page.author, language=page.language,
            description=page.description, categories=page.categories, tags=page.tags,
            og_image=page.og_image, quality_flags=page.flags,
        )
    ]


READERS: dict[str, Callable[[SourceItem, str, dict | None], list]] = {
    "plaintext": read_plaintext,
    "corpus": read_corpus,
    "html": read_html,
    "jsonl": read_jsonl,
    "csv": read_csv,
}
