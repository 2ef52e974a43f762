"""Demand forecast: cohorts from the census, both methods against hand computations, resident dynamics,
and the cohort model against 平顶山's 2021 enrolment."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from layoutsim.errors import DataError
from layoutsim.forecast import Forecast, ForecastConfig, forecast, load_census
from layoutsim.forecast.births import county_births, henan_births
from layoutsim.forecast.cohort import census_cohorts, initial_ages
from layoutsim.config.forecast import Births

# --- a tiny region: 2 counties, 4 units -------------------------------------------------------------
# County A: an urban estate (6,000) and a village (4,000). County B: a village (5,000) and a new
# development of 2,000 residents completed in 2023. Census cohorts: 100 persons at every age in A,
# 50 in B.


@pytest.fixture
def residential() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a_est", "a_vil", "b_vil", "b_new"],
        "township": ["tA1", "tA2", "tB1", "tB1"],
        "residents": [6000, 4000, 5000, 2000],
        "kind": ["existing", "village", "village", "new"],
        "completion_year": pd.array([None, None, None, 2023], dtype="Int64"),
        "urban": [True, False, False, True],
    })


@pytest.fixture
def townships() -> pd.DataFrame:
    return pd.DataFrame({"code": ["tA1", "tA2", "tB1"], "county": ["900001", "900001", "900002"]})


@pytest.fixture
def counties() -> pd.DataFrame:
    return pd.DataFrame({"adcode": ["900001", "900002"], "population": [10000, 5000]})


@pytest.fixture
def census() -> pd.DataFrame:
    return pd.DataFrame({
        "adcode": ["900001", "900002"], "pop_2020": [10000, 5000],
        "age0": [100, 50], "age1_4": [400, 200], "age5_9": [500, 250], "age10_14": [500, 250],
    })


def config(**kw: object) -> ForecastConfig:
    base: dict[str, object] = {"end_year": 2024, "urbanisation": 0.1, "new_from_county": 0.5}
    return ForecastConfig.model_validate({**base, **kw})


def value(fc: Forecast, unit: str, level: str, year: int) -> float:
    p = fc.pupils
    row = p[(p.unit == unit) & (p.level == level) & (p.year == year)]
    assert len(row) == 1
    return float(row.pupils.iloc[0])


def residents_of(fc: Forecast, unit: str, year: int) -> float:
    r = fc.residents
    return float(r[(r.unit == unit) & (r.year == year)].residents.iloc[0])


# --- the census cohorts -----------------------------------------------------------------------------

def test_census_2020_ages_reproduce_every_county_exactly() -> None:
    census = load_census()
    ages = initial_ages(census)
    groups = {"age0": (0, 0), "age1_4": (1, 4), "age5_9": (5, 9), "age10_14": (10, 14)}
    for column, (first, last) in groups.items():
        assert (ages[:, first:last + 1].sum(axis=1) == census[column].to_numpy()).all(), column
    total = census[["age0", "age1_4", "age5_9", "age10_14"]].sum(axis=1).to_numpy()
    assert (ages[:, :15].sum(axis=1) == total).all()
    assert np.allclose(ages[:, 15:], census["age10_14"].to_numpy()[:, None] / 5)


def test_forecast_cohorts_start_from_the_census(residential: pd.DataFrame, townships: pd.DataFrame,
                                                  counties: pd.DataFrame, census: pd.DataFrame) -> None:
    fc = forecast(residential, townships, counties, config(method="cohort"), census=census)
    c = fc.cohorts
    start = c[(c.year == 2020) & (c.age <= 14)].groupby("county").persons.sum()
    assert start.to_dict() == {"900001": 1500.0, "900002": 750.0}


def test_census_units_are_summed() -> None:
    census = load_census()
    counties = pd.DataFrame({"adcode": ["410402", "410403"], "census_units": ["410402;410472", None]})
    got = census_cohorts(counties, census)
    rows = census.set_index("adcode")
    for column in ("age0", "age1_4", "age5_9", "age10_14", "pop_2020"):
        assert got.loc["410402", column] == rows.loc["410402", column] + rows.loc["410472", column]
        assert got.loc["410403", column] == rows.loc["410403", column]


def test_missing_census_unit_is_named() -> None:
    counties = pd.DataFrame({"adcode": ["410402", "999999"], "census_units": ["410402;123456", ""]})
    with pytest.raises(DataError, match=r"(?s)410402: census unit\(s\) 123456.*999999"):
        census_cohorts(counties, load_census())


# --- births -----------------------------------------------------------------------------------------

def test_births_variants() -> None:
    years = [2023, 2024, 2025, 2026, 2035]
    central = henan_births(Births(variant="central"), years).to_numpy()
    low = henan_births(Births(variant="low"), years).to_numpy()
    high = henan_births(Births(variant="high"), years).to_numpy()
    r = (695_000 / 793_000) ** 0.5
    assert central[:3] == pytest.approx([695_000, 695_000 * r, 695_000 * r * r])
    assert central[-1] == pytest.approx(0.85 * 695_000)
    assert low[-1] == pytest.approx(0.6 * 695_000)
    assert high[1:] == pytest.approx([1.058 * 695_000] * 4)
    assert (low <= central).all() and (central <= high).all()
    # observed years are returned as given, gaps in between interpolated
    assert henan_births(Births(series={2020: 10.0, 2022: 30.0, 2023: 30.0}, trend_years=(2022, 2023)),
                        [2021]).iloc[0] == 20.0


def test_county_births_by_table_kind() -> None:
    age0 = pd.Series([300.0, 100.0], index=["a", "b"])
    region = county_births(Births(table={2021: 400.0, 2023: 800.0}, table_kind="region"), age0, [2021, 2022, 2024])
    assert region.set_index(["area", "year"]).births.to_dict() == {
        ("a", 2021): 300.0, ("a", 2022): 450.0, ("a", 2024): 600.0,
        ("b", 2021): 100.0, ("b", 2022): 150.0, ("b", 2024): 200.0}
    index = county_births(Births(table={2021: 0.5}, table_kind="index"), age0, [2021])
    assert index.births.tolist() == [150.0, 50.0]
    henan = county_births(Births(), pd.Series([9170.0], index=["a"]), [2021])
    assert henan.set_index("area").births.to_dict() == {"henan": 793_000.0, "a": 7930.0}


# --- the two methods on the tiny region -------------------------------------------------------------

def test_per_thousand_by_hand(residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame) -> None:
    fc = forecast(residential, townships, counties, config())
    # A: each year 10 % of the village moves to the estate: 2021 estate 6,400, village 3,600.
    assert value(fc, "a_est", "primary", 2021) == pytest.approx(6400 * 80 / 1000)
    assert value(fc, "a_vil", "kindergarten", 2022) == pytest.approx(3240 * 36 / 1000)
    # B has no urban estate: its village keeps its people until the development takes half of its 2,000.
    assert value(fc, "b_vil", "junior", 2022) == pytest.approx(5000 * 40 / 1000)
    assert value(fc, "b_vil", "junior", 2023) == pytest.approx(4000 * 40 / 1000)
    assert value(fc, "b_new", "primary", 2023) == pytest.approx(2000 * 100 / 1000)  # new_yield
    assert value(fc, "b_new", "primary", 2022) == 0.0
    assert fc.births.empty and fc.cohorts.empty


def test_cohort_by_hand(residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame,
                        census: pd.DataFrame) -> None:
    cfg = config(method="cohort", survival=[1.0] * 17,
                 births={"table": {2021: 300.0}, "table_kind": "region"})
    fc = forecast(residential, townships, counties, cfg, census=census)
    # A: 100 at every age in 2020; 200 born each year from 2021 (2/3 of the region's 300).
    # primary 2021 = ages 6-11 = 600, shared 6,400 : 3,600 between estate and village.
    assert value(fc, "a_est", "primary", 2021) == pytest.approx(600 * 0.64)
    assert value(fc, "a_vil", "primary", 2021) == pytest.approx(600 * 0.36)
    # kindergarten 2024 = ages 3-5 = (200 + 100 + 100) × 0.92, estate share 2024 = 1 - 0.4 × 0.9^4
    share = 1 - 0.4 * 0.9 ** 4
    assert value(fc, "a_est", "kindergarten", 2024) == pytest.approx(400 * 0.92 * share)
    assert value(fc, "a_est", "high", 2020) == pytest.approx(300 * 0.5 * 0.6)
    # B: 50 per age, 100 born a year. In 2023 the development's 200 primary pupils arrive; half of
    # its people (and their 100 pupils) came from the village, so the village keeps 300 - 100.
    assert value(fc, "b_new", "primary", 2023) == pytest.approx(200)
    assert value(fc, "b_vil", "primary", 2023) == pytest.approx(300 - 100)
    assert value(fc, "b_vil", "primary", 2022) == pytest.approx(300)
    by_county = fc.by_county().set_index(["county", "level", "year"]).pupils
    assert by_county[("900002", "primary", 2023)] == pytest.approx(300 + (1 - 0.5) * 200)
    births = fc.births.set_index(["area", "year"]).births
    assert births[("900001", 2022)] == 200.0 and births[("900002", 2022)] == 100.0


def test_cohort_coverage_scales_partial_counties(residential: pd.DataFrame, townships: pd.DataFrame,
                                                 census: pd.DataFrame) -> None:
    # units holding half of county A's population get half of its pupils
    counties = pd.DataFrame({"adcode": ["900001", "900002"], "population": [20000, 5000]})
    cfg = config(method="cohort", survival=[1.0] * 17, births={"table": {2021: 300.0}})
    fc = forecast(residential, townships, counties, cfg, census=census)
    total = fc.by_county().set_index(["county", "level", "year"]).pupils
    assert total[("900001", "primary", 2020)] == pytest.approx(600 / 2)


# --- resident dynamics ------------------------------------------------------------------------------

def test_urbanisation_conserves_residents_and_moves_them_to_town(
        residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame) -> None:
    fc = forecast(residential, townships, counties, config(end_year=2035))
    r = fc.residents.assign(county=lambda t: t.unit.str[0])
    a = r[r.county == "a"].groupby("year").residents.sum()
    assert np.allclose(a, 10000)
    assert residents_of(fc, "a_vil", 2035) == pytest.approx(4000 * 0.9 ** 15)
    assert residents_of(fc, "a_est", 2035) == pytest.approx(10000 - 4000 * 0.9 ** 15)
    b = r[r.county == "b"].groupby("year").residents.sum()
    assert b[2022] == 5000 and b[2023] == pytest.approx(5000 + 2000 * (1 - 0.5))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["existing", "village"]), st.booleans(),
                          st.integers(0, 50_000)), min_size=1, max_size=8),
       st.floats(0, 0.5))
def test_urbanisation_conserves_each_county(units: list[tuple[str, bool, int]], rate: float) -> None:
    residential = pd.DataFrame({
        "id": [f"u{i}" for i in range(len(units))], "township": [f"t{i % 2}" for i in range(len(units))],
        "residents": [n for _, _, n in units], "kind": [k for k, _, _ in units],
        "completion_year": pd.array([None] * len(units), dtype="Int64"), "urban": [u for _, u, _ in units],
    })
    townships = pd.DataFrame({"code": ["t0", "t1"], "county": ["c0", "c1"]})
    counties = pd.DataFrame({"adcode": ["c0", "c1"], "population": [1, 1]})
    fc = forecast(residential, townships, counties, ForecastConfig(end_year=2030, urbanisation=rate))
    table = fc.residents.merge(residential[["id", "township", "kind"]], left_on="unit", right_on="id")
    totals = table.groupby(["township", "year"]).residents.sum().unstack()
    assert np.allclose(totals.to_numpy(), totals[[2020]].to_numpy())
    village = table[table.kind == "village"].groupby("year").residents.sum()
    assert (village.diff().dropna() <= 1e-9).all()
    assert (table.residents >= 0).all()


def test_new_development_appears_at_completion(residential: pd.DataFrame, townships: pd.DataFrame,
                                               counties: pd.DataFrame, census: pd.DataFrame) -> None:
    for method in ("per_thousand", "cohort"):
        fc = forecast(residential, townships, counties, config(method=method), census=census)
        assert [residents_of(fc, "b_new", y) for y in range(2020, 2025)] == [0, 0, 0, 2000, 2000]
        p = fc.pupils[fc.pupils.unit == "b_new"]
        assert (p[p.year < 2023].pupils == 0).all() and (p[p.year >= 2023].pupils > 0).all()


def test_new_development_completed_before_start_is_there_from_the_start(
        residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame) -> None:
    early = residential.assign(completion_year=pd.array([None, None, None, 2019], dtype="Int64"))
    fc = forecast(early, townships, counties, config())
    assert residents_of(fc, "b_new", 2020) == 2000 and residents_of(fc, "b_vil", 2024) == 5000


# --- tables, totals and errors ----------------------------------------------------------------------

def test_tables_and_totals_agree(residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame,
                                 census: pd.DataFrame) -> None:
    fc = forecast(residential, townships, counties, config(method="cohort"), census=census)
    assert list(fc.pupils.columns) == ["unit", "township", "county", "level", "year", "pupils"]
    assert len(fc.pupils) == 4 * 4 * 5 and fc.pupils.pupils.dtype == np.float64
    assert list(fc.residents.columns) == ["unit", "year", "residents"]
    total = fc.pupils.pupils.sum()
    for table in (fc.by_county(), fc.by_township(), fc.total(),
                  fc.by({"a_est": "s1", "a_vil": "s1", "b_vil": "s2", "b_new": "s2"}, name="catchment")):
        assert table.pupils.sum() == pytest.approx(total)
    assert list(fc.by_township().columns) == ["township", "level", "year", "pupils"]
    assert fc.by_county().level.unique().tolist() == ["kindergarten", "primary", "junior", "high"]
    with pytest.raises(DataError, match="nowhere"):
        fc.by({"nowhere": "s1"})


def test_input_problems_are_listed_together(residential: pd.DataFrame, townships: pd.DataFrame,
                                            counties: pd.DataFrame) -> None:
    bad = residential.copy()
    bad.loc[0, "residents"] = -5
    bad.loc[1, "kind"] = "castle"
    bad.loc[2, "township"] = "tX"
    listed = r"(?s)negative for units a_est.*units a_vil.*townships layer for units b_vil"
    with pytest.raises(DataError, match=listed) as info:
        forecast(bad, townships, counties, config())
    assert len(info.value.problems) == 3
    with pytest.raises(DataError, match="missing column 'urban'"):
        forecast(residential.drop(columns="urban"), townships, counties, config())


def test_config_is_strict() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ForecastConfig.model_validate({"per_thousand": {"primary": 80, "junior": 40, "high": 40,
                                                        "kindergarten": 36, "nursery": 10}})
    with pytest.raises(ValidationError, match="after end_year"):
        ForecastConfig(start_year=2030, end_year=2025)
    with pytest.raises(ValidationError, match="2020 census"):
        ForecastConfig(method="cohort", start_year=2019)
    with pytest.raises(ValidationError, match="first age 6 is after last age 5"):
        ForecastConfig.model_validate({"entry_ages": {"primary": {"first": 6, "last": 5}}})
    with pytest.raises(ValidationError):
        ForecastConfig(survival=[1.0] * 5)
    assert ForecastConfig().years[0] == 2020 and ForecastConfig().years[-1] == 2035


# --- against reality: 平顶山 2021 -------------------------------------------------------------------
#: 2021年平顶山市教育事业统计主要结果 (census.md): in-school children and pupils by level.
PDS_2021 = {"kindergarten": 214_500, "primary": 527_800, "junior": 257_600, "high": 124_600}
#: Tolerances, justified in docs/forecast.md ("Comparison with 平顶山 2021").
PDS_TOLERANCE = {"kindergarten": 0.15, "primary": 0.05, "junior": 0.15, "high": 0.20}


def pds_region() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    census = load_census()
    pds = census[census.adcode.str.startswith("4104") & (census.adcode != "410400")]
    counties = pd.DataFrame({"adcode": pds.adcode, "population": pds.pop_2020})
    townships = pd.DataFrame({"code": "t" + pds.adcode, "county": pds.adcode})
    residential = pd.DataFrame({"id": "u" + pds.adcode, "township": "t" + pds.adcode,
                                "residents": pds.pop_2020, "kind": "village",
                                "completion_year": pd.array([None] * len(pds), dtype="Int64"), "urban": False})
    return residential, townships, counties


def test_pingdingshan_2021_enrolment() -> None:
    residential, townships, counties = pds_region()
    assert counties.population.sum() == 4_987_137  # the 12 statistical units add up to the city
    fc = forecast(residential, townships, counties, ForecastConfig(method="cohort", end_year=2021))
    got = fc.total().query("year == 2021").set_index("level").pupils
    # the same numbers by hand from the city row (ages split evenly, survival ~0.9998-0.9996)
    city = {"age1_4": 276_691, "age5_9": 441_458, "age10_14": 471_310}
    assert got["primary"] == pytest.approx((city["age5_9"] + city["age10_14"] / 5) * 0.9998, rel=1e-4)
    assert got["junior"] == pytest.approx(city["age10_14"] * 3 / 5 * 0.9998, rel=1e-4)
    assert got["kindergarten"] == pytest.approx(city["age1_4"] * 3 / 4 * 0.9996 * 0.92, rel=1e-4)
    assert got["high"] == pytest.approx(city["age10_14"] * 3 / 5 * 0.9998 * 0.5, rel=1e-4)
    for level, observed in PDS_2021.items():
        assert abs(got[level] / observed - 1) < PDS_TOLERANCE[level], (level, got[level], observed)
    # one cohort against the year's intake (招生): primary 8.39万 (age 6), junior 9.39万 (age 12),
    # general high 4.73万 (age 15 × 0.5); a single year has no drop-outs or repeaters piled up.
    ages = fc.cohorts.query("year == 2021").groupby("age").persons.sum()
    for model, observed in ((ages[6], 83_900), (ages[12], 93_900), (ages[15] * 0.5, 47_300)):
        assert abs(model / observed - 1) < 0.10, (model, observed)
