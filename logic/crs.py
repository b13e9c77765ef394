"""Cytokine release syndrome: ASTCT 2019 grade (Table 3), management (Table 4), HLH/MAS alert.

The consensus adopts the ASTCT grading [32] (crs_astct_grading). Fever is the entry
criterion; given fever, the grade is the more severe of hypotension and hypoxia
(READING-NOTES 14). Fever is >=38.0 °C: the text before Table 3 says 体温≥38 ℃ and ASTCT
agrees; Table 3 prints >38°C, and the crs_grade_1 entry's note says so (READING-NOTES 12).

"At least" semantics (None = not assessed, never "normal"):
- The reported grade is the lowest grade consistent with what was entered: every
  unassessed input is read as its mildest value. It is never above the true grade.
- `at_least` is True exactly when some way of filling in the unassessed inputs gives a
  higher grade. So: fever absent (temperature <38.0 °C, no masked fever documented) is
  grade 0 and final, whatever the unassessed hypotension/hypoxia, because ASTCT grades
  no CRS without fever; a grade of 4 is final too.
- Temperature not assessed (and no masked fever documented) cannot establish fever: the
  grade is "at least 0" with `drivers == []`, and `CRSAssessment.fever == "not_assessed"`
  says why. `CRSAssessment.grade_if_fever` gives the grade the entered hypotension and
  hypoxia would set once fever is confirmed (at least 1), so a page can say
  "at least grade 0; if fever is present, at least grade 3".
- `drivers` names the fields that set the grade: the hypotension and/or hypoxia field
  for grades 2-4; "max_temp_c" and/or "fever_before_masking" (whichever established
  fever) for grade 1; "max_temp_c" for grade 0 with fever absent; none when fever was
  not assessed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator, validate_call

from logic import content
from logic.models import Grade

Hypotension = Literal["none", "no_vasopressor", "one_vasopressor", "multiple_vasopressors"]
Hypoxia = Literal["none", "low_flow", "high_flow", "positive_pressure"]

TEMP_MIN_C = 30.0
TEMP_MAX_C = 45.0

# ASTCT 2019 level of each finding (Table 3 rows 2-4; READING-NOTES 13 for grade 3).
HYPOTENSION_GRADE: dict[str, int] = {
    "none": 0, "no_vasopressor": 2, "one_vasopressor": 3, "multiple_vasopressors": 4,
}
HYPOXIA_GRADE: dict[str, int] = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}
HYPOTENSION_LEVELS: tuple[str, ...] = tuple(HYPOTENSION_GRADE)
HYPOXIA_LEVELS: tuple[str, ...] = tuple(HYPOXIA_GRADE)
MAX_GRADE = 4


def fever_threshold_c() -> float:
    """>=38.0 °C, as the app applies it (crs_grade_1's note; READING-NOTES 12)."""
    return float(content.recommendation("crs_grade_1").note_value("fever_c_applied"))


def _grade_rows() -> dict[int, tuple[str, str]]:
    # (Table 3 row, Table 4 row) per grade
    return {
        1: (content.ref("crs_grade_1"), content.ref("crs_mgmt_grade_1")),
        2: (content.ref("crs_grade_2"), content.ref("crs_mgmt_grade_2")),
        3: (content.ref("crs_grade_3"), content.ref("crs_mgmt_grade_3")),
        4: (content.ref("crs_grade_4"), content.ref("crs_mgmt_grade_4")),
    }


# --- temperature input -------------------------------------------------------------------


class TemperatureProblem(BaseModel):
    """Why a typed temperature is refused, and what it probably meant."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["fahrenheit", "missing_decimal_point", "out_of_range"]
    value: float
    likely_celsius: float | None = Field(description="the value it probably meant, in °C")
    message: str


def temperature_problem(value: float) -> TemperatureProblem | None:
    """None if `value` is a plausible body temperature in °C (30-45), else the likely mistake."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return TemperatureProblem(kind="out_of_range", value=float("nan"), likely_celsius=None,
                                  message="enter a temperature in °C between 30 and 45")
    value = float(value)
    if TEMP_MIN_C <= value <= TEMP_MAX_C:
        return None
    as_c = round((value - 32.0) * 5.0 / 9.0, 1)
    if TEMP_MIN_C <= as_c <= TEMP_MAX_C:
        return TemperatureProblem(kind="fahrenheit", value=value, likely_celsius=as_c,
                                  message=f"{value:g} looks like °F (= {as_c:.1f} °C); enter °C")
    if TEMP_MIN_C <= value / 10.0 <= TEMP_MAX_C:
        return TemperatureProblem(kind="missing_decimal_point", value=value, likely_celsius=value / 10.0,
                                  message=f"{value:g} looks like {value / 10.0:.1f} °C without its decimal point")
    return TemperatureProblem(kind="out_of_range", value=value, likely_celsius=None,
                              message=f"{value:g} °C is outside 30-45 °C; enter the temperature in °C")


# --- grade ---------------------------------------------------------------------------------


class CRSFindings(BaseModel):
    """What a nurse reads off the chart. None = not assessed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_temp_c: float | None = Field(
        None, allow_inf_nan=False,
        description="highest temperature in °C (30.0-45.0); None = not assessed")
    fever_before_masking: bool = Field(
        False, description="fever >=38.0 °C documented before antipyretic, tocilizumab or steroid masked it")
    hypotension: Hypotension | None = Field(None, description="None = not assessed")
    hypoxia: Hypoxia | None = Field(None, description="oxygen needed for hypoxia; None = not assessed")

    @field_validator("max_temp_c", mode="after")
    @classmethod
    def _plausible_celsius(cls, v: float | None) -> float | None:
        if v is not None and (problem := temperature_problem(v)) is not None:
            raise ValueError(problem.message)
        return v


class CRSAssessment(BaseModel):
    """grade_crs's Grade plus the working a page shows."""

    model_config = ConfigDict(frozen=True)

    grade: Grade
    fever: Literal["present", "absent", "not_assessed"]
    fever_threshold_c: float
    missing: list[str] = Field(description="unassessed fields, in form order")
    grade_if_fever: int = Field(description="lowest grade the entered signs give once fever is present (1-4)")
    highest_possible: int = Field(description="grade if every unassessed input were at its worst")
    signs_without_fever: bool = Field(
        description="hypotension or hypoxia entered while fever is absent: not CRS by ASTCT, "
                    "but within the consensus's diagnostic frame (crs_diagnosis)")


def _recommendation_ids(grade: int) -> list[str]:
    if grade == 0:
        return [content.ref("crs_astct_grading"), content.ref("crs_grade_1")]
    ids = list(_grade_rows()[grade])
    if grade >= 2:  # Table 4 names tocilizumab from grade 2 (elderly/comorbid) upwards
        ids.append(content.ref("tocilizumab_dosing"))
    return ids


@validate_call
def assess_crs(findings: CRSFindings) -> CRSAssessment:
    threshold = fever_threshold_c()
    by_thermometer = findings.max_temp_c is not None and findings.max_temp_c >= threshold
    if by_thermometer or findings.fever_before_masking:
        fever = "present"
    elif findings.max_temp_c is not None:
        fever = "absent"
    else:
        fever = "not_assessed"

    hypotension_level = HYPOTENSION_GRADE[findings.hypotension] if findings.hypotension else 0
    hypoxia_level = HYPOXIA_GRADE[findings.hypoxia] if findings.hypoxia else 0
    organ_level = max(hypotension_level, hypoxia_level)
    grade_if_fever = max(1, organ_level)
    missing = [name for name in ("max_temp_c", "hypotension", "hypoxia") if getattr(findings, name) is None
               and not (name == "max_temp_c" and findings.fever_before_masking)]
    organ_unknown = findings.hypotension is None or findings.hypoxia is None

    if fever == "present":
        grade = grade_if_fever
        if organ_level == 0:
            drivers = [n for n, on in (("max_temp_c", by_thermometer),
                                       ("fever_before_masking", findings.fever_before_masking)) if on]
        else:
            drivers = [n for n, lvl in (("hypotension", hypotension_level), ("hypoxia", hypoxia_level))
                       if lvl == organ_level]
        at_least = organ_unknown and grade < MAX_GRADE
        highest = MAX_GRADE if organ_unknown else grade
    elif fever == "absent":
        grade, drivers, at_least, highest = 0, ["max_temp_c"], False, 0
    else:
        grade, drivers, at_least = 0, [], True
        highest = MAX_GRADE if organ_unknown else grade_if_fever

    return CRSAssessment(
        grade=Grade(grade=grade, at_least=at_least, drivers=drivers,
                    recommendation_ids=_recommendation_ids(grade)),
        fever=fever,
        fever_threshold_c=threshold,
        missing=missing,
        grade_if_fever=grade_if_fever,
        highest_possible=highest,
        signs_without_fever=fever == "absent" and organ_level > 0,
    )


@validate_call
def grade_crs(findings: CRSFindings) -> Grade:
    """ASTCT 2019 CRS grade (Table 3), with the 'at least' semantics of this module's docstring."""
    return assess_crs(findings).grade


# --- management (Table 4 and its note) -----------------------------------------------------


class CRSManagement(BaseModel):
    """What Table 4 lists for a grade. The doses themselves come from logic.dosing."""

    model_config = ConfigDict(frozen=True)

    grade: int
    tocilizumab: Literal["not_listed", "elderly_or_comorbid", "listed"]
    dexamethasone: bool = Field(description="10 mg q6h if hypotension persists after 1-2 tocilizumab "
                                            "infusions; 20 mg q6h if refractory (Table 4 grade 3)")
    methylprednisolone_high_dose: bool = Field(description="methylprednisolone 1 g/d (Table 4 grade 4)")
    recommendation_ids: list[str]


@validate_call
def crs_management(grade: Annotated[int, Field(ge=0, le=MAX_GRADE)]) -> CRSManagement:
    # the Table 4 row (the Table 3 row is the grade's own, in Grade.recommendation_ids)
    ids = [_grade_rows()[grade][1]] if grade else [content.ref("crs_diagnosis")]
    tocilizumab = {0: "not_listed", 1: "not_listed", 2: "elderly_or_comorbid"}.get(grade, "listed")
    if tocilizumab != "not_listed":
        ids.append(content.ref("tocilizumab_dosing"))
    if grade >= 2:
        ids.append(content.ref("crs_treatment_principles"))
    return CRSManagement(grade=grade, tocilizumab=tocilizumab, dexamethasone=grade == 3,
                         methylprednisolone_high_dose=grade == 4, recommendation_ids=ids)


# --- escalation: HLH/MAS -------------------------------------------------------------------


def escalation_hours() -> int:
    return int(content.value("crs_escalation_alert", "hours"))


class EscalationStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert: bool
    hours_since_first_line: float
    alert_from: datetime = Field(description="first-line time + 12 h")
    threshold_h: int
    recommendation_id: str


class _EscalationInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    first_line_at: datetime
    now: datetime
    improved: bool

    @model_validator(mode="after")
    def _order(self) -> _EscalationInput:
        if (self.first_line_at.tzinfo is None) != (self.now.tzinfo is None):
            raise ValueError("first_line_at and now must both carry a time zone, or neither")
        if self.first_line_at > self.now:
            raise ValueError("the first-line intervention cannot be later than now")
        return self


def crs_escalation_status(first_line_at: datetime, now: datetime, improved: bool) -> EscalationStatus:
    """The consensus's HLH/MAS warning with its working: hours elapsed and when it starts to apply."""
    req = _EscalationInput(first_line_at=first_line_at, now=now, improved=improved)
    threshold = escalation_hours()
    alert_from = req.first_line_at + timedelta(hours=threshold)
    return EscalationStatus(
        alert=req.now >= alert_from and not req.improved,
        hours_since_first_line=(req.now - req.first_line_at).total_seconds() / 3600.0,
        alert_from=alert_from,
        threshold_h=threshold,
        recommendation_id=content.ref("crs_escalation_alert"),
    )


def crs_escalation_alert(first_line_at: datetime, now: datetime, improved: bool) -> bool:
    """True when 12 h or more have passed since first-line intervention without improvement."""
    return crs_escalation_status(first_line_at, now, improved).alert
