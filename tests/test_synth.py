"""The generator: deterministic, calibrated to the census and the plans, and showing the plans' problems."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree

from layoutsim.schema import seats
from layoutsim.io import write_geojson
from layoutsim.schema import LEVELS, classes_col, enrolment_col
from layoutsim.synth import AREAS, generate
from layoutsim.synth.census import PDS_COUNTS, area_units, per_thousand, township_names

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module", params=list(AREAS))
def area(request) -> tuple[str, dict[str, gpd.GeoDataFrame]]:
    """The committed data files of each area."""
    key = request.param
    return key, {n: gpd.read_file(DATA / key / f"{n}.geojson") for n in
                 ("counties", "townships", "residential", "schools", "candidates")}


def test_committed_files_are_what_the_generator_makes(tmp_path: Path) -> None:
    """Regenerating gives byte-identical files (checked on the smallest area; the others share the code)."""
    layers = generate("beiguan")
    for name, gdf in layers.items():
        write_geojson(tmp_path / f"{name}.geojson", gdf)
        assert (tmp_path / f"{name}.geojson").read_bytes() == (DATA / "beiguan" / f"{name}.geojson").read_bytes(), name


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = generate("beiguan", seed=7), generate("beiguan", seed=7), generate("beiguan", seed=8)
    assert a["schools"].to_json() == b["schools"].to_json()
    assert a["schools"].to_json() != c["schools"].to_json()


def test_population_sums_to_the_census_county_by_county(area) -> None:
    key, layers = area
    census = area_units(AREAS[key]).set_index("adcode")["pop_2020"].astype(int)
    counties = layers["counties"].set_index("adcode")
    town_county = layers["townships"].set_index("code")["county"]
    res = layers["residential"]
    today = res[res["kind"] != "new"]
    by_county = today.groupby(today["township"].map(town_county))["residents"].sum()
    for adcode, row in counties.iterrows():
        expected = sum(int(census[u]) for u in row["census_units"].split(";"))
        assert row["population"] == expected
        assert by_county[adcode] == expected
    assert int(counties["population"].sum()) == int(census.sum())  # the whole city, development zones included


def test_real_township_names_and_counts(area) -> None:
    key, layers = area
    units = area_units(AREAS[key])
    names = sorted(n for _, row in units.iterrows() for n, _ in township_names(row))
    assert sorted(layers["townships"]["name"]) == names


def test_enrolment_per_thousand_matches_calibration(area) -> None:
    key, layers = area
    pop = layers["counties"]["population"].sum()
    ratios = per_thousand(AREAS[key])
    for level in LEVELS:
        got = layers["schools"][enrolment_col(level)].sum() / pop * 1000
        assert got == pytest.approx(ratios[level], rel=0.01), level


def test_pingdingshan_pupils_match_its_statistics() -> None:
    """Its pupils by level (its school counts: tests/test_calibration.py)."""
    schools = gpd.read_file(DATA / "pingdingshan" / "schools.geojson")
    for level, (_, pupils) in PDS_COUNTS.items():
        assert int(schools[enrolment_col(level)].sum()) == pytest.approx(pupils, abs=2), level


def test_every_row_below_the_county_is_marked_synthetic(area) -> None:
    _, layers = area
    assert not layers["counties"]["synthetic"].any()
    for name in ("townships", "residential", "schools", "candidates"):
        assert layers[name]["synthetic"].all(), name


def test_the_plans_problems_are_there(area) -> None:
    key, layers = area
    s = layers["schools"]
    primary = s[s[classes_col("primary")] > 0]
    avg = primary[enrolment_col("primary")] / primary[classes_col("primary")]
    util = primary[enrolment_col("primary")] / seats(primary, "primary")
    assert (avg > 55).sum() >= 1, "crowded schools with classes over 55"
    crowded = primary[avg > 55]
    at_seat = crowded["name"].str.contains("中心小学|九年一贯制")
    assert (crowded["urban"] | at_seat).all(), "crowded in town or at a township seat, never in a village"
    if key != "beiguan":  # a city district has almost no villages
        assert (util < 0.6).sum() >= 10, "half-empty village schools"
        assert (s["type"] == "teaching_point").sum() >= 3
        rural = layers["townships"][layers["townships"]["kind"] != "street"]
        central = s[s["central"] & (s["type"] == "kindergarten")]
        assert len(set(rural["code"]) - set(central["township"])) >= 1, "a township without a central kindergarten"
    res = layers["residential"]
    assert ((res["kind"] == "new") & (res["residents"] >= 5000)).sum() >= 1, "new estates of 5,000+"


def test_mountain_pupils_live_further_from_a_primary_school() -> None:
    layers = {n: gpd.read_file(DATA / "pingdingshan" / f"{n}.geojson").to_crs(32649)
              for n in ("townships", "residential", "schools")}
    s = layers["schools"]
    prim = s[s[classes_col("primary")] > 0]
    tree = cKDTree(np.column_stack([prim.geometry.x, prim.geometry.y]))
    v = layers["residential"][layers["residential"]["kind"] == "village"]
    d, _ = tree.query(np.column_stack([v.geometry.x, v.geometry.y]))
    terrain = v["township"].map(layers["townships"].set_index("code")["terrain"])
    beyond = pd.Series(d > 2000, index=v.index).groupby(terrain).mean()
    assert beyond["mountain"] > beyond["plain"]
