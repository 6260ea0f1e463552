"""Periods resolved against the publication date."""

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone

import pytest

from tasks.extract.batch import doc_from_text
from tasks.extract.periods import PERIODS
from tasks.extract.textscan import lower_view

PUBLISHED = datetime(2018, 10, 11, 17, 0, tzinfo=timezone(timedelta(hours=7)))


def periods(text: str, published=PUBLISHED) -> list[tuple]:
    rows = [asdict(r) for r in PERIODS.run(doc_from_text(text, published_at=published, article_id="t"))["periods"]]
    return [(r["mention"], r["start_date"], r["end_date"], r["granularity"], r["recurrence"]) for r in rows]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("9 tháng năm 2018, thành phố", ("9 tháng năm 2018", date(2018, 1, 1), date(2018, 9, 30), "range", None)),
        ("Từ đầu năm 2018 đến nay, cấp", ("Từ đầu năm 2018 đến nay", date(2018, 1, 1), date(2018, 10, 11), "range", None)),
        ("trong quý III/2018 tăng", ("quý III/2018", date(2018, 7, 1), date(2018, 9, 30), "quarter", None)),
        ("6 tháng đầu năm đạt", ("6 tháng đầu năm", date(2018, 1, 1), date(2018, 6, 30), "half", None)),
        ("trong năm nay sẽ", ("năm nay", date(2018, 1, 1), date(2018, 12, 31), "year", None)),
        ("trong tháng 9/2018 là", ("tháng 9/2018", date(2018, 9, 1), date(2018, 9, 30), "month", None)),
        ("hạn chót ngày 30/10 tới", ("ngày 30/10", date(2018, 10, 30), date(2018, 10, 30), "day", None)),
        ("Thứ Năm, 11/10/2018, 17:00", ("11/10/2018", date(2018, 10, 11), date(2018, 10, 11), "day", None)),
        ("khai mạc ngày 30-10 tới", ("ngày 30-10", date(2018, 10, 30), date(2018, 10, 30), "day", None)),
        ("diễn ra từ 24 đến 31/7 tại", ("từ 24 đến 31/7", date(2018, 7, 24), date(2018, 7, 31), "range", None)),
        ("9 tháng qua thành phố", ("9 tháng qua", date(2018, 1, 1), date(2018, 9, 30), "range", None)),
        ("hằng năm, tổ chức", ("hằng năm", None, None, "year", "yearly")),
        ("giai đoạn 2016-2020 có", ("2016-2020", date(2016, 1, 1), date(2020, 12, 31), "range", None)),
        ("hôm qua đã", ("hôm qua", date(2018, 10, 10), date(2018, 10, 10), "day", None)),
    ],
)
def test_period_resolution(text, expected):
    assert periods(text) == [expected]


def test_relative_periods_stay_unresolved_without_publication_date():
    assert periods("9 tháng qua và năm nay, từ đầu năm đến nay", published=None) == [
        ("9 tháng qua", None, None, "range", None),
        ("năm nay", None, None, "year", None),
        ("từ đầu năm đến nay", None, None, "range", None),
    ]


def test_absolute_dates_resolve_without_publication_date():
    assert periods("ngày 11/10/2018 và năm 2019", published=None) == [
        ("ngày 11/10/2018", date(2018, 10, 11), date(2018, 10, 11), "day", None),
        ("năm 2019", date(2019, 1, 1), date(2019, 12, 31), "year", None),
    ]


def test_fractions_and_clock_times_are_not_periods():
    assert periods("chiếm 3/4 số người lúc 17:00") == []


def test_a_dashed_pair_before_a_measure_word_is_a_range_of_amounts_not_a_date():
    assert periods("Bệnh phát hiện từ 3-5 năm sau khi nhiễm, giảm từ 2-4% mỗi năm.") == [
        ("mỗi năm", None, None, "year", "yearly")]
    assert periods("Ngày 30-4 năm 1975 là ngày lịch sử.") == [
        ("Ngày 30-4 năm 1975", date(1975, 4, 30), date(1975, 4, 30), "day", None)]


def test_counted_units_before_relative_words_are_durations():
    assert periods("Chỉ chưa đầy 1 tuần sau khi bão qua, 5 năm sau vẫn nhớ.") == []
    assert periods("Tuần sau trường khai giảng.") == [("Tuần sau", date(2018, 10, 15), date(2018, 10, 21), "range", None)]


def test_lower_view_keeps_offsets_and_upper_case_periods_resolve():
    text = "İstanbul, QUÝ III/2018 VÀ NĂM NAY"
    assert len(lower_view(text)) == len(text)
    assert [p[0] for p in periods(text)] == ["QUÝ III/2018", "NĂM NAY"]
