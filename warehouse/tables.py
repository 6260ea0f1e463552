"""Registry of every warehouse table: the per-domain schema modules, imported directly."""

from __future__ import annotations

from warehouse.contract import ContractError, Table
from warehouse.schema_core import CORE_TABLES
from warehouse.schema_entities import ENTITY_TABLES
from warehouse.schema_facts import FACT_TABLES
from warehouse.schema_web import WEB_TABLES


def _registry(*groups: tuple[Table, ...]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for table in (t for group in groups for t in group):
        if table.name in tables:
            raise ContractError(f"table {table.name} declared twice")
        tables[table.name] = table
    return tables


TABLES: dict[str, Table] = _registry(CORE_TABLES, FACT_TABLES, ENTITY_TABLES, WEB_TABLES)
# Rows that belong to an article, follow its fate (new, changed, unchanged) and live in its partition.
ARTICLE_TABLES = tuple(t for t in TABLES.values() if t.article_scoped)
