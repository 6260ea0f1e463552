"""DuckDB over the warehouse: one view per table, for `newsfacts sql` and for analysts' own sessions."""

from __future__ import annotations

import os

import duckdb

from warehouse.store import Warehouse
from warehouse.tables import TABLES


def connect(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per table that has data.

    Object storage goes through an fsspec filesystem registered with DuckDB (its httpfs extension
    cannot be downloaded offline), the same S3 settings as the store.
    """
    con = duckdb.connect()
    prefix = warehouse.base
    if not warehouse.is_local:
        import s3fs

        endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
        con.register_filesystem(s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint} if endpoint else {}))
        prefix = "s3://" + warehouse.base
    for name, table in TABLES.items():
        if not warehouse._table_files(name):
            continue
        glob = f"{prefix}/{name}/**/*.parquet"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', "
                    f"hive_partitioning={'true' if table.partition_by else 'false'}, union_by_name=true)")
    return con
