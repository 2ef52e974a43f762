"""Rulebooks: read, merge (``extends``, overrides, disable) and validate the plans' rules.

A rulebook is a TOML file::

    extends = "pingdingshan"          # a packaged book or a path (relative to this file); optional
    [book]                            # id, title, title_en, plan (the plan every new source names)
    disable = ["reach.primary.rural"] # rule ids of the base to drop
    [overrides."housing.primary"]     # change a base rule: params / force / scope / level / source / ...
    params = { min_residents = 8000 }
    [[rules]]                         # add a rule: id, kind, params, level, scope, force, source, default
    [[targets]]                       # a build target of the plan (see :class:`Target`): compared, never enforced

Packaged books live in ``layoutsim/rules/books``; files whose names start with ``_`` are bases.
Every problem of every file is collected, then one :class:`RulebookError` names them all.
"""
from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI (pyproject.toml)
    import tomli as tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from layoutsim.config.base import ExtendsCycle, ExtendsNotAName, Strict, deep_merge, extends_chain
from layoutsim.errors import RulebookError
from layoutsim.rules.params import KINDS, NonNegInt, Rule
from layoutsim.schema import CLASS_SIZE
from layoutsim.schema import Level as PupilLevel

_RULE = TypeAdapter(Rule)
_TOP_KEYS = {"extends", "book", "disable", "overrides", "rules", "targets"}
_BOOK_KEYS = {"id", "title", "title_en", "plan"}
_OVERRIDE_KEYS = {"params", "force", "scope", "level", "source", "default", "note"}


#: What a target counts: new schools, expanded schools, either, or the seats they add.
TargetAction = Literal["new", "expand", "new_or_expand", "seats"]


class Target(Strict):
    """One of the plan's own build targets (建设任务), e.g. 新建、改扩建公办幼儿园214所: set beside what the
    proposal builds in the report, never a constraint of the plan.

    A count of schools (``unit = "schools"``) counts each school once, whatever its levels: a new
    nine-year school is one new primary and one new junior school, one compulsory school. ``action =
    "seats"`` counts the seats that new and expanded schools of the levels add (``unit = "seats"``).
    """

    id: str = Field(min_length=1)
    level: tuple[PupilLevel, ...] = Field(min_length=1)
    """The levels the target counts (a school counts when it has any of them)."""
    action: TargetAction
    """new (新建), expand (改扩建), new_or_expand (新建、改扩建), seats (新增学位)."""
    min: NonNegInt | None = None
    max: NonNegInt | None = None
    """The plan's figure: a range (40-50所: min 40, max 50), one number (min = max), or a floor or cap alone.
    An approximate figure (100所左右) is min = max = 100, with a note."""
    unit: Literal["schools", "seats"] = "schools"
    """schools (所) or seats (个学位); seats when ``action = "seats"``."""
    period: str = Field(min_length=1)
    """The plan's period for the target, e.g. "2021-2025"."""
    source_text: str = Field(min_length=1)
    """The plan's own sentence, verbatim."""
    source_text_en: str = ""
    section: str = ""
    """Where in the plan (专栏, chapter)."""
    note: str = ""
    """What the plan's figure counts that the proposal does not (续建, ownership, seats per class, ...)."""

    @model_validator(mode="after")
    def _figure(self) -> Target:
        if self.min is None and self.max is None:
            raise ValueError("a target needs `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.action == "seats" and self.unit != "seats":
            raise ValueError('action "seats" counts seats: set unit = "seats"')
        return self

    @property
    def figure(self) -> str:
        """The plan's figure as a reader sees it: "214", "40–50", "≥ 5" or "≤ 3".

        >>> Target(id="k", level=("kindergarten",), action="new", min=40, max=50, period="2021-2025",
        ...        source_text="新建、改扩建幼儿园40-50所").figure
        '40–50'
        """
        lo, hi = self.min, self.max
        if lo is not None and hi is not None:
            return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
        return f"≥ {lo:,}" if lo is not None else f"≤ {hi or 0:,}"


_TARGET = TypeAdapter(Target)
_TARGET_KEYS = tuple(Target.model_fields)


class Rulebook(Strict):
    """A validated, merged rulebook: the rules one plan area is held to."""

    id: str
    title: str = ""
    title_en: str = ""
    plan: str = ""
    rules: tuple[Rule, ...] = Field(default=())  # type: ignore[valid-type]
    targets: tuple[Target, ...] = ()
    """The plan's build targets (``[[targets]]``), for the report's comparison; never planned for."""
    files: tuple[str, ...] = ()
    """The files merged into this book, base first."""

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Any:
        """The rule with this id; ``KeyError`` if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def of_kind(self, kind: str) -> tuple[Any, ...]:
        """The rules of one kind, in book order."""
        return tuple(r for r in self.rules if r.kind == kind)

    def class_size(self, level: str) -> int:
        """Standard pupils per class of a level: the book's ``standard`` class_size rule, else the schema's."""
        for rule in self.of_kind("class_size"):
            if rule.params.category == "standard" and level in rule.level:
                return int(rule.params.max_per_class)
        return CLASS_SIZE.get(level, 45)


def packaged_books() -> tuple[str, ...]:
    """Names of the packaged area rulebooks (bases excluded)."""
    folder = resources.files("layoutsim.rules") / "books"
    return tuple(sorted(
        p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml") and not p.name.startswith("_")
    ))


def load_rulebook(name_or_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Rulebook:
    """Load a packaged rulebook by name (``"pingdingshan"``) or a user's TOML file by path.

    ``overrides`` is a partial book laid over the result, with the same keys as a file
    (``overrides``, ``disable``, ``rules``, ``book``), e.g. ``{"overrides": {"housing.primary":
    {"params": {"min_residents": 8000}}}}``; a scenario passes its ``[rules]`` table here.
    Raises :class:`RulebookError` listing every problem found.
    """
    problems: list[str] = []
    chain = _read_chain(name_or_path, problems)
    if overrides:
        chain.append(("overrides", dict(overrides)))
    book = _merge(chain, problems)
    if problems:
        raise RulebookError(f"rulebook {name_or_path!s} is not valid", problems)
    return book


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class _BookFile:
    """One file of a book's chain: its label in messages and either its path or a packaged book's name."""

    label: str
    path: Path | None
    packaged: str | None


def _resolve(ref: str | Path, naming: _BookFile | None) -> _BookFile:
    """The file a reference to a book names: a packaged book, or a path relative to the file naming it."""
    text = str(ref)
    folder = resources.files("layoutsim.rules") / "books"
    if not text.endswith(".toml") and "/" not in text and "\\" not in text:
        packaged = folder / f"{text}.toml"
        if packaged.is_file():
            return _BookFile(f"{text}.toml", None, text)
    path = Path(text)
    if not path.is_absolute() and naming is not None and naming.path is not None:
        path = naming.path.parent / path
    return _BookFile(str(path), path, None)


def _read_book_file(file: _BookFile, problems: list[str]) -> dict[str, Any] | None:
    """The parsed TOML of one file of a book; ``None``, with the problem noted, when it cannot be read."""
    try:
        if file.packaged is not None:
            raw = (resources.files("layoutsim.rules") / "books" / f"{file.packaged}.toml").read_text("utf-8")
        else:
            assert file.path is not None
            raw = file.path.read_text(encoding="utf-8")
        return tomllib.loads(raw)
    except FileNotFoundError:
        known = ", ".join(packaged_books())
        problems.append(f"{file.label}: no such rulebook file (packaged books: {known})")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{file.label}: cannot read: {exc}")
    return None


def _read_chain(ref: str | Path, problems: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The files of a book, base first, each as (label, parsed TOML)."""
    chain = extends_chain(ref, lambda file: _read_book_file(file, problems), _resolve)
    problem = chain.problem
    if isinstance(problem, ExtendsCycle):
        circle = " -> ".join(f.label for f in problem.chain)
        problems.append(f"{problem.file.label}: `extends` makes a cycle: {circle}")
    elif isinstance(problem, ExtendsNotAName):
        problems.append(f"{problem.file.label}: `extends` must be a string, not {type(problem.value).__name__}")
    return [(file.label, data) for file, data in chain.files]


# ---------------------------------------------------------------- merging


def _merge(chain: list[tuple[str, dict[str, Any]]], problems: list[str]) -> Rulebook:
    """Apply each file of the chain in turn to an ordered dict of raw rules, then validate them."""
    meta: dict[str, str] = {}
    raw_rules: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}
    raw_targets: dict[str, dict[str, Any]] = {}
    target_origin: dict[str, str] = {}
    for label, data in chain:
        for key in sorted(set(data) - _TOP_KEYS):
            problems.append(f"{label}: unknown key `{key}` (allowed: {', '.join(sorted(_TOP_KEYS))})")
        _apply_meta(label, data.get("book", {}), meta, problems)
        plan = meta.get("plan", "")
        _apply_disable(label, data.get("disable", []), raw_rules, raw_targets, problems)
        _apply_overrides(label, data.get("overrides", {}), raw_rules, origin, plan, problems)
        _apply_rules(label, data.get("rules", []), raw_rules, origin, plan, problems)
        _apply_targets(label, data.get("targets", []), raw_targets, target_origin, problems)
    rules = []
    for rule_id, raw in raw_rules.items():
        rule = _validate_rule(origin[rule_id], rule_id, raw, problems)
        if rule is not None:
            rules.append(rule)
    targets = []
    for target_id, raw in raw_targets.items():
        target = _validate_target(target_origin[target_id], target_id, raw, problems)
        if target is not None:
            targets.append(target)
    files = tuple(label for label, _ in chain)
    return Rulebook.model_construct(
        id=meta.get("id", files[-1] if files else ""), title=meta.get("title", ""),
        title_en=meta.get("title_en", ""), plan=meta.get("plan", ""), rules=tuple(rules),
        targets=tuple(targets), files=files,
    )


def _apply_meta(label: str, book: Any, meta: dict[str, str], problems: list[str]) -> None:
    if not isinstance(book, Mapping):
        problems.append(f"{label}: [book] must be a table")
        return
    for key, value in book.items():
        if key not in _BOOK_KEYS:
            problems.append(f"{label}: [book] unknown key `{key}` (allowed: {', '.join(sorted(_BOOK_KEYS))})")
        elif not isinstance(value, str):
            problems.append(f"{label}: [book] {key} must be a string")
        else:
            meta[key] = value


def _apply_disable(label: str, ids: Any, raw_rules: dict[str, dict[str, Any]],
                   raw_targets: dict[str, dict[str, Any]], problems: list[str]) -> None:
    """Drop the rules (or, when no rule has the id, the targets) the file names."""
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(f"{label}: `disable` must be a list of rule ids")
        return
    for rule_id in ids:
        if raw_rules.pop(rule_id, None) is None and raw_targets.pop(rule_id, None) is None:
            problems.append(f"{label}: disable: no rule with id '{rule_id}' in the base book (nor a target)")


def _apply_overrides(label: str, overrides: Any, raw_rules: dict[str, dict[str, Any]],
                     origin: dict[str, str], plan: str, problems: list[str]) -> None:
    if not isinstance(overrides, Mapping):
        problems.append(f"{label}: [overrides] must be a table of rule ids")
        return
    for rule_id, change in overrides.items():
        where = f"{label}: overrides.'{rule_id}'"
        if rule_id not in raw_rules:
            problems.append(f"{where}: no rule with id '{rule_id}' in the base book")
            continue
        if not isinstance(change, Mapping):
            problems.append(f"{where}: must be a table")
            continue
        bad = sorted(set(change) - _OVERRIDE_KEYS)
        if bad:
            problems.append(f"{where}: cannot change {', '.join(bad)} "
                            f"(allowed: {', '.join(sorted(_OVERRIDE_KEYS))})")
            continue
        change = dict(change)
        if "source" in change and isinstance(change["source"], Mapping):
            # A new source is the overriding plan's own sentence unless it says otherwise.
            change["source"] = {"plan": plan, **change["source"]} if plan else change["source"]
            change.setdefault("default", False)
        raw_rules[rule_id] = deep_merge(raw_rules[rule_id], change)
        origin[rule_id] = label


def _with_ids(label: str, tables: Any, key: str, problems: list[str]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The file's ``[[key]]`` tables that have a string ``id``, as (id, table); a wrong shape or a table
    without an id is a problem of the file."""
    if not isinstance(tables, list):
        problems.append(f"{label}: `{key}` must be an array of tables ([[{key}]])")
        return
    for i, raw in enumerate(tables):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw.get("id"):
            problems.append(f"{label}: {key}[{i}]: every {key[:-1]} needs a string `id`")
            continue
        yield raw["id"], raw


def _apply_rules(label: str, rules: Any, raw_rules: dict[str, dict[str, Any]], origin: dict[str, str],
                 plan: str, problems: list[str]) -> None:
    for rule_id, raw in _with_ids(label, rules, "rules", problems):
        if rule_id in raw_rules:
            problems.append(f"{label}: rule '{rule_id}' is already defined (by {origin[rule_id]}); "
                            f"change it under [overrides.'{rule_id}'] instead")
            continue
        raw = dict(raw)
        if plan and isinstance(raw.get("source"), Mapping):
            raw["source"] = {"plan": plan, **raw["source"]}
        raw_rules[rule_id] = raw
        origin[rule_id] = label


def _apply_targets(label: str, targets: Any, raw_targets: dict[str, dict[str, Any]], origin: dict[str, str],
                   problems: list[str]) -> None:
    """Add the file's ``[[targets]]``; one with the id of a base file's target changes it (its keys laid
    over the base's), as an override changes a rule."""
    seen: set[str] = set()
    for target_id, raw in _with_ids(label, targets, "targets", problems):
        if target_id in seen:
            problems.append(f"{label}: target '{target_id}' is defined twice in this file")
            continue
        seen.add(target_id)
        raw_targets[target_id] = deep_merge(raw_targets.get(target_id, {}), raw)
        origin[target_id] = label


def _validate_target(label: str, target_id: str, raw: dict[str, Any], problems: list[str]) -> Target | None:
    where = f"{label}: target '{target_id}'"
    unknown = sorted(set(raw) - set(_TARGET_KEYS))
    for key in unknown:
        problems.append(f"{where}: unknown key `{key}` (allowed: {', '.join(_TARGET_KEYS)})")
    if unknown:
        return None
    try:
        return _TARGET.validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {loc}: {msg}" if loc else f"{where}: {msg}")
        return None


def _validate_rule(label: str, rule_id: str, raw: dict[str, Any], problems: list[str]) -> Any:
    where = f"{label}: rule '{rule_id}'"
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
        return None
    try:
        return _RULE.validate_python(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"][1:])  # drop the union tag
            problems.append(f"{where}: {loc or 'rule'}: {err['msg']}")
        return None
