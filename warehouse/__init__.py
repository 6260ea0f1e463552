"""The warehouse: rows of every table (records, dicts or Arrow tables, per `rows[table]`) -> Parquet part files
under one root, committed atomically and idempotently per batch (`Warehouse.commit` -> `CommitResult`).

Modules: `contract` (the `Table` declaration: columns, key, write disposition, typed records, the
checks that raise `ContractError`), `schema_*` (the declared tables) and `tables` (their registry);
`store` (the `Warehouse`: commit = decide, stage, publish), `ledger` (decide: the `articles` ledger
and each article's fate), `writers` (stage: one writer per disposition, merge / append / replace),
`staging` (publish: manifest, ordered moves and deletions, recovery), `lock` (flock, or on object storage
the conditional-write lease of `lease`), `compaction` (small part files rewritten as one), `parts` (reading
part files), `partitions`, `files`, `failpoints`; `query` (DuckDB views) and `dictionary` (the data dictionary).
"""
