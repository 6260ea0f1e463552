"""The extract stage function: each cleaned article as a Doc, the rows of its core tables and of every fact family."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from tasks.clean.batch import unpack_articles
from tasks.extract.registry import EXTRACTORS, extractor_versions
from tasks.model import Article, Doc, Paragraph, Reject
from tasks.clean.sentences import split_sentences
from tasks.settings import PIPELINE_VERSION
from tasks.clean.textnorm import find_abbreviations
from warehouse.failpoints import checkpoint
from warehouse.tables import TABLES

ArticleRow, ParagraphRow, SentenceRow, ImageRow = (TABLES[name].record for name in ("articles", "paragraphs", "sentences", "images"))

def doc_from_text(text: str, published_at: datetime | None = None, article_id: str = "") -> Doc:
    """A Doc for free text (one paragraph per line), as `newsfacts extract` and tests build it."""
    paragraphs, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        paragraphs.append(Paragraph(i, "body", line, char_start=pos, char_end=pos + len(line)))
        pos += len(line) + 1
    return Doc(article_id, text, split_sentences(paragraphs), paragraphs, published_at)


def extract_text(text: str, published_at: datetime | None = None, article_id: str = "") -> dict[str, list[dict]]:
    """Every fact of one free text, as the Python face of the extractor: {table: rows with spans, as dicts}."""
    return facts_as_dicts(extract_facts(doc_from_text(text, published_at, article_id)))


def facts_as_dicts(facts: dict[str, list]) -> dict[str, list[dict]]:
    """Fact rows (typed records of their tables) as plain dicts, for the faces that print or hand them out."""
    return {table: [row if isinstance(row, dict) else asdict(row) for row in rows] for table, rows in facts.items()}


def doc_from_article(article: Article) -> Doc:
    return Doc(article.article_id, article.text, split_sentences(article.paragraphs), article.paragraphs,
               article.published_at, article.title, article.author)


def extract_facts(doc: Doc) -> dict[str, list]:
    """Every fact table's rows for one document, as the records of their tables."""
    rows: dict[str, list] = {}
    for extractor in EXTRACTORS:
        for table, table_rows in extractor.run(doc).items():
            rows.setdefault(table, []).extend(table_rows)
    return rows


def article_rows(article: Article, doc: Doc, run_id: str) -> dict[str, list]:
    """Rows of the core tables (articles, paragraphs, sentences, images) for one article."""
    aid = article.article_id
    published = article.published_at
    # The zone column says what the source stated: nothing when the zone was assumed or only a date was given.
    assumed = any(f.startswith(("published_tz_assumed", "published_date_only")) for f in article.quality_flags)
    offset = published.strftime("%z") if published and published.tzinfo and not assumed else None
    return {
        "articles": [ArticleRow(
            article_id=aid, content_hash=article.content_hash,
            input_uri=article.input_uri or article.uri, input_hash=article.input_hash,
            raw_location=article.raw_location, source_name=article.source, uri=article.uri,
            canonical_url=article.canonical_url, doc_id=article.doc_id, input_format=article.input_format,
            title=article.title, lead=article.lead, description=article.description,
            published_at=published, published_tz=f"{offset[:3]}:{offset[3:]}" if offset else None,
            author=article.author, language=article.language, categories=article.categories,
            tags=article.tags, og_image=article.og_image, n_paragraphs=len(article.paragraphs),
            n_sentences=len(doc.sentences), n_images=len(article.images), n_chars=len(article.text),
            quality_flags=article.quality_flags, text=article.text,
            abbreviations=sorted({(abbr, expansion) for _, _, abbr, expansion in find_abbreviations(article.text)}),
            fetched_at=article.fetched_at or datetime.now(timezone.utc), loaded_at=datetime.now(timezone.utc),
            run_id=run_id, pipeline_version=PIPELINE_VERSION, extractor_versions=extractor_versions(),
        )],
        "paragraphs": [ParagraphRow(
            article_id=aid, paragraph_index=p.index, kind=p.kind, section=p.section, text=p.text,
            char_start=p.char_start, char_end=p.char_end,
        ) for p in article.paragraphs],
        "sentences": [SentenceRow(
            article_id=aid, sentence_index=s.index, paragraph_index=s.paragraph_index,
            char_start=s.start, char_end=s.end, text=s.text_of(article.text),
        ) for s in doc.sentences],
        "images": [ImageRow(
            article_id=aid, image_index=im.index, paragraph_index=im.paragraph_index,
            caption=im.caption, credit=im.credit, credit_role=im.credit_role,
            alt_text=im.alt_text, src=im.src,
        ) for im in article.images],
    }


@dataclass
class ExtractedBatch:
    rows: dict[str, list | pa.Table] = field(default_factory=dict)  # table name -> row records (or Arrow table)
    rejects: list[Reject] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    articles: int = 0  # articles extracted (each one reaches load)
    undated: int = 0
    seconds: tuple[float, ...] = ()  # (fetch, clean, extract)

    def as_arrow(self) -> "ExtractedBatch":
        """The rows as Arrow tables of the declared schemas: a batch then leaves a worker process as a
        few column buffers instead of thousands of dicts to pickle, and load has nothing to convert."""
        self.rows = {name: TABLES[name].to_arrow(rows) for name, rows in self.rows.items()}
        return self


def extract_batch(articles: list[Article], run_id: str) -> ExtractedBatch:
    """Rows of every table for a batch. An article whose extraction fails is rejected alone."""
    out = ExtractedBatch()
    first_uri: dict[str, str] = {}
    for article in articles:
        if article.article_id in first_uri:  # two inputs with one canonical URL: the first one wins
            out.rejects.append(Reject("extract", f"duplicate article id in one batch: same canonical URL as "
                                      f"{first_uri[article.article_id]}", article.source, article.uri,
                                      article.raw_location, article.article_id))
            continue
        first_uri[article.article_id] = article.uri
        checkpoint("extract.article")
        try:
            doc = doc_from_article(article)
            rows = article_rows(article, doc, run_id)
            for table, table_rows in extract_facts(doc).items():
                rows.setdefault(table, []).extend(table_rows)
        except Exception as exc:  # noqa: BLE001 - the article is rejected with the error; its batch goes on
            out.rejects.append(Reject("extract", f"extractor failed: {type(exc).__name__}: {exc}", article.source,
                                      article.uri, article.raw_location, article.article_id, repr(exc)))
            continue
        out.articles += 1
        out.undated += article.published_at is None
        for table, table_rows in rows.items():
            out.rows.setdefault(table, []).extend(table_rows)
    return out


def extract_packed(packed: bytes, run_id: str) -> ExtractedBatch:
    """extract_batch over a clean task's packed articles, its rows as Arrow tables (what a worker returns)."""
    return extract_batch(unpack_articles(packed), run_id).as_arrow()
