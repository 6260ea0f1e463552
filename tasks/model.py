"""Records passed between the stages: what fetch found, what clean produced, what extract reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One input discovered by fetch: a local file or a fetched web body stored in the raw archive.

    Kept small on purpose (no body bytes) so a retried stage re-reads cheaply from `location`.
    """

    source: str  # user-facing source label (folder, feed URL, config source name)
    uri: str  # where the input came from: absolute file path or URL
    location: str  # where its bytes are now: a file path, or "archive:<sha256>" for fetched bodies
    size: int = 0
    fetched_at: datetime | None = None
    content_type: str | None = None  # HTTP Content-Type, or None for local files
    format_hint: str | None = None  # forced reader ("seed", "corpus", "html", "jsonl", "csv") or None = detect
    meta: dict = field(default_factory=dict, hash=False, compare=False)  # e.g. feed title/date, HTTP status
    # The charset fetch determined for a fetched body (`fetches.charset`): the clean stage's decoding
    # hint. None for local files, whose markup is read for a declaration at clean instead.
    charset: str | None = None


@dataclass
class Paragraph:
    index: int
    kind: str  # title | lead | heading | body | caption | byline
    text: str
    section: str | None = None  # heading text of the section this paragraph belongs to
    char_start: int = 0  # offsets into Article.text, filled by Article.assemble()
    char_end: int = 0


@dataclass
class Image:
    index: int
    paragraph_index: int | None  # the caption paragraph, if the caption is in the text
    caption: str | None = None
    credit: str | None = None
    credit_role: str | None = None  # e.g. "CTV" (cộng tác viên)
    alt_text: str | None = None
    src: str | None = None


@dataclass
class Article:
    """A cleaned article. `text` is the paragraphs joined by newlines; every offset points into it."""

    source: str
    uri: str
    title: str
    paragraphs: list[Paragraph]
    images: list[Image] = field(default_factory=list)
    canonical_url: str | None = None
    lead: str | None = None
    published_at: datetime | None = None  # timezone-aware when the source says the zone
    author: str | None = None
    language: str = "vi"
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    og_image: str | None = None
    fetched_at: datetime | None = None
    input_format: str | None = None
    quality_flags: list[str] = field(default_factory=list)  # e.g. "no_published_at: dateline missing"
    doc_id: str | None = None  # identifier given by the source (corpus header, JSON id)
    text: str = ""
    article_id: str = ""
    content_hash: str = ""
    # Set by the clean stage: the input this article was read from (several records may share one).
    input_uri: str | None = None
    input_hash: str | None = None
    raw_location: str | None = None

    def assemble(self) -> "Article":
        """Join paragraphs into `text`, fill their offsets, the stable id and the content hash."""
        parts, pos = [], 0
        for i, p in enumerate(self.paragraphs):
            p.index = i
            p.char_start, p.char_end = pos, pos + len(p.text)
            parts.append(p.text)
            pos = p.char_end + 1
        self.text = "\n".join(parts)
        self.article_id = article_id_for(self.canonical_url or self.uri)
        published = self.published_at.isoformat() if self.published_at else ""
        self.content_hash = hashlib.sha256(
            "\x1f".join([self.title, published, self.author or "", self.text]).encode()
        ).hexdigest()
        return self


def article_id_for(key: str) -> str:
    """Stable 16-hex id from the canonical URL or source path."""
    return hashlib.sha256(key.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Sentence:
    index: int  # position in the article, 0-based
    paragraph_index: int
    start: int  # offsets into the article text
    end: int

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass
class Doc:
    """What an extractor sees: cleaned text, its sentences and paragraphs, and the publication time."""

    article_id: str
    text: str
    sentences: list[Sentence]
    paragraphs: list[Paragraph]
    published_at: datetime | None = None
    title: str = ""
    author: str | None = None
    # Analyses several fact families build on (the sentence scan of numbers, the entity mentions),
    # computed once per document by the first family that asks: see `computed`.
    analyses: dict = field(default_factory=dict, repr=False, compare=False)

    def computed(self, name: str, analyse):
        """`analyse(self)`, computed once per document and shared by every fact family that asks for `name`."""
        if name not in self.analyses:
            self.analyses[name] = analyse(self)
        return self.analyses[name]


@dataclass
class Reject:
    """An input (or one article of it) that could not go on, with the reason a person can act on."""

    stage: str  # fetch | clean | extract | load
    reason: str
    source: str
    uri: str
    location: str | None = None  # pointer to the raw input (file path or archive key)
    article_id: str | None = None
    detail: str | None = None  # exception text, HTTP status, …
