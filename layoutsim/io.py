"""File input and output: reading a layer from any supported format, writing outputs atomically.

Formats: GeoPackage, GeoJSON, Shapefile, GeoParquet, and CSV with longitude/latitude columns. A scenario's
column mapping renames the file's columns to ours, so a bureau's own table works without renaming.
"""
from __future__ import annotations

import json
import warnings
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import DataError
from .geo import to_wgs84
from .scenario import LayerSource

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


def _read_csv(source: LayerSource) -> gpd.GeoDataFrame:
    path = source.path
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    missing = [c for c in (source.lon, source.lat) if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: CSV needs longitude/latitude columns {', '.join(missing)} "
            f"(set lon = / lat = in the scenario); it has {', '.join(df.columns)}"
        )
    lon = pd.to_numeric(df[source.lon], errors="coerce")
    lat = pd.to_numeric(df[source.lat], errors="coerce")
    bad = df.index[lon.isna() | lat.isna() | ~lon.between(-180, 180) | ~lat.between(-90, 90)]
    if len(bad):
        problems = [f"row {i + 1}: lon {df.at[i, source.lon]!r}, lat {df.at[i, source.lat]!r}" for i in bad[:50]]
        raise DataError(f"{path}: {len(bad)} rows without a valid longitude/latitude", problems)
    geometry = gpd.points_from_xy(lon, lat)
    return gpd.GeoDataFrame(df.drop(columns=[source.lon, source.lat]), geometry=geometry)


def read_layer(source: LayerSource) -> gpd.GeoDataFrame:
    """Read one layer and return it in WGS84 with our column names (values not yet validated)."""
    path = Path(source.path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's notes on column types; values are checked on validation
            if suffix == ".csv":
                gdf = _read_csv(source)
            elif suffix in PARQUET_SUFFIXES:
                gdf = gpd.read_parquet(path)
            elif suffix in VECTOR_SUFFIXES:
                gdf = pyogrio.read_dataframe(path, layer=source.layer)
            else:
                raise DataError(
                    f"{path}: unknown file type {suffix!r}; use .gpkg, .geojson, .shp, .parquet or .csv"
                )
    except DataError:
        raise
    except Exception as exc:  # GDAL, arrow and pandas raise many types for unreadable files
        raise DataError(f"{path}: cannot read the file: {exc}") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise DataError(f"{path}: the file has no geometry")
    rename = {theirs: ours for ours, theirs in source.columns.items()}
    absent = [f"{ours} = {theirs!r}" for theirs, ours in rename.items() if theirs not in gdf.columns]
    if absent:
        raise DataError(
            f"{path}: the column mapping names columns the file does not have",
            [*absent, f"the file has: {', '.join(map(str, gdf.columns))}"],
        )
    gdf = gdf.rename(columns=rename)
    if gdf.crs is not None and source.crs.upper() in {"WGS84", "EPSG:4326"}:
        # a file that declares its own CRS (GeoPackage, Shapefile .prj) is read as it declares
        return gdf.to_crs("EPSG:4326")
    return to_wgs84(gdf, source.crs)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; move it into place whole only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; outputs are for sharing
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(final)


def write_json(path: Path, data: object) -> None:
    """Write JSON as UTF-8 with Chinese kept readable."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def write_geojson(path: Path, gdf: gpd.GeoDataFrame) -> None:
    """Write a GeoDataFrame as deterministic GeoJSON (WGS84, stable key order)."""
    text = gdf.to_crs("EPSG:4326").to_json(drop_id=True, ensure_ascii=False, indent=None)
    path.write_text(text + "\n", encoding="utf-8")


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write several layers into one GeoPackage (WGS84) for QGIS."""
    for name, gdf in layers.items():
        pyogrio.write_dataframe(gdf.to_crs("EPSG:4326"), path, layer=name, driver="GPKG")
