"""Single helpers every stage shares, one copy each: the Vietnam time zone, the phrase-alternation regex builder, derived tables."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

# Vietnam has kept UTC+7 without daylight saving since 1975; ZoneInfo also knows the earlier offsets.
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def phrase_alternation(phrases, left: str | None = None) -> str:
    """Regex alternation of phrases, spaces matching any whitespace run, that prefers the longest phrase.

    Built as a trie ("t(?:r(?:ăm|iệu)|ỷ)" rather than "triệu|trăm|tỷ"): the phrases that match at one
    position are prefixes of each other, so trying the longer continuation first selects what the
    phrases joined longest first would, while the engine branches on one character instead of
    trying every phrase at every position. `left` is a one-character class that must not come
    right before the phrase ("\\w": not inside a word); a look-behind checks it where the first
    word ends rather than in front, where it would be tried at every position of the text.
    """
    items = set(phrases)
    if not items or any(not w or any(c.isspace() for c in w) for p in items for w in p.split(" ")):
        # empty phrases or odd spacing: keep the plain alternation (same matches, slower)
        alt = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(items, key=len, reverse=True))
        return f"(?<!{left})(?:{alt})" if left else alt
    end = ""  # key of a node where a phrase ends
    trie: dict = {}
    for phrase in items:
        node = trie
        for ch in phrase:
            node = node.setdefault(r"\s+" if ch == " " else re.escape(ch), {})
        node[end] = {}

    def emit(node: dict, word: str | None) -> list[str]:
        """Alternatives after `node`; `word`: the first word read so far, None once it has ended (or without `left`)."""
        inside, after = [], []  # continuations within the first word, and those that end it
        for token in sorted(k for k in node if k != end):
            if word is not None and token != r"\s+":
                inside.append(token + _group(emit(node[token], word + token)))
            else:
                after.append(token + _group(emit(node[token], None)))
        if end in node:
            after.append("")  # tried last: a phrase ending here is shorter than its continuations
        if word is not None and after:
            after = [f"(?<!{left}{word})" + _group(after)]
        return inside + after

    return _group(emit(trie, "" if left else None))


def _group(alternatives: list[str]) -> str:
    """One regex item matching any of `alternatives`, tried in order."""
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


def derived_json(path: Path, module: str, compute: Callable[[], object]):
    """A table derived from installed libraries, cached as JSON at `path` (name it by their versions).

    Computed first by `python -m module path` in a child process, so that the libraries it reads are
    never loaded into a pipeline process; should that fail (no writable cache), by `compute` here.
    """
    if not path.exists():
        subprocess.run([sys.executable, "-m", module, str(path)], check=False, timeout=600,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return compute()


def write_json_atomic(path: Path, value: object) -> None:
    """Write `value` as JSON so that processes writing the same file at once all leave a whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
