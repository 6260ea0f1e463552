"""The charset of a fetched body, decided once at fetch from the header, the markup and the bytes; the clean stage is told it."""

from __future__ import annotations

from dataclasses import dataclass

from charset_normalizer import from_bytes

from tasks.common import byte_order_mark, codec_name, content_type_parts, markup_charset

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class CharsetInfo:
    """Charset evidence for a body. `charset` is the best guess, handed to the clean stage's decoder as its hint."""

    charset: str | None
    header: str | None = None  # from Content-Type
    meta: str | None = None  # from <meta charset>, http-equiv or the XML declaration
    detected: str | None = None  # from the bytes (BOM, UTF-8 validity, charset-normalizer)
    source: str = "none"  # which of the three won

    @property
    def mismatch(self) -> bool:
        declared = self.header or self.meta
        return bool(declared and self.charset and codec_name(declared) != codec_name(self.charset))


def sniff_charset(body: bytes, content_type: str | None) -> CharsetInfo:
    """Weigh header, meta tag and the bytes themselves.

    Valid UTF-8 with non-ASCII bytes wins over any declaration: legacy single-byte text is
    practically never valid UTF-8, while a wrong `charset=iso-8859-1` header is common.
    """
    header = content_type_parts(content_type)[1]
    meta = markup_charset(body)
    if bom := byte_order_mark(body):
        return CharsetInfo(bom[1], header, meta, bom[1], "bom")
    head = body[:SNIFF_BYTES]
    if not head.isascii() and _valid_utf8_prefix(head):
        return CharsetInfo("utf-8", header, meta, "utf-8", "utf-8-valid")
    for declared, source in ((header, "header"), (meta, "meta")):
        if codec_name(declared):
            return CharsetInfo(declared, header, meta, None, source)
    if head.isascii():
        return CharsetInfo("utf-8" if head else None, header, meta, "ascii" if head else None, "ascii")
    best = from_bytes(head).best()
    detected = best.encoding if best else None
    return CharsetInfo(detected, header, meta, detected, "detected" if detected else "none")


def _valid_utf8_prefix(data: bytes) -> bool:
    """UTF-8 validity of a prefix that may end inside a multi-byte sequence."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
