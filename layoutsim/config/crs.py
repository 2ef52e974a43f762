"""The coordinate systems a scenario may name for its input layers (WGS84, CGCS2000, GCJ-02 or any EPSG code).

Here, below every stage, so that validating a scenario needs neither geopandas nor the optimizer; the
conversions themselves are in :mod:`layoutsim.geo`.
"""
from __future__ import annotations

#: Names a scenario may give for the input coordinate system.
CRS_ALIASES: dict[str, str] = {
    "wgs84": "EPSG:4326",
    "epsg:4326": "EPSG:4326",
    "cgcs2000": "EPSG:4490",
    "epsg:4490": "EPSG:4490",
    "gcj02": "GCJ02",
    "gcj-02": "GCJ02",
    "amap": "GCJ02",
}


def normalise_crs_name(name: str) -> str | None:
    """The canonical form of a scenario's CRS name, or None when it is not one layoutsim reads."""
    key = name.strip().lower().replace(" ", "")
    if key in CRS_ALIASES:
        return CRS_ALIASES[key]
    from pyproj import CRS  # only for names that are not aliases: keeps `import layoutsim.config` light

    try:
        crs = CRS.from_user_input(name)
    except Exception:  # pyproj raises CRSError and others for nonsense
        return None
    return crs.to_string()
