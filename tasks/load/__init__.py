"""Load stage: `ExtractedBatch` (rows of every table, rejects, skips) -> `LoadResult` (what each article
became: new, changed, unchanged, duplicate) after one atomic, idempotent commit to the warehouse.

Modules: `batch` (the stage function); `task` is the Prefect task. The store itself and the table
contracts live in the top-level `warehouse` package.
"""
