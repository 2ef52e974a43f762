"""Coordinate systems: reading WGS84, CGCS2000 and GCJ-02 input, a local metric CRS for distances; and
the lie of the land (elevation from the coarse DEM grid, the terrain class the rules use).

GCJ-02 is the offset coordinate system of AMap (高德) and Tencent maps, where Chinese planners pick most
points. The forward transform is the widely published one (the same constants as the ``cnmaps`` and
``coordtransform`` packages); the inverse is solved by fixed-point iteration to well under a centimetre.
"""
from __future__ import annotations

from functools import cache
from importlib import resources

import geopandas as gpd
import numpy as np
from numpy.typing import ArrayLike
import pandas as pd
import shapely
from pyproj import CRS
from scipy.interpolate import RegularGridInterpolator

from layoutsim.config.crs import normalise_crs_name

WGS84 = "EPSG:4326"


_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward GCJ-02 transform of WGS84 longitudes and latitudes (degrees)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse GCJ-02 transform, iterated until the forward transform reproduces the input (<1e-9 deg)."""
    glon, glat = np.asarray(lon, float), np.asarray(lat, float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.abs(elon).max(initial=0), np.abs(elat).max(initial=0)) < 1e-10:
            break
    return wlon, wlat


def to_wgs84(gdf: gpd.GeoDataFrame, crs_name: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS84, reading its coordinates as ``crs_name`` (see :data:`layoutsim.config.crs.CRS_ALIASES`)."""
    canonical = normalise_crs_name(crs_name)
    if canonical == "GCJ02":
        geoms = shapely.transform(
            gdf.geometry.values, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))
        )
        return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=WGS84))
    out = gdf.set_crs(canonical, allow_override=True)
    return out.to_crs(WGS84)


def lonlat_hint(lon: float, lat: float, bounds: tuple[float, float, float, float] | None = None) -> str:
    """Why a point read as longitude/latitude may be wrong, or "" when nothing stands out.

    ``bounds`` (min lon, min lat, max lon, max lat) is where the points should lie, e.g. the counties'
    bounding box: a point that lands inside it once its two numbers are exchanged was given swapped.
    """
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return "the coordinates are not finite numbers"
    swapped_in = bounds is not None and bounds[0] <= lat <= bounds[2] and bounds[1] <= lon <= bounds[3]
    if swapped_in or (abs(lat) > 90 and abs(lat) <= 180 and abs(lon) <= 90):
        return "longitude and latitude look swapped (x must be the longitude, y the latitude)"
    if abs(lon) > 180 or abs(lat) > 90:
        return ("these look like projected coordinates (metres) or another CRS, not longitude/latitude: "
                "set crs = \"EPSG:<code>\" for this layer in the scenario's [data] table, or save the file "
                "in WGS84 / CGCS2000 longitude and latitude")
    return ""


def with_hints(lines: list[str], hints: list[str], limit: int = 50) -> tuple[str, list[str]]:
    """A hint every line shares (to say once, in the heading) and the first ``limit`` lines, each with its
    own hint when they differ, then how many more there are."""
    more = [f"… and {len(lines) - limit} more"] if len(lines) > limit else []
    if hints and hints[0] and len(set(hints)) == 1:
        return f": {hints[0]}", lines[:limit] + more
    return "", [f"{line}: {hint}" if hint else line for line, hint in zip(lines[:limit], hints)] + more


def local_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """A metric CRS for the area: the UTM zone of its centre (Henan spans zones 49 and 50)."""
    return gdf.to_crs(WGS84).estimate_utm_crs()


def round_coords(geoms: np.ndarray, decimals: int = 6) -> np.ndarray:
    """Geometries with coordinates rounded (6 decimals of a degree is about 0.1 m)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


@cache
def _dem() -> RegularGridInterpolator:
    with (resources.files("layoutsim") / "reference" / "henan_dem_grid.csv").open(encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    lons, lats = np.sort(df["lon"].unique()), np.sort(df["lat"].unique())
    grid = df.pivot_table(index="lon", columns="lat", values="elevation_m").reindex(index=lons, columns=lats)
    return RegularGridInterpolator((lons, lats), grid.to_numpy(), bounds_error=False, fill_value=None)


def elevation(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Elevation (m) interpolated from the coarse 0.2° DEM grid."""
    return _dem()(np.column_stack([lon, lat]))


#: Terrain from the coarse 0.2° DEM, by the local relief (highest less lowest ground within
#: ``RELIEF_KM`` of a place) and the mean elevation: mountain from 250 m of relief; hill from 50 m of
#: relief or 200 m of elevation; else plain. The grid smooths relief, so no one line matches every
#: published share: on a 0.04° lattice these give Henan 14 % mountain, 31 % hill, 55 % plain (published:
#: 26.6, 17.7, 55.7) and 三门峡 64 % mountain, 36 % hill (published: 54.8, 36, 9.2 川原; its 川原 lie above
#: 200 m). An urban place is never mountain (:func:`terrain_at`).
RELIEF_KM = 8.0
MOUNTAIN_RELIEF_M = 250.0
HILL_RELIEF_M = 50.0
HILL_ELEVATION_M = 200.0


def relief(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean elevation and local relief (m) at each point, from 25 DEM samples: the point and two rings
    (``RELIEF_KM`` / 2 and ``RELIEF_KM``) of 12."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    angles = np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    samples = [elevation(lon, lat)]
    for km in (RELIEF_KM / 2, RELIEF_KM):
        for a in angles:
            samples.append(elevation(lon + km / 111.32 * np.cos(a) / np.cos(np.radians(lat)),
                                     lat + km / 110.57 * np.sin(a)))
    grid = np.vstack(samples)
    return grid.mean(axis=0), grid.max(axis=0) - grid.min(axis=0)


def terrain_class(elev_m: float, relief_m: float) -> str:
    """plain, hill or mountain from a place's mean elevation and local relief (see ``RELIEF_KM``).

    >>> terrain_class(80, 20), terrain_class(450, 120), terrain_class(700, 400)
    ('plain', 'hill', 'mountain')
    """
    if relief_m >= MOUNTAIN_RELIEF_M:
        return "mountain"
    return "hill" if relief_m >= HILL_RELIEF_M or elev_m >= HILL_ELEVATION_M else "plain"


def terrain_at(lon: ArrayLike, lat: ArrayLike, urban: bool = False) -> str:
    """The terrain of an area sampled at points (WGS84): the class of their mean elevation and relief;
    an urban area (a street, a 城关镇, an urban district's township) is at most hill."""
    elev, rel = relief(lon, lat)
    terrain = terrain_class(float(np.mean(elev)), float(np.mean(rel)))
    return "hill" if urban and terrain == "mountain" else terrain


def voronoi_cells(points: np.ndarray, outline: shapely.Geometry) -> tuple[list, np.ndarray]:
    """The Voronoi cells of ``points`` ((n, 2), metres) clipped to ``outline``: one per distinct spot
    (points within a centimetre share it), and each point's spot. A single spot's cell is the outline."""
    spots, which = np.unique(np.round(points, 2), axis=0, return_inverse=True)
    if len(spots) == 1:
        return [outline], which.ravel()
    cells = shapely.voronoi_polygons(shapely.MultiPoint(spots), extend_to=outline, ordered=True).geoms
    return [c.intersection(outline) for c in cells], which.ravel()
