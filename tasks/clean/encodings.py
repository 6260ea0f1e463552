"""Bytes to Unicode text: BOMs, UTF-16, Windows-1258, legacy TCVN3/VNI, mojibake repair, binary rejection."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from tasks.clean.textnorm import TONE_MARKS, is_vietnamese_syllable
from tasks.common import byte_order_mark, codec_name, phrase_alternation
from tasks.lexicon import table


class UndecodableError(ValueError):
    """The bytes are binary or in no encoding we can identify; the message is the human reason."""

    @property
    def reason(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Decoded:
    """NFC text and how it was decoded.

    `encoding` is one of "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be",
    "utf-8+mojibake-repair" (valid UTF-8 whose text had been garbled once or twice and was repaired),
    "utf-8+replace" (UTF-8 with a few bad bytes, e.g. cut mid-character, shown as U+FFFD), "cp1258",
    "tcvn3", "vni", "cp1252", or the codec name of the declared charset / charset-normalizer's guess.
    """

    text: str
    encoding: str


_MAGIC = (  # (prefix, offset, what it is)
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"%PDF-", 0, "PDF document"),
    (b"PK\x03\x04", 0, "ZIP archive"),
    (b"PK\x05\x06", 0, "ZIP archive"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"\x1f\x8b", 0, "gzip data"),
    (b"RIFF", 0, "RIFF media (WebP/WAV/AVI)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "MS Office (OLE) document"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"ftyp", 4, "MP4/QuickTime media"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"BZh", 0, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
)

_C0_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x0b\x1b")
# The other C0 controls, whose share tells binary from text; as bytes they are the same in UTF-8.
_BINARY_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in _C0_TEXT_CONTROLS)
_BINARY_CONTROL = re.compile("[" + re.escape(_BINARY_CONTROL_BYTES.decode("ascii")) + "]")


# --- Windows-1252 byte view of text ---------------------------------------------------------


@cache
def _cp1252_to_byte() -> dict[str, int]:
    """Character -> byte for "sloppy" Windows-1252: its 27 extra characters plus the Latin-1 range."""
    mapping = {chr(b): b for b in range(0x100)}
    for b in range(0x80, 0xA0):
        try:
            mapping[bytes([b]).decode("cp1252")] = b
        except UnicodeDecodeError:
            pass  # 0x81, 0x8D, 0x8F, 0x90, 0x9D: undefined in cp1252, kept as C1 controls
    return mapping


def _latin1_view(text: str) -> str:
    """Text with each Windows-1252 special (“ ” € …) replaced by the Latin-1 char of its byte."""
    to_byte = _cp1252_to_byte()
    return "".join(chr(to_byte[c]) if c in to_byte else c for c in text)


def _cp1252_char(byte_char: str) -> str:
    """The Windows-1252 character shown for a byte kept as a Latin-1 char (C1 bytes become quotes etc.)."""
    code = ord(byte_char)
    if 0x80 <= code < 0xA0:
        try:
            return bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            return byte_char
    return byte_char


# --- legacy Vietnamese font encodings -------------------------------------------------------


@cache
def _tcvn3_translation() -> dict[int, str]:
    mapping = {b: _cp1252_char(chr(b)) for b in range(0x80, 0xA0)}
    mapping.update({int(row[0], 16): row[1] for row in table("encodings/tcvn3.tsv")})
    return mapping


@cache
def _vni_sequences() -> tuple[dict[str, str], re.Pattern[str]]:
    """VNI byte sequence (as Latin-1 chars) -> letter, and a longest-first regex over them."""
    mapping = {bytes.fromhex(row[0]).decode("latin-1"): row[1] for row in table("encodings/vni.tsv")}
    for b in range(0x80, 0xA0):
        mapping.setdefault(chr(b), _cp1252_char(chr(b)))
    return mapping, re.compile(phrase_alternation(mapping))


def decode_legacy(data: bytes | str, encoding: str) -> str:
    """Decode TCVN3 ("tcvn3") or VNI ("vni") bytes — or text that shows them as Windows-1252 — to NFC."""
    latin1 = data.decode("latin-1") if isinstance(data, bytes) else _latin1_view(data)
    if encoding == "tcvn3":
        text = latin1.translate(_tcvn3_translation())
    elif encoding == "vni":
        mapping, pattern = _vni_sequences()
        text = pattern.sub(lambda m: mapping[m.group()], latin1)
    else:
        raise ValueError(f"unknown legacy encoding {encoding!r} (expected 'tcvn3' or 'vni')")
    return unicodedata.normalize("NFC", text)


# --- mojibake (UTF-8 read as Windows-1252 / Latin-1) -----------------------------------------

_CONTINUATION = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
# A lead character (2-, 3- or 4-byte sequence: C2-DF, E0-EF, F0-F4) and its continuations. The lead
# is matched by one class and a lookbehind then picks the length: a pattern that starts with a class
# lets the regex engine skip to lead characters (an alternation of classes is tried at every position).
_MOJIBAKE_SEQUENCE = re.compile(
    f"[\u00c2-\u00f4](?:(?<=[\u00c2-\u00df])[{_CONTINUATION}]"
    f"|(?<=[\u00e0-\u00ef])[{_CONTINUATION}]{{2}}|(?<=[\u00f0-\u00f4])[{_CONTINUATION}]{{3}})"
)
# Every sequence starts with a lead character and a continuation one. Clean text has no such pair,
# and searching for it is cheaper than findall of the sequences, so it is checked first.
_MOJIBAKE_START = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]")
# The same pair seen in the UTF-8 bytes: a lead character is C3 82-B4 and every continuation
# character's encoding starts with C2, C5, C6, CB or E2. No match means no mojibake in the text.
_MOJIBAKE_START_UTF8 = re.compile(rb"\xc3[\x82-\xb4][\xc2\xc5\xc6\xcb\xe2]")
# Characters a repaired sequence may produce; anything else (Cyrillic, IPA, Yi…) means the
# "mojibake" was genuine text such as "ĐÓ…" or "CÔ”" and is left alone.
_PLAUSIBLE_REPAIR = re.compile(
    "[\u00a0-\u017f\u01a0\u01a1\u01af\u01b0\u0300-\u0323\u1e00-\u1eff\u2000-\u2bff"
    "\u3000-\u9fff\uac00-\ud7af\uff00-\uffef\U0001f000-\U0001faff]"
)
# Repairs that prove the text is garbled UTF-8: Vietnamese letters outside Latin-1 (ă đ ơ ư ạ…ỹ) or
# tone marks. A lone Latin-1 result ("Ã”" -> "Ô") is no proof: "NGÃ”" is a real quoted headline.
_PROOF_OF_MOJIBAKE = frozenset("ăđĩũơưĂĐĨŨƠƯ" + "".join(map(chr, range(0x1EA0, 0x1EFA))) + TONE_MARKS)


def _repair_sequence(sequence: str) -> str | None:
    to_byte = _cp1252_to_byte()
    try:
        repaired = bytes(to_byte[c] for c in sequence).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return repaired if _PLAUSIBLE_REPAIR.fullmatch(repaired) else None


def _repair_once(text: str) -> tuple[str, bool]:
    """All plausible repairs applied once, and whether one of them proves the text was garbled."""
    if not _MOJIBAKE_START.search(text):
        return text, False
    repairs = {m: r for m in set(_MOJIBAKE_SEQUENCE.findall(text)) if (r := _repair_sequence(m)) is not None}
    if not repairs:
        return text, False
    repaired = _MOJIBAKE_SEQUENCE.sub(lambda m: repairs.get(m.group(), m.group()), text)
    return repaired, any(r in _PROOF_OF_MOJIBAKE for r in repairs.values())


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as Windows-1252/Latin-1 ("Cáº©m Pháº£" -> "Cẩm Phả"), even twice over.

    A level of repair is kept only if it (or a deeper one) turns up a garbled Vietnamese letter, so
    a stray "Ã" next to a quote in otherwise clean text ("NGÃ”") is not touched.
    """
    current, accepted = text, text
    for _ in range(3):
        repaired, proven = _repair_once(current)
        if repaired is current:
            break  # nothing repaired: a further level would find nothing either
        current = repaired
        if proven:
            accepted = current
    return unicodedata.normalize("NFC", accepted)


# --- detection ------------------------------------------------------------------------------

_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Latin-1 symbols and C1 controls that legacy bytes turn into when decoded with the wrong table.
_GARBAGE = re.compile("[\u0080-\u009f\u00a1-\u00bf\u00d7\u00f7\ufffd]")


_is_syllable = lru_cache(maxsize=65536)(is_vietnamese_syllable)  # news text repeats its words


def vietnamese_score(text: str) -> int:
    """Evidence that `text` is correctly decoded Vietnamese: valid non-ASCII syllables minus garbage.

    Each wrongly decoded legacy byte yields a symbol (§ ¶ µ ­) or a word that is no Vietnamese
    syllable ("ViÖt", "Vieät"), so the right table scores far above the wrong ones.
    """
    good = bad = 0
    for word in _LETTER_RUN.findall(text):
        if word.isascii():
            continue
        if _is_syllable(word):
            good += 1
        else:
            bad += 1
    return good - bad - len(_GARBAGE.findall(text))


def binary_kind(data: bytes) -> str | None:
    """What kind of binary file `data` is by its magic number ("PDF document"), or None."""
    for magic, offset, kind in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    return None


def _bomless_utf16(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' if NULs sit on one parity only, as ASCII-rich UTF-16 text does."""
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd > 0.3 and nul_even < 0.02:
        return "utf-16-le"
    if nul_even > 0.3 and nul_odd < 0.02:
        return "utf-16-be"
    return None


def _looks_binary(text: str, controls: int | None = None) -> bool:
    """More than 1% C0 control characters (other than tab/newline/CR/FF/VT/ESC) means binary.

    `controls` is their number when the caller has already counted them.
    """
    if controls is None:
        controls = len(_BINARY_CONTROL.findall(text))
    return controls > max(2, len(text) // 100)


def _finish(text: str, encoding: str, controls: int | None = None) -> Decoded:
    if _looks_binary(text, controls):
        raise UndecodableError(f"binary content: control bytes (decoded as {encoding})")
    return Decoded(unicodedata.normalize("NFC", text), encoding)


def _decode_8bit(data: bytes, encoding: str) -> str | None:
    if encoding in ("tcvn3", "vni"):
        return decode_legacy(data, encoding)
    try:
        return unicodedata.normalize("NFC", data.decode(encoding))
    except (UnicodeDecodeError, LookupError):
        return None


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes  # imported lazily: only the generic fallback needs it

    best = from_bytes(data).best()
    return None if best is None else (str(best), best.encoding)


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode a document's bytes to NFC text; `declared` is a charset hint that is verified, not trusted."""
    if not data:
        raise UndecodableError("empty input")
    if bom := byte_order_mark(data):
        mark, charset = bom
        encoding = "utf-8-sig" if charset == "utf-8" else charset  # UTF-8 with a mark is told apart
        try:
            return _finish(data[len(mark) :].decode(charset), encoding)
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"invalid {encoding} after its byte-order mark: {exc.reason}") from exc
    kind = binary_kind(data)
    if kind:
        raise UndecodableError(f"binary content: {kind}")
    if b"\x00" in data:
        utf16 = _bomless_utf16(data[:4096])
        if utf16 is None:
            raise UndecodableError("binary content: NUL bytes")
        try:
            return _finish(data.decode(utf16), utf16)
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"binary content: NUL bytes (not valid {utf16})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_non_utf8(data, codec_name(declared))
    # Valid UTF-8 with non-ASCII bytes is almost never an accident, whatever was declared.
    # Its control characters are its control bytes (mojibake repair and NFC leave them alone), and
    # counting bytes is much cheaper than scanning the text.
    controls = len(data) - len(data.translate(None, _BINARY_CONTROL_BYTES))
    normalized = unicodedata.normalize("NFC", text)
    if not _MOJIBAKE_START_UTF8.search(data):  # the common case: nothing in it can be garbled
        return _finish(normalized, "utf-8", controls)
    repaired = repair_mojibake(text)
    return _finish(repaired, "utf-8" if repaired == normalized else "utf-8+mojibake-repair", controls)


def _nearly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few bad bytes (a page cut mid-character, one stray byte) decoded with U+FFFD."""
    text = data.decode("utf-8", errors="replace")
    return text if text.count("\ufffd") <= max(2, len(data) // 1000) else None


_DETECTION_SAMPLE_BYTES = 64 * 1024  # legacy detection scores this much; the winner decodes it all


def _decode_non_utf8(data: bytes, declared: str | None) -> Decoded:
    """Pick among cp1258/TCVN3/VNI/cp1252, near-UTF-8 and the declared codec by Vietnamese evidence."""
    candidates = ["utf-8+replace", "cp1258", "tcvn3", "vni", "cp1252"]
    if declared and declared not in candidates and not declared.startswith("utf"):
        candidates.append(declared)
    sample = data[:_DETECTION_SAMPLE_BYTES]
    if len(data) > len(sample) and (cut := sample.rfind(b" ")) > 0:
        sample = sample[:cut]  # cut between words, never inside a VNI letter-and-mark pair
    scored = []
    for encoding in candidates:
        text = _decode_candidate(sample, encoding)
        if text is not None:
            # Ties (e.g. text with no Vietnamese letters at all) go to the declared charset.
            scored.append((vietnamese_score(text), encoding == declared, encoding))
    best_score, _, best_encoding = max(scored, key=lambda s: (s[0], s[1]))
    if best_score > 0 and (best_text := _decode_candidate(data, best_encoding)) is not None:
        return _finish(best_text, best_encoding)
    if declared and (declared_text := _decode_8bit(data, declared)) is not None:
        return _finish(declared_text, declared)
    guess = _charset_normalizer_guess(data)
    if guess is None:
        raise UndecodableError(f"undetectable encoding: not UTF-8, no Vietnamese legacy table fits, declared {declared!r}")
    return _finish(*guess)


def _decode_candidate(data: bytes, encoding: str) -> str | None:
    if encoding == "utf-8+replace":
        text = _nearly_utf8(data)
        return None if text is None else unicodedata.normalize("NFC", text)
    return _decode_8bit(data, encoding)
