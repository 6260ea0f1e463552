"""DuckDB over the warehouse: one view per table, for `newsfacts sql` and for analysts' own sessions."""

from __future__ import annotations

import duckdb
from fsspec.implementations.arrow import ArrowFSWrapper

from warehouse.store import Warehouse
from warehouse.tables import TABLES


def connect(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per table that has data.

    Object storage goes through the store's own pyarrow filesystem, wrapped for fsspec and
    registered with DuckDB (its httpfs extension cannot be downloaded offline): one filesystem
    layer, the same S3 settings as the store.
    """
    con = duckdb.connect()
    prefix = warehouse.base
    if not warehouse.is_local:
        con.register_filesystem(_S3(warehouse.fs))
        prefix = "s3://" + warehouse.base
    for name, table in TABLES.items():
        if not warehouse.part_files(name):
            continue
        glob = f"{prefix}/{name}/**/*.parquet"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', "
                    f"hive_partitioning={'true' if table.partition_by else 'false'}, union_by_name=true)")
    return con


class _S3(ArrowFSWrapper):
    protocol = "s3"  # DuckDB hands s3:// paths to the filesystem registered for that protocol
