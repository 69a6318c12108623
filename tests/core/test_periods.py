import datetime

import pytest

from servicescore.core.periods import add_working_days, company_zone, month_of, parse_period

UTC = datetime.UTC


def test_month_is_cut_at_local_midnight():
    october = parse_period("2026-10")
    assert october.contains(datetime.datetime(2026, 10, 31, 15, 30, tzinfo=UTC))  # 23:30 local
    assert not october.contains(datetime.datetime(2026, 10, 31, 16, 30, tzinfo=UTC))  # 00:30 Nov
    assert month_of(datetime.datetime(2026, 10, 31, 16, 30, tzinfo=UTC)) == "2026-11"
    assert october.start == datetime.datetime(2026, 9, 30, 16, 0, tzinfo=UTC)


def test_quarter_spans_three_months():
    q4 = parse_period("2026-Q4")
    assert q4.months == ["2026-10", "2026-11", "2026-12"]
    assert q4.end == datetime.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-Q5", "26-10", "2026/10", ""])
def test_bad_period_strings_are_refused_with_the_expected_forms(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_period(bad)


def test_quarter_of_a_month():
    from servicescore.core.periods import quarter_of

    assert [quarter_of(f"2026-{m:02d}") for m in (1, 3, 4, 9, 10, 12)] == [
        "2026-Q1", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-Q4",
    ]  # fmt: skip
    assert parse_period(quarter_of("2026-11")).months == ["2026-10", "2026-11", "2026-12"]


def test_working_days_skip_the_weekend_and_run_to_the_end_of_the_last_day():
    friday = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=company_zone())
    assert add_working_days(friday, 5) == datetime.datetime(2026, 12, 12, tzinfo=company_zone())


def test_working_days_skip_the_company_holidays(settings):
    settings.COMPANY_HOLIDAYS = ["2026-12-07"]
    friday = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=company_zone())
    assert add_working_days(friday, 1) == datetime.datetime(2026, 12, 9, tzinfo=company_zone())
