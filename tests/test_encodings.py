"""Tests of tasks.clean.encodings: BOMs, UTF-16, cp1258, TCVN3/VNI tables and detection, mojibake, binary rejection."""

from __future__ import annotations

import codecs
import importlib.util
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.clean.encodings import Decoded, UndecodableError, decode_bytes, decode_legacy, repair_mojibake
from tasks.lexicon import table
from tasks.clean.textnorm import clean_text
from conftest import CORPUS, needs_corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "encodings"


def _load_fixture_maker():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_fixtures = _load_fixture_maker()

# All 134 precomposed Vietnamese letters (67 lower-case, 67 capitals).
LOWER_LETTERS = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
ALL_LETTERS = LOWER_LETTERS + LOWER_LETTERS.upper()

# --- the fixture paragraph in every encoding -------------------------------------------------

EXPECTED_ENCODING = {
    "txt": "utf-8",
    "utf8bom": "utf-8-sig",
    "utf16": "utf-16-le",
    "utf16be": "utf-16-be",
    "utf16le-nobom": "utf-16-le",
    "cp1258": "cp1258",
    "tcvn3": "tcvn3",
    "vni": "vni",
    "nfd": "utf-8",
    "mojibake": "utf-8+mojibake-repair",
}
FIXTURE_FILES = sorted(p.name for p in FIXTURES.glob("*.*") if p.suffix != ".py")


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_each_fixture_variant_round_trips_to_the_same_nfc_text(name):
    stem, variant = name.split(".", 1)
    expected = clean_text((FIXTURES / f"{stem}.txt").read_text(encoding="utf-8"))
    decoded = decode_bytes((FIXTURES / name).read_bytes())
    assert decoded.encoding == EXPECTED_ENCODING[variant]
    assert clean_text(decoded.text) == expected
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_fixture_set_is_complete_and_in_sync_with_its_script():
    generated = make_fixtures.all_fixtures()
    assert sorted(generated) == sorted(n for n in FIXTURE_FILES if not n.endswith(".txt"))
    assert {n: (FIXTURES / n).read_bytes() for n in generated} == generated
    assert {"paragraph.tcvn3", "paragraph.vni", "paragraph.cp1258", "paragraph.mojibake"} <= set(generated)


def test_fixture_paragraph_covers_every_letter():
    paragraph = (FIXTURES / "paragraph.txt").read_text(encoding="utf-8")
    capitals = (FIXTURES / "capitals.txt").read_text(encoding="utf-8")
    assert set(LOWER_LETTERS) <= set(paragraph)
    assert set(ALL_LETTERS) <= set(paragraph + capitals)
    assert paragraph.count(". ") >= 3


# --- the legacy tables, checked against hand-verified byte sequences -------------------------

TCVN3_KNOWN = [
    (b"Vi\xd6t Nam", "Việt Nam"),
    (b"H\xb5 N\xe9i", "Hà Nội"),
    (b"\xa7\xb6ng", "Đảng"),
    (b"Ng\xad\xeai", "Người"),
    (b"Th\xb5nh ph\xe8 H\xe5 Ch\xdd Minh", "Thành phố Hồ Chí Minh"),
    (b"ti\xd5ng Vi\xd6t", "tiếng Việt"),
    (b"\xae\xad\xeang Qu\xb6ng Ninh", "đường Quảng Ninh"),
    (b"\xa1n u\xe8ng, \xa4ng \xa5n", "Ăn uống, Ông Ơn"),
    (b"Ngh\xde quy\xd5t", "Nghị quyết"),
]
VNI_KNOWN = [
    (b"Vie\xe4t Nam", "Việt Nam"),
    (b"Ha\xf8 No\xe4i", "Hà Nội"),
    (b"\xd1a\xfbng", "Đảng"),
    (b"ng\xf6\xf4\xf8i \xf1\xf6\xf4\xefc", "người được"),
    (b"Ngh\xf2 quye\xe1t", "Nghị quyết"),
    (b"Tha\xf8nh pho\xe1 Ho\xe0 Ch\xed Minh", "Thành phố Hồ Chí Minh"),
    (b"na\xeam \xd1a\xebng", "năm Đặng"),
    (b"VIE\xc4T NAM, \xd1A\xdbNG", "VIỆT NAM, ĐẢNG"),
    (b"\xd6u tie\xe2n, \xd4n ngh\xf3a, t\xee", "Ưu tiên, Ơn nghĩa, tỵ"),
]
CP1258_KNOWN = [
    (b"Vi\xea\xf2t Nam", "Việt Nam"),  # ê + combining dot below
    (b"Ha\xcc N\xf4\xf2i", "Hà Nội"),  # a + combining grave
    (b"H\xe0 N\xf4\xf2i", "Hà Nội"),  # precomposed à, as some converters wrote it
    (b"\xd0a\xd2ng, \xfd\xf5\xecc", "Đảng, ước"),  # Đ, ư (0xFD), ơ (0xF5), combining acute (0xEC)
]


@pytest.mark.parametrize(("data", "expected"), TCVN3_KNOWN)
def test_tcvn3_known_sequences(data, expected):
    assert decode_legacy(data, "tcvn3") == expected


@pytest.mark.parametrize(("data", "expected"), VNI_KNOWN)
def test_vni_known_sequences(data, expected):
    assert decode_legacy(data, "vni") == expected


@pytest.mark.parametrize(("data", "expected"), CP1258_KNOWN)
def test_cp1258_known_sequences_are_detected_and_composed(data, expected):
    assert decode_bytes(data + b" " + data) == Decoded(f"{expected} {expected}", "cp1258")


@pytest.mark.parametrize(("data", "expected"), TCVN3_KNOWN + VNI_KNOWN)
def test_legacy_known_sequences_are_detected_without_a_hint(data, expected):
    assert decode_bytes(data).text == expected


def test_tcvn3_table_covers_lowercase_and_the_seven_base_capitals():
    rows = table("encodings/tcvn3.tsv")
    letters = [row[1] for row in rows]
    assert sorted(letters) == sorted(LOWER_LETTERS + "ĂÂÊÔƠƯĐ")
    codes = [int(row[0], 16) for row in rows]
    assert len(set(codes)) == len(codes) and min(codes) >= 0xA1
    assert all(unicodedata.name(row[1]) == row[2] for row in rows)


def test_vni_table_covers_all_letters_without_conflicts():
    rows = table("encodings/vni.tsv")
    assert sorted(row[1] for row in rows) == sorted(ALL_LETTERS)
    sequences = [bytes.fromhex(row[0]) for row in rows]
    assert len(set(sequences)) == len(sequences)
    # Two-byte sequences start with an ASCII vowel or the one-byte ơ/ư; the rest are single bytes.
    assert all(len(s) == 1 or chr(s[0]) in "aeouyAEOUY" or s[0] in (0xF4, 0xF6, 0xD4, 0xD6) for s in sequences)
    assert all(unicodedata.name(row[1]) == row[2] for row in rows)


def test_decode_legacy_accepts_text_shown_as_windows_1252():
    assert decode_legacy("ViÖt Nam “H\u00b5 N\u00e9i”", "tcvn3") == "Việt Nam “Hà Nội”"
    assert decode_legacy("Vieät Nam – Haø Noäi", "vni") == "Việt Nam – Hà Nội"


def test_decode_legacy_rejects_unknown_encoding():
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        decode_legacy(b"abc", "viqr")


def test_legacy_tables_round_trip_every_letter():
    for table_name, encoding, letters in (("encodings/vni.tsv", "vni", ALL_LETTERS), ("encodings/tcvn3.tsv", "tcvn3", LOWER_LETTERS)):
        text = " ".join(letters)
        assert decode_legacy(make_fixtures.encode_with_table(text, table_name), encoding) == text


# --- mojibake ----------------------------------------------------------------------------------


def test_repair_mojibake_fixes_utf8_read_as_cp1252():
    assert repair_mojibake("Cáº©m Pháº£") == "Cẩm Phả"
    assert repair_mojibake("Ä‘Æ°á»£c ngÆ°á»\x9di dÃ¢n") == "được người dân"


def test_repair_mojibake_handles_the_bytes_cp1252_leaves_undefined():
    # "ờ" is E1 BB 9D; 0x9D is undefined in cp1252, so the garbled text holds U+009D.
    assert repair_mojibake("thá»\x9di gian") == "thời gian"


def test_repair_mojibake_undoes_double_garbling():
    once = "Hà Nội".encode("utf-8").decode("cp1252")
    twice = once.encode("utf-8").decode("cp1252")
    assert repair_mojibake(twice) == "Hà Nội"


def test_repair_mojibake_repairs_only_the_garbled_part():
    assert repair_mojibake("Cẩm Phả và Cáº©m Pháº£") == "Cẩm Phả và Cẩm Phả"


@pytest.mark.parametrize("text", ["NGÃ BA", "CÚ NGÃ”", "ĐÓ… CÔ”", "Café Ã©", "Giá 5€ “tốt”", "Ê” Â°"])
def test_repair_mojibake_leaves_genuine_text(text):
    assert repair_mojibake(text) == text


# --- decode_bytes: rules ---------------------------------------------------------------------

SAMPLE = "Người dân Cẩm Phả được hưởng lợi từ việc tinh giản bộ máy, đổi mới phương thức lãnh đạo."


def test_empty_input_is_rejected():
    with pytest.raises(UndecodableError, match="empty input"):
        decode_bytes(b"")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP archive"),
        (b"GIF89a\x01\x00\x01\x00", "GIF image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"\x1f\x8b\x08\x00", "gzip data"),
    ],
)
def test_binary_magic_is_rejected_with_its_kind(data, kind):
    with pytest.raises(UndecodableError, match=f"binary content: {kind}") as info:
        decode_bytes(data + SAMPLE.encode())
    assert info.value.reason == f"binary content: {kind}"


def test_nul_bytes_are_rejected():
    with pytest.raises(UndecodableError, match="binary content: NUL bytes"):
        decode_bytes(b"abc\x00\x01\x02\x00\x00\x00\xff\x00def")


def test_control_bytes_without_nul_are_rejected():
    with pytest.raises(UndecodableError, match="binary content: control bytes"):
        decode_bytes(bytes(range(1, 32)) * 20)


def test_random_high_bytes_are_undetectable():
    noise = bytes((i * 151 + 89) % 128 + 128 for i in range(3000))
    with pytest.raises(UndecodableError, match="undetectable encoding"):
        decode_bytes(noise)


@pytest.mark.parametrize(
    ("codec", "bom", "name"),
    [
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
        ("utf-32-be", codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_byte_order_marks(codec, bom, name):
    assert decode_bytes(bom + SAMPLE.encode(codec)) == Decoded(SAMPLE, name)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_bomless_utf16_is_detected(codec):
    assert decode_bytes(SAMPLE.encode(codec)) == Decoded(SAMPLE, codec)


def test_invalid_data_after_a_bom_is_rejected():
    with pytest.raises(UndecodableError, match="invalid utf-8-sig"):
        decode_bytes(codecs.BOM_UTF8 + b"abc\xff\xfe")


def test_nfd_utf8_is_composed():
    decoded = decode_bytes(unicodedata.normalize("NFD", SAMPLE).encode())
    assert decoded == Decoded(SAMPLE, "utf-8")


def test_ascii_is_utf8():
    assert decode_bytes(b"Hello, World") == Decoded("Hello, World", "utf-8")


def test_mojibake_bytes_are_repaired():
    garbled = SAMPLE.encode("utf-8").decode("cp1252", errors="ignore")
    assert decode_bytes("Cáº©m Pháº£ Ä‘Æ°á»£c".encode()) == Decoded("Cẩm Phả được", "utf-8+mojibake-repair")
    assert decode_bytes(garbled.encode()).encoding == "utf-8+mojibake-repair"


def _garble(text: str) -> str:
    """`text`'s UTF-8 read as Windows-1252; bytes cp1252 leaves undefined stay C1 controls."""
    shown = []
    for byte in text.encode("utf-8"):
        try:
            shown.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            shown.append(chr(byte))
    return "".join(shown)


def test_mojibake_of_every_letter_is_repaired_from_utf8_bytes():
    # Valid UTF-8 is checked for garbled sequences on its bytes first: none may slip past that check.
    for letter in ALL_LETTERS:
        text = f"Chữ {letter} đây"
        assert decode_bytes(_garble(text).encode()) == Decoded(text, "utf-8+mojibake-repair"), letter


def test_control_share_of_utf8_text_is_taken_of_the_composed_text():
    decomposed = unicodedata.normalize("NFD", "ệ" * 500) + "a" * 490  # 1990 code points, 990 once composed
    allowed = decode_bytes((decomposed + "\x01" * 10).encode())  # 10 of 1000: not more than 1%
    assert allowed == Decoded("ệ" * 500 + "a" * 490 + "\x01" * 10, "utf-8")
    with pytest.raises(UndecodableError, match="binary content: control bytes"):
        decode_bytes((decomposed + "\x01" * 11).encode())  # 11 of 1001


def test_truncated_utf8_is_decoded_with_a_replacement_character():
    cut = SAMPLE.encode()[:-4]  # ends inside "ạ"'s three bytes
    decoded = decode_bytes(cut)
    assert decoded.encoding == "utf-8+replace"
    assert decoded.text.startswith("Người dân Cẩm Phả") and decoded.text.endswith("\ufffd")


# --- decode_bytes: declared charsets are hints, verified -------------------------------------


def test_declared_latin1_on_utf8_bytes_is_overruled():
    assert decode_bytes(SAMPLE.encode(), declared="ISO-8859-1") == Decoded(SAMPLE, "utf-8")


@pytest.mark.parametrize("data_name", ["paragraph.tcvn3", "paragraph.vni", "paragraph.cp1258"])
@pytest.mark.parametrize("declared", ["utf-8", "windows-1252", "windows-1258", "tcvn3", "vni", "x-unknown"])
def test_wrong_declared_charset_on_legacy_bytes_is_overruled(data_name, declared):
    expected = data_name.split(".")[1]
    assert decode_bytes((FIXTURES / data_name).read_bytes(), declared=declared).encoding == expected


def test_declared_charset_decides_text_without_vietnamese():
    data = "Grüße aus München, schöne Straße".encode("latin-1")
    assert decode_bytes(data, declared="iso-8859-1") == Decoded("Grüße aus München, schöne Straße", "cp1252")


def test_generic_fallback_without_declared_charset():
    text = "Привет, как дела? Это проверка кодировки для новостей, написанных кириллицей."
    decoded = decode_bytes(text.encode("cp1251"))
    assert decoded.text == text


# --- decode_bytes: properties and real text --------------------------------------------------

_VIETNAMESE_TEXT = st.text(
    st.sampled_from(ALL_LETTERS + "abcdeghiklmnopqrstuvxyABCDEGHIKLMNOPQRSTUVXY0123456789 .,;:!?-\"'()“”\n"),
    min_size=1,
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(_VIETNAMESE_TEXT)
def test_utf8_vietnamese_text_is_returned_unchanged(text):
    assert decode_bytes(text.encode("utf-8")) == Decoded(text, "utf-8")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "windows-1258", "bogus"]))
def test_decode_bytes_raises_only_undecodable_error(data, declared):
    try:
        decoded = decode_bytes(data, declared)
    except UndecodableError as exc:
        assert exc.reason
    else:
        assert unicodedata.is_normalized("NFC", decoded.text)


@needs_corpus
def test_corpus_files_decode_as_utf8_untouched():
    for path in sorted(CORPUS.glob("*.txt")):
        data = path.read_bytes()
        decoded = decode_bytes(data, declared="windows-1252")
        assert decoded == Decoded(unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"), path.name
