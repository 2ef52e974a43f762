"""One typed rule model per rule kind: the plans' rules as data (``design.md``, section Rulebooks).

Every model forbids unknown keys, so a misspelt parameter in a rulebook is an error, not a silent default.
:data:`Rule` is the discriminated union over ``kind``; :data:`KINDS` lists the kinds.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union, get_args

from pydantic import Field, model_validator

from layoutsim.config.base import Strict

from layoutsim.schema import SCHOOL_TYPES
from layoutsim.schema import Level as PupilLevel

#: A rule may also name the levels outside the pupil forecast.
Level = Literal[PupilLevel, "special", "vocational"]
#: Where a rule applies. ``rural`` is a non-urban township of plain or hill terrain, ``mountain`` a
#: non-urban mountain township (``schema.TERRAIN``).
Area = Literal["urban", "rural", "mountain"]
#: Kinds of county-level unit (the counties layer's ``kind``): 县, 县级市, 市辖区.
CountyKind = Literal["county", "city", "district"]
#: hard = binding (必须/至少/约束性); in_principle = 原则上; target = a goal for a date; audit = informational.
Force = Literal["hard", "in_principle", "target", "audit"]
if TYPE_CHECKING:  # a Literal built from the data contract at run time; a plain str to the type checker
    SchoolType = str
else:
    SchoolType = Literal[tuple(SCHOOL_TYPES)]
Share = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
PosInt = Annotated[int, Field(gt=0, strict=True)]
NonNegInt = Annotated[int, Field(ge=0, strict=True)]
PosFloat = Annotated[float, Field(gt=0, strict=True)]




class Scope(Strict):
    """Which places a rule covers."""

    build: Literal["new", "all"] = "all"
    """``new``: only new schools / new housing (新建); ``all``: the existing stock too."""
    areas: tuple[Area, ...] = ("urban", "rural", "mountain")


class Source(Strict):
    """Where a rule comes from: the plan (or, for a default, the standard) and its own sentence."""

    plan: str = Field(min_length=1)
    """The plan's or standard's own title (and clause, where known): what a reader is shown as 出处."""
    section: str = ""
    """The plan's own section (empty for a standard whose clause is in ``plan`` or not known)."""
    text: str = Field(min_length=1)
    """The verbatim Chinese sentence."""
    text_en: str = Field(min_length=1)
    reference: str = ""
    """Where the project's own reference notes give it (``shared/domain/standards.md §…``); not shown."""


# ---------------------------------------------------------------- parameters, one model per kind


class HousingSchoolParams(Strict):
    """A new residential area of ``min_residents`` or more comes with a school of the rule's level."""

    min_residents: PosInt
    schools: PosInt = 1
    within_m: PosFloat = 1000.0
    """A school of the level this close to the estate, or a candidate site tied to it, counts as its school."""
    ownership: Literal["any", "public", "public_or_inclusive"] = "any"


class SchoolSizeCapParams(Strict):
    """A school of these types has at most ``max_pupils`` pupils (all its levels together)."""

    school_types: tuple[SchoolType, ...] = Field(min_length=1)
    max_pupils: PosInt


class ClassSizeParams(Strict):
    """Pupils per class of the rule's levels at most ``max_per_class``.

    A school breaks it when its classes over the line, estimated from its classes and enrolment
    (:func:`layoutsim.rules.classes.classes_over`), number one or more: for whole pupils, when its average
    is above the line. A finding gives the school's average; a 大班额 or 超大班额 one also how many classes.
    """

    max_per_class: PosInt
    category: Literal["standard", "large", "super_large"] = "standard"
    """standard: the norm (GB 50099); large: above it is 大班额; super_large: above it is 超大班额."""
    grades: Literal["all", "entry"] = "all"
    """entry: the plan limits the intake grade (新入学年级). The layers have no classes by grade, so the
    school's classes of the level stand in for it, and the finding says so."""


class KindergartenRatioParams(Strict):
    """At least one kindergarten per ``residents_per_kindergarten`` residents of a township."""

    residents_per_kindergarten: PosInt
    residents_per_kindergarten_min: PosInt | None = None
    """Lower end of a stated range (1 per 3,000–6,000): informational."""


class CentralKindergartenParams(Strict):
    """Each township (乡镇) runs ``min_count`` public central kindergartens, more if it is large."""

    min_count: PosInt = 1
    large_population: PosInt | None = None
    large_min_count: PosInt | None = None
    township_kinds: tuple[str, ...] = ("town", "township")

    @model_validator(mode="after")
    def _pair(self) -> CentralKindergartenParams:
        if (self.large_population is None) != (self.large_min_count is None):
            raise ValueError("large_population and large_min_count go together")
        return self


class CountySeatPublicKindergartensParams(Strict):
    """The urban townships (城区) of each county run at least ``min_count`` public kindergartens."""

    min_count: PosInt = 3


class ShareTargetParams(Strict):
    """An enrolment-weighted share per county, bounded below (min) or above (max)."""

    metric: Literal["inclusive_kindergarten", "public_kindergarten", "private_compulsory"]
    bound: Literal["min", "max"]
    share: Share
    by_year: int | None = None


class PopulationStep(Strict):
    min_population: NonNegInt
    min_count: NonNegInt


class CountyPopulationSchoolParams(Strict):
    """A county of at least ``min_population`` residents has at least ``min_count`` schools of these types."""

    school_types: tuple[str, ...] = Field(min_length=1)
    steps: tuple[PopulationStep, ...] = Field(min_length=1)
    count: Literal["all", "proposed"] = "all"
    """all: every school of the types; proposed: only rows of the schools layer with ``proposed = True``."""
    county_kinds: Annotated[tuple[CountyKind, ...], Field(min_length=1)] | None = None
    """Only counties of these kinds (None: every county). "每个县（市）" names counties and county-level
    cities: ``["county", "city"]``, urban districts (市辖区) left out."""


class ServiceRadiusParams(Strict):
    """Every residential unit has a school of the level within ``radius_m`` (straight line)."""

    radius_m: PosFloat


class BoardingParams(Strict):
    """In each county, at least ``min_share`` of the level's rural enrolment is in schools run this way;
    optionally, each township (乡镇 of the rule's areas) has at least ``min_boarding_per_township`` and at
    most ``max_boarding_per_township`` boarding schools of the level."""

    expect: Literal["boarding", "day"]
    min_share: Share = 0.5
    max_boarding_per_township: PosInt | None = None
    """A cap: more boarding schools than this in a township is a finding."""
    min_boarding_per_township: PosInt | None = None
    """A floor: a township (镇, 乡) with fewer boarding schools of the level than this is a finding."""

    @model_validator(mode="after")
    def _range(self) -> BoardingParams:
        low, high = self.min_boarding_per_township, self.max_boarding_per_township
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_boarding_per_township ({low}) is above max_boarding_per_township ({high})")
        return self


class ClosurePreconditionParams(Strict):
    """A school closes only when schools within reach have the seats for its pupils (先建后撤)."""

    max_receiving_distance_m: PosFloat | None = None


class KeepSmallSchoolsParams(Strict):
    """Small village schools and teaching points the plan keeps (保留, 办好): a plan may not close them.

    Small: fewer than ``max_pupils`` pupils in all levels (乡村小规模学校: village primaries and 教学点 of
    under 100 pupils, 国办发〔2018〕27号); only schools of ``school_types`` in the rule's areas.
    """

    school_types: tuple[SchoolType, ...] = ("teaching_point", "primary")
    max_pupils: PosInt = 100


class LandPerPupilParams(Strict):
    """A school's site holds at least ``m2_per_pupil`` m² (生均用地) for each pupil of a level, or
    ``boarding_m2_per_pupil`` at a boarding school where that is given; the levels are the rule's."""

    m2_per_pupil: dict[PupilLevel, PosFloat] = Field(min_length=1)
    boarding_m2_per_pupil: dict[PupilLevel, PosFloat] = {}


class ResourceRoomParams(Strict):
    """A school of ``school_types`` with ``min_pupils`` or more pupils with disabilities in its regular
    classes (随班就读, the schools layer's ``disabled_pupils``) has a resource room (``resource_room``)."""

    min_pupils: PosInt = 5
    school_types: tuple[SchoolType, ...] = ("primary", "teaching_point", "junior", "nine_year", "complete_middle",
                                            "twelve_year", "high", "vocational")


class ConcentrationParams(Strict):
    """The level's enrolment concentrates in the county seat (the county's urban townships)."""

    toward: Literal["county_seat"] = "county_seat"
    min_share: Share | None = None
    """None: report the measured share for information only."""


# ---------------------------------------------------------------- rules


class _RuleBase(Strict):
    id: str = Field(min_length=1)
    level: tuple[Level, ...] = ()
    scope: Scope = Scope()
    force: Force
    default: Annotated[bool, Field(strict=True)] = False
    """True when the plan is silent and a national/Henan standard (named in ``source.plan``) fills in."""
    source: Source
    note: str = ""


class HousingSchoolRule(_RuleBase):
    kind: Literal["housing_school"]
    params: HousingSchoolParams


class SchoolSizeCapRule(_RuleBase):
    kind: Literal["school_size_cap"]
    params: SchoolSizeCapParams


class ClassSizeRule(_RuleBase):
    kind: Literal["class_size"]
    params: ClassSizeParams


class KindergartenRatioRule(_RuleBase):
    kind: Literal["kindergarten_ratio"]
    params: KindergartenRatioParams


class CentralKindergartenRule(_RuleBase):
    kind: Literal["central_kindergarten"]
    params: CentralKindergartenParams


class CountySeatPublicKindergartensRule(_RuleBase):
    kind: Literal["county_seat_public_kindergartens"]
    params: CountySeatPublicKindergartensParams


class ShareTargetRule(_RuleBase):
    kind: Literal["share_target"]
    params: ShareTargetParams


class CountyPopulationSchoolRule(_RuleBase):
    kind: Literal["county_population_school"]
    params: CountyPopulationSchoolParams


class ServiceRadiusRule(_RuleBase):
    kind: Literal["service_radius"]
    params: ServiceRadiusParams


class BoardingRule(_RuleBase):
    kind: Literal["boarding"]
    params: BoardingParams


class ClosurePreconditionRule(_RuleBase):
    kind: Literal["closure_precondition"]
    params: ClosurePreconditionParams


class KeepSmallSchoolsRule(_RuleBase):
    kind: Literal["keep_small_schools"]
    params: KeepSmallSchoolsParams


class ConcentrationRule(_RuleBase):
    kind: Literal["concentration"]
    params: ConcentrationParams


class ResourceRoomRule(_RuleBase):
    kind: Literal["resource_room"]
    params: ResourceRoomParams


class LandPerPupilRule(_RuleBase):
    kind: Literal["land_per_pupil"]
    params: LandPerPupilParams

    @model_validator(mode="after")
    def _a_figure_per_level(self) -> LandPerPupilRule:
        missing = [lv for lv in self.level if lv not in self.params.m2_per_pupil]
        if missing or not self.level:
            raise ValueError(f"params.m2_per_pupil needs a figure for each of the rule's levels; missing: "
                             f"{', '.join(missing) or 'the rule names no level'}")
        return self


Rule = Annotated[Union[
    HousingSchoolRule, SchoolSizeCapRule, ClassSizeRule, KindergartenRatioRule, CentralKindergartenRule,
    CountySeatPublicKindergartensRule, ShareTargetRule, CountyPopulationSchoolRule, ServiceRadiusRule,
    BoardingRule, ClosurePreconditionRule, ConcentrationRule, KeepSmallSchoolsRule, LandPerPupilRule,
    ResourceRoomRule,
], Field(discriminator="kind")]
_RULE_CLASSES = get_args(get_args(Rule)[0])

#: Every rule kind, in the order of ``domain/rules.md``.
KINDS: tuple[str, ...] = tuple(get_args(c.model_fields["kind"].annotation)[0] for c in _RULE_CLASSES)
