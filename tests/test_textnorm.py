"""Tests of tasks.clean.textnorm: clean_text rules, tone-mark keys, abbreviations."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS, needs_corpus
from tasks.clean import textnorm
from tasks.lexicon import table
from tasks.clean.textnorm import (
    canonical_key,
    clean_text,
    expand_abbreviation,
    find_abbreviations,
    is_vietnamese_syllable,
    normalize_tone_marks,
)


# --- clean_text: one test per rule -------------------------------------------------------------


def test_crlf_and_lone_cr_become_newline():
    assert clean_text("Dòng một\r\nDòng hai\rDòng ba") == "Dòng một\nDòng hai\nDòng ba"


def test_nfd_is_composed_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Nghị quyết của Tỉnh ủy")
    assert clean_text(decomposed) == "Nghị quyết của Tỉnh ủy"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))


def test_nbsp_and_exotic_spaces_become_one_space():
    text = "Cẩm\u00a0Phả\u2002có\u202f3\u3000phường\u2009mới"
    assert clean_text(text) == "Cẩm Phả có 3 phường mới"


def test_tab_becomes_space():
    assert clean_text("Hà\tNội") == "Hà Nội"


def test_zero_width_and_format_characters_are_removed():
    text = "Quảng\u200bNinh\u200c \ufeffđẹp\u200d\u2060 lắm\u200e"
    assert clean_text(text) == "QuảngNinh đẹp lắm"


def test_soft_hyphen_is_removed():
    assert clean_text("thành\u00adphố") == "thànhphố"


def test_zero_width_between_letter_and_tone_mark_does_not_block_composition():
    assert clean_text("Vie\u0302\u200b\u0323t") == "Việt"


def test_control_characters_are_removed_but_newline_kept():
    assert clean_text("Hà\x00 Nội\x07\x1b\n\x7fHuế\x9f") == "Hà Nội\nHuế"


def test_vertical_separators_become_spaces_not_lines():
    assert clean_text("một\u2028hai\u2029ba\x0bbốn\x0cnăm\x85sáu") == "một hai ba bốn năm sáu"


def test_format_characters_above_the_bmp_are_removed():
    # Tag characters (U+E0000 block) and musical-notation formatting (U+1D173): with and without
    # other astral characters (emoji) in the text.
    assert clean_text("Hà\U000e0041 Nội\U0001d173") == "Hà Nội"
    assert clean_text("🇻🇳 Hà\U000e0020 Nội\U000e007f 😀") == "🇻🇳 Hà Nội 😀"


def test_lone_surrogates_are_removed():
    assert clean_text("Đà\ud800 Nẵng\udfff") == "Đà Nẵng"


def test_curly_double_quotes_become_straight():
    assert clean_text("cuộc thi “Hiểu đúng về tiền” và „Ở đâu‟") == 'cuộc thi "Hiểu đúng về tiền" và "Ở đâu"'


def test_curly_single_quotes_and_apostrophes_become_straight():
    assert clean_text("Vietnam’s ‘Top 10’") == "Vietnam's 'Top 10'"


def test_guillemets_are_kept():
    assert clean_text("«Tin nhanh»") == "«Tin nhanh»"


def test_both_ellipsis_forms_are_kept_as_written():
    assert clean_text("đủ ăn… 4 tô phở...") == "đủ ăn… 4 tô phở..."
    assert clean_text("chờ đợi ...") == "chờ đợi ..."


def test_runs_of_spaces_collapse():
    assert clean_text("Zara McDermott   \"cặp kè\"") == 'Zara McDermott "cặp kè"'


def test_lines_are_stripped():
    assert clean_text("  Hà Nội  \n\u00a0 Huế \t") == "Hà Nội\nHuế"


def test_line_structure_is_kept_including_blank_lines():
    text = "Tiêu đề\n\n\n  \nĐoạn một\n"
    assert clean_text(text) == "Tiêu đề\n\n\n\nĐoạn một\n"


def test_space_before_comma_semicolon_exclamation_question_is_removed():
    assert clean_text("Vâng , tôi đồng ý ; thật sao ? Tuyệt !") == "Vâng, tôi đồng ý; thật sao? Tuyệt!"


def test_space_before_sentence_final_period_is_removed():
    assert clean_text("Kết thúc hội nghị .\nCâu tiếp theo . Rồi") == "Kết thúc hội nghị.\nCâu tiếp theo. Rồi"


def test_space_before_dotted_word_or_spaced_dots_is_kept():
    assert clean_text("dùng .NET và giảm .5 điểm") == "dùng .NET và giảm .5 điểm"
    assert clean_text("im lặng . . . rồi") == "im lặng . . . rồi"


def test_no_space_is_added_after_punctuation():
    assert clean_text("tăng 2,5% lên 7,3 tỷ") == "tăng 2,5% lên 7,3 tỷ"


def test_repeated_commas_and_semicolons_collapse():
    assert clean_text("Hà Nội,, Huế , , Đà Nẵng;; Cần Thơ") == "Hà Nội, Huế, Đà Nẵng; Cần Thơ"


def test_repeated_exclamation_and_question_marks_are_kept():
    assert clean_text("Thật vậy sao?!! Tuyệt vời!!!") == "Thật vậy sao?!! Tuyệt vời!!!"


def test_spaces_inside_brackets_are_removed():
    assert clean_text("TP Cẩm Phả ( tỉnh Quảng Ninh ) [ ảnh ]") == "TP Cẩm Phả (tỉnh Quảng Ninh) [ảnh]"


def test_tone_mark_placement_in_display_text_is_not_changed():
    text = "Phòng Văn hoá - Thông tin, Uỷ ban, hòa bình, thủy lợi"
    assert clean_text(text) == text


# --- clean_text: properties -------------------------------------------------------------------

_TRICKY = st.sampled_from(
    list(" \t\r\n\u00a0\u200b\u2028\ufeff\x00\x85,;.!?()[]“”‘’…\"'")
    + ["\ud800", "\udfff", "\u0301", "\u0323", "\u0302", "e\u0302\u0301", "Đ", "ư", "ơ", "hoá", "..", ". ."]
)
_ANY_TEXT = st.lists(st.one_of(st.characters(codec=None), _TRICKY), max_size=60).map("".join)
_VIETNAMESE_ALPHABET = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)


@settings(max_examples=400, deadline=None)
@given(_ANY_TEXT)
def test_clean_text_never_raises_and_is_idempotent(text):
    once = clean_text(text)
    assert isinstance(once, str)
    assert clean_text(once) == once


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT.map(lambda s: s.replace("\r", "")))
def test_clean_text_keeps_line_count_without_carriage_returns(text):
    assert clean_text(text).count("\n") == text.count("\n")


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT)
def test_clean_text_output_is_nfc_without_invisibles(text):
    cleaned = clean_text(text)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") and c != "\n" for c in cleaned)
    assert "  " not in cleaned


@needs_corpus
def test_clean_text_on_corpus_is_idempotent_and_keeps_lines():
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        cleaned = clean_text(text)
        assert clean_text(cleaned) == cleaned, path.name
        assert cleaned.count("\n") == text.count("\n"), path.name
        assert "\u00a0" not in cleaned and "“" not in cleaned, path.name


# --- tone marks and canonical keys ------------------------------------------------------------

PAIRS = [("hoá", "hóa"), ("thuỷ", "thủy"), ("Uỷ ban", "Ủy ban"), ("Khoá", "Khóa"), ("khoẻ", "khỏe"), ("luỹ", "lũy")]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_canonical_key_equal_for_old_and_new_placement(old, new):
    assert canonical_key(old) == canonical_key(new)
    assert canonical_key(old, "old") == canonical_key(new, "old")


def test_canonical_key_uses_new_style_by_default():
    assert canonical_key("Uỷ ban Nhân dân") == "ủy ban nhân dân"
    assert canonical_key("Văn hoá", "old") == "văn hoá"


def test_canonical_key_casefolds_collapses_spaces_and_drops_invisibles():
    assert canonical_key("  ĐẢNG\u00a0bộ \u200b TP\tCẩm  Phả\n") == "đảng bộ tp cẩm phả"


def test_canonical_key_composes_nfd():
    assert canonical_key(unicodedata.normalize("NFD", "Thủy lợi")) == "thủy lợi"


def test_default_style_comes_from_settings(monkeypatch):
    monkeypatch.setenv("NEWSFACTS_TONE_STYLE", "old")
    textnorm._default_style.cache_clear()
    try:
        assert canonical_key("Ủy ban hóa chất") == "uỷ ban hoá chất"
    finally:
        textnorm._default_style.cache_clear()


def test_unknown_style_is_rejected():
    with pytest.raises(ValueError, match="tone style"):
        canonical_key("hoá", "modern")


def test_normalize_tone_marks_keeps_case():
    assert normalize_tone_marks("Khoá học HOÁ HỌC, Uỷ ban", "new") == "Khóa học HÓA HỌC, Ủy ban"
    assert normalize_tone_marks("Khóa học, Ủy ban, thủy", "old") == "Khoá học, Uỷ ban, thuỷ"


def test_normalize_tone_marks_leaves_syllables_with_a_final_consonant_or_qu():
    text = "hoàng toán thuyết quý quả Quỳnh khuya người"
    assert normalize_tone_marks(text, "new") == text
    assert normalize_tone_marks(text, "old") == text


def test_normalize_tone_marks_leaves_non_vietnamese_words_and_punctuation():
    text = "Café, résumé (Zoé) – 2,5%!"
    assert normalize_tone_marks(text, "new") == text


def test_is_vietnamese_syllable():
    assert all(map(is_vietnamese_syllable, ["người", "Nghiêng", "khuyết", "Đảng", "gì", "quý", "ủy", "Đắk"]))
    assert not any(map(is_vietnamese_syllable, ["ViÖt", "Vieät", "Grüße", "Café", "hóá", "strength"]))


_ONSETS = st.sampled_from(["", "h", "kh", "th", "l", "t", "x", "ng", "Kh", "H", "TH"])
_TONES = st.sampled_from(list(textnorm.TONE_MARKS))


def _place(onset: str, nucleus: str, tone: str, at: int) -> str:
    letters = list(nucleus)
    letters[at] = unicodedata.normalize("NFC", letters[at] + tone)
    return onset + "".join(letters)


@settings(max_examples=200, deadline=None)
@given(_ONSETS, st.sampled_from(["oa", "oe", "uy", "OA", "Oe", "UY"]), _TONES)
def test_canonical_key_equal_for_generated_old_new_pairs(onset, nucleus, tone):
    old, new = _place(onset, nucleus, tone, 1), _place(onset, nucleus, tone, 0)
    assert canonical_key(old, "new") == canonical_key(new, "new")
    assert canonical_key(old, "old") == canonical_key(new, "old")
    assert normalize_tone_marks(old, "new") == new
    assert normalize_tone_marks(new, "old") == old


@settings(max_examples=300, deadline=None)
@given(st.one_of(_ANY_TEXT, st.text(st.sampled_from(_VIETNAMESE_ALPHABET + " ĐƯƠ\u00a0\u0301"), max_size=40)))
def test_canonical_key_is_idempotent(text):
    for style in ("old", "new"):
        key = canonical_key(text, style)
        assert canonical_key(key, style) == key


# --- abbreviations ----------------------------------------------------------------------------

REQUIRED = {
    "TP": "Thành phố",
    "TP.HCM": "Thành phố Hồ Chí Minh",
    "TP HCM": "Thành phố Hồ Chí Minh",
    "HĐND": "Hội đồng nhân dân",
    "UBND": "Ủy ban nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCH": "Ban Chấp hành",
    "CT-XH": "chính trị - xã hội",
    "TT-VH": "Truyền thông và Văn hóa",
    "TTTH": "Truyền thanh - Truyền hình",
    "CTV": "cộng tác viên",
}
ALSO_LISTED = "NQ QĐ TW TU BTV HĐQT CP NĐ TT KT-XH ĐBQH QH THCS THPT GD-ĐT LĐ-TB&XH KH-CN NN-PTNT TN-MT CA UBKT BQL KCN DN DNNN CTCP TNHH VN GDP FDI ODA"


def test_abbreviation_file_shape_and_size():
    rows = table("norm/abbreviations.tsv")
    assert len(rows) >= 60
    assert all(2 <= len(row) <= 3 and row[0] and row[1] for row in rows)
    assert len({row[0] for row in rows}) == len(rows)


@pytest.mark.parametrize(("abbreviation", "expansion"), REQUIRED.items())
def test_required_abbreviations_expand(abbreviation, expansion):
    assert expand_abbreviation(abbreviation) == expansion


def test_other_listed_abbreviations_are_present():
    assert [a for a in ALSO_LISTED.split() if expand_abbreviation(a) is None] == []


def test_expand_abbreviation_is_case_sensitive_and_none_for_unknown():
    assert expand_abbreviation("CA") == "Công an"
    assert expand_abbreviation("ca") is None
    assert expand_abbreviation("XYZQ") is None


def test_find_abbreviations_whole_tokens_with_offsets():
    text = "Nghị quyết số 19-NQ/TU của BCH Đảng bộ tỉnh; UBND TP.HCM và HTTP, TPHCM."
    found = find_abbreviations(text)
    assert [(a, e) for _, _, a, e in found] == [
        ("NQ", "Nghị quyết"),
        ("TU", "Tỉnh ủy"),
        ("BCH", "Ban Chấp hành"),
        ("UBND", "Ủy ban nhân dân"),
        ("TP.HCM", "Thành phố Hồ Chí Minh"),
        ("TPHCM", "Thành phố Hồ Chí Minh"),
    ]
    assert all(text[start:end] == abbreviation for start, end, abbreviation, _ in found)


def test_find_abbreviations_at_text_edges_and_next_to_joiners():
    assert [(s, e, a) for s, e, a, _ in find_abbreviations("CA")] == [(0, 2, "CA")]
    assert [a for _, _, a, _ in find_abbreviations("CA/UBND\n(BCH) 12-NQ, CA.")] == ["CA", "UBND", "BCH", "NQ", "CA"]
    assert find_abbreviations("xCA, &CA, CA&, Đà-CA, CA-Đà, CA_, 1CA, CA1") == []


_ABBREVIATION_PIECES = st.sampled_from(
    ["TP", "HCM", "TP.HCM", "TP. HCM", "CT-XH", "CT", "XH", "LĐ-TB&XH", "NQ", "TU", "UBND", "Tp", "CA", "Đ", "ĐBQH"]
    + list(" .-/&_\n,19aAđĐ")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ABBREVIATION_PIECES, max_size=12).map("".join))
def test_find_abbreviations_matches_the_plain_alternation(text):
    # The pattern is grouped by first letter for speed; it must find exactly what the straightforward
    # alternation of all abbreviations (longest first) with the same token guards finds.
    spellings = sorted((row[0] for row in table("norm/abbreviations.tsv")), key=len, reverse=True)
    plain = re.compile(
        r"(?<![\w&])(?<![^\W\d_]-)(?:" + "|".join(map(re.escape, spellings)) + r")(?![\w&])(?!-[^\W\d_])"
    )
    assert [(s, e, a) for s, e, a, _ in find_abbreviations(text)] == [
        (m.start(), m.end(), m.group()) for m in plain.finditer(text)
    ]


def test_find_abbreviations_skips_parts_of_unknown_compounds_and_words():
    assert find_abbreviations("mã CT-XY và TPX, caTP") == []
    assert [a for _, _, a, _ in find_abbreviations("các tổ chức CT-XH, Trung tâm TT-VH, Đài TTTH")] == [
        "CT-XH",
        "TT-VH",
        "TTTH",
    ]
