"""newsfacts stages as Python packages: fetch -> clean -> extract -> load.

Each stage package holds its logic as plain functions (what the CPU pool workers import) and, in
its `task` module, the thin retryable Prefect task that wraps it. Shared by every stage: `model`
(the records passed between stages), `settings` (every tunable), `common` (single helpers),
`lexicon` (the Vietnamese data files under `lang/vi/`), `pool` (the CPU process pool).
"""
