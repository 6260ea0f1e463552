"""Fetch stage: sources (folders, files, URLs, feeds, sitemaps, .toml configs) -> `Discovery` of `SourceItem`s,
then per batch a `FetchedBatch` (items with their input fingerprints, skips and rejects).

Modules: `discover` (listing and fingerprints), `sources` (what a source string is), `web`
(feeds, sitemaps and pages over HTTP), `http` (the polite client), `robots` (robots.txt),
`feeds`, `sitemaps`, `archive` (the raw bytes of fetched bodies); `task` is the Prefect task.
"""
