"""The number scan shared by the quantities, periods and legal_documents families, and the gates of the period rules."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import example, given, settings, strategies as st

import tasks.extract.number_scan as number_scan_module
import tasks.extract.period_rules as period_rules
from tasks.extract.batch import doc_from_text, extract_text
from tasks.extract.legal_documents import LEGAL_DOCUMENTS
from tasks.extract.periods import PERIODS
from tasks.extract.quantities import QUANTITIES
from tasks.extract.textscan import WordStarts, first_digit, lower_view
from warehouse.tables import TABLES

VN = timezone(timedelta(hours=7))
TEXT = "Từ đầu năm 2018 đến nay, theo Nghị định 15/2020/NĐ-CP, tỉnh thu hút 74 dự án với tổng vốn trên 778 tỷ đồng."


def test_the_three_families_share_one_scan_per_document(monkeypatch):
    scans = []
    real = number_scan_module.scan_numbers
    monkeypatch.setattr(number_scan_module, "scan_numbers", lambda doc: scans.append(doc) or real(doc))
    doc = doc_from_text(TEXT, published_at=datetime(2018, 10, 11, tzinfo=VN), article_id="t")
    out = {family.name: family.run(doc) for family in (QUANTITIES, PERIODS, LEGAL_DOCUMENTS)}
    assert len(scans) == 1
    assert [r.mention for r in out["quantities"]["quantities"]] == ["74 dự án", "trên 778 tỷ đồng"]
    assert [r.mention for r in out["periods"]["periods"]] == ["Từ đầu năm 2018 đến nay"]
    assert [r.mention for r in out["legal_documents"]["documents"]] == ["Nghị định 15/2020/NĐ-CP"]


def test_each_family_writes_typed_rows_of_its_own_table_stamped_with_its_own_version():
    doc = doc_from_text(TEXT, published_at=datetime(2018, 10, 11, tzinfo=VN), article_id="t")
    for family in (QUANTITIES, PERIODS, LEGAL_DOCUMENTS):
        [(table, rows)] = family.run(doc).items()
        assert (table,) == family.writes and rows
        assert all(type(r) is TABLES[table].record for r in rows)
        assert {(r.extractor, r.extractor_version) for r in rows} == {(family.name, family.version)}


def test_a_quantity_is_dated_by_the_period_of_its_sentence():
    doc = doc_from_text(TEXT, published_at=datetime(2018, 10, 11, tzinfo=VN), article_id="t")
    [projects, money] = QUANTITIES.run(doc)["quantities"]
    assert (projects.period_mention, projects.period_start, projects.period_end) == (
        "Từ đầu năm 2018 đến nay", date(2018, 1, 1), date(2018, 10, 11))
    assert money.period_mention == projects.period_mention


def test_extract_text_hands_out_rows_as_dicts():
    facts = extract_text("UBND TP Cẩm Phả đã cấp phép cho 12 dự án, tổng vốn 2,5 triệu USD.")
    assert (facts["quantities"][1]["normalized_value"], facts["quantities"][1]["normalized_unit"]) == (2500000.0, "USD")
    assert all(type(row) is dict for rows in facts.values() for row in rows)


def test_warm_up_reads_every_lexicon_without_a_document():
    number_scan_module.warm_up()
    assert number_scan_module.scanned_words() >= {"năm", "tháng", "hai", "triệu"}


# Date mentions of every rule, and their words and characters alone, to be joined in any order.
_MENTIONS = ["quý III", "Quý 2/2019", "tháng 9/2018", "cuối tháng 10", "9 tháng đầu năm", "6 tháng qua", "nửa đầu năm 2020",
             "từ 24 đến 31/7", "ngày 30-10", "(12/10)", "sáng 1/10", "ngày 5 tháng 6 năm 2020", "11/10/2018",
             "11.10.2018", "tháng mười", "năm 2019",
             "giai đoạn 2016-2020", "từ năm 2015 đến 2020", "đầu năm", "cuối năm 2017", "hằng năm", "mỗi tháng",
             "năm nay", "hôm qua", "tuần sau", "3-5 năm sau", "đến nay", "30-4 năm 1975"]
_PIECES = ["ngày", "tháng", "năm", "quý", "nửa", "đầu", "giữa", "cuối", "từ", "đến", "tới", "nay", "qua", "vừa",
           "hằng", "hàng", "mỗi", "tuần", "sau", "hôm", "III", "/", "-", "–", "(", ")", ",", "9", "12", "2018", "%", "tuổi"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_MENTIONS), st.sampled_from(_PIECES), st.integers(0, 3000).map(str)),
                max_size=12).map(" ".join), st.booleans())
@example("Hằng năm, từ đầu năm nay đến nay, mỗi tuần", False)  # periods without digits
@example("hằng năm, cuối năm nay và mỗi tháng", True)
def test_the_gates_only_skip_rules_that_would_find_nothing(text, with_starts):
    """Every rule tried on every sentence (all cues set) finds what the gated rules find."""
    low = lower_view(text)
    starts = WordStarts(low, number_scan_module.scanned_words()).within(0, len(low)) if with_starts else None
    digit, published = first_digit(low, 0, len(low)), date(2018, 10, 11)
    gated = period_rules.period_candidates(low, 0, len(low), published, digit, starts)
    real_cues = period_rules._cues
    try:
        period_rules._cues = lambda *args: -1  # every bit: every rule's cues are met
        ungated = period_rules.period_candidates(low, 0, len(low), published, digit, starts)
    finally:
        period_rules._cues = real_cues
    assert gated == ungated
