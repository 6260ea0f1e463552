"""The `Extractor` type: one fact family's name, version, the tables it writes and its function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tasks.model import Doc


class ExtractorContractError(ValueError):
    """A fact family returned rows for a table it does not declare in `writes`."""


@dataclass(frozen=True)
class Extractor:
    name: str
    version: str
    writes: tuple[str, ...]  # the tables this family produces rows for, and only these
    fn: Callable[[Doc], dict[str, list]]  # Doc -> {table: rows}
    # Loads what the family needs (lexicons, tables) ahead of the first article; pool workers call it at start.
    warm_up: Callable[[], None] | None = None

    @property
    def stamp(self) -> str:
        return f"{self.name}={self.version}"

    def run(self, doc: Doc) -> dict[str, list]:
        out = self.fn(doc)
        undeclared = set(out) - set(self.writes)
        if undeclared:
            raise ExtractorContractError(f"extractor {self.name} returned undeclared tables {sorted(undeclared)}")
        for rows in out.values():
            for row in rows:
                if isinstance(row, dict):
                    row["extractor"], row["extractor_version"] = self.name, self.version
                else:
                    row.extractor, row.extractor_version = self.name, self.version
        return out
