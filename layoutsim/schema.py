"""The data contract: school levels, school types, and the columns of the Region's five layers.

Every other module takes its column names and level lists from here, so a column is renamed in one
place. Defaults that come from a standard cite it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, get_args

#: School levels, youngest first.
#: A level of schooling a pupil is counted in (the forecast's and the optimizer's levels).
Level = Literal["kindergarten", "primary", "junior", "high"]
LEVELS: Final[tuple[str, ...]] = get_args(Level)
if TYPE_CHECKING:  # keys of per-level settings: validated as a Level at run time, read with any str level
    LevelKey = str
else:
    LevelKey = Level

#: School types and the levels each one teaches (九年一贯制 = primary + junior, 完全中学 = junior + high).
SCHOOL_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "kindergarten": ("kindergarten",),
    "primary": ("primary",),
    "teaching_point": ("primary",),  # 教学点: a small village primary run by the township central school
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "complete_middle": ("junior", "high"),
    "twelve_year": ("primary", "junior", "high"),
    "high": ("high",),
    # outside the pupil forecast: counted by the rules on schools per county, never planned for
    "vocational": (),  # 中等职业学校
    "special": (),  # 特殊教育学校
}

#: Standard class sizes (pupils per class). GB 50099-2011 and 幼儿园工作规程 (mixed-age kindergarten 30).
CLASS_SIZE: Final[dict[str, int]] = {"kindergarten": 30, "primary": 45, "junior": 50, "high": 50}

#: Class sizes above these are 大班额 (56–65) and 超大班额 (66+) (教育部, standards.md §1.5).
LARGE_CLASS: Final = 55
SUPER_LARGE_CLASS: Final = 65

OWNERSHIP: Final = ("public", "private")
RESIDENTIAL_KINDS: Final = ("existing", "new", "village")
TOWNSHIP_KINDS: Final = ("street", "town", "township", "other")  # 街道 / 镇 / 乡 / 类似乡级单位
TERRAIN: Final = ("plain", "hill", "mountain")


def teaches(schools, level: str):  # noqa: ANN001, ANN201 - a table with "type" -> bool array
    """Which schools teach ``level``, by their type (:data:`SCHOOL_TYPES`); unknown types teach nothing."""
    return schools["type"].map(lambda t: level in SCHOOL_TYPES.get(t, ())).to_numpy(dtype=bool)


def seats(schools, level: str):  # noqa: ANN001, ANN201 - a table with classes_<level> -> float array
    """Seats of each school at a level: classes × the standard class size (GB 50099-2011)."""
    return schools[classes_col(level)].to_numpy(dtype=float) * CLASS_SIZE[level]


def area_of(urban: object, terrain: object) -> str:
    """Where a place is, as the plans' rules distinguish it: ``urban`` (城区), ``mountain`` (a non-urban
    mountain township) or ``rural`` (any other non-urban place).

    >>> area_of(True, "mountain"), area_of(False, "mountain"), area_of(False, "hill")
    ('urban', 'mountain', 'rural')
    """
    if bool(urban):
        return "urban"
    return "mountain" if terrain == "mountain" else "rural"


def classes_col(level: str) -> str:
    """Column holding a school's classes of one level, e.g. ``classes_primary``."""
    return f"classes_{level}"


def enrolment_col(level: str) -> str:
    """Column holding a school's pupils of one level, e.g. ``enrolment_primary``."""
    return f"enrolment_{level}"


#: Required columns of each layer (besides ``geometry``) and their kinds:
#: ``str``, ``int``, ``float``, ``bool``; ``str?`` / ``int?`` / ``float?`` may be empty.
LAYERS: Final[dict[str, dict[str, str]]] = {
    "counties": {"adcode": "str", "name": "str", "kind": "str", "population": "int"},
    "townships": {
        "code": "str", "name": "str", "county": "str", "kind": "str", "urban": "bool",
        "terrain": "str", "population": "int",
    },
    "residential": {
        "id": "str", "name": "str", "township": "str", "residents": "int", "kind": "str",
        "completion_year": "int?", "urban": "bool",
    },
    "schools": {
        "id": "str", "name": "str", "type": "str", "ownership": "str", "inclusive": "bool",
        "site_area_m2": "float", "boarding": "bool",
        **{classes_col(lv): "int" for lv in LEVELS},
        **{enrolment_col(lv): "int" for lv in LEVELS},
    },
    "candidates": {
        "id": "str", "name": "str", "levels": "str", "site_area_m2": "float", "land_cost_cny": "float",
        "tied_to": "str?", "earliest_year": "int",
    },
}

#: Optional columns a layer may carry; filled with these defaults when absent.
OPTIONAL: Final[dict[str, dict[str, object]]] = {
    "counties": {},
    "townships": {},
    "residential": {},
    # teachers: the school's teaching staff today (教职工), empty where not known; disabled_pupils: its pupils
    # with disabilities in regular classes (随班就读), empty where not known; resource_room: it has a
    # special-education resource room (资源教室)
    "schools": {"township": "", "county": "", "central": False, "teachers": float("nan"),
                "disabled_pupils": float("nan"), "resource_room": False},
    "candidates": {"township": "", "county": ""},
}

#: Geometry each layer must have.
GEOMETRY: Final[dict[str, tuple[str, ...]]] = {
    "counties": ("Polygon", "MultiPolygon"),
    "townships": ("Polygon", "MultiPolygon"),
    "residential": ("Point",),
    "schools": ("Point",),
    "candidates": ("Point",),
}

#: Every row of generated data carries ``synthetic = True``; real rows ``False``.
SYNTHETIC_COL: Final = "synthetic"
