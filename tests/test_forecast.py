"""Demand forecast: cohorts from the census, both methods against hand computations, resident dynamics,
and the cohort model against 平顶山's 2021 enrolment."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from layoutsim.errors import DataError
from layoutsim.schema import LEVELS
from layoutsim.forecast import Forecast, ForecastConfig, forecast, load_census
from layoutsim.forecast.births import county_births, henan_births
from layoutsim.forecast.census import COHORT_COLUMNS
from layoutsim.forecast.cohort import census_rows, single_years, sum_rows
from layoutsim.config.forecast import HENAN_BIRTHS as HENAN
from layoutsim.config.forecast import Births

REPO = Path(__file__).resolve().parents[1]

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
        "age15_19": [500, 250],
    })


def config(**kw: object) -> ForecastConfig:
    base: dict[str, object] = {"end_year": 2024, "urbanisation": 0.1, "new_from_county": 0.5, "migration": 0.0}
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

def test_single_years_keep_every_census_group_of_every_unit_exactly() -> None:
    for year in (2020, 2010):
        census = load_census(year)
        assert len(census) == 157
        ages = single_years(census[list(COHORT_COLUMNS)].to_numpy())
        assert (ages >= 0).all()
        for column, first, last in (("age0", 0, 0), ("age1_4", 1, 4), ("age5_9", 5, 9), ("age10_14", 10, 14),
                                    ("age15_19", 15, 19)):
            assert (ages[:, first:last + 1].sum(axis=1) == census[column].to_numpy()).all(), (year, column)
    assert load_census(2020)["pop_2020"].sum() == 99_365_519  # Henan's census total


@pytest.mark.parametrize("area", ["pingdingshan", "sanmenxia", "zhumadian", "kaifeng", "beiguan"])
def test_five_areas_counties_are_whole_census_rows(area: str) -> None:
    """Each area's counties (a district with the zones it hosts) sum exactly to the statistical units."""
    import geopandas as gpd

    from layoutsim.synth.census import census as five_areas

    counties = gpd.read_file(REPO / "data" / area / "counties.geojson")
    census = load_census()
    got = sum_rows(census, census_rows(counties, census), COHORT_COLUMNS[:4])
    units = five_areas().set_index("adcode")
    for i, spec in enumerate(counties["census_units"]):
        want = units.loc[spec.split(";"), list(COHORT_COLUMNS[:4])].astype(int).sum()
        assert got.iloc[i].tolist() == want.tolist(), (area, spec)
        ages = single_years(sum_rows(census, [census_rows(counties.iloc[[i]], census)[0]], COHORT_COLUMNS).to_numpy())
        assert ages[0, 1:5].sum() == want["age1_4"] and ages[0, 5:10].sum() == want["age5_9"]


def test_no_primary_intake_step_larger_than_births_imply_in_any_county() -> None:
    """Primary intake (age 6) by county, 2021–2035. From 2027 on it is fed by births: each step is the
    births' step exactly. Before, it is fed by the census single years: the even split put the whole
    jump between the 1–4 and 5–9 groups' per-year means into one year (平顶山 −22 % in 2022); the spline
    keeps each step within the births' largest step or half that jump. 2025–2026 are ages 1 and 0 of the
    census: age 0 is a group of its own (the 2020 births, −14 % on 2019), and the split rises from it
    to the 1–4 mean, so these steps stay within the census's own jump from age 0 to that mean."""
    import geopandas as gpd

    from layoutsim.forecast.model import county_levels

    counties = gpd.read_file(REPO / "data" / "henan" / "counties.geojson")
    cfg = ForecastConfig(method="cohort")
    levels = county_levels(counties, cfg, load_census(2020), load_census(2010))
    intake = levels.intake[:, LEVELS.index("primary"), :]
    years = np.array(cfg.years)
    step = np.log(intake[:, 1:] / intake[:, :-1])  # step into years[1:]
    births = henan_births(cfg.births, list(range(2020, 2036))).to_numpy()
    births_step = np.log(births[1:] / births[:-1])  # into 2021 … 2035
    fed = years[1:] >= 2027
    assert step[:, fed] == pytest.approx(np.tile(births_step[years[1:][fed] - 6 - 2021], (len(step), 1)), abs=1e-9)
    groups = load_census().set_index("adcode").loc[counties["adcode"]]
    largest = np.abs(births_step[:4]).max()  # the observed series, 2020→2024
    jump = np.abs(np.log(groups["age5_9"] / 5 / (groups["age1_4"] / 4))).to_numpy()
    census_fed = (years[1:] >= 2021) & (years[1:] <= 2024)
    assert (np.abs(step[:, census_fed]) <= np.maximum(largest, jump / 2)[:, None] + 1e-9).all()
    first = np.abs(np.log(groups["age1_4"] / 4 / groups["age0"])).to_numpy()
    youngest = (years[1:] == 2025) | (years[1:] == 2026)
    assert (np.abs(step[:, youngest]) <= first[:, None] + 1e-9).all()
    # the bound can fail: the even split's one-year cliff (the whole jump) breaks it in most counties
    assert (jump > largest).sum() > 100


def test_census_units_are_whole_rows_and_summed() -> None:
    census = load_census()
    counties = pd.DataFrame({"adcode": ["410402", "410403"], "census_units": ["410402;410472", None]})
    rows = census_rows(counties, census)
    assert rows == [["410402"], ["410403"]]
    got = sum_rows(census, rows, ["age0", "pop_2020"])
    assert got.iloc[0].tolist() == census.set_index("adcode").loc["410402", ["age0", "pop_2020"]].tolist()
    with pytest.raises(DataError, match="also hold 410472"):
        census_rows(pd.DataFrame({"adcode": ["410402"], "census_units": ["410402"]}), census)


def test_missing_census_unit_is_named() -> None:
    counties = pd.DataFrame({"adcode": ["410402", "999999"], "census_units": ["410402;123456", ""]})
    with pytest.raises(DataError, match=r"(?s)410402: census unit\(s\) 123456.*999999"):
        census_rows(counties, load_census())


# --- births -----------------------------------------------------------------------------------------

def test_births_observed_to_2024_and_variants_from_it() -> None:
    years = [2023, 2024, 2025, 2026, 2035]
    central = henan_births(Births(variant="central"), years).to_numpy()
    low = henan_births(Births(variant="low"), years).to_numpy()
    high = henan_births(Births(variant="high"), years).to_numpy()
    assert central[:2].tolist() == low[:2].tolist() == high[:2].tolist() == [695_000, 762_000]
    assert central[2:] == pytest.approx([(695_000 + 762_000) / 2] * 3)
    r = (695_000 / 793_000) ** 0.5
    assert low[2:4] == pytest.approx([695_000 * r ** 2, 695_000 * r ** 3])
    assert low[-1] == pytest.approx(0.6 * 695_000)
    assert high[2:] == pytest.approx([762_000] * 3)
    assert (low <= central).all() and (central <= high).all()
    assert min(HENAN) == 2020  # only the 常住 basis: the 户籍 figures of 2016–2019 are not mixed in
    # observed years are returned as given, gaps in between interpolated
    assert henan_births(Births(series={2020: 10.0, 2022: 30.0, 2023: 30.0}, trend_years=(2022, 2023),
                               central_years=(2023,)), [2021]).iloc[0] == 20.0


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
                 enrolment={"kindergarten": 0.92, "primary": 1.0, "junior": 1.0, "high": 0.5},
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
    assert total[("900001", "primary", 2020)] == pytest.approx(600 / 2 * cfg.enrolment.primary)


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
    assert list(fc.pupils.columns) == ["unit", "township", "county", "level", "year", "pupils", "intake",
                                       "pupils_low", "pupils_high"]
    assert len(fc.pupils) == 4 * 4 * 5 and fc.pupils.pupils.dtype == np.float64
    assert list(fc.residents.columns) == ["unit", "year", "residents"]
    total = fc.pupils.pupils.sum()
    for table in (fc.by_county(), fc.by_township(), fc.total(),
                  fc.by({"a_est": "s1", "a_vil": "s1", "b_vil": "s2", "b_new": "s2"}, name="catchment")):
        assert table.pupils.sum() == pytest.approx(total)
    assert list(fc.by_township().columns) == ["township", "level", "year", "pupils", "intake", "pupils_low",
                                              "pupils_high", "teachers"]
    county = fc.by_county()
    assert (county.pupils_low <= county.pupils + 1e-9).all() and (county.pupils <= county.pupils_high + 1e-9).all()
    primary = county[county.level == "primary"]
    assert primary.teachers.tolist() == pytest.approx((primary.pupils / 19).tolist())
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
PDS_TOLERANCE = {"kindergarten": 0.05, "primary": 0.03, "junior": 0.12, "high": 0.10}
#: The same year's intake (招生): primary grade 1, junior grade 7, general high grade 10.
PDS_INTAKE_2021 = {"primary": 83_900, "junior": 93_900, "high": 47_300}


def test_pingdingshan_2021_enrolment() -> None:
    """平顶山's ten county-level units from the census alone (no units below the county), against the
    city's 2021 statistics: held out, the rates are fitted to Henan's 2020 school year only."""
    import geopandas as gpd

    counties = gpd.read_file(REPO / "data" / "henan" / "counties.geojson").query("city == '平顶山市'")
    assert counties.population.sum() == 4_987_137  # the city's census total
    fc = forecast(None, None, counties, ForecastConfig(method="cohort", end_year=2021))
    got = fc.total().query("year == 2021").set_index("level")
    for level, observed in PDS_2021.items():
        assert abs(got.pupils[level] / observed - 1) < PDS_TOLERANCE[level], (level, got.pupils[level], observed)
    for level, observed in PDS_INTAKE_2021.items():
        assert abs(got.intake[level] / observed - 1) < 0.10, (level, got.intake[level], observed)
    assert set(fc.pupils.unit) == set(counties.adcode)  # each county is one unit


def test_henan_counties_layer_is_the_census_table() -> None:
    """data/henan/counties.geojson (real outlines) carries the 2020 census row for row."""
    import geopandas as gpd

    layer = gpd.read_file(REPO / "data" / "henan" / "counties.geojson").set_index("adcode")
    census = load_census().set_index("adcode")
    assert sorted(layer.index) == sorted(census.index) and len(layer) == 157
    assert (layer["population"] == census.loc[layer.index, "pop_2020"]).all()
    assert (layer["census_units"] == census.loc[layer.index, "census_units"]).all()
    assert (layer["city"] == census.loc[layer.index, "city"]).all()
    assert (layer["urban_share"] - census.loc[layer.index, "urban_pop_2020"] / layer["population"]).abs().max() < 1e-4


def test_rates_are_fitted_to_the_2020_school_year_only() -> None:
    """The default enrolment and intake rates are Henan's 2020 pupils ÷ the census single years of the
    level's ages (all 157 units): recomputed here, so a changed split or figure cannot leave them stale."""
    from layoutsim.config.forecast import HENAN_2020_PUPILS

    census = load_census()
    persons = single_years(census[list(COHORT_COLUMNS)].to_numpy()).sum(axis=0).astype(float)
    cfg = ForecastConfig()
    for level, (in_school, intake) in HENAN_2020_PUPILS.items():
        ages = cfg.entry_ages.get(level)
        assert cfg.enrolment.get(level) == pytest.approx(in_school / persons[ages.first:ages.last + 1].sum(), abs=5e-5)
        expected = intake / persons[ages.first] if intake is not None else cfg.enrolment.get(level)
        assert cfg.intake.get(level) == pytest.approx(expected, abs=5e-5)


def test_a_births_table_starts_at_its_first_year() -> None:
    age0 = pd.Series([9170.0], index=["a"])
    table = county_births(Births(table={2025: 700_000.0, 2030: 600_000.0}, table_kind="henan"), age0,
                          [2021, 2024, 2025, 2030]).set_index(["area", "year"]).births
    assert table[("henan", 2021)] == 793_000 and table[("henan", 2024)] == 762_000  # observed before it
    assert table[("a", 2025)] == pytest.approx(9170 / 917_000 * 700_000)  # shares of the 2020 births
    assert table[("a", 2030)] == pytest.approx(9170 / 917_000 * 600_000)
    region = county_births(Births(table={2025: 500.0}, table_kind="region"), age0, [2024, 2025])
    assert region.set_index(["area", "year"]).births.to_dict() == {
        ("henan", 2024): 762_000.0, ("a", 2024): pytest.approx(9170 / 917_000 * 762_000), ("a", 2025): 500.0}


def test_a_census_row_belongs_to_one_county() -> None:
    counties = pd.DataFrame({"adcode": ["419001", "410102"], "census_units": ["410102;410172", None]})
    with pytest.raises(DataError, match="census row 410102 is in counties 419001, 410102"):
        census_rows(counties, load_census())


def test_migration_is_neutral_where_a_county_has_no_children_and_adds_none_to_henan() -> None:
    from layoutsim.forecast.cohort import COUNTY_MIGRATION_AGES, migration

    c20, c10 = load_census(2020), load_census(2010)
    survival = ForecastConfig().survival
    every = census_rows(c20, c20)
    factors = migration(every, c20, c10, survival)
    henan = factors[0, -1]  # ages 14–16 carry Henan's factor only
    assert (factors[:, -1] == henan).all() and 1.0 < henan < 1.005
    young = list(COUNTY_MIGRATION_AGES)
    children = (c20["age0"] + c20["age1_4"] + c20["age5_9"] + 0.8 * c20["age10_14"]).to_numpy()
    assert np.average(factors[:, young[0]], weights=children) == pytest.approx(henan)
    gaining = factors[list(c20["adcode"]).index("410105"), 0]  # 金水区 gains children, 卢氏县 loses them
    assert gaining > henan > factors[list(c20["adcode"]).index("411224"), 0]
    # no children aged 0–4 in 2010: the county moves as Henan does (its factor is that of a county whose
    # ratio is Henan's: 卢氏县's factor ÷ its own relative ratio, worked out by hand)
    empty = c10.assign(age0=np.where(c10["adcode"] == "410105", 0, c10["age0"]),
                       age1_4=np.where(c10["adcode"] == "410105", 0, c10["age1_4"]))
    neutral = migration([["410105"], ["411224"]], c20, empty, survival)
    assert np.isfinite(neutral).all()
    lushi20, lushi10 = c20.set_index("adcode").loc["411224"], c10.set_index("adcode").loc["411224"]
    ratio = lushi20["age10_14"] / (lushi10["age0"] + lushi10["age1_4"])
    henan_ratio = c20["age10_14"].sum() / (empty["age0"] + empty["age1_4"]).sum()
    assert neutral[0, 0] == pytest.approx(neutral[1, 0] / (ratio / henan_ratio) ** 0.1, rel=1e-12)
    assert (migration([["410105"]], c20, c10, survival, scale=0) == 1).all()


def test_band_counts_from_the_year_the_data_describe(residential: pd.DataFrame, townships: pd.DataFrame,
                                                     counties: pd.DataFrame) -> None:
    fc = forecast(residential, townships, counties, config(start_year=2024, end_year=2026, band=0.02))
    first = fc.pupils[fc.pupils.year == 2024]
    assert (first.pupils_low == first.pupils).all() and (first.pupils_high == first.pupils).all()
    later = fc.pupils[(fc.pupils.year == 2026) & (fc.pupils.pupils > 0)]
    assert (later.pupils_low / later.pupils).round(9).unique().tolist() == [0.96]
    primary = later[later.level == "primary"]
    assert (primary.intake * 6).tolist() == pytest.approx(primary.pupils.tolist())  # per-thousand: ÷ grades
