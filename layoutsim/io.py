"""File input and output: reading a layer from any supported format, writing outputs atomically.

Formats: GeoPackage, GeoJSON, Shapefile, GeoParquet, and CSV with longitude/latitude columns. A scenario's
column mapping renames the file's columns to ours, so a bureau's own table works without renaming.
"""
from __future__ import annotations

import codecs
import json
import warnings
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import DataError
from .geo import lonlat_hint, to_wgs84, with_hints
from .scenario import LayerSource

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


#: Byte-order marks and the encoding each one announces (UTF-32's before UTF-16's: it starts the same).
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _csv_text(path: Path) -> str:
    """The text of a CSV: by its byte-order mark, else UTF-8, GB18030 (Excel's Chinese default), UTF-16."""
    data = path.read_bytes()
    encodings = next(([enc] for bom, enc in _BOMS if data.startswith(bom)), None)
    if encodings is None:  # no mark: UTF-16 only when NUL bytes say the text is not 8-bit
        encodings = ["utf-8", "gb18030"] + (["utf-16-le", "utf-16-be"] if b"\x00" in data else [])
    for enc in encodings:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise DataError(
        f"{path}: the file's encoding is not UTF-8 or GB18030 (nor UTF-16 with a byte-order mark); "
        "save it as UTF-8: in Excel 另存为 → \"CSV UTF-8 (逗号分隔)\", in WPS or a text editor choose encoding UTF-8"
    )


def _read_csv(source: LayerSource) -> gpd.GeoDataFrame:
    path = source.path
    df = pd.read_csv(StringIO(_csv_text(Path(path))), dtype=str, keep_default_na=False)
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
        shared, problems = with_hints(
            [f"row {i + 1}: lon {df.at[i, source.lon]!r}, lat {df.at[i, source.lat]!r}" for i in bad],
            [lonlat_hint(lon[i], lat[i]) for i in bad])
        raise DataError(f"{path}: {len(bad)} rows without a valid longitude/latitude{shared}", problems)
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
                try:
                    gdf = gpd.read_parquet(path)
                except ImportError:
                    raise DataError(f"{path}: reading GeoParquet needs the pyarrow package: pip install pyarrow "
                                    "(or save the layer as GeoPackage or GeoJSON)") from None
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
