"""The warehouse: declared table contracts, the Parquet store with atomic batch commits, DuckDB views, the data dictionary."""
