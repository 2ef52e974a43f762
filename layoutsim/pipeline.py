"""A run from scenario file to output folder: load, forecast, assign, audit, indicators, map, files.

Outputs are written to a temporary folder and moved into place whole, so a failed run leaves nothing
half-written. The resolved scenario is written next to the outputs.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .assign import Assignment, assign_nearest
from .forecast import Forecast, forecast
from .io import atomic_dir
from .metrics import HardRuleLeft, Kpis, PlanKpis, PlanPeriod, RuleCount, YearsKpis, kpis, school_table
from .region import Region, load_region
from .optimize.zones import Zones, published_findings, zone
from .optimize.result import ZonesVsFractional
from .render.map import build_map
from .render.pdf import print_pdf, require_chromium
from .render.report import build_report
from .results import (
    RunResult, map_layers, read_zones, write_audit, write_outlook, write_run, write_scenario, write_sweep, write_zones,
)
from .rules import audit, load_rulebook, summarize
from .config.scenario import Scenario, load_scenario
from .errors import ScenarioError
from .schema import LEVELS
from .simulate import Outlook, outlook, phase
from .optimize import Plan, plan as propose, sweep
from .optimize.horizon import YearsPlan, plan_years
from .rules import Rulebook

Step = Callable[[str], None]


def out_dir_or_default(out_dir: Path | str | None, name: str) -> Path:
    """``out_dir`` if given, else ``maps/<name>/`` in the current folder: every command's default output."""
    return Path(out_dir) if out_dir else Path.cwd() / "maps" / name


def packaged(relative: str) -> Path:
    """A file of the repository's demo (``scenarios/beiguan/…``, ``data/beiguan/…``).

    A wheel carries them under ``layoutsim/demo/`` in the repository's layout (pyproject.toml's
    ``package-dir``), so a scenario's relative data paths resolve the same; a source checkout (or an
    editable install) reads them in place.
    """
    here = Path(__file__).resolve().parent
    inside = here / "demo" / relative
    return inside if inside.is_file() else here.parent / relative


def pupils_in(fc: Forecast, year: int) -> pd.DataFrame:
    """Pupils (unit, level, pupils) living in each residential unit in ``year``."""
    sel = fc.pupils[fc.pupils["year"] == year]
    return sel[["unit", "level", "pupils"]].reset_index(drop=True)


def with_lonlat(new_schools: pd.DataFrame, region: Region) -> pd.DataFrame:
    """New schools with the WGS84 position of their candidate site (for the map, Excel and QGIS)."""
    if new_schools.empty or region.candidates.empty:
        return new_schools.assign(lon=pd.Series(dtype=float), lat=pd.Series(dtype=float))
    sites = region.candidates.to_crs("EPSG:4326").set_index(region.candidates["id"].astype(str)).geometry
    where = new_schools["candidate"].astype(str).map(sites)
    return new_schools.assign(lon=[g.x for g in where], lat=[g.y for g in where])


def rulebook_of(scenario: Scenario) -> Rulebook:
    """The scenario's rulebook with its [rules] changes; an empty one when it names none."""
    if not scenario.scenario.rulebook:
        return Rulebook.model_validate({"id": "none", "rules": []})
    return load_rulebook(scenario.scenario.rulebook, scenario.rules or None)


def _per_rule(findings: pd.DataFrame) -> tuple[RuleCount, ...]:
    if findings.empty:
        return ()
    counts = findings.groupby(["rule_id", "severity"]).size()
    return tuple(RuleCount(str(rule_id), str(severity), int(n)) for (rule_id, severity), n in counts.items())


def audit_proposal(book: Rulebook, region: Region, pupils: pd.DataFrame, proposal: Plan, year: int) -> pd.DataFrame:
    """Findings of the rulebook on the proposed layout: its schools, its assignment."""
    proposed = dataclasses.replace(region, schools=proposal.proposed_schools(region))
    return audit(proposed, book, pupils=pupils.rename(columns={"unit": "residential"}),
                 assignment=proposal.assignment(), year=year)


#: Rule kinds the optimizer turns into constraints; hard rules of other kinds are audited, not planned for.
PLANNED_KINDS = {"housing_school", "school_size_cap", "class_size", "central_kindergarten",
                 "closure_precondition", "county_population_school"}


def hard_rules_left(proposed_findings: pd.DataFrame) -> tuple[HardRuleLeft, ...]:
    """Hard rules the proposed layout still breaks, each with why the plan could not meet it."""
    if proposed_findings.empty:
        return ()
    hard = proposed_findings[proposed_findings["severity"] == "hard"]
    out = []
    for (rule_id, kind), g in hard.groupby(["rule_id", "kind"]):
        if kind in PLANNED_KINDS and g["level"].isin(LEVELS).all():
            why_zh, why_en = "无可用建设用地或用地不足，见 plan_notes.csv", "no site, or too few sites: see plan_notes.csv"
        elif kind in PLANNED_KINDS:
            why_zh = "职业、特殊教育等学校不在学位测算范围内，优化模型不安排，须另行规划"
            why_en = "vocational and special schools are outside the pupil forecast, so the optimizer does not site them: plan by hand"
        else:
            why_zh = "优化模型未纳入此类规则，须另行安排"
            why_en = "not modelled by the optimizer: plan by hand"
        out.append(HardRuleLeft(str(rule_id), str(kind), int(g["place_id"].nunique()), why_zh, why_en))
    return tuple(out)


def inclusive_share(region: Region, proposal: Plan) -> dict[str, float]:
    """普惠 coverage by county under the plan: its kindergarten children at public or 普惠 kindergartens
    (today's, new ones and those it makes 普惠) ÷ all its kindergarten children."""
    sc = region.schools
    ok = dict(zip(sc["id"].astype(str), (sc["ownership"].astype(str) == "public") | sc["inclusive"].astype(bool)))
    ok.update({str(s): True for s in proposal.new_schools["school"]})
    ok.update({str(s): True for s in proposal.inclusive["school"]})
    kg = proposal.flows[proposal.flows["level"] == "kindergarten"]
    if kg.empty:
        return {}
    counted = kg["pupils"].where(kg["school"].astype(str).map(ok).fillna(False).astype(bool), 0.0)
    by = pd.DataFrame({"county": kg["county"], "num": counted, "den": kg["pupils"]}).groupby("county").sum()
    return {str(c): round(float(r.num / r.den), 4) for c, r in by.iterrows() if r.den > 0}


def plan_summary(region: Region, proposal: Plan, proposed_findings: pd.DataFrame,
                 years_plan: YearsPlan | None = None) -> PlanKpis:
    """The plan's headline numbers for kpis.json (over years, with :func:`years_summary`)."""
    solver = proposal.solver
    return PlanKpis(
        cost_cny=round(float(proposal.cost_cny)),
        new_schools=int(len(proposal.new_schools)),
        expansions=int(len(proposal.expansions)),
        added_classes=int(proposal.expansions["added_classes"].sum()) if len(proposal.expansions) else 0,
        closures=int(len(proposal.closures)),
        unmet_pupils=round(float(proposal.unmet_pupils)),
        unmet_by_level={lv: round(float(proposal.unmet.loc[proposal.unmet["level"] == lv, "pupils"].sum()))
                        for lv in LEVELS},
        unmet_by_reason={str(r): round(float(v)) for r, v in proposal.unmet.groupby("reason")["pupils"].sum().items()},
        pupil_km=round(float(proposal.pupil_km)),
        solver_status=tuple(sorted(set(solver["status"]))) if len(solver) else (),
        max_gap=float(solver["gap"].max()) if len(solver) and solver["gap"].notna().any() else None,
        solver_seconds=round(float(solver["seconds"].sum()), 2) if len(solver) else 0.0,
        counties_without_plan=tuple(proposal.counties_without_plan),
        findings_after=_per_rule(proposed_findings),
        hard_rules_left=hard_rules_left(proposed_findings),
        years=years_summary(years_plan),
        inclusive_recognised=int(len(proposal.inclusive)),
        inclusive_share_by_county=inclusive_share(region, proposal),
    )


def audit_layout(book: Rulebook, region: Region, pupils: pd.DataFrame, year: int) -> pd.DataFrame:
    """Findings of the rulebook on today's layout: its recorded enrolment, the distance to the nearest school."""
    return audit(region, book, pupils=pupils.rename(columns={"unit": "residential"}), year=year)


@dataclass(frozen=True)
class _Today:
    scenario: Scenario
    region: Region
    forecast: Forecast
    pupils: pd.DataFrame
    assignment: Assignment


def needs_layout(scenario: Scenario, command: str) -> None:
    """Refuse a layout command on a scenario of counties alone, or on a scenario run county by county
    (``[scenario] by_county``: :func:`layoutsim.province.run_by_county`), before anything is read."""
    if scenario.scenario.by_county:
        raise ScenarioError(f"{scenario.source or scenario.id}: [scenario] by_county runs every county as a "
                            f"scenario of its own: `layoutsim run` takes it (layoutsim.province.run_by_county), "
                            f"`layoutsim {command}` does not; use a county's own scenario (the province run "
                            "writes each county's resolved scenario in counties/<adcode>/)")
    if scenario.data.counties_only:
        raise ScenarioError(f"{scenario.source or scenario.id}: [data] names counties only; `layoutsim {command}` "
                            "needs townships, residential and schools too (counties alone can be forecast "
                            "and validated)")


def _today(scenario: Scenario, step: Step) -> _Today:
    """Load, forecast, and assign the target year's pupils to today's schools."""
    step("load")
    region = load_region(scenario.data)
    step("demand")
    fc = forecast(region.residential, region.townships, region.counties, scenario.forecast)
    pupils = pupils_in(fc, scenario.scenario.target_year)
    step("assign")
    assignment = assign_nearest(region.residential, region.schools, pupils, region.units_county())
    return _Today(scenario, region, fc, pupils, assignment)


def _load(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def run(scenario: Scenario | str | Path, out_dir: Path | None = None, *, step: Step = lambda s: None,
        pdf: bool = False) -> RunResult:
    """Run a scenario and write its outputs (default ``maps/<scenario id>/`` in the current folder).

    The output folder is checked before anything is computed and filled whole or not at all
    (:func:`layoutsim.io.atomic_dir`); the solver's logs go to its ``logs/`` folder. With ``pdf``, the
    report is also printed to ``report.pdf`` and the map, as it opens, to ``map.pdf`` by Chromium (checked
    for first) before the folder is moved.
    """
    scenario = _load(scenario)
    needs_layout(scenario, "run")
    if pdf:
        require_chromium()
    out = out_dir_or_default(out_dir, scenario.id)
    with atomic_dir(out, about=scenario.id) as tmp:
        result = _run_into(scenario, tmp, step)
        if pdf:
            print_pdf(tmp / "report.html", tmp / "report.pdf")
            print_pdf(tmp / "index.html", tmp / "map.pdf")  # the map as it opens, a static page
    return dataclasses.replace(result, out_dir=out)


def _run_into(scenario: Scenario, tmp: Path, step: Step) -> RunResult:
    today = _today(scenario, step)
    scenario, region, fc, pupils, assignment = (today.scenario, today.region, today.forecast, today.pupils,
                                                today.assignment)
    meta = scenario.scenario
    units_county = region.units_county()
    book = rulebook_of(scenario)
    findings = with_published_zones(audit_layout(book, region, pupils, meta.target_year), scenario, region, pupils)
    seat_outlook = outlook(region, fc, assignment)
    step("plan")
    years_plan, proposal, plan_year = _propose(scenario, region, fc, pupils, book, seat_outlook, tmp)
    versus = _fractional_beside(scenario, region, pupils, book, proposal, tmp)
    proposed_findings = audit_proposal(book, region, pupils_in(fc, plan_year), proposal, plan_year)
    table = school_table(region.schools, assignment)
    names = dict(zip(region.counties["adcode"], region.counties["name"]))
    layout = kpis(region.residential, region.schools, pupils, assignment, scenario.reach, units_county, names)
    indicators = Kpis(scenario=meta.id, title=meta.title, target_year=meta.target_year,
                      synthetic=region.synthetic, area=layout.area, counties=layout.counties,
                      findings=_per_rule(findings),
                      plan=plan_summary(region, proposal, proposed_findings, years_plan), zones_vs_fractional=versus)
    step("map")
    title = meta.title if meta.language == "zh" or not meta.title_en else meta.title_en
    gap = seat_outlook.seat_gap
    html = build_map(region, table, pupils, title=title, lang=meta.language, tiles=scenario.output.tiles,
                     tianditu_key=scenario.output.tianditu_key or None,
                     **map_layers(region, findings, proposal, seat_outlook, meta.target_year, years_plan))
    report = build_report(region, table, pupils, indicators, title=title, lang=meta.language,
                          findings=findings, seat_gap=gap, rulebook=book, plan=proposal, years_plan=years_plan)
    step("write")
    result = RunResult(scenario, region, pupils, assignment, table, indicators, findings, fc, seat_outlook,
                       proposal, proposed_findings, tmp, years_plan)
    write_run(tmp, result, html, report)
    return result


def _fractional_beside(scenario: Scenario, region: Region, pupils: pd.DataFrame, book: Rulebook, proposal: Plan,
                       tmp: Path) -> ZonesVsFractional | None:
    """With ``[plan] assignment = "zones"``: the same plan solved fractionally (a second solve per county,
    its solver logs in ``logs/fractional/``), set beside the zoned plan for kpis.json and the report."""
    cfg = scenario.plan
    if cfg.assignment != "zones" or cfg.horizon is not None:
        return None
    logs = _logs(tmp) / "fractional"
    logs.mkdir(exist_ok=True)
    fractional = propose(region, pupils, book, cfg.model_copy(update={"assignment": "fractional"}), scenario.reach,
                         year=scenario.scenario.target_year, log_dir=logs)
    return ZonesVsFractional.of(proposal, fractional, cfg.zoned_levels)


def with_published_zones(findings: pd.DataFrame, scenario: Scenario, region: Region,
                         pupils: pd.DataFrame) -> pd.DataFrame:
    """The audit's findings and, when ``[zones] previous`` gives the zones now published, their 就近入学
    findings (rules ``zones.nearest``, ``zones.split``: :mod:`layoutsim.rules.zoning`); else unchanged."""
    if scenario.zones.previous is None:
        return findings
    extra = published_findings(region, pupils, scenario.zones, scenario.reach, read_zones(scenario.zones.previous))
    if extra.empty:
        return findings
    return extra if findings.empty else pd.concat([findings, extra], ignore_index=True)


def _propose(scenario: Scenario, region: Region, fc: Forecast, pupils: pd.DataFrame, book: Rulebook,
             seat_outlook: Outlook, tmp: Path) -> tuple[YearsPlan | None, Plan, int]:
    """The plan: over the years of ``[plan.horizon]`` when the scenario has one (the plan period's last
    year is the plan's year), else for the target year, phased afterwards by the seat early-warning."""
    meta, horizon = scenario.scenario, scenario.plan.horizon
    if horizon is not None:
        years = plan_years(region, fc.pupils[["unit", "level", "year", "pupils"]], book, scenario.plan, scenario.reach,
                           staff_ratio={lv: scenario.forecast.staff_ratio.get(lv) for lv in LEVELS},
                           log_dir=_logs(tmp))
        proposal = dataclasses.replace(years.plan, new_schools=with_lonlat(years.plan.new_schools, region))
        return dataclasses.replace(years, plan=proposal), proposal, horizon.last
    proposal = propose(region, pupils, book, scenario.plan, scenario.reach, year=meta.target_year, log_dir=_logs(tmp))
    new, expansions = phase(proposal.new_schools, proposal.expansions, proposal.flows, seat_outlook, region,
                            base_year=meta.base_year, target_year=meta.target_year)
    return None, dataclasses.replace(proposal, new_schools=with_lonlat(new, region), expansions=expansions), \
        meta.target_year


def years_summary(years: YearsPlan | None) -> YearsKpis | None:
    """The plan over years in kpis.json: its horizon, actions by kind, lifetime cost and stranded seats."""
    if years is None:
        return None
    h = years.horizon
    by_kind = years.actions.groupby("action").size()
    return YearsKpis(
        horizon=PlanPeriod(h.first, h.last, h.outlook),
        actions={str(k): int(v) for k, v in by_kind.items()},
        lifetime_cost_cny=round(years.lifetime_cny),
        stranded_seats=round(years.stranded_seats),
        stranded_seats_without_outlook=(None if years.stranded_without_outlook is None
                                        else round(years.stranded_without_outlook)),
        stranded_schools=int(years.stranded["school"].nunique()),
        unmet_by_year={int(y): round(float(v)) for y, v in years.unmet_by_year.items()},
        budget_split=None if years.budget is None else years.budget.kpis(),
    )


def _logs(tmp: Path) -> Path:
    """The output folder's ``logs/``: one solver log per county model."""
    folder = tmp / "logs"
    folder.mkdir(exist_ok=True)
    return folder


def audit_only(scenario: Scenario | str | Path, out_dir: Path | None = None, *, proposed: bool = False,
               step: Step = lambda s: None) -> tuple[pd.DataFrame, pd.DataFrame, Path, list[str]]:
    """``layoutsim audit``: findings on today's layout (or, with ``proposed``, on the layout the optimizer
    proposes for the target year) and their summary per rule, written to ``out_dir``; and the counties
    the optimizer found no plan for (``proposed`` only; their solver table is written beside)."""
    proposal: Plan | None = None
    sc = _load(scenario)
    needs_layout(sc, "audit")
    out = out_dir_or_default(out_dir, f"{sc.id}-audit")
    with atomic_dir(out, about=sc.id) as tmp:
        today = _today(sc, step)
        book = rulebook_of(sc)
        year = sc.scenario.target_year
        if proposed:
            step("plan")
            proposal = propose(today.region, today.pupils, book, sc.plan, sc.reach, year=year, log_dir=_logs(tmp))
            findings = audit_proposal(book, today.region, today.pupils, proposal, year)
        else:
            findings = with_published_zones(audit_layout(book, today.region, today.pupils, year), sc, today.region,
                                            today.pupils)
        summary = summarize(findings, book)
        step("write")
        write_audit(tmp, findings, summary, proposal)
    return findings, summary, out, proposal.counties_without_plan if proposal is not None else []


def forecast_only(scenario: Scenario | str | Path, out_dir: Path | None = None, *,
                  step: Step = lambda s: None) -> tuple[Outlook, Path]:
    """``layoutsim forecast``: pupils by county, township, level and year against today's seats, warnings.

    A scenario of counties alone is forecast from the census, one unit per county: county, city and total
    tables only.
    """
    sc = _load(scenario)
    out = out_dir_or_default(out_dir, f"{sc.id}-forecast")
    with atomic_dir(out, about=sc.id) as tmp:
        if sc.data.residential is None:  # counties alone, or a province whose layers are made per county
            step("load")
            region = load_region(sc.data)
            step("demand")
            view = outlook(region, forecast(None, None, region.counties, sc.forecast), None)
        else:
            today = _today(sc, step)
            view = outlook(today.region, today.forecast, today.assignment)
        step("write")
        write_outlook(tmp, view)
        write_scenario(tmp, sc)
    return view, out


def sweep_only(scenario: Scenario | str | Path, budgets: list[float | None], out_dir: Path | None = None, *,
               step: Step = lambda s: None) -> tuple[pd.DataFrame, Path]:
    """``layoutsim sweep``: one plan per budget, the trade-off of cost against journeys and unmet seats."""
    sc = _load(scenario)
    needs_layout(sc, "sweep")
    out = out_dir_or_default(out_dir, f"{sc.id}-sweep")
    with atomic_dir(out, about=sc.id) as tmp:
        today = _today(sc, step)
        step("plan")
        curve = sweep(today.region, today.pupils, rulebook_of(sc), sc.plan, sc.reach,
                      year=sc.scenario.target_year, budgets=budgets, log_dir=_logs(tmp))
        step("write")
        write_sweep(tmp, curve, sc)
    return curve, out


def zones_only(scenario: Scenario | str | Path, out_dir: Path | None = None, *, levels: list[str] | None = None,
               year: int | None = None, proposed: bool = False,
               step: Step = lambda s: None) -> tuple[Zones, Path]:
    """``layoutsim zones``: attendance zones (学区划片) of today's public schools for ``year`` (default the
    target year), every unit whole to one school per level (:mod:`layoutsim.optimize.zones`); with
    ``proposed``, of the layout the optimizer proposes for that year (its new and expanded schools, its
    closures gone), and ``zones_vs_plan.csv`` setting the zones beside the plan's fractional assignment."""
    sc = _load(scenario)
    needs_layout(sc, "zones")
    year = sc.scenario.target_year if year is None else year
    if not sc.forecast.start_year <= year <= sc.forecast.end_year:
        raise ScenarioError(f"zones: year {year} is outside the forecast years {sc.forecast.start_year}–"
                            f"{sc.forecast.end_year}")
    previous = read_zones(sc.zones.previous) if sc.zones.previous is not None else None
    out = out_dir_or_default(out_dir, f"{sc.id}-zones")
    with atomic_dir(out, about=sc.id) as tmp:
        today = _today(sc, step)
        pupils = pupils_in(today.forecast, year)
        step("plan")
        region, proposal = today.region, None
        if proposed:
            proposal = propose(region, pupils, rulebook_of(sc), sc.plan, sc.reach, year=year, log_dir=_logs(tmp))
            layout = proposal.proposed_schools(region)
            region = dataclasses.replace(region, schools=layout[~layout["closing"]].reset_index(drop=True))
        zones = zone(region, pupils, sc.zones, sc.reach, sc.plan, levels, previous, log_dir=_logs(tmp))
        step("map")
        meta = sc.scenario
        title = meta.title if meta.language == "zh" or not meta.title_en else meta.title_en
        html = build_map(today.region, school_table(today.region.schools, today.assignment), pupils,
                         title=f"{title}（{year}）", lang=meta.language, zones=zones, plan=proposal)
        step("write")
        write_zones(tmp, zones, html, None if proposal is None else zones_vs_plan(zones, proposal))
        write_scenario(tmp, sc)
    return zones, out


def zones_vs_plan(zones: Zones, proposal: Plan) -> pd.DataFrame:
    """Per level: the plan's fractional assignment (any school, pupils split) beside its zones (public
    schools, units whole): pupils, pupil-km, mean distance, pupils without a seat or zone, pupils above
    their school's seats."""
    rows = []
    for level in sorted(set(zones.units["level"])):
        flows = proposal.flows[proposal.flows["level"] == level]
        units = zones.units[zones.units["level"] == level]
        schools = zones.schools[zones.schools["level"] == level]
        for how, pupils, km, unmet, over in (
                ("plan", flows["pupils"].sum(), (flows["pupils"] * flows["distance_m"]).sum() / 1000,
                 proposal.unmet.loc[proposal.unmet["level"] == level, "pupils"].sum(), 0.0),
                ("zones", units["pupils"].sum(), (units["pupils"] * units["distance_m"]).sum() / 1000,
                 float("nan"), (schools["pupils"] - schools["seats"]).clip(lower=0).sum())):
            rows.append({"level": level, "assignment": how, "pupils": float(pupils), "pupil_km": float(km),
                         "mean_distance_m": 1000 * km / pupils if pupils else float("nan"),
                         "unmet_pupils": float(unmet), "over_capacity_pupils": float(over)})
    return pd.DataFrame(rows)
