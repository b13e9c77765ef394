"""Immune effector cell-associated neurotoxicity (ICANS): ASTCT 2019 grade and Table 5 management.

The consensus grades ICANS by the ICE score, level of consciousness, seizures, motor
weakness and raised intracranial pressure/cerebral oedema (icans_grading, ASTCT [32]);
the grade is the worst domain.

"At least" semantics (None = not assessed), as in logic.crs:
- the reported grade is the worst of the *assessed* domains (0 if none is abnormal);
  it is never above the true grade;
- `at_least` is True exactly when filling in the unassessed domains could give a higher
  grade. An unassessed ICE score can reach grade 3 at most (ICE 0-2); each other domain
  can reach 4. So a grade of 4 is final, and a grade of 3 with only the ICE score
  unassessed is final too;
- an ICE score entered item by item but incomplete (`ICEPartial`) still bounds the
  grade: the best the missing items could add gives the lowest ICE grade possible.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator, validate_call

from logic import content
from logic.models import Grade

Consciousness = Literal["normal", "awakens_spontaneously", "awakens_to_voice", "awakens_to_touch", "unarousable"]
Seizure = Literal["none", "resolved_rapidly", "prolonged_or_repetitive"]
MotorWeakness = Literal["none", "deep_focal"]
CerebralEdema = Literal["none", "focal", "diffuse"]

MAX_GRADE = 4
ICE_MAX = 10
# ASTCT 2019 as the icans_grading entry's note states it (tests/test_icans.py checks the
# note still says so): ICE 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3.
ICE_BANDS: tuple[tuple[int, int, int], ...] = ((10, 10, 0), (7, 9, 1), (3, 6, 2), (0, 2, 3))
CONSCIOUSNESS_GRADE: dict[str, int] = {
    "normal": 0, "awakens_spontaneously": 1, "awakens_to_voice": 2, "awakens_to_touch": 3, "unarousable": 4,
}
SEIZURE_GRADE: dict[str, int] = {"none": 0, "resolved_rapidly": 3, "prolonged_or_repetitive": 4}
MOTOR_GRADE: dict[str, int] = {"none": 0, "deep_focal": 4}
EDEMA_GRADE: dict[str, int] = {"none": 0, "focal": 3, "diffuse": 4}
# The worst grade an unassessed domain could reach.
DOMAIN_CEILING: dict[str, int] = {
    "ice_score": 3, "consciousness": 4, "seizure": 4, "motor_weakness": 4, "cerebral_edema": 4,
}
DOMAINS: tuple[str, ...] = tuple(DOMAIN_CEILING)
# ICE items and their maximum points (ASTCT 2019; the "orientation 4, naming 3, ...").
ICE_ITEM_MAX: dict[str, int] = {"orientation": 4, "naming": 3, "command": 1, "writing": 1, "attention": 1}


# --- ICE score -----------------------------------------------------------------------------


class ICEItems(BaseModel):
    """The Immune effector Cell-associated Encephalopathy score, item by item (ASTCT 2019)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    orientation: int = Field(ge=0, le=ICE_ITEM_MAX["orientation"], description="year, month, city, hospital")
    naming: int = Field(ge=0, le=ICE_ITEM_MAX["naming"], description="names three objects")
    command: int = Field(ge=0, le=ICE_ITEM_MAX["command"], description="follows simple commands")
    writing: int = Field(ge=0, le=ICE_ITEM_MAX["writing"], description="writes a standard sentence")
    attention: int = Field(ge=0, le=ICE_ITEM_MAX["attention"], description="counts back from 100 by 10")


class ICEPartial(BaseModel):
    """ICE items as entered at the bedside: None = item not yet tested."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    orientation: int | None = Field(None, ge=0, le=ICE_ITEM_MAX["orientation"])
    naming: int | None = Field(None, ge=0, le=ICE_ITEM_MAX["naming"])
    command: int | None = Field(None, ge=0, le=ICE_ITEM_MAX["command"])
    writing: int | None = Field(None, ge=0, le=ICE_ITEM_MAX["writing"])
    attention: int | None = Field(None, ge=0, le=ICE_ITEM_MAX["attention"])

    def complete(self) -> ICEItems | None:
        values = self.model_dump()
        return None if any(v is None for v in values.values()) else ICEItems(**values)

    def missing(self) -> list[str]:
        return [k for k, v in self.model_dump().items() if v is None]


@validate_call
def ice_score(items: ICEItems) -> int:
    """The ICE score, 0..10."""
    return items.orientation + items.naming + items.command + items.writing + items.attention


@validate_call
def ice_range(items: ICEPartial) -> tuple[int, int]:
    """(lowest, highest) ICE score the items allow: missing items scored 0, then full marks."""
    values = items.model_dump()
    low = sum(v for v in values.values() if v is not None)
    high = low + sum(ICE_ITEM_MAX[k] for k, v in values.items() if v is None)
    return low, high


@validate_call
def ice_grade(score: Annotated[int, Field(ge=0, le=ICE_MAX)]) -> int:
    """The ICANS grade the ICE score alone sets."""
    for low, high, grade in ICE_BANDS:
        if low <= score <= high:
            return grade
    raise AssertionError("ICE bands cover 0..10")  # pragma: no cover - bands are exhaustive


# --- grade ---------------------------------------------------------------------------------


class ICANSFindings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ice_score: int | None = Field(None, ge=0, le=ICE_MAX, description="0..10; None = not assessed")
    consciousness: Consciousness | None = None
    seizure: Seizure | None = None
    motor_weakness: MotorWeakness | None = None
    cerebral_edema: CerebralEdema | None = None


class ICANSAssessment(BaseModel):
    """grade_icans's Grade plus the working a page shows."""

    model_config = ConfigDict(frozen=True)

    grade: Grade
    domain_grades: dict[str, int | None] = Field(description="grade each domain sets; None = not assessed")
    missing: list[str]
    ice_score: int | None
    ice_range: tuple[int, int] | None = Field(None, description="when ICE items are incomplete")
    highest_possible: int


def _domain_grades(f: ICANSFindings) -> dict[str, int | None]:
    return {
        "ice_score": None if f.ice_score is None else ice_grade(f.ice_score),
        "consciousness": None if f.consciousness is None else CONSCIOUSNESS_GRADE[f.consciousness],
        "seizure": None if f.seizure is None else SEIZURE_GRADE[f.seizure],
        "motor_weakness": None if f.motor_weakness is None else MOTOR_GRADE[f.motor_weakness],
        "cerebral_edema": None if f.cerebral_edema is None else EDEMA_GRADE[f.cerebral_edema],
    }


def _recommendation_ids(grade: int) -> list[str]:
    ids = [content.ref("icans_grading")]
    if grade:
        ids.append(_table5(grade)[0])
    return ids


class _AssessInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: ICANSFindings
    ice_items: ICEPartial | None = None

    @model_validator(mode="after")
    def _one_ice_source(self) -> _AssessInput:
        if self.ice_items is not None and self.findings.ice_score is not None:
            raise ValueError("give the ICE score either as a total or item by item, not both")
        return self


def assess_icans(findings: ICANSFindings, ice_items: ICEPartial | None = None) -> ICANSAssessment:
    """Grade ICANS; `ice_items` (item by item, possibly incomplete) replaces `findings.ice_score`."""
    req = _AssessInput(findings=findings, ice_items=ice_items)
    f, ice_rng = req.findings, None
    if req.ice_items is not None:
        complete = req.ice_items.complete()
        if complete is not None:
            f = f.model_copy(update={"ice_score": ice_score(complete)})
        else:
            ice_rng = ice_range(req.ice_items)
    domains = _domain_grades(f)
    known = {k: v for k, v in domains.items() if v is not None}
    ceilings = {k: (v if v is not None else DOMAIN_CEILING[k]) for k, v in domains.items()}
    if ice_rng is not None:
        # an incomplete ICE: the best the missing items can do bounds the grade from below
        known["ice_score"] = ice_grade(ice_rng[1])
        ceilings["ice_score"] = ice_grade(ice_rng[0])
    grade = max(known.values(), default=0)
    highest = max(ceilings.values())
    drivers = [k for k in DOMAINS if grade > 0 and known.get(k) == grade]
    missing = [k for k, v in domains.items() if v is None and not (k == "ice_score" and ice_rng is not None)]
    return ICANSAssessment(
        grade=Grade(grade=grade, at_least=highest > grade, drivers=drivers,
                    recommendation_ids=_recommendation_ids(grade)),
        domain_grades=domains,
        missing=missing,
        ice_score=f.ice_score,
        ice_range=ice_rng,
        highest_possible=highest,
    )


@validate_call
def grade_icans(findings: ICANSFindings) -> Grade:
    """ASTCT 2019 ICANS grade: the worst domain, with this module's 'at least' semantics."""
    return assess_icans(findings).grade


# --- management (Table 5, READING-NOTES 16) ------------------------------------------------


def _table5(grade: int) -> tuple[str, str]:
    """(no concurrent CRS, additional with concurrent CRS) entries of Table 5 for a grade."""
    return {
        1: (content.ref("icans_g1_no_crs"), content.ref("icans_g1_with_crs")),
        2: (content.ref("icans_g2_no_crs"), content.ref("icans_g2_with_crs")),
        3: (content.ref("icans_g3_no_crs"), content.ref("icans_g3_with_crs")),
        4: (content.ref("icans_g4_no_crs"), content.ref("icans_g4_with_crs")),
    }[grade]


GradeArg = Annotated[int, Field(ge=0, le=MAX_GRADE)]


@validate_call
def icans_management(icans_grade: GradeArg, crs_grade: GradeArg) -> list[str]:
    """Table 5 entries for the ICANS grade; with concurrent CRS (grade > 0) the with-CRS entry too."""
    if icans_grade == 0:
        return []
    no_crs, with_crs = _table5(icans_grade)
    return [no_crs, with_crs] if crs_grade > 0 else [no_crs]


class ICANSPlan(BaseModel):
    """Table 5 for one ICANS grade, as structured actions (the doses come from logic.dosing)."""

    model_config = ConfigDict(frozen=True)

    icans_grade: int
    crs_grade: int
    icu: Literal["none", "consider", "advised", "icu_care_ventilation_advised"]
    steroid: Literal["none", "dexamethasone_or_methylprednisolone", "methylprednisolone_high_dose"]
    tocilizumab: bool
    neuroimaging_every_2_3_days_while_ge3: bool
    status_epilepticus_per_guideline: bool
    recommendation_ids: list[str]


@validate_call
def icans_plan(icans_grade: GradeArg, crs_grade: GradeArg) -> ICANSPlan:
    icu_crs = int(content.value("icans_g2_with_crs", "icu_if_crs_grade_at_least"))
    icu = {3: "advised", 4: "icu_care_ventilation_advised"}.get(icans_grade, "none")
    if icans_grade == 2 and crs_grade >= icu_crs:
        icu = "consider"
    steroid = {2: "dexamethasone_or_methylprednisolone", 3: "dexamethasone_or_methylprednisolone",
               4: "methylprednisolone_high_dose"}.get(icans_grade, "none")
    return ICANSPlan(
        icans_grade=icans_grade,
        crs_grade=crs_grade,
        icu=icu,
        steroid=steroid,
        # Table 5 prints tocilizumab in the with-CRS column for grades 1-3 only
        tocilizumab=crs_grade > 0 and 1 <= icans_grade <= 3,
        neuroimaging_every_2_3_days_while_ge3=icans_grade >= 3,
        status_epilepticus_per_guideline=icans_grade == 4,
        recommendation_ids=icans_management(icans_grade, crs_grade),
    )
