"""Golden comparison: every table of a warehouse, made comparable across code versions, and the diff of two.

A refactor or a speed-up must leave every row as it was. `snapshot` reads each table, drops the
columns that differ from run to run (run ids, load times, extractor names and versions), sorts the
rows and writes one Parquet file per table; `compare` lists, per table, the rows only one side has.

    python -m bench.golden snapshot WAREHOUSE OUT_DIR
    python -m bench.golden compare BEFORE_DIR AFTER_DIR [--ignore COLUMN,...]

`--ignore` leaves out columns one side does not have (a column added on purpose).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Columns that change with every run or name the code rather than the fact.
VOLATILE = {
    "run_id", "loaded_at", "fetched_at", "batch_id", "rejected_at", "extractor", "extractor_version",
    "extractor_versions", "pipeline_version",
    # Partition folders: an undated article is filed under its fetch date, which is the day of the run.
    "year", "month",
}
# Tables that describe runs, not articles.
RUN_TABLES = {"runs", "fetches"}


def _read(folder: Path) -> pa.Table:
    files = sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_")))
    parts = []
    for path in files:
        table = pq.read_table(path)
        for piece in path.relative_to(folder).parts[:-1]:
            if "=" in piece:
                key, value = piece.split("=", 1)
                table = table.append_column(key, pa.array([value] * table.num_rows, pa.string()))
        parts.append(table)
    return pa.concat_tables(parts, promote_options="permissive") if parts else pa.table({})


def _comparable(table: pa.Table) -> pa.Table:
    keep = [c for c in table.column_names if c not in VOLATILE]
    table = table.select(keep)
    # Nested columns (lists, maps) become their string form so rows can be sorted and compared.
    columns = {}
    for name in table.column_names:
        column = table[name]
        if pa.types.is_nested(column.type):
            column = pa.array([repr(v) for v in column.to_pylist()], pa.string())
        columns[name] = column
    table = pa.table(columns)
    return table.sort_by([(c, "ascending") for c in sorted(table.column_names)]) if table.num_rows else table


def snapshot(warehouse: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for folder in sorted(p for p in warehouse.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if folder.name in RUN_TABLES:
            continue
        table = _comparable(_read(folder))
        pq.write_table(table, out / f"{folder.name}.parquet")
        counts[folder.name] = table.num_rows
    return counts


def compare(before: Path, after: Path, show: int = 5, ignore: frozenset[str] = frozenset()) -> int:
    """Prints the differing rows per table; returns the number of tables that differ."""
    differing = 0
    names = sorted({p.stem for p in before.glob("*.parquet")} | {p.stem for p in after.glob("*.parquet")})
    for name in names:
        a = pq.read_table(before / f"{name}.parquet").to_pylist() if (before / f"{name}.parquet").exists() else []
        b = pq.read_table(after / f"{name}.parquet").to_pylist() if (after / f"{name}.parquet").exists() else []
        key = lambda row: tuple(sorted((k, repr(v)) for k, v in row.items() if k not in ignore))  # noqa: E731
        only_a = sorted(set(map(key, a)) - set(map(key, b)))
        only_b = sorted(set(map(key, b)) - set(map(key, a)))
        status = "IDENTICAL" if not only_a and not only_b else "DIFFERS"
        print(f"{name:12s} {len(a):7d} -> {len(b):7d} rows  {status}  (-{len(only_a)} +{len(only_b)})")
        if only_a or only_b:
            differing += 1
            for tag, rows in (("-", only_a), ("+", only_b)):
                for row in rows[:show]:
                    print(f"   {tag} {str(dict(row))[:400]}")
    return differing


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "snapshot":
        for name, rows in snapshot(Path(argv[1]), Path(argv[2])).items():
            print(f"{name:12s} {rows:7d} rows")
        return 0
    if len(argv) in (3, 5) and argv[0] == "compare" and (len(argv) == 3 or argv[3] == "--ignore"):
        ignore = frozenset(argv[4].split(",")) if len(argv) == 5 else frozenset()
        return 1 if compare(Path(argv[1]), Path(argv[2]), ignore=ignore) else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
