"""Rulebooks: the packaged books load and quote their plans verbatim; user books extend, override and
disable; every validation problem is reported at once, naming the file and the rule."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from layoutsim.errors import LayoutsimError, RulebookError
from layoutsim.rules.book import load_rulebook, packaged_books
from layoutsim.rules.params import KINDS

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "domain"
PLAN_FILES = {"pingdingshan": "pingdingshan", "sanmenxia": "sanmenxia", "zhumadian": "zhumadian",
              "kaifeng": "kaifeng", "beiguan": "anyang-beiguan"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _write(tmp_path: Path, text: str, name: str = "book.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- packaged books


def test_packaged_books_are_the_five_plans() -> None:
    assert set(packaged_books()) == set(PLAN_FILES)


@pytest.mark.parametrize("name", sorted(PLAN_FILES))
def test_packaged_book_loads(name: str) -> None:
    book = load_rulebook(name)
    ids = [r.id for r in book]
    assert len(ids) == len(set(ids)) >= 20
    assert book.id == name and book.plan and book.files[0] == "_national.toml"
    for r in book:
        assert CJK.search(r.source.text), r.id
        assert r.source.text_en and r.source.plan
        assert ".md" not in r.source.section + r.source.plan, r.id  # 出处 names the document, not our notes
        if not r.default:
            assert r.source.plan == book.plan and r.source.section, r.id


@pytest.mark.parametrize("name", sorted(PLAN_FILES))
def test_packaged_book_quotes_its_plan_verbatim(name: str) -> None:
    if not DOMAIN.is_dir():
        pytest.skip("../shared/domain is not available")
    key = PLAN_FILES[name]
    plan_text = _norm((DOMAIN / "plans" / f"{key}.md").read_text("utf-8")
                      + (DOMAIN / "plans" / "source" / f"{key}.txt").read_text("utf-8"))
    standards = _norm((DOMAIN / "standards.md").read_text("utf-8"))
    book = load_rulebook(name)
    for r in book:
        where = standards if r.default else plan_text
        assert _norm(r.source.text) in where, f"{name}: {r.id}: {r.source.text}"
    for target in book.targets:
        assert _norm(target.source_text) in plan_text, f"{name}: target {target.id}: {target.source_text}"


def test_book_numbers_follow_the_plans() -> None:
    pds, zmd, smx, kf, bg = (load_rulebook(n) for n in ("pingdingshan", "zhumadian", "sanmenxia", "kaifeng",
                                                         "beiguan"))
    assert zmd.get("housing.primary").params.min_residents == 10000
    assert zmd.get("housing.junior").params.min_residents == 20000
    assert zmd.get("size.through").params.max_pupils == 3000
    assert zmd.get("size.through").params.school_types == ("nine_year",)
    assert zmd.get("size.twelve_year").default
    for b in (pds, smx, kf, bg):
        assert b.get("housing.primary").params.min_residents == 5000
        assert b.get("housing.junior").params.min_residents == 10000
        assert b.get("size.through").params.max_pupils == 2500
    assert pds.get("central_kg").params.large_population == 30000
    assert pds.get("central_kg").params.large_min_count == 2
    assert smx.get("share.public_kg").params.share == 0.55
    assert kf.get("housing.kindergarten").params.ownership == "public"
    assert bg.get("housing.primary").default and not pds.get("housing.primary").default
    assert {r.kind for b in (pds, smx, zmd, kf, bg) for r in b} == set(KINDS)
    assert pds.class_size("primary") == 45 and pds.class_size("junior") == 50


# ---------------------------------------------------------------- the plans' build targets

#: Each packaged book's targets: (levels, action, unit, min, max), as the plans' sentences give them.
PLAN_TARGETS = {
    "zhumadian": {"build.kindergarten": (("kindergarten",), "new_or_expand", "schools", 214, 214),
                  "build.compulsory": (("primary", "junior"), "new_or_expand", "schools", 365, 365),
                  "build.high": (("high",), "new_or_expand", "schools", 30, 30)},
    "pingdingshan": {"build.high.new": (("high",), "new", "schools", 6, 6),
                     "build.high.expand": (("high",), "expand", "schools", 9, 9),
                     "build.high.seats": (("high",), "seats", "seats", 51425, 51425)},
    "kaifeng": {"build.kindergarten": (("kindergarten",), "new_or_expand", "schools", 100, 100),
                "build.schools": (("primary", "junior", "high"), "new_or_expand", "schools", 200, 200)},
    "sanmenxia": {"build.kindergarten": (("kindergarten",), "new_or_expand", "schools", 40, 50)},
    "beiguan": {"build.kindergarten.new": (("kindergarten",), "new", "schools", 5, 5),
                "build.primary.new": (("primary",), "new", "schools", 3, 3),
                "build.primary.expand": (("primary",), "expand", "schools", 7, 7),
                "build.junior.new": (("junior",), "new", "schools", 1, 1),
                "build.junior.expand": (("junior",), "expand", "schools", 4, 4),
                "build.high.new": (("high",), "new", "schools", 3, 3),
                "build.high.expand": (("high",), "expand", "schools", 1, 1)},
}


@pytest.mark.parametrize("name", sorted(PLAN_TARGETS))
def test_packaged_targets_follow_the_plans(name: str) -> None:
    """The plans' build lists (驻马店 专栏1, 平顶山 附件, 开封 三(一), 三门峡 专栏9, 北关 专栏2): each figure
    stands in the sentence quoted for it, over the plan's period."""
    book = load_rulebook(name)
    got = {tg.id: (tg.level, tg.action, tg.unit, tg.min, tg.max) for tg in book.targets}
    assert got == PLAN_TARGETS[name]
    for tg in book.targets:
        assert tg.period == "2021-2025" and tg.section and tg.source_text_en, tg.id
        figures = {tg.min, tg.max}
        assert all(str(f) in _norm(tg.source_text) for f in figures), tg.id
        if "左右" in tg.source_text:  # about 100: held as exactly 100, and the note says so
            assert "approximate" in tg.note, tg.id


TARGET = """
[[targets]]
id = "{id}"
level = ["kindergarten"]
action = "new_or_expand"
period = "2021-2025"
source_text = "新建、改扩建幼儿园40-50所"
{extra}
"""


def test_a_target_is_read_merged_by_id_and_disabled(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "_national"\n' + TARGET.format(id="kg", extra="min = 40\nmax = 50\nsection = '专栏9'")
                  + TARGET.format(id="seats", extra='min = 1000\naction = "seats"\nunit = "seats"').replace(
                      'action = "new_or_expand"\n', "", 1))
    book = load_rulebook(path)
    kg, seats = book.targets
    assert (kg.id, kg.level, kg.action, kg.min, kg.max, kg.unit, kg.section) == (
        "kg", ("kindergarten",), "new_or_expand", 40, 50, "schools", "专栏9")
    assert (seats.action, seats.unit, seats.min, seats.max) == ("seats", "seats", 1000, None)
    assert len(book.rules) == len(load_rulebook("_national").rules)
    # a book extending another changes a target by its id, key by key, or drops it with `disable`
    child = _write(tmp_path, f'extends = "{path.name}"\ndisable = ["seats"]\n[[targets]]\nid = "kg"\nmax = 60\n',
                   "child.toml")
    (kg,) = load_rulebook(child).targets
    assert (kg.min, kg.max, kg.section) == (40, 60, "专栏9")
    assert load_rulebook("sanmenxia", overrides={"disable": ["build.kindergarten"]}).targets == ()


@pytest.mark.parametrize("extra, message", [
    ("min = 40\ncount = 5", r"target 'x': unknown key `count` \(allowed: id, level, action, min, max"),
    ("min = 50\nmax = 40", r"target 'x': min \(50\) is above max \(40\)"),
    ("", r"target 'x': a target needs `min`, `max` or both"),
    ("min = 4.5", r"target 'x': min: "),
    ('min = 4\nunit = "classes"', r"target 'x': unit: Input should be 'schools' or 'seats'"),
])
def test_bad_targets_are_refused(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(RulebookError, match=message):
        load_rulebook(_write(tmp_path, TARGET.format(id="x", extra=extra)))


def test_bad_target_level_action_and_duplicates(tmp_path: Path) -> None:
    text = (TARGET.format(id="x", extra="min = 1").replace('["kindergarten"]', '["college"]')
            + TARGET.format(id="y", extra='min = 1\nunit = "schools"').replace('"new_or_expand"', '"seats"')
            + TARGET.format(id="y", extra="min = 2") + "[[targets]]\nmin = 3\n")
    with pytest.raises(RulebookError) as info:
        load_rulebook(_write(tmp_path, text))
    problems = "\n".join(info.value.problems)
    assert "target 'x': level.0: Input should be 'kindergarten'" in problems
    assert "target 'y': action \"seats\" counts seats: set unit = \"seats\"" in problems
    assert "target 'y' is defined twice in this file" in problems
    assert "targets[3]: every target needs a string `id`" in problems


# ---------------------------------------------------------------- user books


def test_user_book_extends_overrides_disables_and_adds(tmp_path: Path) -> None:
    path = _write(tmp_path, """
extends = "pingdingshan"
disable = ["reach.primary.rural"]
[book]
id = "mine"
[overrides."housing.primary"]
params = { min_residents = 8000 }
force = "in_principle"
[[rules]]
id = "reach.primary.mountain"
kind = "service_radius"
level = ["primary"]
scope = { areas = ["mountain"] }
force = "target"
params = { radius_m = 5000.0 }
source = { plan = "某县方案", section = "3", text = "山区小学服务半径5公里", text_en = "5 km in mountains" }
""")
    book = load_rulebook(path)
    base = load_rulebook("pingdingshan")
    assert book.id == "mine" and len(book) == len(base)
    assert book.get("housing.primary").params.min_residents == 8000
    assert book.get("housing.primary").params.within_m == base.get("housing.primary").params.within_m
    assert book.get("housing.primary").force == "in_principle"
    assert book.get("housing.primary").source == base.get("housing.primary").source
    with pytest.raises(KeyError):
        book.get("reach.primary.rural")
    assert book.get("reach.primary.mountain").params.radius_m == 5000.0
    assert book.files == ("_national.toml", "pingdingshan.toml", str(path))


def test_user_book_extends_a_relative_path(tmp_path: Path) -> None:
    _write(tmp_path, 'extends = "zhumadian"\n[overrides."closure"]\nforce = "in_principle"\n', "base.toml")
    path = _write(tmp_path, 'extends = "base.toml"\n', "alt.toml")
    assert load_rulebook(path).get("closure").force == "in_principle"


def test_overrides_argument() -> None:
    book = load_rulebook("kaifeng", overrides={"overrides": {"share.public_kg": {"params": {"share": 0.6}}},
                                               "disable": ["concentration.junior"]})
    assert book.get("share.public_kg").params.share == 0.6
    assert "concentration.junior" not in {r.id for r in book}


def test_new_source_without_plan_takes_the_books_plan(tmp_path: Path) -> None:
    path = _write(tmp_path, """
extends = "_national"
[book]
plan = "某县“十四五”教育规划"
[overrides."size.high"]
source = { section = "二", text = "新建高中不超过2000人", text_en = "2,000" }
params = { max_pupils = 2000 }
""")
    rule = load_rulebook(path).get("size.high")
    assert rule.source.plan == "某县“十四五”教育规划" and not rule.default and rule.params.max_pupils == 2000


# ---------------------------------------------------------------- validation errors

RULE = """
[[rules]]
id = "{id}"
kind = "{kind}"
force = "hard"
level = ["primary"]
params = {params}
source = {{ plan = "p", section = "s", text = "条文", text_en = "t" }}
"""


def _rule(id: str = "x", kind: str = "housing_school", params: str = "{ min_residents = 5000 }") -> str:
    return RULE.format(id=id, kind=kind, params=params)


def test_wrong_kind(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule(kind="housing"))
    with pytest.raises(RulebookError, match=r"book\.toml: rule 'x': unknown kind 'housing' \(expected one of"):
        load_rulebook(path)


def test_unknown_parameter(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule(params="{ min_residents = 5000, min_resident = 1 }"))
    with pytest.raises(RulebookError, match=r"rule 'x': params\.min_resident: Extra inputs are not permitted"):
        load_rulebook(path)


def test_missing_parameter(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule(params="{ within_m = 300.0 }"))
    with pytest.raises(RulebookError, match=r"rule 'x': params\.min_residents: Field required"):
        load_rulebook(path)


@pytest.mark.parametrize("params, key", [
    ('{ min_residents = "5000" }', "min_residents"),
    ("{ min_residents = 5000.5 }", "min_residents"),
    ('{ min_residents = 5000, within_m = "near" }', "within_m"),
    ('{ min_residents = 5000, ownership = "state" }', "ownership"),
])
def test_wrong_type(tmp_path: Path, params: str, key: str) -> None:
    path = _write(tmp_path, _rule(params=params))
    with pytest.raises(RulebookError, match=rf"rule 'x': params\.{key}: "):
        load_rulebook(path)


def test_wrong_rule_field(tmp_path: Path) -> None:
    path = _write(tmp_path, _rule().replace('force = "hard"', 'force = "must"'))
    with pytest.raises(RulebookError, match=r"rule 'x': force: Input should be 'hard'"):
        load_rulebook(path)


def test_override_of_unknown_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "pingdingshan"\n[overrides.nope]\nparams = { share = 0.5 }\n')
    with pytest.raises(RulebookError, match=r"overrides\.'nope': no rule with id 'nope'"):
        load_rulebook(path)


def test_override_bad_parameter_names_the_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "pingdingshan"\n[overrides."housing.primary"]\nparams = { min_people = 1 }\n')
    with pytest.raises(RulebookError, match=r"book\.toml: rule 'housing\.primary': params\.min_people"):
        load_rulebook(path)


def test_override_cannot_change_kind(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "pingdingshan"\n[overrides."size.high"]\nkind = "boarding"\n')
    with pytest.raises(RulebookError, match=r"overrides\.'size\.high': cannot change kind"):
        load_rulebook(path)


def test_disable_unknown_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "sanmenxia"\ndisable = ["nope"]\n')
    with pytest.raises(RulebookError, match=r"disable: no rule with id 'nope'"):
        load_rulebook(path)


def test_duplicate_rule_id(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "_national"\n' + _rule(id="housing.primary"))
    with pytest.raises(RulebookError, match=r"rule 'housing\.primary' is already defined"):
        load_rulebook(path)


def test_unknown_top_level_key_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match=r"unknown key `rule`"):
        load_rulebook(_write(tmp_path, "[[rule]]\nid = 'x'\n"))
    with pytest.raises(RulebookError, match=r"no such rulebook file \(packaged books: beiguan"):
        load_rulebook("nowhere")


def test_extends_cycle(tmp_path: Path) -> None:
    _write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    _write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(RulebookError, match="makes a cycle"):
        load_rulebook(tmp_path / "a.toml")


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, 'extends = "pingdingshan"\ndisable = ["nope"]\n'
                  + _rule(id="a", kind="nokind") + _rule(id="b", params='{ min_residents = "x" }'))
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    assert len(info.value.problems) == 3
    assert isinstance(info.value, LayoutsimError)
    assert all(p.startswith(str(path)) for p in info.value.problems)


def test_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="cannot read"):
        load_rulebook(_write(tmp_path, "extends = \n"))


def _sentence_to(name: str, text: str) -> str:
    """The plan's own sentence up to the end of ``text``: from the last 。 or ； before it (whitespace and
    line breaks dropped, as table rows run over lines)."""
    plan = _norm((DOMAIN / "plans" / "source" / f"{PLAN_FILES[name]}.txt").read_text("utf-8"))
    quote = _norm(text)
    at = plan.find(quote)
    assert at >= 0, (name, text)
    return plan[max(plan.rfind(c, 0, at) for c in "。；") + 1:at] + quote


@pytest.mark.parametrize("name", ["pingdingshan", "sanmenxia", "zhumadian", "kaifeng", "beiguan"])
def test_force_follows_the_plans_wording(name: str) -> None:
    """A rule the plan marks binding (约束性) is hard; one it only strives for (力争) — in the quote or in
    the plan's sentence the quote is cut from — is a target, and its note says why."""
    book = load_rulebook(name)
    for rule in book:
        if "约束性" in rule.source.section + rule.source.text:
            assert rule.force == "hard", (name, rule.id)
        striving = "力争" in rule.source.text
        if not rule.default and DOMAIN.is_dir():
            striving = "力争" in _sentence_to(name, rule.source.text)
        if striving:
            assert rule.force == "target", (name, rule.id)
            if rule.kind == "share_target" and rule.params.metric == "private_compulsory":
                assert "力争" in rule.note, (name, rule.id)
    if name != "beiguan":  # 普惠 ≥85 % is binding in the four cities' plans
        assert book.get("share.inclusive_kg").force == "hard"


@pytest.mark.parametrize("name, row", [
    ("pingdingshan", "普惠性幼儿园覆盖率（%） 73.7 80 85 >85 约束性"),
    ("sanmenxia", "普惠性幼儿园覆盖率（%） 73.7 71.7 >85 >85 约束性"),
    ("kaifeng", "普惠性幼儿园覆盖率（%） 80.0 73.7 84.7 85.5 85 — 约束性"),
])
def test_binding_coverage_quotes_the_indicator_table(name: str, row: str) -> None:
    """The force of 普惠 coverage comes from the plan's indicator table, whose row is quoted as it stands
    (开封 holds its table's 85.5); 驻马店's row is garbled in the source, so its section names the table."""
    rule = load_rulebook(name).get("share.inclusive_kg")
    assert rule.source.text == row and rule.force == "hard" and "约束性" in rule.note
    assert rule.params.share == (0.855 if name == "kaifeng" else 0.85)
    zmd = load_rulebook("zhumadian").get("share.inclusive_kg")
    assert zmd.force == "hard" and "约束性" in zmd.source.section and "garbled" in zmd.note
    assert load_rulebook("beiguan").get("share.inclusive_kg").force == "target"  # its table has no 属性


def test_striving_private_share_is_a_target() -> None:
    """驻马店's ≤5 % private share is 力争 (the quote used to leave the word out); 平顶山's is a task."""
    zmd = load_rulebook("zhumadian").get("share.private_compulsory")
    assert zmd.force == "target" and zmd.source.text.startswith("力争") and "力争" in zmd.note
    for name in ("sanmenxia", "kaifeng"):
        assert load_rulebook(name).get("share.private_compulsory").force == "target"
    assert load_rulebook("pingdingshan").get("share.private_compulsory").force == "hard"


@pytest.mark.parametrize("name", ["pingdingshan", "sanmenxia", "zhumadian", "kaifeng", "beiguan"])
def test_county_rules_apply_to_the_counties_the_plan_names(name: str) -> None:
    """"每个县（市）" and "…的县" rules apply to counties (and county-level cities), not urban districts
    ("…的县区" names both)."""
    for rule in load_rulebook(name).of_kind("county_population_school"):
        text = rule.source.text
        if "县（市）" in text or re.search("的县(?!区)", text):
            assert rule.params.county_kinds is not None and "district" not in rule.params.county_kinds, rule.id


def test_county_kinds_of_the_plans_county_rules() -> None:
    for name in ("pingdingshan", "kaifeng"):
        assert load_rulebook(name).get("county.vocational").params.county_kinds == ("county", "city")
    assert load_rulebook("zhumadian").get("county.high_school_new").params.county_kinds == ("county", "city")
    assert load_rulebook("sanmenxia").get("county.vocational").params.county_kinds is None  # 县（市、区）


@pytest.mark.parametrize("kinds, message", [
    ('["county", "town"]', r"params\.county_kinds\.1: Input should be 'county', 'city' or 'district'"),
    ("[]", r"params\.county_kinds: .*at least 1"),
])
def test_county_kinds_are_validated(tmp_path: Path, kinds: str, message: str) -> None:
    params = (f'{{ school_types = ["vocational"], steps = [{{ min_population = 0, min_count = 1 }}], '
              f'county_kinds = {kinds} }}')
    path = _write(tmp_path, _rule(kind="county_population_school", params=params))
    with pytest.raises(RulebookError, match=message):
        load_rulebook(path)


def test_county_kinds_default_is_every_county(tmp_path: Path) -> None:
    params = '{ school_types = ["vocational"], steps = [{ min_population = 0, min_count = 1 }] }'
    rule = load_rulebook(_write(tmp_path, _rule(kind="county_population_school", params=params))).get("x")
    assert rule.params.county_kinds is None


def test_kaifeng_boarding_primaries_are_a_build_target_not_a_cap() -> None:
    """"改扩建或新建1至3所寄宿制小学" where boarding places are short: a target (a township without a
    boarding primary), never a cap on how many a township may run."""
    rule = load_rulebook("kaifeng").get("boarding.primary_per_township")
    assert rule.force == "target" and rule.params.max_boarding_per_township is None
    assert rule.params.min_boarding_per_township == 1 and rule.params.min_share == 0.0
    assert "not a cap" in rule.note
    # 驻马店's "可建 1—3 所" (may build up to 3) stays a cap
    assert load_rulebook("zhumadian").get("boarding.primary_per_township").params.max_boarding_per_township == 3


def test_boarding_floor_above_cap_is_refused(tmp_path: Path) -> None:
    params = '{ expect = "boarding", min_share = 0.0, min_boarding_per_township = 4, max_boarding_per_township = 3 }'
    with pytest.raises(RulebookError, match=r"rule 'x': params: .*min_boarding_per_township \(4\) is above"):
        load_rulebook(_write(tmp_path, _rule(kind="boarding", params=params)))


def test_entry_grade_class_size_is_marked_a_proxy() -> None:
    """平顶山's ≤55 is for the intake grade; the layers have no classes by grade, so the rule says it stands
    on the school's classes (and keeps the plan's force)."""
    rule = load_rulebook("pingdingshan").get("class.high.entry")
    assert rule.params.grades == "entry" and rule.force == "hard"
    assert "proxy" in rule.note and "新入学年级" in rule.source.text


def test_the_rules_table_is_current() -> None:
    """layoutsim/rules/books/README.md is what `python -m layoutsim.rules.table` prints."""
    from layoutsim.rules.table import readme

    path = Path(__file__).resolve().parents[1] / "layoutsim" / "rules" / "books" / "README.md"
    assert path.read_text(encoding="utf-8") == readme(), "run: python -m layoutsim.rules.table > " + str(path)
