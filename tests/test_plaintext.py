"""The plain-text article format (the seed and synthetic articles in its style) and the shared line rules."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tasks.model import Article, SourceItem
from tasks.clean.body import Figure, build_body, is_heading_like, is_name_like, repair_drop_cap, split_credit
from tasks.clean.datelines import parse_date_value, parse_dateline
from tasks.clean.readers import read_item

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_cff743e03863ce1d.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
GMT7 = timezone(timedelta(hours=7))


def read_one(path: Path) -> Article:
    results = read_item(SourceItem(source="test", uri=str(path), location=str(path)), path.read_bytes())
    assert len(results) == 1 and isinstance(results[0], Article), results
    return results[0]


@pytest.fixture(scope="module")
def seed() -> Article:
    return read_one(SEED)


# ---------------------------------------------------------------- the seed, item by item


def test_seed_title_date_author_language(seed: Article) -> None:
    assert seed.title == "Cẩm Phả: Đổi mới, hoàn thiện hệ thống chính trị"
    assert seed.published_at == datetime(2018, 10, 11, 17, 0, tzinfo=GMT7)
    assert seed.published_at.isoformat() == "2018-10-11T17:00:00+07:00"
    assert seed.author == "Nguyễn Huế"
    assert seed.language == "vi"
    assert seed.input_format == "plaintext"
    assert not any(f.startswith(("weekday_mismatch", "no_published_at")) for f in seed.quality_flags)


def test_seed_paragraph_kinds_in_order(seed: Article) -> None:
    kinds = [p.kind for p in seed.paragraphs]
    assert kinds == [
        "title", "lead", "heading", "body", "body", "caption", "body", "body", "body", "body", "body",
        "caption", "heading", "body", "body", "body", "body", "byline",
    ]
    assert seed.paragraphs[-1].text == "Nguyễn Huế"


def test_seed_lead_is_first_paragraph_after_dateline(seed: Article) -> None:
    lead = seed.paragraphs[1]
    assert lead.kind == "lead" and lead.text.startswith("Thời gian qua, Đảng bộ TP Cẩm Phả")
    assert seed.lead == lead.text
    assert lead.section is None


def test_seed_headings_and_sections(seed: Article) -> None:
    headings = [p.text for p in seed.paragraphs if p.kind == "heading"]
    assert headings == ["Nâng cao năng lực lãnh đạo của Đảng", "Bứt phá trong phát triển kinh tế - xã hội"]
    first_heading = next(i for i, p in enumerate(seed.paragraphs) if p.kind == "heading")
    for p in seed.paragraphs[:first_heading]:
        assert p.section is None
    for p in seed.paragraphs:
        if p.kind == "body":
            assert p.section in headings
    assert seed.paragraphs[3].section == "Nâng cao năng lực lãnh đạo của Đảng"
    assert next(p for p in seed.paragraphs if p.text.startswith("Sự đoàn kết")).section == headings[1]


def test_seed_first_photo(seed: Article) -> None:
    image = seed.images[0]
    assert image.caption == (
        "Đồng chí Vũ Quyết Tiến, Bí thư Thành ủy, Chủ tịch HĐND TP Cẩm Phả làm việc với xã Dương Huy."
    )
    assert (image.credit, image.credit_role) == ("Bạch Dương", "CTV")
    assert image.alt_text == (
        "Đồng chí Vũ Quyết Tiến, Bí thư thành ủy, Chủ tịch HĐND thành phố làm việc với xã Dương Huy (Ảnh: Bạch Dương)"
    )
    caption_paragraph = seed.paragraphs[image.paragraph_index]
    assert caption_paragraph.kind == "caption"
    assert caption_paragraph.text.endswith("xã Dương Huy. Ảnh: Bạch Dương (CTV)")
    # the alt-text line is not kept as a paragraph of its own
    assert not any(p.text.endswith("(Ảnh: Bạch Dương)") for p in seed.paragraphs)


def test_seed_second_photo_with_repaired_drop_cap(seed: Article) -> None:
    assert len(seed.images) == 2
    image = seed.images[1]
    assert image.caption.startswith("Lãnh đạo TP Cẩm Phả kiểm tra hiện trạng")
    assert image.caption.endswith("Tổng Công ty Đông Bắc.")
    assert (image.credit, image.credit_role) == ("Bảo Long", "CTV")
    assert image.alt_text.startswith("Lãnh đạo TP Cẩm Phả")
    assert seed.paragraphs[image.paragraph_index].text.endswith("Đông Bắc. Ảnh: Bảo Long (CTV)")
    assert "\nãnh đạo" not in seed.text
    assert any(f.startswith("drop_cap_repaired") for f in seed.quality_flags)


def test_seed_credit_has_a_span_in_the_text(seed: Article) -> None:
    paragraph = seed.paragraphs[seed.images[1].paragraph_index]
    start = seed.text.index("Ảnh: Bảo Long (CTV)")
    assert paragraph.char_start <= start < paragraph.char_end


def test_seed_text_is_clean(seed: Article) -> None:
    assert "\u00a0" not in seed.text
    assert unicodedata.is_normalized("NFC", seed.text)
    assert not any(line.strip() in {"", "."} for line in seed.text.split("\n"))
    assert seed.text.endswith("Nguyễn Huế")
    for p in seed.paragraphs:
        assert seed.text[p.char_start : p.char_end] == p.text
    assert seed.article_id and len(seed.content_hash) == 64


# ---------------------------------------------------------------- synthetic articles in the seed's style


def test_friday_dateline_without_zone_and_uncredited_captions() -> None:
    article = read_one(FIXTURES / "plain_friday_no_zone.txt")
    assert article.published_at.isoformat() == "2018-09-14T09:45:00+07:00"
    assert any(f.startswith("published_tz_assumed") for f in article.quality_flags)
    assert not any(f.startswith("weekday_mismatch") for f in article.quality_flags)
    assert [p.kind for p in article.paragraphs].count("heading") == 0
    assert all(p.section is None for p in article.paragraphs)
    illustration, chart = article.images
    assert (illustration.caption, illustration.credit) == ("Nông dân xã Thạch Hạ thu hoạch lúa hè thu", None)
    assert (chart.caption, chart.credit) == ("Biểu đồ năng suất lúa các vụ gần đây.", "Cục Thống kê Hà Tĩnh")
    assert article.author == "Thanh Hương"


def test_many_headings_weekday_mismatch_and_drop_cap_in_caption_line() -> None:
    article = read_one(FIXTURES / "plain_many_headings.txt")
    assert [p.text for p in article.paragraphs if p.kind == "heading"] == ["Hạ tầng số", "Dữ liệu dùng chung", "Chính quyền số"]
    mismatch = [f for f in article.quality_flags if f.startswith("weekday_mismatch")]
    assert mismatch == ["weekday_mismatch: dateline says Thứ Hai but 17/10/2018 is Thứ Tư"]
    assert article.published_at == datetime(2018, 10, 17, 14, 20, tzinfo=GMT7)
    first, second = article.images
    assert first.caption == "Trung tâm Phục vụ hành chính công tỉnh tiếp nhận hồ sơ của người dân."
    assert (first.credit, first.credit_role) == ("Hoàng Nga", "TTXVN")
    assert article.paragraphs[first.paragraph_index].section == "Hạ tầng số"
    # two similar lines without a credit are still one photo (alt text + caption)
    assert second.alt_text == "Người dân tra cứu thông tin trên cổng dịch vụ công"
    assert second.caption == "Người dân tra cứu thông tin trên cổng dịch vụ công của tỉnh"
    assert article.author == "Minh Hà"
    assert article.paragraphs[-1].text == "Minh Hà (TTXVN)"


def test_no_dateline_gives_flag_and_still_loads() -> None:
    article = read_one(FIXTURES / "plain_no_dateline.txt")
    assert article.published_at is None
    assert "no_published_at: dateline missing" in article.quality_flags
    assert [p.kind for p in article.paragraphs] == ["title", "lead", "body", "body"]
    assert article.author is None  # the last line is a sentence, not a name


# ---------------------------------------------------------------- line rules


@pytest.mark.parametrize(
    ("line", "expected", "flag"),
    [
        ("Thứ Năm, 11/10/2018, 17:00 [GMT+7]", "2018-10-11T17:00:00+07:00", None),
        ("Thứ năm, 11/10/2018, 17:00 (GMT+7)", "2018-10-11T17:00:00+07:00", None),
        ("Chủ nhật, 14/10/2018 - 08:30", "2018-10-14T08:30:00+07:00", "published_tz_assumed"),
        ("Cập nhật lúc 08:30, Chủ nhật, 14/10/2018", "2018-10-14T08:30:00+07:00", "published_tz_assumed"),
        ("11/10/2018 17h30 GMT+7", "2018-10-11T17:30:00+07:00", None),
        ("Thứ Sáu, 11/10/2018, 17:00", "2018-10-11T17:00:00+07:00", "weekday_mismatch"),
        ("T5, 11/10/2018", "2018-10-11T00:00:00+07:00", "published_date_only"),
    ],
)
def test_parse_dateline(line: str, expected: str, flag: str | None) -> None:
    parsed = parse_dateline(line)
    assert parsed is not None and parsed.published_at.isoformat() == expected
    if flag:
        assert any(f.startswith(flag) for f in parsed.flags)
    else:
        assert parsed.flags == ()


@pytest.mark.parametrize("line", ["Ngày 11/10/2018, UBND tỉnh họp bàn kế hoạch", "Nguyễn Huế", "Hạ tầng số 2018"])
def test_sentences_with_dates_are_not_datelines(line: str) -> None:
    assert parse_dateline(line) is None


def test_impossible_date_is_flagged_not_raised() -> None:
    parsed = parse_dateline("Thứ Năm, 31/02/2018, 17:00")
    assert parsed is not None and parsed.published_at is None
    assert parsed.flags[0].startswith("bad_published_at")


@pytest.mark.parametrize(
    ("line", "caption", "credit", "role"),
    [
        ("Trường mầm non (Ảnh: Văn Chuyên).", "Trường mầm non", "Văn Chuyên", None),
        ("Xe buýt chạy thử. Ảnh: Bảo Long (CTV)", "Xe buýt chạy thử.", "Bảo Long", "CTV"),
        ("(Ảnh: Getty Images)", None, "Getty Images", None),
        ("Ảnh: Minh Cương", None, "Minh Cương", None),
        ("Cô giáo và học sinh (Ảnh minh họa).", "Cô giáo và học sinh", None, None),
        ("Biểu đồ lãi suất. Nguồn: NHNN", "Biểu đồ lãi suất.", "NHNN", None),
        ("Người dân xếp hàng - Ảnh: Ngọc Hà", "Người dân xếp hàng", "Ngọc Hà", None),
    ],
)
def test_split_credit(line: str, caption: str | None, credit: str | None, role: str | None) -> None:
    split = split_credit(line)
    assert split is not None
    assert (split.caption, split.credit, split.role) == (caption, credit, role)


@pytest.mark.parametrize(
    "line",
    [
        "Sau tranh cãi thu tiền chụp ảnh: Tiểu thương có chấp hành gỡ biển?",
        "Ảnh: Du khách từ Việt Nam và Australia (trừ bang Victoria) được phép nhập cảnh Singapore từ 8/10",
        "Bức ảnh gây xôn xao mạng xã hội.",
    ],
)
def test_sentences_mentioning_photos_have_no_credit(line: str) -> None:
    assert split_credit(line) is None


def test_repair_drop_cap_is_generic() -> None:
    assert repair_drop_cap("ãnh đạo tỉnh thăm hỏi", "Lãnh đạo tỉnh thăm hỏi") == "Lãnh đạo tỉnh thăm hỏi"
    assert repair_drop_cap("hủ tịch phát biểu. Ảnh: A", "Chủ tịch phát biểu") == "Chủ tịch phát biểu. Ảnh: A"
    assert repair_drop_cap("Lãnh đạo tỉnh", "Lãnh đạo tỉnh") is None
    assert repair_drop_cap("các đại biểu dự họp", "Ông Nam và các đại biểu") is None


def test_name_and_heading_shapes() -> None:
    assert is_name_like("Nguyễn Huế") and is_name_like("Minh Hà (TTXVN)")
    assert not is_name_like("Huyện đã bố trí lực lượng.")
    assert is_heading_like("Bứt phá trong phát triển kinh tế - xã hội")
    assert not is_heading_like("Toàn tỉnh đã lắp đặt 1.200 km cáp quang.")


def test_build_body_places_markup_figures() -> None:
    body = build_body([["Đoạn mở đầu của bài viết."], [Figure("Cầu mới. Ảnh: Thu Hà", "cầu", "/a.jpg")], [Figure("", "logo", "/b.png")]])
    assert [p.kind for p in body.paragraphs] == ["lead", "caption"]
    caption_image, bare_image = body.images
    assert (caption_image.paragraph_index, caption_image.credit, caption_image.src) == (2, "Thu Hà", "/a.jpg")
    assert bare_image.paragraph_index is None and bare_image.alt_text == "logo"


@pytest.mark.parametrize(
    ("value", "iso", "flag"),
    [
        ("2023-05-12T08:30:00+0700", "2023-05-12T08:30:00+07:00", None),
        ("Fri, 12 May 2023 08:30:00 +0700", "2023-05-12T08:30:00+07:00", None),
        ("2023-05-12T01:30:00Z", "2023-05-12T01:30:00+00:00", None),
        ("20201001", "2020-10-01T00:00:00+07:00", "published_date_only"),
        ("2023-05-12 08:30", "2023-05-12T08:30:00+07:00", "published_tz_assumed"),
        ("12/05/2023 08:30", "2023-05-12T08:30:00+07:00", "published_tz_assumed"),
        (1683855000, "2023-05-12T08:30:00+07:00", None),
    ],
)
def test_parse_date_value(value: object, iso: str, flag: str | None) -> None:
    parsed, flags = parse_date_value(value)
    assert parsed.isoformat() == iso
    assert (flags[0].split(":")[0] if flags else None) == flag


def test_unreadable_date_value_is_a_flag() -> None:
    parsed, flags = parse_date_value("hôm qua")
    assert parsed is None and flags[0].startswith("no_published_at")
