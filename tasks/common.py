"""Single helpers every stage shares, one copy each: the Vietnam time zone, the phrase-alternation regex
builder, charset labels and byte-order marks, bounded gzip/deflate decompression, derived tables."""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

# Vietnam has kept UTC+7 without daylight saving since 1975; ZoneInfo also knows the earlier offsets.
VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


# ---------------------------------------------------------------- phrase alternation


def phrase_alternation(phrases, left: str | tuple[str, ...] | None = None, space: str = r"\s+") -> str:
    """Regex alternation of phrases, each space matching `space` (any whitespace run), that prefers the longest phrase.

    Built as a trie ("t(?:r(?:ăm|iệu)|ỷ)" rather than "triệu|trăm|tỷ"): the phrases that match at one
    position are prefixes of each other, so trying the longer continuation first selects what the
    phrases joined longest first would, while the engine branches on one character instead of
    trying every phrase at every position. `left` is what must not come right before the phrase:
    a one-character class ("\\w": not inside a word), or several fixed-width patterns none of which
    may. A look-behind checks it where the first word ends rather than in front, where it would be
    tried at every position of the text.
    """
    items = set(phrases)
    lefts = (left,) if isinstance(left, str) else tuple(left or ())
    if not items or any(not w or any(c.isspace() for c in w) for p in items for w in p.split(" ")):
        # empty phrases or odd spacing: keep the plain alternation (same matches, slower)
        alt = "|".join(re.escape(p).replace(r"\ ", space) for p in sorted(items, key=len, reverse=True))
        return "".join(f"(?<!{pattern})" for pattern in lefts) + f"(?:{alt})" if lefts else alt
    end = ""  # key of a node where a phrase ends
    trie: dict = {}
    for phrase in items:
        node = trie
        for ch in phrase:
            node = node.setdefault(space if ch == " " else re.escape(ch), {})
        node[end] = {}

    def emit(node: dict, word: str | None) -> list[str]:
        """Alternatives after `node`; `word`: the first word read so far, None once it has ended (or without `left`)."""
        inside, after = [], []  # continuations within the first word, and those that end it
        for token in sorted(k for k in node if k != end):
            if word is not None and token != space:
                inside.append(token + _group(emit(node[token], word + token)))
            else:
                after.append(token + _group(emit(node[token], None)))
        if end in node:
            after.append("")  # tried last: a phrase ending here is shorter than its continuations
        if word is not None and after:
            after = ["".join(f"(?<!{pattern}{word})" for pattern in lefts) + _group(after)]
        return inside + after

    return _group(emit(trie, "" if lefts else None))


def _group(alternatives: list[str]) -> str:
    """One regex item matching any of `alternatives`, tried in order."""
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")"


# ---------------------------------------------------------------- charsets


# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels that browsers treat as Windows-1252, and the names we accept for the legacy Vietnamese fonts.
_LABEL_ALIASES = {
    "latin-1": "cp1252", "latin1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "windows-1252": "cp1252", "cp1252": "cp1252",
    "windows-1258": "cp1258", "cp1258": "cp1258",
    "tcvn": "tcvn3", "tcvn3": "tcvn3", "tcvn-3": "tcvn3", "tcvn5712": "tcvn3", "tcvn-5712": "tcvn3",
    "x-viet-tcvn5712": "tcvn3", "abc": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "x-viet-vni": "vni",
}

_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_MARKUP_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
MARKUP_CHARSET_BYTES = 4096  # a <meta charset> or XML declaration further down is not looked for


def byte_order_mark(data: bytes) -> tuple[bytes, str] | None:
    """(mark, charset) of the byte-order mark `data` starts with, or None."""
    for mark, charset in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return mark, charset
    return None


def codec_name(label: str | None) -> str | None:
    """Our codec name for a charset label (HTTP header, <meta>): "tcvn3"/"vni" for the legacy fonts; None if unknown."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    if cleaned in _LABEL_ALIASES:
        return _LABEL_ALIASES[cleaned]
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None


def content_type_parts(header: str | None) -> tuple[str | None, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'."""
    if not header:
        return None, None
    mime, _, params = header.partition(";")
    m = _CONTENT_TYPE_CHARSET.search(params)
    return (mime.strip().lower() or None), (m.group(1).lower() if m else None)


def markup_charset(body: bytes) -> str | None:
    """The charset a document declares in itself: <meta charset>, http-equiv or the XML declaration."""
    m = _MARKUP_CHARSET.search(body[:MARKUP_CHARSET_BYTES])
    return (m.group(1) or m.group(2)).decode("ascii", "replace").lower() if m else None


# ---------------------------------------------------------------- bounded decompression

GZIP_MAGIC = b"\x1f\x8b"


class DecompressionError(ValueError):
    """Compressed bytes that are corrupt or cut short; the message is the human reason."""


class DecompressionBomb(DecompressionError):
    """Compressed bytes that expand past the limit (a decompression bomb, or just too big)."""


class BoundedDecoder:
    """gzip/deflate decoder (an HTTP Content-Encoding, a .gz file) that refuses to produce more than `limit` bytes.

    Several gzip members are read one after the other, and zero padding after a member is ignored, as
    gzip(1) does. Feed the data in pieces (streaming) and call `finish` once at the end.
    """

    ENCODINGS = ("identity", "gzip", "x-gzip", "deflate")

    def __init__(self, encoding: str | None, limit: int):
        self.encoding = (encoding or "identity").strip().lower()
        if self.encoding not in self.ENCODINGS:
            raise DecompressionError(f"unsupported Content-Encoding {self.encoding!r}")
        self.limit, self.total = limit, 0
        self._z = self._new() if self.encoding != "identity" else None
        self._deflate_probe = self.encoding == "deflate"
        self._between_members = False  # a gzip member ended: only padding or another member may follow
        self._started = False  # some compressed bytes came: an empty body is no truncated stream

    def _new(self, raw_deflate: bool = False):
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def _count(self, out: bytes) -> bytes:
        self.total += len(out)
        if self.total > self.limit:
            raise DecompressionBomb(f"decompresses to more than {self.limit:,} bytes (compression bomb?)")
        return out

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._count(data)
        parts = []
        self._started = self._started or bool(data)
        while data:
            if self._between_members:
                data = data.lstrip(b"\x00")
                if not data:
                    break
                self._z, self._between_members = self._new(), False
            try:
                out = self._z.decompress(data, self.limit - self.total + 1)
            except zlib.error as exc:
                if self._deflate_probe:  # "deflate" is often sent as raw deflate without zlib header
                    self._deflate_probe = False
                    self._z = self._new(raw_deflate=True)
                    continue
                raise DecompressionError(f"corrupt {self._kind} data: {exc}") from exc
            self._deflate_probe = False
            parts.append(self._count(out))
            if self._z.unconsumed_tail:
                data = self._z.unconsumed_tail
            elif self._z.eof:
                data, self._between_members = self._z.unused_data, True  # another gzip member may follow
            else:
                data = b""
        return b"".join(parts)

    def finish(self) -> bytes:
        """The last bytes; raises when the compressed stream stopped before its end."""
        if self._z is None or self._between_members or not self._started:
            return b""
        out = self._count(self._z.flush())
        if not self._z.eof:
            raise DecompressionError(f"truncated {self._kind} data: the compressed stream ends early")
        return out

    @property
    def _kind(self) -> str:
        return "deflate" if self.encoding == "deflate" else "gzip"


def decompress_bounded(data: bytes, limit: int, encoding: str = "gzip") -> bytes:
    """Decompress a whole gzip/deflate payload (a .gz file, a .xml.gz sitemap) without exceeding `limit` bytes."""
    decoder = BoundedDecoder(encoding, limit)
    return decoder.feed(data) + decoder.finish()


# ---------------------------------------------------------------- derived tables


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
