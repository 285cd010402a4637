"""Search filters as typed: dates in three forms, outlets by name in any case, one-line errors."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.errors import FilterError
from rag.filters import Filter, day_number, make_filter, outlet_names


def test_dates_in_three_forms_reach_the_whole_period() -> None:
    f = make_filter(since="2023-02", until="2024")
    assert (f.since, f.until) == ("2023-02-01", "2024-12-31")
    f = make_filter(since="2024", until="2024-02")
    assert (f.since, f.until) == ("2024-01-01", "2024-02-29")  # a leap year's February
    assert make_filter(since=dt.date(2023, 5, 4)).since == "2023-05-04"
    assert make_filter(until=" 2023-5-4 ").until == "2023-05-04"


@pytest.mark.parametrize("bad", ["2023-13", "04/05/2023", "yesterday", "2023-02-29", "20231101"])
def test_a_bad_date_is_one_line_with_the_forms(bad) -> None:
    with pytest.raises(FilterError) as err:
        make_filter(until=bad)
    assert str(err.value).startswith(f"--until {bad!r} is not a date") and "YYYY-MM-DD, YYYY-MM or YYYY" in str(
        err.value
    )


def test_no_options_no_filter_and_a_reversed_range_is_refused() -> None:
    assert make_filter() is None and make_filter(since="", outlet=[]) is None
    with pytest.raises(FilterError, match="after --until"):
        make_filter(since="2024-03-01", until="2024-02")


def test_outlets_match_in_any_case_by_full_name_or_name_before_a_tag_line() -> None:
    assert outlet_names("The Roar | Sports Writers Blog") == ["the roar | sports writers blog", "the roar"]
    assert outlet_names("FOX News - Entertainment")[1] == "fox news"
    assert outlet_names("  ") == []
    f = make_filter(outlet=["TechCrunch", "the ROAR"])
    assert f.outlets == ("techcrunch", "the roar")
    assert f.allows("Techcrunch", "") and f.allows("The Roar | Sports Writers Blog", "")
    assert not f.allows("The Verge", "") and not f.allows("", "2023-01-01")


def test_dates_bound_inclusively_and_undated_articles_are_outside_a_range() -> None:
    f = Filter(since="2023-11-01", until="2023-11-30")
    assert f.allows("", "2023-11-01") and f.allows("", "2023-11-30")
    assert not f.allows("", "2023-10-31") and not f.allows("", "2023-12-01") and not f.allows("", "")
    assert Filter(outlets=("x",)).allows("X", "")  # an outlet filter alone does not need a date
    assert Filter(sources=("a",)).allows("", "", "a") and not Filter(sources=("a",)).allows("", "", "b")
    assert day_number("2023-11-07") == 20231107 and day_number("") is None
