"""Office holders: title chains, organisations resolved to the article's place, bylines and photo credits."""

from __future__ import annotations

import unicodedata
from dataclasses import fields
from pathlib import Path

import pytest

from tasks.extract.batch import doc_from_text, extract_facts
from tasks.model import Doc, Paragraph
from tasks.clean.sentences import split_sentences
from warehouse.schema_entities import ROLES

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_cff743e03863ce1d.txt"


def seed_text() -> str:
    raw = unicodedata.normalize("NFC", SEED.read_text(encoding="utf-8")).replace("\u00a0", " ")
    return "\n".join(line for line in raw.split("\n") if line.strip() != ".").strip()


def doc_of(paragraphs: list[tuple[str, str]], author: str | None = None) -> Doc:
    """A Doc shaped like the clean stage's: (kind, text) paragraphs with offsets."""
    paras, pos = [], 0
    for k, (kind, text) in enumerate(paragraphs):
        paras.append(Paragraph(k, kind, text, char_start=pos, char_end=pos + len(text)))
        pos += len(text) + 1
    text = "\n".join(t for _, t in paragraphs)
    return Doc("kinds", text, split_sentences(paras), paras, author=author)


def roles_of(rows: list[dict], person: str) -> set[tuple[str, str | None]]:
    return {(r.role, r.organisation) for r in rows if r.person == person}


@pytest.fixture(scope="module")
def seed_roles() -> list[dict]:
    return extract_facts(doc_from_text(seed_text(), article_id="seed"))["roles"]


def test_seed_secretary_and_council_chair_are_two_rows_for_one_person(seed_roles):
    rows = [r for r in seed_roles if r.person == "Vũ Quyết Tiến"]
    assert len(rows) == 2
    by_role = {r.role: r for r in rows}
    assert by_role["Bí thư"].organisation == "Thành ủy Cẩm Phả"
    chair = by_role["Chủ tịch"]
    assert chair.organisation.endswith("thành phố Cẩm Phả")
    assert chair.organisation.startswith(("Hội đồng nhân dân", "HĐND"))
    assert chair.place_key == by_role["Bí thư"].place_key == "district:cẩm phả"
    # Both captions state the roles; each row keeps its first evidence and counts the rest.
    assert all(r.evidence_count == 2 for r in rows)


def test_seed_evidence_spans_point_at_the_title_phrase(seed_roles):
    text = seed_text()
    for row in seed_roles:
        if row.char_start is not None:
            assert text[row.char_start : row.char_end] == row.mention
    chair = next(r for r in seed_roles if r.person == "Vũ Quyết Tiến" and r.role == "Chủ tịch")
    assert chair.mention.startswith("Chủ tịch HĐND")


def test_seed_author_and_photo_credits(seed_roles):
    assert roles_of(seed_roles, "Nguyễn Huế") == {("tác giả", None)}
    assert roles_of(seed_roles, "Bạch Dương") == {("CTV", None)}
    assert roles_of(seed_roles, "Bảo Long") == {("CTV", None)}


def test_generic_title_statement_without_a_person_gives_no_row(seed_roles):
    # "thực hiện chức danh Bí thư Thành ủy kiêm Chủ tịch HĐND" names offices, not holders.
    assert {r.person for r in seed_roles} == {"Vũ Quyết Tiến", "Nguyễn Huế", "Bạch Dương", "Bảo Long"}


def test_rows_have_exactly_the_declared_columns(seed_roles):
    assert seed_roles and all(type(r) is ROLES.record and [f.name for f in fields(r)] == ROLES.column_names
                              for r in seed_roles)
    ROLES.to_arrow(seed_roles)


def test_kiem_chain_title_before_name_and_level_bound_organisations():
    text = (
        "Huyện Tiên Yên đẩy mạnh chuyển đổi số\n"
        "Sáng 5/3, ông Trần Văn Bình, Bí thư Huyện ủy kiêm Chủ tịch UBND huyện Tiên Yên, cho biết huyện đã hoàn thành kế hoạch.\n"
        "Chủ tịch UBND tỉnh Quảng Ninh Nguyễn Văn Thắng đề nghị hỗ trợ huyện.\n"
        "Bà Lê Thị Hoa, Phó Giám đốc Sở Y tế tỉnh Quảng Ninh, cùng đoàn công tác đã thăm xã Đông Ngũ."
    )
    rows = extract_facts(doc_from_text(text, article_id="s"))["roles"]
    assert roles_of(rows, "Trần Văn Bình") == {("Bí thư", "Huyện ủy Tiên Yên"), ("Chủ tịch", "Ủy ban nhân dân huyện Tiên Yên")}
    assert roles_of(rows, "Nguyễn Văn Thắng") == {("Chủ tịch", "Ủy ban nhân dân tỉnh Quảng Ninh")}
    assert roles_of(rows, "Lê Thị Hoa") == {("Phó Giám đốc", "Sở Y tế tỉnh Quảng Ninh")}
    hoa = next(r for r in rows if r.person == "Lê Thị Hoa")
    assert hoa.organisation_written == "Sở Y tế tỉnh Quảng Ninh" and hoa.role_written == "Phó Giám đốc"


def test_head_title_split_trưởng_ban():
    text = "Ông Phạm Văn Nam, Trưởng Ban Tổ chức Tỉnh ủy Quảng Ninh, phát biểu tại hội nghị."
    rows = extract_facts(doc_from_text(text, article_id="t"))["roles"]
    ((role, organisation),) = roles_of(rows, "Phạm Văn Nam")
    assert role == "Trưởng ban" and organisation.startswith("Ban Tổ chức Tỉnh ủy")


def test_byline_paragraph_and_metadata_author():
    paragraphs = [
        ("title", "Hà Nội mở rộng không gian đi bộ"),
        ("body", "Sở Giao thông vận tải Hà Nội vừa công bố phương án mới."),
        ("caption", "Phố đi bộ Hồ Gươm vào cuối tuần. Ảnh: Minh Khang"),
        ("byline", "Thu Trang"),
    ]
    rows = extract_facts(doc_of(paragraphs, author="Thu Trang"))["roles"]
    assert roles_of(rows, "Thu Trang") == {("tác giả", None)}
    assert roles_of(rows, "Minh Khang") == {("phóng viên", None)}
    author = next(r for r in rows if r.person == "Thu Trang")
    assert author.mention == "Thu Trang" and author.char_start is not None


def test_author_only_in_metadata_has_no_span():
    doc = doc_of([("title", "Tin ngắn"), ("body", "Thời tiết hôm nay mát mẻ, trời có mưa nhỏ.")], author="Hoàng Anh")
    facts = extract_facts(doc)
    (row,) = [r for r in facts["roles"] if r.role == "tác giả"]
    assert row.person == "Hoàng Anh" and row.char_start is None and row.char_end is None
    assert not any(e.mention == "Hoàng Anh" for e in facts["entities"])


def test_a_last_line_that_is_a_sentence_is_not_a_byline():
    text = "Tiêu đề bài viết\nNội dung thứ nhất của bài.\nThành phố sẽ tiếp tục triển khai các giải pháp."
    rows = extract_facts(doc_from_text(text, article_id="n"))["roles"]
    assert not [r for r in rows if r.role == "tác giả"]
