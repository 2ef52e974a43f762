"""Seat early-warning (学位预警) and peak years on hand examples."""
from __future__ import annotations

import pandas as pd
import pytest

from layoutsim.errors import DataError
from layoutsim.forecast import peak_years, seat_warnings

YEARS = [2025, 2026, 2027, 2028, 2029, 2030]


def pupils(area: str, level: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"township": area, "level": level, "year": YEARS, "pupils": values})


@pytest.fixture
def demand() -> pd.DataFrame:
    return pd.concat([
        # T1 primary, 1,000 seats: over from 2027 (1,050), worst 2028 (1,200), back under by 2030.
        pupils("T1", "primary", [950, 990, 1050, 1200, 1100, 980]),
        # T1 junior, 500 seats: falls below 60 % in 2027 and stays there from 2028.
        pupils("T1", "junior", [400, 320, 290, 310, 280, 250]),
        # T2 primary: no seats at all.
        pupils("T2", "primary", [10, 10, 10, 10, 10, 10]),
    ])


@pytest.fixture
def seats() -> pd.DataFrame:
    # two schools in T1 primary: their seats add up
    return pd.DataFrame({"township": ["T1", "T1", "T1", "T3"], "level": ["primary", "primary", "junior", "high"],
                         "seats": [600.0, 400.0, 500.0, 800.0]})


def row(table: pd.DataFrame, area: str, level: str) -> pd.Series:
    hit = table[(table.township == area) & (table.level == level)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_first_deficit_peak_and_surplus(demand: pd.DataFrame, seats: pd.DataFrame) -> None:
    w = seat_warnings(demand, seats, area="township")
    primary = row(w, "T1", "primary")
    assert primary.deficit_year == 2027 and primary.deficit_shortfall == pytest.approx(50)
    assert primary.peak_shortfall_year == 2028 and primary.peak_shortfall == pytest.approx(200)
    assert pd.isna(primary.surplus_year) and primary.empty_seats_end == pytest.approx(20)
    junior = row(w, "T1", "junior")
    assert pd.isna(junior.deficit_year) and junior.peak_shortfall == 0
    assert junior.surplus_year == 2029  # 2028 is at 62 %; 56 %, 50 % after
    assert junior.utilisation_end == pytest.approx(0.5) and junior.empty_seats_end == pytest.approx(250)
    no_seats = row(w, "T2", "primary")
    assert no_seats.deficit_year == 2025 and no_seats.deficit_shortfall == 10
    unused = row(w, "T3", "high")  # seats and no pupils: empty from the first year
    assert unused.surplus_year == 2025 and pd.isna(unused.deficit_year)
    assert w.township.tolist() == ["T1", "T1", "T2", "T3"]
    assert str(w.deficit_year.dtype) == "Int64"


def test_threshold_warns_early(demand: pd.DataFrame, seats: pd.DataFrame) -> None:
    w = seat_warnings(demand, seats, area="township", threshold=0.95)
    primary = row(w, "T1", "primary")
    # 990 > 0.95 × 1,000: warned in 2026; seats to add to get back to 95 %: 990 / 0.95 − 1,000
    assert primary.deficit_year == 2026
    assert primary.deficit_shortfall == pytest.approx(990 / 0.95 - 1000)


def test_seats_by_year_hold_until_the_next(demand: pd.DataFrame) -> None:
    # 1,000 seats until an expansion to 1,300 in 2028
    seats = pd.DataFrame({"township": "T1", "level": "primary", "year": [2025, 2028], "seats": [1000.0, 1300.0]})
    w = seat_warnings(demand[demand.level == "primary"], seats, area="township")
    primary = row(w, "T1", "primary")
    assert primary.deficit_year == 2027 and primary.peak_shortfall_year == 2027
    assert primary.peak_shortfall == pytest.approx(50)


def test_peak_years(demand: pd.DataFrame) -> None:
    peaks = peak_years(demand, area="township")
    assert peaks.to_dict("records") == [
        {"township": "T1", "level": "primary", "peak_year": 2028, "peak_pupils": 1200.0},
        {"township": "T1", "level": "junior", "peak_year": 2025, "peak_pupils": 400.0},
        {"township": "T2", "level": "primary", "peak_year": 2025, "peak_pupils": 10.0},
    ]


def test_missing_columns_are_named(demand: pd.DataFrame, seats: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="missing column 'seats'"):
        seat_warnings(demand, seats.drop(columns="seats"), area="township")
    with pytest.raises(DataError, match="missing column 'area'"):
        peak_years(demand)
