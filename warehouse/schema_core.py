"""Core tables: articles (also the ledger of what was processed), paragraphs, sentences, images, runs, rejects."""

from __future__ import annotations

import pyarrow as pa

from warehouse.contract import Table, article_key_columns, col

TIMESTAMP_VN = pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
TIMESTAMP_UTC = pa.timestamp("us", tz="UTC")

ARTICLES = Table(
    name="articles",
    doc="One row per loaded article, with its cleaned text. Also the ledger of incremental runs.",
    key=("article_id",),
    columns=(
        *article_key_columns(),
        col("content_hash", pa.string(), "SHA-256 of title, date, author and cleaned text; unchanged hash = unchanged article.", False),
        col("input_uri", pa.string(), "The input file or URL the article was read from (shared by all records of a multi-record file).", False),
        col("input_hash", pa.string(), "SHA-256 of the raw input bytes; an unchanged input is skipped before clean."),
        col("raw_location", pa.string(), "Where the raw bytes are: file path or archive:<sha256> in the raw archive."),
        col("source_name", pa.string(), "The source as the user named it (the `source` partition is its slug)."),
        col("uri", pa.string(), "Location of this article: file path (with #record for multi-record files) or URL.", False),
        col("canonical_url", pa.string(), "Canonical URL of the article when known."),
        col("doc_id", pa.string(), "Identifier given by the source (corpus doc_id, export id)."),
        col("input_format", pa.string(), "Reader that parsed the input: plaintext, corpus, html, jsonl, csv."),
        col("title", pa.string(), "Headline."),
        col("lead", pa.string(), "Lead (sapo) paragraph."),
        col("description", pa.string(), "Meta description of an HTML page."),
        col("published_at", TIMESTAMP_VN, "Publication time (instant), shown in Vietnam time; null when the source gives no date."),
        col("published_tz", pa.string(), "UTC offset the source stated for published_at, e.g. +07:00; null when none was given."),
        col("author", pa.string(), "Byline author."),
        col("language", pa.string(), "ISO 639-1 language code."),
        col("categories", pa.list_(pa.string()), "Site categories (HTML pages)."),
        col("tags", pa.list_(pa.string()), "Site tags (HTML pages)."),
        col("og_image", pa.string(), "og:image URL (HTML pages)."),
        col("n_paragraphs", pa.int32(), "Number of paragraphs (all kinds)."),
        col("n_sentences", pa.int32(), "Number of sentences."),
        col("n_images", pa.int32(), "Number of images."),
        col("n_chars", pa.int32(), "Length of the cleaned text in characters."),
        col("quality_flags", pa.list_(pa.string()), "Warnings about the article, e.g. 'no_published_at: …', 'weekday_mismatch: …'."),
        col("abbreviations", pa.map_(pa.string(), pa.string()),
            "Abbreviations used in the text and their expansions (lexicon tasks/lang/vi/abbreviations.tsv), e.g. HĐND → Hội đồng nhân dân."),
        col("text", pa.string(), "Cleaned text: paragraphs joined by newlines. All char offsets in every table point into it."),
        col("fetched_at", TIMESTAMP_UTC, "When the input was read or downloaded."),
        col("loaded_at", TIMESTAMP_UTC, "When this row was committed."),
        col("run_id", pa.string(), "Flow run that loaded this version of the article (kept while the article is unchanged)."),
        col("pipeline_version", pa.string(), "newsfacts version that produced the rows."),
        col("extractor_versions", pa.string(), "Versions of the fact extractors that produced the article's facts; a change marks them stale."),
        col("batch_id", pa.string(), "Commit batch that wrote the article's rows (names their part files in every table "
            "until compaction merges them).",
            set_at_commit=True),
    ),
)

PARAGRAPHS = Table(
    name="paragraphs",
    doc="Paragraphs of each article in order, with kind, section and offsets into articles.text.",
    key=("article_id", "paragraph_index"),
    columns=(
        *article_key_columns(),
        col("paragraph_index", pa.int32(), "0-based position in the article.", False),
        col("kind", pa.string(), "title, lead, heading, body, caption or byline.", False),
        col("section", pa.string(), "Heading of the section the paragraph belongs to (null before the first heading)."),
        col("text", pa.string(), "Paragraph text (cleaned).", False),
        col("char_start", pa.int32(), "Start offset in articles.text.", False),
        col("char_end", pa.int32(), "End offset (exclusive) in articles.text.", False),
    ),
)

SENTENCES = Table(
    name="sentences",
    doc="Sentences of each article; every fact's sentence_index points here.",
    key=("article_id", "sentence_index"),
    columns=(
        *article_key_columns(),
        col("sentence_index", pa.int32(), "0-based position in the article.", False),
        col("paragraph_index", pa.int32(), "Paragraph that holds the sentence.", False),
        col("char_start", pa.int32(), "Start offset in articles.text.", False),
        col("char_end", pa.int32(), "End offset (exclusive) in articles.text.", False),
        col("text", pa.string(), "The sentence.", False),
    ),
)

IMAGES = Table(
    name="images",
    doc="Photos of each article: caption, credit and alt text (captions are not body text).",
    key=("article_id", "image_index"),
    columns=(
        *article_key_columns(),
        col("image_index", pa.int32(), "0-based position in the article.", False),
        col("paragraph_index", pa.int32(), "The caption paragraph in `paragraphs`, when the caption is in the text."),
        col("caption", pa.string(), "Caption without the credit."),
        col("credit", pa.string(), "Photo credit (person or agency)."),
        col("credit_role", pa.string(), "Role of the credited person, e.g. CTV (cộng tác viên)."),
        col("alt_text", pa.string(), "Alternative text / duplicated caption line merged into this image."),
        col("src", pa.string(), "Image URL (HTML pages)."),
    ),
)

REJECTS = Table(
    name="rejects",
    doc="Inputs (or records of an input) that could not be loaded, with stage and reason; the current state per input.",
    key=("input_id", "stage", "reason"),
    write="merge",
    merge_key=("input_id",),  # a commit that settles an input (rejected again, or loaded) replaces its rejects
    partition_by=(),
    columns=(
        col("input_id", pa.string(), "Stable id of the rejected input (hash of its uri); merge key.", False),
        col("stage", pa.string(), "fetch, clean, extract or load.", False),
        col("reason", pa.string(), "Human-readable reason.", False),
        col("detail", pa.string(), "Technical detail: exception text, HTTP status, …"),
        col("source_name", pa.string(), "Source the input came from."),
        col("uri", pa.string(), "Where the input came from (path or URL).", False),
        col("location", pa.string(), "Pointer to the raw input: file path or archive:<sha256>."),
        col("article_id", pa.string(), "Article id when the failure was inside one parsed article."),
        col("run_id", pa.string(), "Run that first rejected the input for this reason."),
        col("rejected_at", TIMESTAMP_UTC, "When it was first rejected for this reason."),
    ),
)

RUNS = Table(
    name="runs",
    doc="One row per flow run: status, counts per stage and outcome, durations, rows written.",
    key=("run_id",),
    write="merge",
    merge_key=("run_id",),  # each run replaces its own row as it progresses (Warehouse.write_run)
    partition_by=(),
    columns=(
        col("run_id", pa.string(), "Prefect flow run id (or a local id for bare runs).", False),
        col("flow_run_name", pa.string(), "Flow run name shown in the Prefect UI."),
        col("status", pa.string(), "running, completed, failed, or interrupted (found still running by a later run).", False),
        col("started_at", TIMESTAMP_UTC, "Start time.", False),
        col("finished_at", TIMESTAMP_UTC, "End time (null while running / interrupted)."),
        col("sources", pa.list_(pa.string()), "Sources given to the run."),
        col("warehouse", pa.string(), "Warehouse location."),
        col("host", pa.string(), "Host name of the process that ran the flow."),
        col("pid", pa.int64(), "Process id of that process (to tell a live run from an interrupted one)."),
        col("batches", pa.int32(), "Number of batches."),
        col("discovered", pa.int32(), "Inputs discovered by fetch."),
        col("articles_loaded", pa.int32(), "Articles written (new + changed)."),
        col("articles_new", pa.int32(), "Articles seen for the first time."),
        col("articles_changed", pa.int32(), "Articles whose content changed; their old rows were replaced."),
        col("articles_unchanged", pa.int32(), "Articles found unchanged (content hash) and kept as they were."),
        col("inputs_skipped", pa.int32(), "Inputs skipped before clean: unchanged raw bytes, or outside --since/--until."),
        col("rejected", pa.int32(), "Inputs or records rejected (see `rejects`)."),
        col("undated", pa.int32(), "Articles loaded without a publication date."),
        col("fetch_s", pa.float64(), "Seconds spent in fetch."),
        col("clean_s", pa.float64(), "Seconds spent in clean (summed over batches)."),
        col("extract_s", pa.float64(), "Seconds spent in extract (summed over batches)."),
        col("load_s", pa.float64(), "Seconds spent in load (summed over batches)."),
        col("rows_written", pa.string(), "JSON object: rows written per table by this run."),
        col("pipeline_version", pa.string(), "newsfacts version."),
        col("error", pa.string(), "Error message of a failed run."),
    ),
)

CORE_TABLES = (ARTICLES, PARAGRAPHS, SENTENCES, IMAGES, REJECTS, RUNS)
