"""Loading of the Vietnamese lexicon data files in tasks/lang/vi (each file read once)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lang" / "vi"


@cache
def word_list(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of `lang/vi/<name>`."""
    lines = (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines()
    return tuple(s for line in lines if (s := line.strip()) and not s.startswith("#"))


@cache
def table(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a tab-separated `lang/vi/<name>` file (comments and blank lines skipped)."""
    return tuple(tuple(col.strip() for col in row.split("\t")) for row in word_list(name))
