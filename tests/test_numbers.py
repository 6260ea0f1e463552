"""Vietnamese number parsing: digit grouping, decimals, multipliers and number words."""

from decimal import Decimal

from hypothesis import given, strategies as st

from tasks.extract.numbers import multiplier_value, not_alone_rules, parse_number, parse_number_words


def format_number(value: float, decimals: int | None = None) -> str:
    """Vietnamese spelling of a number: "." between thousands, "," before decimals (what parse_number reads)."""
    if decimals is None:
        # Decimal of the shortest repr keeps exactly the digits that round-trip, without exponent.
        text = format(Decimal(repr(float(value))), "f")
        integer, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0")
    else:
        integer, _, fraction = f"{value:.{decimals}f}".partition(".")
    sign = "-" if integer.startswith("-") else ""
    digits = integer.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    out = sign + ".".join(groups)
    return f"{out},{fraction}" if fraction else out


def test_decimal_comma():
    assert parse_number("13,15") == 13.15


def test_thousands_dot():
    assert parse_number("1.234") == 1234


def test_thousands_and_decimal():
    assert parse_number("1.234,5") == 1234.5


def test_large_grouped_number():
    assert parse_number("297.892") == 297892


def test_version_is_not_a_number():
    assert parse_number("1.2.3.4") is None


def test_power_notation_is_not_a_number():
    assert parse_number("10^9") is None


def test_multipliers():
    assert multiplier_value(["tỷ"]) == 1_000_000_000
    assert multiplier_value(["triệu"]) == 1_000_000
    assert multiplier_value(["nghìn"]) == multiplier_value(["ngàn"]) == 1000
    assert multiplier_value(["nghìn", "tỷ"]) == 10**12
    assert multiplier_value(["đồng"]) is None


def test_number_words():
    assert parse_number_words(["hai"]) == (2, False)
    assert parse_number_words(["mười"]) == (10, False)
    assert parse_number_words(["mười", "lăm"]) == (15, False)
    assert parse_number_words(["hai", "mươi", "mốt"]) == (21, False)
    assert parse_number_words(["một", "trăm", "linh", "năm"]) == (105, False)
    assert parse_number_words(["hai", "trăm", "năm", "mươi", "nghìn"]) == (250_000, False)


def test_approximate_number_words():
    assert parse_number_words(["hàng", "trăm"]) == (100, True)
    assert parse_number_words(["hàng", "chục", "ngàn"]) == (10_000, True)
    assert parse_number_words(["vài"]) is None


def test_lăm_only_after_tens():
    assert parse_number_words(["lăm"]) is None


def test_format_uses_vietnamese_separators():
    assert format_number(1234.5) == "1.234,5"
    assert format_number(7.78e11) == "778.000.000.000"
    assert format_number(13.15) == "13,15"


@given(st.integers(min_value=0, max_value=10**15))
def test_integers_round_trip(n):
    assert parse_number(format_number(n)) == n


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_floats_round_trip(x):
    assert parse_number(format_number(x)) == x


def test_not_alone_rules_read_each_word_with_its_rule():
    rules = not_alone_rules()
    assert (rules["một"], rules["ba"], rules["năm"]) == ("time", "+", "")
    assert all("\t" not in w and w == w.strip() for w in rules)
