"""Reserved candidate sites: one with each new development of 5,000+ residents (配套), one in each
urban township, one at each rural township seat, and two high-school sites in the county town.

Land cost per m² (assumption, order of magnitude of Henan county-town education land prices): urban
800–1,600 CNY/m², rural 150–300 CNY/m².
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .places import Township, near_points

LAND_CNY_M2 = {True: (800.0, 1600.0), False: (150.0, 300.0)}


def candidate_sites(rng: np.random.Generator, adcode: str, towns: list[Township], ttable: pd.DataFrame,
                    units: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict] = []

    def add(name: str, levels: str, x: float, y: float, urban: bool, area: float, tied: str = "",
            year: int = 2022) -> None:
        lo, hi = LAND_CNY_M2[urban]
        rows.append(dict(id=f"{adcode}-C{len(rows) + 1:04d}", name=name, levels=levels, site_area_m2=area,
                         land_cost_cny=round(area * rng.uniform(lo, hi), -3), tied_to=tied,
                         earliest_year=year, township=ttable["code"].iloc[idx], x=x, y=y))

    for _, u in units[(units["kind"] == "new") & (units["residents"] >= 5000)].iterrows():
        idx = int(np.flatnonzero(ttable["code"].to_numpy() == u["township"])[0])
        levels = "kindergarten;primary;junior" if u["residents"] >= 10000 else "kindergarten;primary"
        add(f"{u['name']}配套学校用地", levels, u["x"] + 200, u["y"] + 150, True,
            float(round(rng.uniform(25000, 45000), -2)), tied=u["id"], year=int(u["completion_year"]) - 1)
    for idx, t in enumerate(towns):
        urban = bool(ttable["urban"].iloc[idx])
        x, y = near_points(rng, t.cell, t.seat, 1500.0 if urban else 600.0, 1)[0]
        add(f"{t.name}预留教育用地", "kindergarten;primary;junior", x, y, urban,
            float(round(rng.uniform(20000, 60000), -2)), year=int(rng.integers(2022, 2027)))
    core = [i for i, t in enumerate(towns) if t.kind == "street" or "城关" in t.name] or [0]
    for k in range(2):
        idx = core[k % len(core)]
        x, y = near_points(rng, towns[idx].cell, towns[idx].seat, 2500.0, 1)[0]
        add(f"{towns[idx].name}高中预留用地{k + 1}", "high", x, y, True, float(round(rng.uniform(80000, 140000), -2)),
            year=2023)
    return pd.DataFrame(rows)
