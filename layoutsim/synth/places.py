"""Generated places below the county: township areas, estates, villages and new developments.

Township areas are Voronoi cells of seeded township seats, clipped to the real county outline; streets
(街道) and the 城关镇 cluster round the county seat. Residents are split between urban estates and
villages by the county's census urban share, and sum exactly to the census population.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry

#: Rural population density relative to the plain (assumption: fewer, smaller villages in the hills).
TERRAIN_DENSITY = {"plain": 1.0, "hill": 0.6, "mountain": 0.3}

ESTATE_WORDS = ("幸福", "阳光", "锦绣", "和谐", "滨河", "翠园", "金桥", "书香", "紫荆", "凤凰", "世纪",
                "朝阳", "康居", "怡景", "盛世", "龙湖", "御景", "东方", "春晖", "兴业")
ESTATE_TAILS = ("花园", "小区", "家园", "苑", "新城", "名邸", "佳苑", "华府")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
            "郭", "何", "高", "林", "罗", "郑", "梁", "宋", "谢", "韩", "唐", "冯", "于", "董", "程")
VILLAGE_TAILS = ("庄", "营", "楼", "寨", "岗", "店", "湾", "坡", "集", "屯", "沟", "洼", "桥", "园")


def random_points(rng: np.random.Generator, geom: BaseGeometry, n: int) -> np.ndarray:
    """``n`` points uniformly inside ``geom`` (rejection sampling from its bounding box)."""
    if n <= 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = geom.bounds
    out: list[np.ndarray] = []
    got = 0
    shapely.prepare(geom)
    for _ in range(200):
        k = max(64, 4 * (n - got))
        x = rng.uniform(minx, maxx, k)
        y = rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(geom, x, y)
        pts = np.column_stack([x[inside], y[inside]])
        out.append(pts)
        got += len(pts)
        if got >= n:
            break
    pts = np.vstack(out)
    if len(pts) < n:  # a sliver too thin to hit: fall back to its representative point
        pts = np.vstack([pts, np.repeat([geom.representative_point().coords[0]], n - len(pts), axis=0)])
    return pts[:n]


def near_points(rng: np.random.Generator, geom: BaseGeometry, centre: tuple[float, float],
                sigma_m: float, n: int) -> np.ndarray:
    """``n`` points scattered round ``centre`` (Gaussian, ``sigma_m``), kept inside ``geom``."""
    pts = np.empty((0, 2))
    for _ in range(50):
        cand = rng.normal(centre, sigma_m, size=(max(32, 3 * n), 2))
        cand = cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]
        pts = np.vstack([pts, cand])
        if len(pts) >= n:
            return pts[:n]
    return np.vstack([pts, random_points(rng, geom, n - len(pts))])[:n]


def spread_points(rng: np.random.Generator, geom: BaseGeometry, n: int, avoid: np.ndarray) -> np.ndarray:
    """``n`` well-spread points in ``geom`` by best-candidate sampling (far from ``avoid`` and each other)."""
    chosen = [p for p in avoid]
    out = []
    for _ in range(n):
        cand = random_points(rng, geom, 24)
        if chosen:
            d = np.min(np.linalg.norm(cand[:, None, :] - np.asarray(chosen)[None, :, :], axis=2), axis=1)
            best = cand[int(np.argmax(d))]
        else:
            best = cand[0]
        chosen.append(best)
        out.append(best)
    return np.asarray(out).reshape(-1, 2)


def split_integer(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder); sums exactly."""
    weights = np.asarray(weights, float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    share = total * weights / weights.sum()
    base = np.floor(share).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    return base


def sizes_summing_to(rng: np.random.Generator, total: int, mean: float, sigma: float,
                     lo: int, hi: int) -> np.ndarray:
    """Unit sizes drawn lognormal round ``mean``, clipped to [lo, hi], rescaled to sum to ``total``."""
    if total <= 0:
        return np.zeros(0, dtype=int)
    n = max(1, int(round(total / mean)))
    raw = np.clip(rng.lognormal(np.log(mean), sigma, n), lo, hi)
    return np.maximum(split_integer(total, raw), 0)


@dataclass(frozen=True)
class Township:
    name: str
    kind: str
    seat: tuple[float, float]
    cell: BaseGeometry


def township_cells(rng: np.random.Generator, county: BaseGeometry,
                   names: list[tuple[str, str]]) -> list[Township]:
    """Township areas that tile the county: Voronoi cells of seats; streets cluster round the seat."""
    centre = county.representative_point()
    urban = [i for i, (name, kind) in enumerate(names) if kind == "street" or "城关" in name]
    other = [i for i in range(len(names)) if i not in urban]
    area_km2 = county.area / 1e6
    all_urban = len(other) == 0
    seats = np.zeros((len(names), 2))
    if urban and not all_urban:
        radius = min(np.sqrt(area_km2) * 250.0, 1200.0 * np.sqrt(len(urban)) + 800.0)
        seats[urban] = near_points(rng, county, (centre.x, centre.y), radius, len(urban))
        seats[other] = spread_points(rng, county, len(other), avoid=seats[urban])
    else:
        seats[:] = spread_points(rng, county, len(names), avoid=np.empty((0, 2)))
    cells = shapely.voronoi_polygons(MultiPoint(seats), extend_to=county)
    polys = list(shapely.get_parts(cells))
    out = []
    for i, (name, kind) in enumerate(names):
        seat = Point(seats[i])
        cell = next(p for p in polys if p.covers(seat))
        clipped = shapely.make_valid(cell.intersection(county))
        clipped = shapely.union_all([g for g in shapely.get_parts(clipped) if g.geom_type == "Polygon"])
        out.append(Township(name, kind, (seat.x, seat.y), clipped))
    return out


def _unique(rng: np.random.Generator, used: set[str], make, fallback: str) -> str:
    """A name from ``make(rng)`` not yet in ``used`` (after 100 tries, ``fallback`` numbered)."""
    for _ in range(100):
        name = make(rng)
        if name not in used:
            break
    else:
        name = fallback.format(n=len(used))
    used.add(name)
    return name


def estate_name(rng: np.random.Generator, used: set[str]) -> str:
    return _unique(rng, used, lambda r: r.choice(ESTATE_WORDS) + r.choice(ESTATE_TAILS), "新苑{n}期")


def village_name(rng: np.random.Generator, used: set[str]) -> str:
    prefixes = SURNAMES + ("前", "后", "东", "西", "南", "北", "大", "小")
    return _unique(rng, used, lambda r: r.choice(SURNAMES) + r.choice(prefixes) + r.choice(VILLAGE_TAILS) + "村",
                   "新{n}村")
