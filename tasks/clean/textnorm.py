"""Vietnamese text normalisation: clean display text, and matching keys with one tone-mark placement."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from tasks.common import phrase_alternation
from tasks.lexicon import table

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
TONE_STYLES = ("old", "new")

_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\uff02"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\uff07"
_SPACE_LIKE_CONTROLS = "\t\x0b\x0c\x1c\x1d\x1e\x1f\x85"


def _char_class(codes: dict[int, str | None]) -> str:
    """Regex character class for a set of code points, written as ranges."""
    ordered, ranges = sorted(codes), []
    for code in ordered:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges) + "]"


def _build_translation() -> dict[int, str | None]:
    """Character map for rules 2-4, computed once from the Unicode database."""
    mapping: dict[int, str | None] = {}
    # Cc/Cf/Cs/Zs/Zl/Zp all live in planes 0-1 and the tag block of plane 14.
    for code in (*range(0x20000), *range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(code))
        if category in ("Zs", "Zl", "Zp") and code != 0x20:
            mapping[code] = " "
        elif category in ("Cc", "Cf", "Cs") and code != 0x0A:
            mapping[code] = None
    for char in _SPACE_LIKE_CONTROLS:
        mapping[ord(char)] = " "
    mapping.update({ord(q): '"' for q in _DOUBLE_QUOTES})
    mapping.update({ord(q): "'" for q in _SINGLE_QUOTES})
    return mapping


_TRANSLATION = _build_translation()
_TRANSLATED_CHARS = re.compile(_char_class(_TRANSLATION))
# The same without the few code points above U+FFFF (Cf in planes 1 and 14). The regex engine tests a
# class's astral ranges one by one on every character, which makes the full class three times slower
# to scan; text without astral characters, nearly all news text, only needs this one.
_TRANSLATED_BMP_CHARS = re.compile(_char_class({code: to for code, to in _TRANSLATION.items() if code <= 0xFFFF}))
_CARRIAGE_RETURN = re.compile(r"\r\n?")
_SPACE_RUN = re.compile(r" {2,}")
_SPACE_BEFORE_MARK = re.compile(r" +(?=[,;!?])")
_SPACE_BEFORE_PERIOD = re.compile(r"(?<!\.) +(?=\.(?![.\w]| \.))")
_REPEATED_COMMA = re.compile(r",(?: *,)+")
_REPEATED_SEMICOLON = re.compile(r";(?: *;)+")
_SPACE_AFTER_OPENING = re.compile(r"(?<=[(\[]) +")
_SPACE_BEFORE_CLOSING = re.compile(r" +(?=[)\]])")
_LINE_EDGE_SPACES = re.compile(r"^ +| +$", re.MULTILINE)
# Whatever triggers one of rules 6-10 (inside the text; the text's own edges are checked apart).
# Most text triggers none, and one scan for all of them is cheaper than a substring test per rule.
# Every alternative starts with a literal so that the regex engine can skip to candidate characters.
_ANY_SPACING_TRIGGER = re.compile(r" [ ,;!?.)\]\n]|\( |\[ |\n |,,|;;")


def _has_astral(text: str) -> bool:
    """Whether `text` has a code point above U+FFFF: those take four bytes in UTF-16, the others two."""
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def remove_invisibles(text: str) -> str:
    """Rules 2-4 of clean_text: drop invisible characters, unify spaces and quotes."""
    pattern = _TRANSLATED_CHARS if _has_astral(text) else _TRANSLATED_BMP_CHARS
    return pattern.sub(lambda m: _TRANSLATION[ord(m.group())] or "", text)


def to_nfc(text: str) -> str:
    """Unicode NFC; the quick check skips the rebuild for text that is already composed."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


def clean_text(text: str) -> str:
    """Normalise display text; idempotent, never raises on any str (lone surrogates included).

    Rules, applied in this order:
     1. "\\r\\n" and a lone "\\r" become "\\n"; no other line is merged, split or dropped.
     2. Invisible characters are removed: control characters (category Cc) other than "\\n" and
        "\\t", format characters (Cf: zero-width space/joiners, BOM, soft hyphen, bidi marks) and lone
        surrogates (Cs). Removing ZWJ splits emoji ZWJ sequences into their parts; acceptable for news.
     3. "\\t", NBSP and every other Unicode space separator (Zs), the line/paragraph separators
        U+2028/U+2029 and the vertical tab, form feed, U+0085 and U+001C-U+001F become a plain space:
        they separate words but are not the "\\n" lines that the caller splits on.
     4. Curly and low quotes become ASCII: “ ” „ ‟ ″ ＂ -> '"' and ‘ ’ ‚ ‛ ′ ＇ -> "'".
        Guillemets « » are kept (a different mark, not a curly-quote variant).
     5. Unicode NFC (composed letters; tone-mark placement inside a word is never changed).
     6. Runs of spaces become one space.
     7. Spaces before , ; ! ? are removed, and before a lone "." that ends a word ("abc ." -> "abc.",
        but ". . ." and " ..." are left as written). No space is ever added: "1,5" stays.
     8. Repeated commas / semicolons collapse to one (",," / ", ," -> ","); "!!!", "??", "?!", "..."
        and "…" are the author's and kept as written (the two ellipsis forms are not unified).
     9. Spaces just inside brackets go: "( a )" -> "(a)", "[ a ]" -> "[a]".
    10. Each line is stripped of leading/trailing spaces.
    """
    if "\r" in text:
        text = _CARRIAGE_RETURN.sub("\n", text)
    text = to_nfc(remove_invisibles(text))
    if not (text.startswith(" ") or text.endswith(" ") or _ANY_SPACING_TRIGGER.search(text)):
        return text
    # Each rule runs only when its trigger substring is present: most lines need none of them.
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    if _contains_any(text, (" ,", " ;", " !", " ?")):
        text = _SPACE_BEFORE_MARK.sub("", text)
    if " ." in text:
        text = _SPACE_BEFORE_PERIOD.sub("", text)
    if _contains_any(text, (",,", ", ,")):
        text = _REPEATED_COMMA.sub(",", text)
    if _contains_any(text, (";;", "; ;")):
        text = _REPEATED_SEMICOLON.sub(";", text)
    if _contains_any(text, ("( ", "[ ")):
        text = _SPACE_AFTER_OPENING.sub("", text)
    if _contains_any(text, (" )", " ]")):
        text = _SPACE_BEFORE_CLOSING.sub("", text)
    if text.startswith(" ") or text.endswith(" ") or _contains_any(text, (" \n", "\n ")):
        text = _LINE_EDGE_SPACES.sub("", text)
    return text


# --- syllables and tone marks ---------------------------------------------------------------


@cache
def _syllable_pattern() -> re.Pattern[str]:
    """Regex onset?nucleus coda? over a lower-case, tone-less syllable (parts from the lexicon)."""
    parts = {row[0]: tuple(row[1].split()) for row in table("encodings/syllable_parts.tsv")}
    return re.compile(
        f"(?P<onset>{phrase_alternation(parts['onset'])})?"
        f"(?P<nucleus>{phrase_alternation(parts['nucleus'])})"
        f"(?P<coda>{phrase_alternation(parts['coda'])})?"
    )


@cache
def _tone_positions() -> dict[str, dict[str, int]]:
    """Vowel group -> {"old": position, "new": position} (1-based) from norm/tone_marks.tsv."""
    return {row[0]: {"old": int(row[1]), "new": int(row[2])} for row in table("norm/tone_marks.tsv")}


def split_tone(word: str) -> tuple[str, str]:
    """(NFC word without tone marks, the tone marks removed) of one word."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    if not tones:
        return unicodedata.normalize("NFC", word), ""
    toneless = "".join(c for c in decomposed if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", toneless), tones


def parse_syllable(word: str) -> tuple[str, str, str] | None:
    """(onset, nucleus, coda) of a lower-case Vietnamese syllable, tone marks ignored; None if not one."""
    toneless, tones = split_tone(word)
    if len(tones) > 1:
        return None
    match = _syllable_pattern().fullmatch(toneless)
    if match is None:
        return None
    return match["onset"] or "", match["nucleus"], match["coda"] or ""


def is_vietnamese_syllable(word: str) -> bool:
    """True if `word` (any case) is spelled like one Vietnamese syllable with at most one tone."""
    lower = word.lower()
    return len(lower) == len(word) and parse_syllable(lower) is not None


@cache
def _default_style() -> str:
    from tasks.settings import load_settings  # late import: settings are read once, on first use

    return load_settings().tone_style


def _resolve_style(style: str | None) -> str:
    chosen = style or _default_style()
    if chosen not in TONE_STYLES:
        raise ValueError(f"tone style must be one of {TONE_STYLES}, not {chosen!r}")
    return chosen


# Toned vowels that can carry a style-dependent mark (o/a/e in oa/oe, u/y in uy); a word with
# none of them is left alone without decomposing it.
_RETONE_CANDIDATES = frozenset(
    unicodedata.normalize("NFC", vowel + tone) for vowel in "oaeuyOAEUY" for tone in TONE_MARKS
)


def _retone_word(word: str, style: str) -> str:
    """The word with its tone mark on the `style` position when that is a style choice."""
    if len(word) > 7 or not any(c in _RETONE_CANDIDATES for c in word):
        return word
    toneless, tone = split_tone(word)
    lower = toneless.lower()
    if len(tone) != 1 or len(lower) != len(toneless):
        return word
    match = _syllable_pattern().fullmatch(lower)
    if match is None or match["coda"]:
        return word
    positions = _tone_positions().get(match["nucleus"])
    if positions is None:
        return word
    at = len(match["onset"] or "") + positions[style] - 1
    toned = unicodedata.normalize("NFC", toneless[at] + tone)
    return toneless[:at] + toned + toneless[at + 1 :]


# A word is letters plus any combining marks NFC left on them (marks are not \w).
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")


def normalize_tone_marks(text: str, style: str | None = None) -> str:
    """NFC text with one tone-mark placement ("new": hóa, thủy; "old": hoá, thuỷ); case kept."""
    chosen = _resolve_style(style)
    retoned = _WORD.sub(lambda m: _retone_word(m.group(), chosen), to_nfc(text))
    return to_nfc(retoned)


def canonical_key(text: str, style: str | None = None) -> str:
    """Matching key: invisibles dropped, NFC, casefolded, one tone placement, spaces collapsed.

    The one tone- and case-insensitive key of the project ("Hoà Bình"/"hòa bình", "Thuỵ"/"Thụy" agree):
    lexicons, place names and tokens are all matched on it."""
    return _canonical_key(text, style or _default_style())


@lru_cache(maxsize=65536)  # the same names and words are keyed over and over, article after article
def _canonical_key(text: str, style: str) -> str:
    folded = to_nfc(to_nfc(remove_invisibles(text)).casefold())
    return " ".join(normalize_tone_marks(folded, style).split())  # which rejects an unknown style


# --- abbreviations --------------------------------------------------------------------------


@cache
def _abbreviations() -> dict[str, str]:
    return {row[0]: row[1] for row in table("norm/abbreviations.tsv")}


def expand_abbreviation(token: str) -> str | None:
    """Expansion of a Vietnamese news abbreviation (exact, case-sensitive: "CA" but not "ca")."""
    return _abbreviations().get(token.strip())


@cache
def _abbreviation_pattern() -> re.Pattern[str]:
    # A match may not touch a letter, digit or "&", nor be one half of a hyphenated letter
    # compound ("CT" in an unknown "CT-XY"); "/", "." and digits-hyphen may join it ("19-NQ/TU").
    # A space inside an abbreviation ("TP HCM") is one space, never a line break.
    alternation = phrase_alternation(_abbreviations(), left=(r"[\w&]", r"[^\W\d_]-"), space=" ")
    return re.compile(alternation + r"(?![\w&])(?!-[^\W\d_])")


def find_abbreviations(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, abbreviation, expansion) of each whole-token abbreviation in `text`."""
    expansions = _abbreviations()
    return [(m.start(), m.end(), m.group(), expansions[m.group()]) for m in _abbreviation_pattern().finditer(text)]
