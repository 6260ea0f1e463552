"""Registry of every warehouse table, gathered from the per-domain schema modules."""

from __future__ import annotations

import importlib

from warehouse.contract import Table
from warehouse.schema_core import CORE_TABLES

# Domain modules declare Table objects at module level (or list them in TABLES).
_DOMAIN_MODULES = ("warehouse.schema_facts", "warehouse.schema_entities", "warehouse.schema_web")


def _collect() -> dict[str, Table]:
    tables = {t.name: t for t in CORE_TABLES}
    for name in _DOMAIN_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        declared = getattr(module, "TABLES", None) or [v for v in vars(module).values() if isinstance(v, Table)]
        for t in declared:
            assert t.name not in tables, f"table {t.name} declared twice"
            tables[t.name] = t
    return tables


TABLES: dict[str, Table] = _collect()
ARTICLE_TABLES = tuple(t for t in TABLES.values() if "article_id" in t.column_names and t.partition_by)
APPEND_TABLES = tuple(t for t in TABLES.values() if t.write == "append")
