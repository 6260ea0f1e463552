"""Extract stage: `Article` -> `Doc` (text, sentences, paragraphs, publication time) -> rows of every fact
table, each family of facts produced by one registered `Extractor`; a batch is an `ExtractedBatch`.

Modules: `batch` (the stage function and the core-table rows), `registry` (the extractors, their
names, versions and tables), one module per fact family (`quantities`, `periods`,
`legal_documents`, `entities`, `places`, `roles`) and its helpers; the three number families share
one pass over the document (`number_scan`: `period_*`, `document_refs`, `quantity_*`, `numbers`,
`textscan`); `task` is the Prefect task.

The entity side, bottom up: `tokens` (token pattern, keys, `Token`) -> `entity_lexicon` (the lexicons as
tries, `EntityLexicon`) and `gazetteer` (the administrative units) -> `tokenizer` (`Tokens` with offsets)
-> `names` (`Mention`, name runs) -> `organisations` -> `mention_scan` (the rules over one sentence) ->
`credits` (photo credits, the author) -> `mentions` (an article's mentions, shared by the three families)
-> `places` (an article's places; the `places` family) -> `entities` and `roles` (their families).
"""
