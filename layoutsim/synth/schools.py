"""Generated schools of one county, calibrated to the published statistics of ``published.py``.

Counts per 10,000 residents (teaching points per rural resident), pupils per 1,000 residents, the share
of classes over 55 and over 65 by level, the size of a 教学点, the private share of compulsory pupils and
the public and 普惠 shares of kindergarten children all come from a :class:`~.census.Calibration`.

The layout carries the problems the plans describe, in the measure the statistics report them: village
pupils drift to the township seat and the county town (乡村弱、城镇挤), so village schools and teaching
points stand half-empty and a few town schools run large classes; some townships lack a public central
kindergarten; mountain townships have fewer village schools, so more pupils live beyond reach; new estates
have no school yet.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import travel
from ..schema import CLASS_SIZE, LARGE_CLASS, LEVELS, SUPER_LARGE_CLASS, classes_col, enrolment_col, teaches
from .census import Calibration
from .places import split_integer

CN_NUM = "零一二三四五六七八九十"

#: Share of a village school's pupils who stay in it (the rest go to the township seat or county town).
RETENTION = (0.25, 0.65)
#: A village kindergarten keeps more: children of 3–6 stay near home.
KG_RETENTION = (0.5, 0.9)
#: A 教学点 keeps more of its young pupils (its reason to exist: 方便低年级学生就学).
TEACHING_POINT_RETENTION = (0.7, 1.0)
#: Average pupils per class of a school that is not crowded, N(mean, sd), kept within 55 (assumption:
#: Henan's standard classes are 45 and 50; town schools run fuller ones).
CLASS_MEAN = {"kindergarten": (28, 4), "primary": (45, 6), "junior": (48, 5), "high": (51, 3)}
#: Average class of a crowded school: 大班额 (56–65) or 超大班额 (66 and more), drawn uniformly.
CROWDED = {"large": (56.5, 64.0), "super": (66.5, 72.0)}
#: How likely a school is to run the large classes, by where it stands: county-town schools three times as
#: likely as township-seat ones; village schools and teaching points never (the plans' 城镇挤).
CROWD_WEIGHT = {"town": 3.0, "seat": 1.0, "village": 0.0}
#: Grades a 教学点 teaches, and how often: 一至三年级, some 一至四年级 (the rest go to the central school).
TEACHING_POINT_GRADES = (3, 4)
TEACHING_POINT_GRADE_P = (0.7, 0.3)
#: Most pupils a 教学点 keeps in a grade (assumption: a small class; the rest go to the central school).
TEACHING_POINT_CLASS = 25
#: Village school density by terrain (fewer in the mountains, so more pupils beyond reach).
VILLAGE_SCHOOL_DENSITY = {"plain": 1.0, "hill": 0.7, "mountain": 0.45}
#: Share of townships whose public central kindergarten is missing (the audit should find them).
NO_CENTRAL_KG = 0.18
#: Site area per class, m² (urban tight, rural generous; assumption, cf. KF land per pupil 15–25 m²).
SITE_PER_CLASS = {True: (900, 1300), False: (1600, 2400)}
#: Site areas of the schools outside the pupil forecast, m² (assumption).
OTHER_SITE = {"vocational": (60000, 100000), "special": (15000, 25000)}
#: Names a private (民办) school or kindergarten is given.
PRIVATE_WORDS = ("育才", "博文", "英才", "启明", "明德", "实验", "华英", "育英", "新星", "翰林")
KG_WORDS = ("阳光", "启明", "小太阳", "育才", "童心", "金色摇篮", "蓝天", "贝贝", "七彩", "博雅")


def cn_ordinal(n: int) -> str:
    """1 -> 一, 12 -> 十二, 21 -> 二十一 (numbers up to 99)."""
    if n <= 10:
        return CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


def _school(sid, name, stype, x, y, township, role, *, ownership="public", inclusive=False, boarding=False,
            central=False, urban=False) -> dict:
    row = dict(id=sid, name=name, type=stype, ownership=ownership, inclusive=inclusive, boarding=boarding,
               central=central, township=township, urban=urban, role=role, x=x, y=y)
    for lv in LEVELS:
        row[classes_col(lv)] = 0
        row[enrolment_col(lv)] = 0
    return row


def school_targets(cal: Calibration, population: int, rural_population: int, county_kind: str) -> dict[str, int]:
    """How many schools of each kind a county of this population gets. A county (县, 县级市) has at least
    one 中职 and, from 300,000 residents, one special-education school (the plans' rules); a city
    district has the city's schools its population implies."""
    out = {k: int(round(population * r / 1e4)) for k, r in cal.per_10k.items()}
    for k in ("kindergarten", "primary", "junior", "high"):
        out[k] = max(1, out[k])
    if county_kind != "district":
        out["vocational"] = max(1, out["vocational"])
        out["special"] = max(1 if population >= 300000 else 0, out["special"])
    out["teaching_point"] = int(round(rural_population * cal.teaching_points_per_10k_rural / 1e4))
    return out


def place_schools(rng: np.random.Generator, adcode: str, county_name: str, townships: pd.DataFrame,
                  seats_xy: np.ndarray, units: pd.DataFrame, targets: dict[str, int],
                  per_thousand_primary: float) -> list[dict]:
    """Where the county's schools stand, by type; enrolment and classes are set by :func:`enrol`.

    ``role`` says where a school stands: ``town`` (the county town), ``seat`` (a township seat) or
    ``village``. A school is ``urban`` in the statistics' sense (城镇): in the county town, at a 镇's seat
    or anywhere in a 街道.
    """
    short = county_name
    rows: list[dict] = []
    counter = iter(range(1, 100000))

    def sid() -> str:
        return f"{adcode}-S{next(counter):05d}"

    codes = townships["code"].tolist()
    kinds = townships["kind"].to_numpy()
    street = kinds == "street"
    in_street = dict(zip(codes, street.tolist()))  # a 街道's places are 城区 in the statistics
    town_core = street | townships["name"].str.contains("城关").to_numpy()
    rural_idx = [i for i in range(len(codes)) if not town_core[i]]
    seat_urban = {i: bool(kinds[i] == "town") for i in rural_idx}
    core_idx = [i for i in range(len(codes)) if town_core[i]] or [int(np.argmax(townships["population"]))]
    core_units = units[units["township"].isin([codes[i] for i in core_idx]) & units["urban"]]
    if core_units.empty:
        core_units = units[units["township"].isin([codes[i] for i in core_idx])]

    def core_point() -> tuple[float, float, str]:
        u = core_units.sample(1, weights=core_units["residents"], random_state=rng).iloc[0]
        jitter = rng.normal(0, 150, 2)
        return u["x"] + jitter[0], u["y"] + jitter[1], u["township"]

    def town(name: str, stype: str, **kw) -> None:
        x, y, tw = core_point()
        rows.append(_school(sid(), name, stype, x, y, tw, "town", urban=True, **kw))

    def seat(i: int, name: str, stype: str, dx: float, dy: float, **kw) -> None:
        x, y = seats_xy[i]
        rows.append(_school(sid(), f"{townships['name'].iloc[i]}{name}", stype, x + dx, y + dy, codes[i], "seat",
                            urban=seat_urban[i], **kw))

    # high schools in the county town
    for k in range(targets["high"]):
        town(f"{short}第{cn_ordinal(k % 99 + 1)}高级中学", "high", boarding=True)
    # a junior (or nine-year) school at each rural township seat; the rest in the county town
    nine_year = set(rng.choice(rural_idx, size=int(round(0.15 * len(rural_idx))), replace=False).tolist()) \
        if rural_idx else set()
    for i in rural_idx:
        if i in nine_year:
            seat(i, "九年一贯制学校", "nine_year", 120, -80, boarding=True)
        else:
            seat(i, "初级中学", "junior", 150, 100, boarding=True)
    for k in range(max(1, targets["junior"] - len(rural_idx))):
        town(f"{short}第{cn_ordinal(k % 99 + 1)}初级中学", "junior")
    # primary: a central school at each rural seat, town primaries, village schools and teaching points
    for i in rural_idx:
        if i not in nine_year:
            seat(i, "中心小学", "primary", -150, 60, boarding=bool(rng.random() < 0.3))
    core_pop = int(core_units["residents"].sum())
    n_town = max(1, int(round(core_pop * per_thousand_primary / 1000 / 1400)))
    for k in range(n_town):
        town(f"{short}第{cn_ordinal(k % 99 + 1)}小学", "primary")
    n_village = max(0, targets["primary"] - n_town - (len(rural_idx) - len(nine_year)))
    _village_primaries(rng, rows, sid, units, townships, in_street, n_village, targets["teaching_point"])
    # kindergartens: public central ones at rural seats (some missing), public ones in town, the rest
    # near estates and villages (ownership and 普惠 are set by calibrate_ownership once pupils are known)
    for k in range(3 if rng.random() < 0.7 else 2):
        town(f"{short}第{cn_ordinal(k + 1)}幼儿园", "kindergarten", inclusive=True)
    for i in rural_idx:
        if rng.random() >= NO_CENTRAL_KG:
            seat(i, "中心幼儿园", "kindergarten", 40, -160, inclusive=True, central=True)
    n_kg = max(0, targets["kindergarten"] - sum(r["type"] == "kindergarten" for r in rows))
    homes = units[units["kind"] != "new"]
    if n_kg and len(homes):
        pick = rng.choice(len(homes), size=min(n_kg, len(homes)), replace=False,
                          p=homes["residents"].to_numpy() / homes["residents"].sum())
        for j in np.sort(pick):
            u = homes.iloc[j]
            role = "town" if u["township"] in {codes[i] for i in core_idx} and u["urban"] else "village"
            rows.append(_school(sid(), u["name"].removesuffix("村") + rng.choice(KG_WORDS) + "幼儿园",
                                "kindergarten", u["x"] + 50, u["y"] - 50, u["township"], role,
                                ownership="private", urban=bool(u["urban"]) or in_street[u["township"]]))
    # schools outside the pupil forecast: 中职 and special education, in the county town
    for k in range(targets["vocational"]):
        town(f"{short}职业教育中心" if k == 0 else f"{short}第{cn_ordinal(k + 1)}中等职业学校", "vocational")
    for k in range(targets["special"]):
        town(f"{short}特殊教育学校" if k == 0 else f"{short}第{cn_ordinal(k + 1)}特殊教育学校", "special")
    return rows


def _village_primaries(rng: np.random.Generator, rows: list[dict], sid, units: pd.DataFrame,
                       townships: pd.DataFrame, in_street: dict[str, bool], n_village: int, n_points: int) -> None:
    """Village primary schools, then teaching points, in villages: each picked with a weight of its
    residents, its terrain's school density and its distance to the primaries already placed (so they
    spread out); teaching points go to the villages farthest from a primary (their reason to exist)."""
    villages = units[units["kind"] == "village"]
    if not len(villages):
        return
    terr = townships.set_index("code")["terrain"]
    dens = villages["township"].map(terr).map(VILLAGE_SCHOOL_DENSITY).to_numpy()
    xy = villages[["x", "y"]].to_numpy()
    free = np.ones(len(villages), bool)

    def far() -> np.ndarray:
        placed = np.array([[r["x"], r["y"]] for r in rows if r["type"] in ("primary", "teaching_point", "nine_year")])
        return travel.nearest_distance(xy, placed) if len(placed) else np.ones(len(xy))

    for stype, n, weight in (("primary", n_village, lambda d: villages["residents"].to_numpy() * dens * d),
                             ("teaching_point", n_points, lambda d: dens * d ** 2)):
        w = np.where(free, weight(np.minimum(far(), 20000.0)), 0.0)
        n = min(n, int((w > 0).sum()))
        if n <= 0:
            continue
        pick = rng.choice(len(villages), size=n, replace=False, p=w / w.sum())
        free[pick] = False
        for j in np.sort(pick):
            v = villages.iloc[j]
            tail = "教学点" if stype == "teaching_point" else "小学"
            rows.append(_school(sid(), v["name"].removesuffix("村") + tail, stype, v["x"] + 60, v["y"] + 40,
                                v["township"], "village", urban=in_street[v["township"]]))


def _classes(rng: np.random.Generator, level: str, role: np.ndarray, stype: np.ndarray, natural: np.ndarray,
             whole: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """Classes of each school at a level before any is crowded: village schools keep the rooms their
    natural catchment once filled (whole grades at least), a 教学点 one class a grade it teaches (fewer,
    mixed-grade, when tiny), other schools an average class drawn from :data:`CLASS_MEAN`, within 55."""
    size = CLASS_SIZE[level]
    mean, sd = CLASS_MEAN[level]
    avg = np.clip(rng.normal(mean, sd, len(whole)), 0.6 * size, LARGE_CLASS if level != "kindergarten" else size)
    out = np.maximum(1, np.ceil(whole / avg)).astype(int)
    village = role == "village"
    least = 3 if level == "kindergarten" else 6
    out[village] = np.maximum(least, np.ceil(natural[village] / size)).astype(int)
    tp = stype == "teaching_point"
    out[tp] = np.clip(np.ceil(whole[tp] / 15.0), 1, grades[tp]).astype(int)  # mixed grades when tiny
    return out


def crowd(rng: np.random.Generator, whole: np.ndarray, classes: np.ndarray, weight: np.ndarray,
          shares: tuple[float, float], offsets: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Make some schools crowded so that ``shares`` = (classes over 55, classes over 65) of all the classes
    hold, as :func:`layoutsim.rules.classes.large_classes` counts them from pupils and classes: the
    classes wanted are ``⌊share × classes + offset⌋`` (offsets drawn in [0, 1), so counties round at
    random and add up right), of the classes as crowding leaves them.

    Schools are taken in a random order weighted by ``weight`` (0: never). Each gets an average class
    from :data:`CROWDED` (超大班额 first, then 大班额); the last of each kind is given exactly the classes
    still wanted, its pupils evened by moving a few (fewer than a class) to or from the least crowded
    other school. A school too large for what is still wanted is passed over. Pupils in total are unchanged.
    """
    whole, classes = whole.copy(), classes.copy()
    eligible = np.flatnonzero(weight > 0)
    if not len(eligible) or not any(shares):
        return whole, classes
    keys = rng.random(len(eligible)) ** (1.0 / weight[eligible])
    order = list(eligible[np.argsort(-keys, kind="stable")])
    busy: set[int] = set()
    made = [0, 0]  # classes over 55 and over 65 made so far (a 超大班额 school's are all over 55)

    def left(k: int) -> int:
        return int(np.floor(shares[k] * classes.sum() + offsets[k])) - made[k]

    for kind, line, k in (("super", SUPER_LARGE_CLASS, 1), ("large", LARGE_CLASS, 0)):
        lo, hi = CROWDED[kind]
        while order and left(k) > 0:
            want = left(k)
            room = left(0) if kind == "super" else np.inf  # a 超大班额 school's every class is over 55
            i = order.pop(0)
            fewest = int(np.ceil(whole[i] / SUPER_LARGE_CLASS)) if kind == "large" else 1  # none over 65
            most = int(np.floor(whole[i] / (line + 1)))
            if most < max(fewest, 1):
                continue
            c = int(np.clip(round(whole[i] / rng.uniform(lo, hi)), max(fewest, 1), most))
            over = c
            if c > want or c > room:  # the last one: exactly ``want`` classes over the line
                c = int(round((whole[i] - want) / line))
                if c < want or c < 1 or c > room:
                    continue
                target = line * c + want
                donor = _evener(whole, classes, busy | {i}, target - whole[i])
                if donor is None:
                    continue
                whole[donor] -= target - whole[i]
                whole[i] = target
                over = want
            classes[i] = c
            busy.add(i)
            made[0] += c if kind == "super" else over
            made[1] += over if kind == "super" else 0
    return whole, classes


def _evener(whole: np.ndarray, classes: np.ndarray, busy: set[int], need: int) -> int | None:
    """The school that gives ``need`` pupils (or takes ``-need``) and stays within 55 a class."""
    room = LARGE_CLASS * classes - whole
    ok = [j for j in range(len(whole)) if j not in busy and classes[j] > 0
          and (whole[j] - need >= 0) and (whole[j] - need <= LARGE_CLASS * classes[j])]
    if not ok:
        return None
    return max(ok, key=lambda j: room[j] if need < 0 else whole[j])


def enrol(rng: np.random.Generator, schools: pd.DataFrame, units: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """Enrolment and classes by level: pupils go to the nearest school; village pupils drift to seats and
    the county town; a 教学点 keeps only its lower grades; some town schools are crowded."""
    schools = schools.copy()
    homes = units[units["kind"] != "new"]
    tp_grades = np.where(schools["type"] == "teaching_point",
                         rng.choice(TEACHING_POINT_GRADES, len(schools), p=TEACHING_POINT_GRADE_P), 6)
    for level in LEVELS:
        idx = np.flatnonzero(teaches(schools, level))
        if len(idx) == 0:
            continue
        sc = schools.loc[idx]
        role, stype = sc["role"].to_numpy(), sc["type"].to_numpy()
        pupils = homes["residents"].to_numpy() * cal.per_thousand[level] / 1000.0
        nearest = travel.nearest(homes[["x", "y"]].to_numpy(), sc[["x", "y"]].to_numpy())[1][:, 0]
        natural = np.bincount(nearest, weights=pupils, minlength=len(idx))
        village = role == "village"
        tp = stype == "teaching_point"
        stay = np.where(village, rng.uniform(*(KG_RETENTION if level == "kindergarten" else RETENTION), len(idx)), 1.0)
        stay = np.where(tp, rng.uniform(*TEACHING_POINT_RETENTION, len(idx)), stay)
        if tp.any():  # a 教学点 keeps its lower grades' stayers, a small class a grade, scaled to the published size
            keep = np.minimum(natural * tp_grades[idx] / 6.0 * stay, TEACHING_POINT_CLASS * tp_grades[idx])
            scale = min(1.0, cal.teaching_point_pupils.value * tp.sum() / max(keep[tp].sum(), 1e-9))
            stay = np.where(tp, keep * scale / np.maximum(natural, 1e-9), stay)
        drift = natural * (1 - stay)
        enrolled = natural - drift
        receivers = np.flatnonzero(~village)
        if len(receivers):  # drifting pupils go to the nearest seat or town school of the level
            to = travel.nearest(sc[["x", "y"]].to_numpy(), sc.iloc[receivers][["x", "y"]].to_numpy())[1][:, 0]
            np.add.at(enrolled, receivers[to], drift)
        else:
            enrolled += drift
        whole = split_integer(int(round(pupils.sum())), np.maximum(enrolled, 1e-9))
        classes = _classes(rng, level, role, stype, natural, whole.astype(float), tp_grades[idx])
        if level in cal.large:
            over65 = cal.super_large[level].value
            offsets = (float(rng.random()), float(rng.random()))
            weight = np.array([CROWD_WEIGHT[r] for r in role]) * (whole >= LARGE_CLASS + 1)
            whole, classes = crowd(rng, whole, classes, weight, (cal.large[level].value + over65, over65), offsets)
        schools.loc[idx, classes_col(level)] = classes
        schools.loc[idx, enrolment_col(level)] = whole
    total_classes = schools[[classes_col(lv) for lv in LEVELS]].sum(axis=1).to_numpy()
    per_class = np.array([rng.uniform(*SITE_PER_CLASS[bool(u)]) for u in schools["urban"]])
    area = np.round(np.maximum(total_classes, 3) * per_class, -1)
    for stype, (lo, hi) in OTHER_SITE.items():
        mine = (schools["type"] == stype).to_numpy()
        area[mine] = np.round(rng.uniform(lo, hi, int(mine.sum())), -2)
    schools["site_area_m2"] = area
    return schools


def _pick_until(rng: np.random.Generator, candidates: np.ndarray, pupils: np.ndarray, need: float) -> np.ndarray:
    """Candidates (indices) taken in random order while their pupils stay nearest to ``need`` (a school is
    taken if that brings the running total closer to it)."""
    out = []
    got = 0.0
    for i in rng.permutation(candidates):
        if got + pupils[i] / 2 > need:
            continue
        out.append(i)
        got += pupils[i]
    return np.asarray(out, dtype=int)


def calibrate_ownership(rng: np.random.Generator, schools: pd.DataFrame, cal: Calibration,
                        short: str) -> pd.DataFrame:
    """Who runs each school, to the published shares of pupils: some county-town primary and junior
    schools private (民办); kindergartens public to 公办园在园幼儿占比 (central and town ones always), the
    private ones 普惠 to the 普惠 coverage."""
    schools = schools.copy()
    kg = enrolment_col("kindergarten")
    e = schools[kg].to_numpy(dtype=float)
    is_kg = (schools["type"] == "kindergarten").to_numpy()
    fixed = is_kg & (schools["inclusive"].to_numpy(dtype=bool))  # central and town public ones
    schools.loc[fixed, "ownership"] = "public"
    rest = np.flatnonzero(is_kg & ~fixed)
    total = e[is_kg].sum()
    public = _pick_until(rng, rest, e, cal.public_kg.value * total - e[fixed].sum())
    schools.loc[schools.index[public], ["ownership", "inclusive"]] = ["public", True]
    private = np.setdiff1d(rest, public)
    covered = e[fixed].sum() + e[public].sum()
    inclusive = _pick_until(rng, private, e, cal.inclusive_kg.value * total - covered)
    schools.loc[schools.index[inclusive], "inclusive"] = True
    # compulsory: county-town primary and junior schools turned private, to the published share
    comp = schools[enrolment_col("primary")].to_numpy(dtype=float) + schools[enrolment_col("junior")].to_numpy(dtype=float)
    town = np.flatnonzero((schools["role"] == "town").to_numpy() & schools["type"].isin(["primary", "junior"]).to_numpy())
    turned = _pick_until(rng, town, comp, cal.private_compulsory.value * comp.sum())
    for n, i in enumerate(sorted(turned)):
        level = "小学" if schools.at[schools.index[i], "type"] == "primary" else "中学"
        word = PRIVATE_WORDS[n % len(PRIVATE_WORDS)] + ("" if n < len(PRIVATE_WORDS) else cn_ordinal(n // len(PRIVATE_WORDS) + 1))
        schools.loc[schools.index[i], ["ownership", "name"]] = ["private", f"{short}{word}{level}"]
    return schools
