"""Generated schools of one county, calibrated to pupils per 1,000 residents and schools per 10,000.

The layout carries the problems the plans describe: village pupils drift to the township seat and the
county town (乡村弱、城镇挤), so town schools run classes over 55 while village schools and teaching
points stand half-empty; some townships lack a public central kindergarten; mountain townships have fewer
village schools, so more pupils live beyond reach; new estates have no school yet.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import travel
from ..schema import CLASS_SIZE, LEVELS, classes_col, enrolment_col, teaches
from .places import split_integer

CN_NUM = "零一二三四五六七八九十"

#: Share of village pupils who stay in their village school (the rest go to the township seat school).
RETENTION = (0.3, 0.75)
#: Average pupils per class in town schools (N(mean, sd)); above 55 is a large class (assumption, set so
#: that roughly a third of town classes are large, as the plans describe).
TOWN_CLASS = {"kindergarten": (31, 5), "primary": (53, 8), "junior": (55, 7), "high": (56, 6)}
#: Village school density by terrain (fewer in the mountains, so more pupils beyond reach).
VILLAGE_SCHOOL_DENSITY = {"plain": 1.0, "hill": 0.7, "mountain": 0.45}
#: Share of townships whose public central kindergarten is missing (the audit should find them).
NO_CENTRAL_KG = 0.18
#: Site area per class, m² (urban tight, rural generous; assumption, cf. KF land per pupil 15–25 m²).
SITE_PER_CLASS = {True: (900, 1300), False: (1600, 2400)}


def cn_ordinal(n: int) -> str:
    """1 -> 一, 12 -> 十二, 21 -> 二十一 (numbers up to 99)."""
    if n <= 10:
        return CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


def _school(sid, name, stype, x, y, township, *, ownership="public", inclusive=False, boarding=False,
            central=False, urban=False) -> dict:
    row = dict(id=sid, name=name, type=stype, ownership=ownership, inclusive=inclusive, boarding=boarding,
               central=central, township=township, urban=urban, x=x, y=y)
    for lv in LEVELS:
        row[classes_col(lv)] = 0
        row[enrolment_col(lv)] = 0
    return row


def place_schools(rng: np.random.Generator, adcode: str, county_name: str, townships: pd.DataFrame,
                  seats_xy: np.ndarray, units: pd.DataFrame, targets: dict[str, int]) -> list[dict]:
    """Where the county's schools stand, by type; enrolment and classes are set by :func:`enrol`."""
    short = county_name
    rows: list[dict] = []
    counter = iter(range(1, 100000))

    def sid() -> str:
        return f"{adcode}-S{next(counter):05d}"

    codes = townships["code"].tolist()
    street = (townships["kind"] == "street").to_numpy()
    is_cg = townships["name"].str.contains("城关").to_numpy()
    town_core = street | is_cg
    rural_idx = [i for i in range(len(codes)) if not street[i]]
    core_idx = [i for i in range(len(codes)) if town_core[i]] or [int(np.argmax(townships["population"]))]
    core_units = units[units["township"].isin([codes[i] for i in core_idx]) & units["urban"]]
    if core_units.empty:
        core_units = units[units["township"].isin([codes[i] for i in core_idx])]

    def core_point() -> tuple[float, float, str]:
        u = core_units.sample(1, weights=core_units["residents"], random_state=rng).iloc[0]
        jitter = rng.normal(0, 150, 2)
        return u["x"] + jitter[0], u["y"] + jitter[1], u["township"]

    # high schools in the county town
    for k in range(max(1, targets["high"])):
        x, y, tw = core_point()
        rows.append(_school(sid(), f"{short}第{cn_ordinal(k + 1)}高级中学", "high", x, y, tw,
                            boarding=True, urban=True, ownership="private" if k == 4 else "public"))
    # a junior (or nine-year) school at each rural township seat; the rest in the county town
    nine_year = set(rng.choice(rural_idx, size=int(round(0.15 * len(rural_idx))), replace=False).tolist()) \
        if rural_idx else set()
    for i in rural_idx:
        x, y = seats_xy[i]
        name = townships["name"].iloc[i]
        if i in nine_year:
            rows.append(_school(sid(), f"{name}九年一贯制学校", "nine_year", x + 120, y - 80, codes[i], boarding=True))
        else:
            rows.append(_school(sid(), f"{name}初级中学", "junior", x + 150, y + 100, codes[i], boarding=True))
    for k in range(max(1, targets["junior"] - len(rural_idx))):
        x, y, tw = core_point()
        rows.append(_school(sid(), f"{short}第{cn_ordinal(k + 1)}初级中学", "junior", x, y, tw, urban=True))
    # primary: a central school at each rural seat, town primaries, village schools and teaching points
    for i in rural_idx:
        if i not in nine_year:
            x, y = seats_xy[i]
            rows.append(_school(sid(), f"{townships['name'].iloc[i]}中心小学", "primary", x - 150, y + 60,
                                codes[i], boarding=bool(rng.random() < 0.3)))
    core_pop = int(core_units["residents"].sum())
    n_town = max(1, int(round(core_pop * 0.098 / 1400)))
    for k in range(n_town):
        x, y, tw = core_point()
        rows.append(_school(sid(), f"{short}第{cn_ordinal(k % 99 + 1)}小学", "primary", x, y, tw, urban=True))
    n_village = max(0, targets["primary"] - n_town - (len(rural_idx) - len(nine_year)))
    villages = units[units["kind"] == "village"]
    if n_village and len(villages):
        dens = townships.set_index("code")["terrain"].map(VILLAGE_SCHOOL_DENSITY)
        w = villages["residents"].to_numpy() * villages["township"].map(dens).to_numpy()
        pick = rng.choice(len(villages), size=min(n_village, len(villages)), replace=False, p=w / w.sum())
        terr = townships.set_index("code")["terrain"]
        for j in np.sort(pick):
            v = villages.iloc[j]
            tp = rng.random() < (0.55 if terr[v["township"]] != "plain" else 0.25)
            rows.append(_school(sid(), v["name"].removesuffix("村") + ("教学点" if tp else "小学"),
                                "teaching_point" if tp else "primary", v["x"] + 60, v["y"] + 40, v["township"]))
    # kindergartens: public central ones at rural seats (some missing), three public ones in town,
    # the rest private (most 普惠) near estates and villages
    n_pub_town = 3 if rng.random() < 0.7 else 2
    for k in range(n_pub_town):
        x, y, tw = core_point()
        rows.append(_school(sid(), f"{short}第{cn_ordinal(k + 1)}幼儿园", "kindergarten", x, y, tw,
                            inclusive=True, urban=True))
    for i in rural_idx:
        if rng.random() < NO_CENTRAL_KG:
            continue
        x, y = seats_xy[i]
        rows.append(_school(sid(), f"{townships['name'].iloc[i]}中心幼儿园", "kindergarten", x + 40, y - 160,
                            codes[i], inclusive=True, central=True))
    n_kg = max(0, targets["kindergarten"] - sum(r["type"] == "kindergarten" for r in rows))
    homes = units[units["kind"] != "new"]
    if n_kg and len(homes):
        pick = rng.choice(len(homes), size=min(n_kg, len(homes)), replace=False,
                          p=homes["residents"].to_numpy() / homes["residents"].sum())
        names = ("阳光", "启明", "小太阳", "育才", "童心", "金色摇篮", "蓝天", "贝贝", "七彩", "博雅")
        for j in np.sort(pick):
            u = homes.iloc[j]
            public = rng.random() < 0.25
            rows.append(_school(sid(), u["name"].removesuffix("村") + rng.choice(names) + "幼儿园",
                                "kindergarten", u["x"] + 50, u["y"] - 50, u["township"],
                                ownership="public" if public else "private",
                                inclusive=bool(public or rng.random() < 0.7), urban=bool(u["urban"])))
    return rows


def enrol(rng: np.random.Generator, schools: pd.DataFrame, units: pd.DataFrame,
          per_thousand: dict[str, float]) -> pd.DataFrame:
    """Enrolment and classes by level: pupils go to the nearest school; village pupils drift to seats."""
    schools = schools.copy()
    homes = units[units["kind"] != "new"]
    for level in LEVELS:
        idx = np.flatnonzero(teaches(schools, level))
        if len(idx) == 0:
            continue
        pupils = homes["residents"].to_numpy() * per_thousand[level] / 1000.0
        nearest = travel.nearest(homes[["x", "y"]].to_numpy(), schools.loc[idx, ["x", "y"]].to_numpy())[1][:, 0]
        natural = np.bincount(nearest, weights=pupils, minlength=len(idx))
        village_school = (~schools.loc[idx, "urban"].to_numpy()) & (schools.loc[idx, "type"].isin(
            ["primary", "teaching_point", "kindergarten"]).to_numpy()) & ~schools.loc[idx, "name"].str.contains(
            "中心").to_numpy()
        enrolled = natural.copy()
        stay = rng.uniform(*RETENTION, len(idx))
        drift = np.where(village_school, natural * (1 - stay), 0.0)
        enrolled -= drift
        # drifting pupils go to the nearest seat or town school of the level in the same township
        receivers = np.flatnonzero(~village_school)
        if len(receivers):
            to = travel.nearest(schools.loc[idx, ["x", "y"]].to_numpy(),
                                schools.loc[idx[receivers], ["x", "y"]].to_numpy())[1][:, 0]
            np.add.at(enrolled, receivers[to], drift)
        else:
            enrolled += drift
        whole = split_integer(int(round(pupils.sum())), np.maximum(enrolled, 1e-9))
        size = CLASS_SIZE[level]
        classes = np.zeros(len(idx), dtype=int)
        for k, i in enumerate(idx):
            stype = schools.at[i, "type"]
            if village_school[k]:
                grades = 3 if stype == "teaching_point" else (3 if level == "kindergarten" else 6)
                classes[k] = max(grades, int(np.ceil(natural[k] / size)))
            else:
                mean, sd = TOWN_CLASS[level]
                avg = float(np.clip(rng.normal(mean, sd), size * 0.75, 75))
                classes[k] = max(1, int(round(whole[k] / avg)))
        schools.loc[idx, classes_col(level)] = classes
        schools.loc[idx, enrolment_col(level)] = whole
    total_classes = schools[[classes_col(lv) for lv in LEVELS]].sum(axis=1).to_numpy()
    per_class = np.array([rng.uniform(*SITE_PER_CLASS[bool(u)]) for u in schools["urban"]])
    schools["site_area_m2"] = np.round(np.maximum(total_classes, 3) * per_class, -1)
    return schools
