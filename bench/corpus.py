"""Benchmark corpora: N distinct articles replicated from a source folder, so nothing is deduplicated or skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tasks.settings import PROJECT_ROOT, SHARED_CORPUS_DIR

SHARED_CORPUS = SHARED_CORPUS_DIR / "dantri-unc"
FALLBACK_SOURCE = PROJECT_ROOT / "tests" / "fixtures" / "articles"
TEMPLATE_SUFFIXES = {".txt", ".html", ".htm"}
FILES_PER_FOLDER = 500  # a realistic dump spreads files over folders; one huge folder is not what we measure

_URL_HEADER = re.compile(r"^(#\s*url\s*=\s*)(\S+)\s*$", re.MULTILINE)
_DOC_ID_HEADER = re.compile(r"^(#\s*doc_id\s*=\s*)(\S+)\s*$", re.MULTILINE)
_FIRST_NUMBER = re.compile(r"(?<![\d.,/])(\d{2,4})(?![\d.,/])")


@dataclass(frozen=True)
class Template:
    name: str
    suffix: str
    text: str


@dataclass(frozen=True)
class BuiltCorpus:
    root: Path
    articles: int
    text_bytes: int  # bytes of the article files written, the "MB of text" the benchmark divides by
    templates: int
    source: Path


def default_source() -> Path:
    """The shared dantri corpus when present, else the project's own fixture articles."""
    return SHARED_CORPUS if SHARED_CORPUS.is_dir() else FALLBACK_SOURCE


def load_templates(source: Path) -> list[Template]:
    """Article files of `source` (sorted, UTF-8 text only) to replicate."""
    templates = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower() in TEMPLATE_SUFFIXES):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if text.strip():
            templates.append(Template(path.stem, path.suffix.lower(), text))
    if not templates:
        raise ValueError(f"no article files (.txt/.html) in {source}")
    return templates


def variant(template: Template, copy: int) -> str:
    """Copy number `copy` of a template: its own URL and doc id, and one number nudged so its text differs.

    Copy 0 is the template itself. Files without a `# url =` header get their identity from their
    path (each copy has its own path), and a trailing paragraph makes their text distinct.
    """
    text = template.text
    if copy == 0:
        return text
    tag = f"c{copy:06d}"
    text, urls = _URL_HEADER.subn(lambda m: f"{m.group(1)}{_url_with_tag(m.group(2), tag)}", text, count=1)
    text = _DOC_ID_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}-{tag}", text, count=1)
    header_end = _header_end(text)
    body = _FIRST_NUMBER.sub(lambda m: str(int(m.group(1)) + copy % 97 + 1), text[header_end:], count=1)
    text = text[:header_end] + body
    if not urls and template.suffix == ".txt":
        text = text.rstrip("\n") + f"\n\nBản sao số {copy} của bài viết.\n"
    return text


def _header_end(text: str) -> int:
    """Offset just past the leading `# key = value` header lines (0 when there are none)."""
    pos = 0
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        pos += len(line)
    return pos


def _url_with_tag(url: str, tag: str) -> str:
    """The URL with a distinct path segment before its extension (query strings may be canonicalised away)."""
    head, dot, ext = url.rpartition(".")
    if dot and ext.isalnum() and "/" not in ext:
        return f"{head}-{tag}.{ext}"
    return f"{url.rstrip('/')}/{tag}"


def build_corpus(source: Path, count: int, dest: Path) -> BuiltCorpus:
    """Write `count` distinct articles replicated from `source` into `dest`, spread over subfolders."""
    templates = load_templates(source)
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    for n in range(count):
        template = templates[n % len(templates)]
        copy = n // len(templates)
        folder = dest / f"part{n // FILES_PER_FOLDER:04d}"
        if n % FILES_PER_FOLDER == 0:
            folder.mkdir(exist_ok=True)
        data = variant(template, copy).encode("utf-8")
        (folder / f"{template.name}-{copy:06d}{template.suffix}").write_bytes(data)
        written += len(data)
    return BuiltCorpus(dest, count, written, len(templates), source)
