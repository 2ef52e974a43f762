"""File input and output: reading a layer from any supported format, writing outputs atomically.

Formats: GeoPackage, GeoJSON, Shapefile, GeoParquet, and CSV or an Excel sheet with longitude/latitude
columns. A scenario's
column mapping renames the file's columns to ours, so a bureau's own table works without renaming.
"""
from __future__ import annotations

import codecs
import json
import os
import re
import warnings
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from .errors import DataError
from .geo import lonlat_hint, to_wgs84, with_hints
from .schema import LAYERS, OPTIONAL, SYNTHETIC_COL
from .config.scenario import LayerSource

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}

#: Column names of the data contract (and coordinates): a sheet row made of them names the columns.
KNOWN_COLUMNS = {c for layer in LAYERS for c in (*LAYERS[layer], *OPTIONAL[layer])} | {"lon", "lat", SYNTHETIC_COL}


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


def _points(df: pd.DataFrame, source: LayerSource, where: str, first_row: int) -> gpd.GeoDataFrame:
    """A table of text with longitude/latitude columns as points. ``first_row``: the file's row number of
    the table's first row (for the messages)."""
    missing = [c for c in (source.lon, source.lat) if c not in df.columns]
    if missing:
        raise DataError(
            f"{where}: needs longitude/latitude columns {', '.join(missing)} "
            f"(set lon = / lat = in the scenario); it has {', '.join(map(str, df.columns))}"
        )
    lon = pd.to_numeric(df[source.lon], errors="coerce")
    lat = pd.to_numeric(df[source.lat], errors="coerce")
    bad = df.index[lon.isna() | lat.isna() | ~lon.between(-180, 180) | ~lat.between(-90, 90)]
    if len(bad):
        shared, problems = with_hints(
            [f"row {i + first_row}: lon {df.at[i, source.lon]!r}, lat {df.at[i, source.lat]!r}" for i in bad],
            [lonlat_hint(lon[i], lat[i]) for i in bad])
        raise DataError(f"{where}: {len(bad)} rows without a valid longitude/latitude{shared}", problems)
    geometry = gpd.points_from_xy(lon, lat)
    return gpd.GeoDataFrame(df.drop(columns=[source.lon, source.lat]), geometry=geometry)


def _read_csv(source: LayerSource) -> gpd.GeoDataFrame:
    path = source.path
    df = pd.read_csv(StringIO(_csv_text(Path(path))), dtype=str, keep_default_na=False)
    return _points(df, source, f"{path}", 1)


def _read_excel(source: LayerSource) -> gpd.GeoDataFrame:
    """A sheet of a workbook, read by python-calamine (values as text; rows numbered as Excel shows them:
    the header is row 1)."""
    path = Path(source.path)
    with pd.ExcelFile(path, engine="calamine") as book:
        sheets = book.sheet_names
        sheet = source.sheet if source.sheet is not None else sheets[0]
        if sheet not in sheets:
            raise DataError(f"{path}: no sheet {sheet!r}", [f"the workbook has: {', '.join(map(str, sheets))}"])
        df = pd.read_excel(book, sheet_name=sheet, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    first_row = 2
    keys = [str(v).strip() for v in df.iloc[0]] if len(df) else []
    named = [k for k in keys if k]
    if sum(k in KNOWN_COLUMNS for k in named) >= max(2, 0.6 * len(named)):  # a slip in one name is still a template
        # a layoutsim template (layoutsim template): row 2 holds our column names under the Chinese header
        df.columns = [k or c for k, c in zip(keys, df.columns)]
        df, first_row = df.iloc[1:].reset_index(drop=True), 3
    blank = [not any(str(v).strip() for v in row) for row in df.itertuples(index=False)]
    df = df[[not b for b in blank]]  # blank rows are no rows (their numbers stay Excel's)
    gdf = _points(df, source, f"{path}, sheet {sheet}", first_row)
    gdf.attrs["rows"] = [int(i) + first_row for i in df.index]  # each row's number as Excel shows it
    return gdf.reset_index(drop=True)


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
            elif suffix in EXCEL_SUFFIXES:
                gdf = _read_excel(source)
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
                    f"{path}: unknown file type {suffix!r}; use .gpkg, .geojson, .shp, .parquet, .csv or .xlsx"
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


#: The file layoutsim writes into every output folder it makes: only a folder holding it may be replaced.
OUTPUT_MARKER = ".layoutsim-output"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _clean_leftovers(final: Path) -> None:
    """Remove the temporary folders of earlier runs into ``final`` whose process is gone (killed runs)."""
    for left in final.parent.glob(f".{final.name}.*-*"):
        m = re.fullmatch(rf"\.{re.escape(final.name)}\.(?:partial|old)-(\d+)(?:-\w+)?", left.name)
        if m and left.is_dir() and (left / OUTPUT_MARKER).is_file() and not _alive(int(m.group(1))):
            shutil.rmtree(left, ignore_errors=True)


def check_out_dir(final: Path) -> Path:
    """Check up front that ``final`` may be (re)written as an output folder; return it absolute.

    Refuses, with a :class:`DataError`, anything that is not a new folder, an empty folder or a previous
    layoutsim output (a folder holding :data:`OUTPUT_MARKER`): a file, the current folder or one above it,
    a path under a file, a folder of the user's own files, a parent that cannot be written.
    """
    final = Path(os.path.abspath(Path(final).expanduser()))
    where = f"--out {final}"
    cwd = Path.cwd().resolve()
    if final.resolve() == cwd or final.resolve() in cwd.parents:
        raise DataError(f"{where}: is the current folder or one above it; name a new folder for the outputs")
    for parent in [final, *final.parents]:
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == final else f"lies under {parent}, which is a file"
            raise DataError(f"{where}: {what}, not a folder; name a folder for the outputs")
    if final.is_dir() and any(final.iterdir()) and not (final / OUTPUT_MARKER).is_file():
        raise DataError(f"{where}: the folder exists and is not a layoutsim output folder (no {OUTPUT_MARKER} in "
                        "it); layoutsim replaces only its own outputs: name a new or empty folder")
    base = next(p for p in [final, *final.parents] if p.exists())
    if not os.access(base, os.W_OK | os.X_OK):
        raise DataError(f"{where}: cannot write in {base} (permission denied)")
    return final


@contextmanager
def atomic_dir(final: Path, *, about: str = "") -> Iterator[Path]:
    """Yield a temporary folder beside ``final``; move it into place whole only if the block succeeds.

    ``final`` is checked first (:func:`check_out_dir`); an existing ``final`` is replaced only if layoutsim
    wrote it. The temporary folder carries the marker and the process id, so a run killed half way leaves
    a folder the next run into the same place removes.
    """
    final = check_out_dir(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(final)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-{os.getpid()}-", dir=final.parent))
    except OSError as exc:
        raise DataError(f"--out {final}: cannot create the output folder: {exc.strerror or exc}") from None
    tmp.chmod(0o755)  # mkdtemp makes it private; outputs are for sharing
    (tmp / OUTPUT_MARKER).write_text(f"written by layoutsim {about}\n".replace("  ", " "), encoding="utf-8")
    try:
        yield tmp
        _swap(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(tmp: Path, final: Path) -> None:
    """Put ``tmp`` at ``final``; a previous output there is moved aside first and put back if that fails."""
    if not final.exists():
        _rename(tmp, final)
        return
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    _rename(final, old)
    try:
        _rename(tmp, final)
    except BaseException:
        old.rename(final)  # the previous output stays as it was
        raise
    shutil.rmtree(old, ignore_errors=True)


def _rename(src: Path, dst: Path) -> None:
    try:
        src.rename(dst)
    except OSError as exc:  # another run writing the same place, a full disk, a permission
        raise DataError(f"--out {dst}: cannot move the outputs into place: {exc.strerror or exc}") from None


#: How planner-facing tables are rounded, by column name (first match wins; other numbers: 2 decimals).
#: Coordinates keep about 10 cm, measured values and limits of findings and shares keep 4 decimals,
#: objective weights are kept as given; pupils (intake, band), teachers, seats, classes, yuan, metres and
#: years are whole.
_ROUNDING: tuple[tuple[tuple[str, ...], tuple[str, ...], int | None], ...] = (
    # (names or name prefixes, name suffixes, decimals; None = as given)
    (("weight_",), (), None),
    (("lon", "lat"), ("_lon", "_lat"), 6),
    (("measured", "limit", "value"), ("gap", "_share", "utilisation", "_rate"), 4),
    (("pupil_km", "intake", "teachers"), ("pupils", "_cny", "_m", "_m2", "year", "seats", "seats_added",
                                          "classes", "enrolment", "shortfall", "surplus"), 0),
)


def _decimals(name: str) -> int | None:
    for starts, ends, decimals in _ROUNDING:
        if name.startswith(starts) or name.endswith(ends):
            return decimals
    if any(key in name for key in ("pupils", "seats", "enrolment", "classes", "deficit")):
        return 0
    return 2


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """A table as a person reads it (:data:`_ROUNDING`). Missing and infinite values stay empty."""
    out = table.copy()
    for col in out.columns:
        if not pd.api.types.is_float_dtype(out[col]):
            continue
        decimals = _decimals(str(col))
        if decimals is None:
            continue
        values = out[col].where(np.isfinite(out[col].to_numpy(dtype=float)))
        out[col] = values.round().astype("Int64") if decimals == 0 else values.round(decimals)
    return out


def write_table(path: Path, table: pd.DataFrame) -> None:
    """Write a planner-facing table as CSV: rounded (:func:`rounded`), UTF-8 with BOM so Excel on a
    Chinese Windows reads it."""
    rounded(table).to_csv(path, index=False, encoding="utf-8-sig")


def write_json(path: Path, data: object) -> None:
    """Write JSON as UTF-8 with Chinese kept readable."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def write_geojson(path: Path, gdf: gpd.GeoDataFrame) -> None:
    """Write a GeoDataFrame as deterministic GeoJSON (WGS84, stable key order)."""
    text = gdf.to_crs("EPSG:4326").to_json(drop_id=True, ensure_ascii=False, indent=None)
    path.write_text(text + "\n", encoding="utf-8")


#: The date stamped inside files that carry one (GeoPackage, Excel): fixed, so outputs are reproducible
#: byte for byte (the run's own date is in nothing a reader needs; the census reference date).
FILE_DATE = datetime(2020, 11, 1, tzinfo=timezone.utc)


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write several layers into one GeoPackage (WGS84) for QGIS, stamped :data:`FILE_DATE` so that the same
    run gives the same bytes (GDAL's OGR_CURRENT_DATE)."""
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FILE_DATE.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    try:
        for name, gdf in layers.items():
            pyogrio.write_dataframe(gdf.to_crs("EPSG:4326"), path, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
