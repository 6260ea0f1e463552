"""Fetch stage: sources (folders, files, URLs, feeds, sitemaps, .toml configs) -> `Discovery` of `SourceItem`s,
then per batch a `FetchedBatch` (items with their input fingerprints, skips and rejects).

Modules: `discover` (listing and fingerprints), `sources` (what a source string is), `web` (article
pages over HTTP), `listings` (feeds, sitemaps, URL lists and the run's `fetches` ledger), `http` (the
polite client), `policy` (its knobs, retries, trust and rate limits), `robots` (robots.txt),
`charset` (the charset the clean stage is told), `feeds`, `sitemaps`, `archive` (the raw bytes of
fetched bodies); `task` is the Prefect task.
"""
