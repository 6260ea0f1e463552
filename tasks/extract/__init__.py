"""Extract stage: `Article` -> `Doc` (text, sentences, paragraphs, publication time) -> rows of every fact
table, each family of facts produced by one registered `Extractor`; a batch is an `ExtractedBatch`.

Modules: `batch` (the stage function and the core-table rows), `registry` (the extractors, their
names, versions and tables), one module per fact family (`quantities`, `periods`,
`legal_documents`, `entities`, `places`, `roles`) and its helpers; the three number families share
one pass over the document (`number_scan`: `period_*`, `document_refs`, `quantity_*`, `numbers`,
`textscan`); `task` is the Prefect task.
"""
