"""Scenario files: TOML read, ``extends`` merged, paths resolved, every key validated.

A scenario is one validated :class:`Scenario` object passed explicitly down the pipeline. Unknown keys are
rejected at every level (pydantic ``extra="forbid"``); all problems are reported at once with their key.
"""
from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI (pyproject.toml)
    import tomli as tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import ScenarioError
from ..schema import LAYERS, LevelKey
from .base import ExtendsCycle, ExtendsNotAName, Strict, deep_merge, extends_chain
from .crs import normalise_crs_name
from .forecast import ForecastConfig
from .plan import PlanConfig
from .zones import ZonesConfig

LAYER_NAMES = tuple(LAYERS)
Metres = Annotated[float, Field(gt=0)]
Urbanity = Literal["urban", "rural"]
Reach = dict[Urbanity, Metres]




class LayerSource(Strict):
    """Where one layer of the Region comes from, and how its columns are named there."""

    path: Path = Field(description="File path, relative to the scenario file that names it.")
    layer: str | None = Field(None, description="Layer name inside a GeoPackage with several layers.")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Our column name -> the column name in the file, e.g. {name = '学校名称'}.",
    )
    crs: str = Field("WGS84", description="Coordinates of the file: WGS84, CGCS2000 (EPSG:4490) or GCJ02.")
    lon: str = Field("lon", description="Longitude column of a CSV file or an Excel sheet.")
    lat: str = Field("lat", description="Latitude column of a CSV file or an Excel sheet.")
    sheet: str | None = Field(None, description="Sheet of an Excel workbook (.xlsx, .xls, .ods); default the first.")

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        if normalise_crs_name(value) is None:
            raise ValueError(f"unknown coordinate system {value!r}; use WGS84, CGCS2000 (EPSG:4490) or GCJ02")
        return value

    @field_validator("columns")
    @classmethod
    def _no_empty_names(cls, value: dict[str, str]) -> dict[str, str]:
        empty = [k for k, v in value.items() if not str(v).strip()]
        if empty:
            raise ValueError(f"empty source column name for {', '.join(empty)}")
        return value


class GenerateConfig(Strict):
    """Synthetic layers below the county, generated county by county when first needed and cached
    (layoutsim/synth/province.py): for a province, whose files would be too large to keep."""

    seed: int = Field(20201101, description="Seed of the generator; the same seed gives byte-identical layers.")
    cache: Path | None = Field(None, description="Folder the generated layers are kept in (relative to the "
                               "scenario file); default $LAYOUTSIM_CACHE, else ~/.cache/layoutsim.")


class DataConfig(Strict):
    """The five layers of the Region (design.md: data model).

    Counties alone are a whole scenario for ``forecast`` and ``validate`` (pupils from the census, one
    unit per county); the layout commands need residential units and schools too, and townships either
    as outlines or named by each residential unit (their outlines then estimated: layoutsim/townships.py),
    or ``[data.generate]``: synthetic layers for every county, made when first needed.
    """

    counties: LayerSource
    townships: LayerSource | None = None
    residential: LayerSource | None = None
    schools: LayerSource | None = None
    candidates: LayerSource | None = None
    generate: GenerateConfig | None = None

    @model_validator(mode="after")
    def _layout_together(self) -> DataConfig:
        layout = {"townships": self.townships, "residential": self.residential, "schools": self.schools,
                  "candidates": self.candidates}
        given = [k for k, v in layout.items() if v is not None]
        if given and self.generate is not None:
            raise ValueError(f"[data] names {', '.join(given)} and [data.generate]: give the layers or have them "
                             "generated, not both")
        if given and not all(layout[k] is not None for k in ("residential", "schools")):
            missing = [k for k in ("residential", "schools") if layout[k] is None]
            raise ValueError(f"[data] names {', '.join(given)} but not {', '.join(missing)}: give residential "
                             f"and schools together (and townships, or a township name for each residential "
                             f"unit), or counties alone (a forecast from the census)")
        return self

    @property
    def counties_only(self) -> bool:
        """True when the scenario has counties and nothing below them."""
        return self.residential is None and self.generate is None


class ScenarioMeta(Strict):
    """Identity of the scenario and the planning frame."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Short id; names the output folder.")
    title: str = Field(description="Title shown on maps and reports (Chinese).")
    title_en: str = ""
    area: str = Field("", description="Plan area (pingdingshan, sanmenxia, zhumadian, kaifeng, beiguan).")
    rulebook: str = Field("", description="A packaged rulebook name or a path to a TOML rulebook.")
    base_year: int = Field(2020, ge=2000, le=2100)
    target_year: int = Field(2025, ge=2000, le=2100)
    language: Literal["zh", "en"] = "zh"
    synthetic: bool = Field(False, description="The data below the township are generated (labelled on maps).")
    by_county: bool = Field(False, description="Run every county as a scenario of its own (one folder each, "
                            "on the Dask cluster) and draw a province page over them: for a province. The "
                            "rules are then checked county by county.")

    @model_validator(mode="after")
    def _years(self) -> ScenarioMeta:  # noqa: D102
        if self.target_year < self.base_year:
            raise ValueError(f"target_year {self.target_year} is before base_year {self.base_year}")
        return self


def _reach(urban: float, rural: float) -> dict[Urbanity, float]:
    return {"urban": urban, "rural": rural}


class ReachConfig(Strict):
    """How far a pupil should and may live from the school of a level, in metres (urban / rural).

    The norms are the standards' service radii, measured in the indicators ("share within reach") and by
    the audit: urban GB 50180-2018 walking radii (kindergarten 300 m, primary 500 m, junior 1,000 m);
    rural primary 2 km is Henan's 2011 plain-area norm; rural junior 10 km and high 30 km stand for the
    boarding schools the plans expect (assumption, rules.md §D).

    ``limit`` is the farthest a proposed plan may send a pupil (the optimizer's hard constraint); journeys
    beyond the norm but within the limit are allowed and cost pupil-kilometres. Defaults (assumption):
    about a 30-minute journey (国办发〔2018〕27号 for grades 1–3) by the usual mode of each level.
    """

    kindergarten: Reach = Field(default_factory=lambda: _reach(300, 2000))
    primary: Reach = Field(default_factory=lambda: _reach(500, 2000))
    junior: Reach = Field(default_factory=lambda: _reach(1000, 10000))
    high: Reach = Field(default_factory=lambda: _reach(5000, 30000))
    limit: dict[LevelKey, Reach] = Field(default_factory=lambda: {
        "kindergarten": _reach(1500, 4000), "primary": _reach(2500, 6000),
        "junior": _reach(5000, 15000), "high": _reach(30000, 60000),
    })

    @model_validator(mode="after")
    def _limit_at_least_norm(self) -> ReachConfig:
        bad = [f"limit.{lv}.{where} {self.limit_metres(lv, where == 'urban'):,.0f} m < norm "
               f"{self.metres(lv, where == 'urban'):,.0f} m"
               for lv in ("kindergarten", "primary", "junior", "high") for where in ("urban", "rural")
               if self.limit_metres(lv, where == "urban") < self.metres(lv, where == "urban")]
        if bad:
            raise ValueError("; ".join(bad))
        return self

    def metres(self, level: str, urban: bool) -> float:
        """The norm: the standard's service radius."""
        return float(getattr(self, level)["urban" if urban else "rural"])

    def limit_metres(self, level: str, urban: bool) -> float:
        """The hard limit a plan may not exceed (at least the norm)."""
        return float(self.limit.get(level, {}).get("urban" if urban else "rural", self.metres(level, urban)))


class OutputConfig(Strict):
    """What the run writes."""

    tiles: Literal["none", "openstreetmap", "tianditu", "amap"] = Field(
        "none", description="Online base map; 'none' keeps the map fully offline (vector context only). "
        "'amap' shifts every overlay to GCJ-02 so it sits on AMap's streets.",
    )
    tianditu_key: str = Field("", description="Your 天地图 key, needed for tiles = 'tianditu'.")

    @model_validator(mode="after")
    def _key_for_tianditu(self) -> OutputConfig:
        if self.tiles == "tianditu" and not self.tianditu_key:
            raise ValueError("tiles = 'tianditu' needs tianditu_key (apply at console.tianditu.gov.cn)")
        return self


class Scenario(Strict):
    """One validated, resolved scenario."""

    scenario: ScenarioMeta
    data: DataConfig
    forecast: ForecastConfig = Field(default_factory=ForecastConfig)
    plan: PlanConfig = Field(default_factory=PlanConfig)
    rules: dict[str, Any] = Field(
        default_factory=dict,
        description="Changes to the rulebook: [rules.overrides.\"<rule id>\"], disable = [...], [[rules.rules]].",
    )
    reach: ReachConfig = Field(default_factory=ReachConfig)
    zones: ZonesConfig = Field(default_factory=ZonesConfig, description="Attendance zones (layoutsim zones).")
    output: OutputConfig = Field(default_factory=OutputConfig)
    source: Path | None = Field(None, description="The file this scenario was read from (set by the loader).")

    @property
    def id(self) -> str:
        return self.scenario.id

    @model_validator(mode="after")
    def _forecast_covers_target(self) -> Scenario:
        fc = self.forecast
        if not fc.start_year <= self.scenario.target_year <= fc.end_year:
            raise ValueError(f"target_year {self.scenario.target_year} is outside the forecast years "
                             f"{fc.start_year}–{fc.end_year}")
        h = self.plan.horizon
        if h is not None and not fc.start_year <= h.first <= h.outlook <= fc.end_year:
            raise ValueError(f"[plan.horizon] {h.first}–{h.outlook} is outside the forecast years "
                             f"{fc.start_year}–{fc.end_year}")
        return self

    @model_validator(mode="after")
    def _generated_by_county(self) -> Scenario:
        if (self.data.generate is not None) != self.scenario.by_county:
            raise ValueError("[data.generate] makes the layers county by county, and a run county by county "
                             "works on generated layers: give both [scenario] by_county = true and "
                             "[data.generate], or neither")
        return self


# --------------------------------------------------------------------------- reading


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None


def _resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make every layer path in ``raw['data']`` (and the rulebook's and [zones] previous) absolute,
    relative to ``base`` (the file naming it)."""
    zones = raw.get("zones")
    if isinstance(zones, dict) and isinstance(zones.get("previous"), str):
        zones["previous"] = str((base / zones["previous"]).resolve())
    data = raw.get("data")
    if not isinstance(data, dict):
        return raw
    for name, spec in list(data.items()):
        if isinstance(spec, str):
            spec = {"path": spec}
            data[name] = spec
        for key in ("path", "cache"):  # a layer's file; the folder generated layers are kept in
            if isinstance(spec, dict) and isinstance(spec.get(key), str):
                spec[key] = str((base / spec[key]).resolve())
    rulebook = raw.get("scenario", {}).get("rulebook")
    if isinstance(rulebook, str) and rulebook.endswith(".toml"):
        raw["scenario"]["rulebook"] = str((base / rulebook).resolve())
    return raw


def _scenario_file(ref: str | Path, naming: Path | None) -> Path:
    """The file a scenario names: relative to the scenario naming it (the working folder for the first)."""
    return (Path(ref) if naming is None else naming.parent / ref).resolve()


def _read_scenario_file(path: Path) -> dict[str, Any]:
    return _resolve_paths(_read_toml(path), path.parent)


def _load_raw(path: Path) -> dict[str, Any]:
    """The scenario file with the files it ``extends`` merged in, each path made absolute."""
    chain = extends_chain(path, _read_scenario_file, _scenario_file)
    problem = chain.problem
    if isinstance(problem, ExtendsCycle):
        circle = " -> ".join(str(p) for p in problem.chain)
        raise ScenarioError(f"{problem.file}: 'extends' goes round in a circle: {circle}")
    if isinstance(problem, ExtendsNotAName):
        raise ScenarioError(f"{problem.file}: key 'extends' must be a file name, got {problem.value!r}")
    merged: dict[str, Any] = {}
    for _, raw in chain.files:
        merged = deep_merge(merged, {k: v for k, v in raw.items() if k != "extends"})
    return merged


def _key(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(top)"


#: Strict-mode errors of a number or true/false given as something else.
_TYPE_ERRORS = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false"}


def _quoted_values(data: dict[str, Any], known: set[str]) -> list[str]:
    """Numbers and true/false written as strings (``target_year = "2025"``).

    Pydantic's lax mode would quietly convert them; TOML has real numbers and booleans, so a quoted one is a
    slip. A strict validation finds them in every section; its other complaints (a path given as a string,
    an array for a tuple, a table key that is a year) are what TOML cannot express and are ignored, as are
    the keys in ``known`` (already reported by the lax validation).
    """
    try:
        Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        return [f"{_key(err)}: expected {_TYPE_ERRORS[err['type']]}, got the string {err['input']!r} (write it "
                "without quotes)" for err in exc.errors()
                if err["type"] in _TYPE_ERRORS and isinstance(err["input"], str) and err["loc"][-1] != "[key]"
                and _key(err) not in known]
    return []


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``), resolve and validate a scenario file.

    Raises
    ------
    ScenarioError
        With every problem, each naming its key, when the file is missing, unreadable or invalid.
    """
    path = Path(path)
    data = {**_load_raw(path), "source": path.resolve()}
    errors: list[Any] = []
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
    problems = [f"{_key(e)}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}" for e in errors]
    problems += _quoted_values(data, {_key(e) for e in errors})
    if problems:
        raise ScenarioError(f"{path}: the scenario is not valid", problems)
    return scenario


def dump_scenario(scenario: Scenario) -> str:
    """The resolved scenario as TOML (written next to the outputs, so a run can be repeated)."""
    data = scenario.model_dump(mode="json", exclude_none=True,  # where it ran is not what it computed:
                               exclude={"source": True, "plan": {"workers", "scheduler"}})  # same bytes anywhere
    return tomli_w.dumps(data)
