"""Drug doses of the consensus: tocilizumab and its course guard, steroids, levetiracetam,
lymphodepletion by body-surface area (Table 2), CAR-T cell dose (Table 1) and the
lymphocyte collection target.

Every number comes from the recommendation entries (`content.value` / `note_value`),
never from this file. Formulas are written as language-neutral arithmetic
("8 mg/kg × 72 kg = 576 mg"), so the page and the dose sheet can show them in either
language.

Rounding (one rule, applied everywhere and shown beside each result):
- a dose in mg is rounded to the nearest whole mg, halves up; a maximum single dose is
  applied before rounding and the rounded dose is never above it (the caps are whole mg);
- BSA is rounded to 2 decimals (m²) and the mg/m² doses are computed from that rounded
  BSA, so anyone can check the sheet by hand (30 mg/m² × 1.85 m² = 55.5 → 56 mg);
- a tocilizumab volume is the rounded dose ÷ 20 mg/mL, to 0.1 mL;
- creatinine clearance is shown to whole mL/min.
The unrounded value is always returned beside the rounded one.

Bad input raises `pydantic.ValidationError`; each of our own refusals has an error type
from `ERROR_TYPES` and a context, so a page can say it in the user's language.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator, validate_call
from pydantic_core import PydanticCustomError

from logic import content
from logic.models import Dose

# --- limits of this calculator (not consensus numbers: input plausibility) ----------------

WEIGHT_MIN_KG = 30.0   # the consensus is for adults; below 30 kg is refused (contract)
WEIGHT_MAX_KG = 300.0
HEIGHT_MIN_CM = 100.0
HEIGHT_MAX_CM = 230.0
AGE_MIN, AGE_MAX = 18, 120  # Cockcroft-Gault is an adult formula
CREATININE_RANGE = {"umol/L": (10.0, 2000.0), "mg/dL": (0.1, 22.0)}
UMOL_PER_MG_DL = 88.4  # creatinine: 1 mg/dL = 88.4 µmol/L

# Rounding rules by code (the page and the dose sheet say them in the user's language):
# whole_mg: nearest whole mg, halves up; whole_mg_capped: the same, never above the cap;
# none: a fixed dose; bsa_2dp_whole_mg: BSA to 2 decimals, mg/m² doses from that BSA, whole mg.
Rounding = Literal["whole_mg", "whole_mg_capped", "none", "bsa_2dp_whole_mg"]

# Our own refusals (pydantic error types) and the context keys their messages use.
ERROR_TYPES: dict[str, tuple[str, ...]] = {
    "not_a_number": ("field",),
    "weight_not_positive": ("value",),
    "weight_below_adult": ("value", "min"),
    "weight_grams": ("value", "kg"),
    "weight_above_max": ("value", "max"),
    "height_not_positive": ("value",),
    "height_metres": ("value", "cm"),
    "height_millimetres": ("value", "cm"),
    "height_below_min": ("value", "min"),
    "height_above_max": ("value", "max"),
    "age_not_adult": ("value", "min", "max"),
    "creatinine_looks_umol": ("value",),
    "creatinine_looks_mg_dl": ("value",),
    "creatinine_out_of_range": ("value", "unit", "min", "max"),
    "dose_time_future": ("time", "now"),
    "dose_times_out_of_order": ("earlier", "later"),
    "dose_times_duplicate": ("time",),
    "dose_times_mixed_timezones": (),
    "regimen_unknown": ("regimen", "known"),
    "weight_required": ("drug",),
}


def _fail(kind: str, template: str, **ctx: object) -> PydanticCustomError:
    return PydanticCustomError(kind, template, {k: str(v) for k, v in ctx.items()})


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:.0f}"


def _check_finite(v: float, field: str) -> None:
    if not math.isfinite(v):
        raise _fail("not_a_number", "{field} must be a number", field=field)


def _check_weight(v: float) -> float:
    """Adult weight in kg, 30-300; grams and non-adult weights get a specific reason."""
    _check_finite(v, "weight")
    if v <= 0:
        raise _fail("weight_not_positive", "Weight must be above 0 kg (got {value}).", value=_fmt(v))
    if v < WEIGHT_MIN_KG:
        raise _fail("weight_below_adult",
                    "Weight {value} kg is below {min} kg: outside this adult consensus; "
                    "use paediatric guidance.", value=_fmt(v), min=_fmt(WEIGHT_MIN_KG))
    if WEIGHT_MIN_KG * 1000 <= v <= WEIGHT_MAX_KG * 1000:
        raise _fail("weight_grams", "Weight {value} looks like grams; enter kilograms ({kg} kg?).",
                    value=_fmt(v), kg=_fmt(round(v / 1000, 1)))
    if v > WEIGHT_MAX_KG:
        raise _fail("weight_above_max", "Weight {value} kg is above {max} kg; check the value and unit.",
                    value=_fmt(v), max=_fmt(WEIGHT_MAX_KG))
    return v


def _check_height(v: float) -> float:
    """Height in cm, 100-230; metres and millimetres get a specific reason."""
    _check_finite(v, "height")
    if v <= 0:
        raise _fail("height_not_positive", "Height must be above 0 cm (got {value}).", value=_fmt(v))
    if v <= HEIGHT_MAX_CM / 100:
        raise _fail("height_metres", "Height {value} looks like metres; enter centimetres ({cm} cm?).",
                    value=_fmt(v), cm=_fmt(round(v * 100, 1)))
    if HEIGHT_MIN_CM * 10 <= v <= HEIGHT_MAX_CM * 10:
        raise _fail("height_millimetres", "Height {value} looks like millimetres; enter centimetres ({cm} cm?).",
                    value=_fmt(v), cm=_fmt(round(v / 10, 1)))
    if v < HEIGHT_MIN_CM:
        raise _fail("height_below_min", "Height {value} cm is below {min} cm; check the value.",
                    value=_fmt(v), min=_fmt(HEIGHT_MIN_CM))
    if v > HEIGHT_MAX_CM:
        raise _fail("height_above_max", "Height {value} cm is above {max} cm; check the value and unit.",
                    value=_fmt(v), max=_fmt(HEIGHT_MAX_CM))
    return v


def _check_age(v: int) -> int:
    if not AGE_MIN <= v <= AGE_MAX:
        raise _fail("age_not_adult", "Age {value} is outside {min}-{max} years: Cockcroft-Gault is for adults.",
                    value=v, min=AGE_MIN, max=AGE_MAX)
    return v


WeightKg = Annotated[float, Field(description="body weight, kg (30-300)"), AfterValidator(_check_weight)]
HeightCm = Annotated[float, Field(description="height, cm (100-230)"), AfterValidator(_check_height)]
AgeYears = Annotated[int, Field(description="age, years (adults)"), AfterValidator(_check_age)]
BsaFormula = Literal["mosteller", "dubois"]


def check_weight(weight_kg: float) -> float:
    """Validate a weight alone (a page checks a field before any result needs it)."""
    return _WeightOnly(weight_kg=weight_kg).weight_kg


def check_height(height_cm: float) -> float:
    return _HeightOnly(height_cm=height_cm).height_cm


class _WeightOnly(BaseModel):
    weight_kg: WeightKg


class _HeightOnly(BaseModel):
    height_cm: HeightCm


def round_mg(x: float) -> float:
    """Nearest whole mg, halves up (float noise below 1e-6 mg is removed first)."""
    return float(Decimal(str(round(x, 6))).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _round_to(x: float, places: str) -> float:
    return float(Decimal(str(round(x, 9))).quantize(Decimal(places), rounding=ROUND_HALF_UP))


# --- result models ----------------------------------------------------------------------

class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Calculation(_Frozen):
    """A dose with its working: inputs, formula, rounding, the quote(s) and where it is used."""

    dose: Dose
    inputs: tuple[tuple[str, str], ...]       # (name, value with unit), e.g. ("weight", "72 kg")
    formula: str                              # language-neutral arithmetic
    unrounded: float                          # after any cap, before rounding
    rounded: float                            # = dose.amount
    rounding: Rounding
    cap: float | None = None                  # maximum single dose, in dose.unit
    uncapped: float | None = None             # the computed dose before the cap
    recommendation_ids: tuple[str, ...]       # the quotes: the rule first
    indications: tuple[str, ...] = ()         # recommendation ids of the grades/tables that call for it
    volume_ml: float | None = None
    concentration_mg_per_ml: float | None = None
    infusion_min_h: float | None = None


# --- tocilizumab ----------------------------------------------------------------------

def _note(rec: content.Recommendation, key: str) -> content.Scalar:
    """A number from one of the app's notes on `rec` (e.g. the labels' 3-in-24 h limit)."""
    return rec.note_value(key)


def _toci() -> content.Recommendation:
    return content.recommendation("tocilizumab_dosing")


@lru_cache(maxsize=1)
def tocilizumab_indications() -> tuple[str, ...]:
    """Table 4 (CRS grades 2-4) and Table 5 (ICANS 1-3 with CRS) call for tocilizumab."""
    return (content.ref("crs_mgmt_grade_2"), content.ref("crs_mgmt_grade_3"), content.ref("crs_mgmt_grade_4"),
            content.ref("icans_g1_with_crs"), content.ref("icans_g2_with_crs"), content.ref("icans_g3_with_crs"))


@validate_call
def tocilizumab(weight_kg: WeightKg) -> Calculation:
    rec = _toci()
    per_kg = float(content.value(rec.id, "mg_per_kg"))
    cap = float(content.value(rec.id, "max_single_dose_mg"))
    conc = float(_note(rec, "concentration_mg_per_ml"))
    uncapped = per_kg * weight_kg
    capped = uncapped > cap
    unrounded = min(uncapped, cap)
    rounded = min(round_mg(unrounded), cap)
    formula = f"{_fmt(per_kg)} mg/kg × {_fmt(weight_kg)} kg = {_fmt(round(uncapped, 3))} mg"
    if capped:
        formula += f" > {_fmt(cap)} mg → {_fmt(cap)} mg"
    volume = _round_to(rounded / conc, "0.1")
    return Calculation(
        dose=Dose(drug="tocilizumab", amount=rounded, unit="mg", route="IV", frequency=None, capped=capped,
                  recommendation_id=rec.id),
        inputs=(("weight", f"{_fmt(weight_kg)} kg"),),
        formula=formula, unrounded=round(unrounded, 6), rounded=rounded, rounding="whole_mg_capped",
        cap=cap, uncapped=round(uncapped, 6), recommendation_ids=(rec.id,),
        indications=tocilizumab_indications(), volume_ml=volume, concentration_mg_per_ml=conc,
        infusion_min_h=float(content.value(rec.id, "infusion_min_h")),
    )


def tocilizumab_dose(weight_kg: float) -> Dose:
    """8 mg/kg, capped at 800 mg per dose (both from `tocilizumab_dosing`)."""
    return tocilizumab(weight_kg).dose


class TocilizumabCheck(_Frozen):
    allowed: bool
    earliest: datetime | None     # when the next dose may be given; None if no more doses
    doses_total: int
    reason: str
    # Around the contract: which rule decides, and each rule's own earliest time.
    rule: Literal["first_dose", "allowed", "interval", "label_24h", "max_total"]
    earliest_by_interval: datetime | None = None
    earliest_by_label_24h: datetime | None = None   # 3 in any 24 h (product labels), applied
    earliest_by_printed_24h: datetime | None = None  # 4 in 24 h as printed (never stricter here)
    max_doses_total: int
    max_doses_24h_printed: int
    max_doses_24h_label: int
    min_interval_h: float
    recommendation_ids: tuple[str, ...]


class _DoseTimes(BaseModel):
    given: list[datetime]
    now: datetime

    @model_validator(mode="after")
    def _in_order_and_past(self) -> _DoseTimes:
        stamps = [*self.given, self.now]
        if len({t.tzinfo is None for t in stamps}) > 1:
            raise _fail("dose_times_mixed_timezones", "Dose times mix local and time-zone-aware times.")
        for t in self.given:
            if t > self.now:
                raise _fail("dose_time_future", "Dose time {time} is in the future (now {now}).",
                            time=t.strftime("%Y-%m-%d %H:%M"), now=self.now.strftime("%Y-%m-%d %H:%M"))
        for a, b in zip(self.given, self.given[1:], strict=False):
            if b == a:
                raise _fail("dose_times_duplicate", "Dose time {time} is entered twice.",
                            time=a.strftime("%Y-%m-%d %H:%M"))
            if b < a:
                raise _fail("dose_times_out_of_order",
                            "Dose times are out of order: {later} comes after {earlier} in the list; "
                            "enter them oldest first.",
                            earlier=b.strftime("%Y-%m-%d %H:%M"), later=a.strftime("%Y-%m-%d %H:%M"))
        return self


def tocilizumab_next(given: list[datetime], now: datetime) -> TocilizumabCheck:
    """May another tocilizumab dose be given at `now`, and when at the earliest?

    `given`: the times of the doses of this course already given, oldest first.
    Rules (tocilizumab_dosing): >= 8 h between doses; at most 4 doses in total; the
    consensus prints "no more than 4 in 24 h", the product labels allow 3 in any 24 h:
    the stricter applies, so a new dose needs fewer than 3 doses in the 24 h before it
    (the fourth no earlier than 24 h after the first of the three before it).
    """
    times = _DoseTimes(given=given, now=now)
    given, now = times.given, times.now
    rec = _toci()
    interval = timedelta(hours=float(content.value(rec.id, "min_interval_h")))
    max_total = int(content.value(rec.id, "max_doses_total"))
    printed_24h = int(content.value(rec.id, "max_doses_24h_printed"))
    label_24h = int(_note(rec, "max_doses_24h_label"))
    window = timedelta(hours=24)
    n = len(given)
    common = dict(doses_total=n, max_doses_total=max_total, max_doses_24h_printed=printed_24h,
                  max_doses_24h_label=label_24h, min_interval_h=interval.total_seconds() / 3600,
                  recommendation_ids=(rec.id,))
    if n == 0:
        return TocilizumabCheck(allowed=True, earliest=now, rule="first_dose",
                                reason="No dose given yet in this course: the first dose may be given now.",
                                **common)
    if n >= max_total:
        return TocilizumabCheck(
            allowed=False, earliest=None, rule="max_total",
            reason=f"{n} doses given: the course maximum is {max_total} doses in total; no further dose.",
            **common)
    by_interval = given[-1] + interval
    # A new dose at t counts with the doses in (t - 24 h, t]: with k doses allowed per 24 h,
    # it must come no earlier than 24 h after the k-th most recent dose.
    by_label = given[-label_24h] + window if n >= label_24h else None
    by_printed = given[-printed_24h] + window if n >= printed_24h else None
    earliest = max(t for t in (by_interval, by_label, by_printed) if t is not None)
    # On a tie the labels' 24-h rule is named: it is the one the printed consensus would miss.
    rule: Literal["interval", "label_24h"] = "label_24h" if by_label is not None and by_label >= by_interval \
        else "interval"
    allowed = now >= earliest
    when = earliest.strftime("%Y-%m-%d %H:%M")
    if rule == "label_24h":
        why = (f"at most {label_24h} doses in any 24 h (product labels; the consensus prints "
               f"'{printed_24h} in 24 h'; the stricter applies): 24 h after the first of the last {label_24h} doses")
    else:
        why = f"at least {_fmt(interval.total_seconds() / 3600)} h after the last dose"
    reason = (f"Allowed now ({why}; earliest was {when})." if allowed
              else f"Not yet: next dose no earlier than {when} ({why}).")
    return TocilizumabCheck(allowed=allowed, earliest=earliest, rule="allowed" if allowed else rule,
                            reason=reason, earliest_by_interval=by_interval, earliest_by_label_24h=by_label,
                            earliest_by_printed_24h=by_printed, **common)


# --- steroids and levetiracetam --------------------------------------------------------

def _freq(hours: float) -> str:
    return f"q{_fmt(hours)}h"


@lru_cache(maxsize=1)
def dexamethasone_indications() -> tuple[str, ...]:
    return (content.ref("crs_mgmt_grade_3"), content.ref("icans_g2_no_crs"), content.ref("icans_g3_no_crs"))


@lru_cache(maxsize=1)
def methylprednisolone_indications(high_dose: bool) -> tuple[str, ...]:
    if high_dose:
        return (content.ref("crs_mgmt_grade_4"), content.ref("icans_g4_no_crs"), content.ref("icans_g4_with_crs"))
    return (content.ref("icans_g2_no_crs"), content.ref("icans_g3_no_crs"))


@validate_call
def dexamethasone(refractory: bool = False, icans: bool = False) -> Calculation:
    """10 mg IV q6h; 20 mg q6h when refractory (Table 4, grade 3). For ICANS (`icans=True`) the dose
    is read from Table 5's own entry (grade 2-3: 10 mg q6h), which prints no refractory step."""
    if icans:
        if refractory:
            raise ValueError("Table 5 prints no refractory dexamethasone step for ICANS")  # a caller's error
        rec = content.recommendation("icans_g2_no_crs")
        mg = float(content.value(rec.id, "dexamethasone_mg"))
        freq = _freq(float(content.value(rec.id, "dexamethasone_interval_h")))
        return Calculation(
            dose=Dose(drug="dexamethasone", amount=mg, unit="mg", route="IV", frequency=freq, capped=False,
                      recommendation_id=rec.id),
            inputs=(), formula=f"{_fmt(mg)} mg {freq}", unrounded=mg, rounded=mg, rounding="none",
            recommendation_ids=(rec.id, content.ref("icans_g3_no_crs")), indications=dexamethasone_indications(),
        )
    rec = content.recommendation("crs_mgmt_grade_3")
    mg = float(content.value(rec.id, "dexamethasone_refractory_mg" if refractory else "dexamethasone_mg"))
    freq = _freq(float(content.value(rec.id, "interval_h")))
    return Calculation(
        dose=Dose(drug="dexamethasone", amount=mg, unit="mg", route="IV", frequency=freq, capped=False,
                  recommendation_id=rec.id),
        inputs=(("refractory", "yes" if refractory else "no"),),
        formula=f"{_fmt(mg)} mg {freq}", unrounded=mg, rounded=mg, rounding="none",
        recommendation_ids=(rec.id,), indications=dexamethasone_indications(),
    )


def dexamethasone_dose(refractory: bool = False, icans: bool = False) -> Dose:
    return dexamethasone(refractory, icans).dose


class _MethylprednisoloneRequest(BaseModel):
    weight_kg: WeightKg | None = None
    high_dose: bool = False

    @model_validator(mode="after")
    def _weight_for_per_kg(self) -> _MethylprednisoloneRequest:
        if not self.high_dose and self.weight_kg is None:
            raise _fail("weight_required", "The weight is needed for {drug} 1 mg/kg.", drug="methylprednisolone")
        return self


def methylprednisolone(weight_kg: float | None, high_dose: bool = False) -> Calculation:
    """1 mg/kg IV q12h (Table 5, ICANS 2-3) or 1 g/d IV (Table 4 grade 4; Table 5 ICANS 4)."""
    req = _MethylprednisoloneRequest(weight_kg=weight_kg, high_dose=high_dose)
    if req.high_dose:
        rec = content.recommendation("crs_mgmt_grade_4")
        grams = float(content.value(rec.id, "methylprednisolone_g_per_day"))
        mg = grams * 1000
        return Calculation(
            dose=Dose(drug="methylprednisolone", amount=mg, unit="mg", route="IV", frequency="daily",
                      capped=False, recommendation_id=rec.id),
            inputs=(), formula=f"{_fmt(grams)} g/d = {_fmt(mg)} mg daily", unrounded=mg, rounded=mg,
            rounding="none", recommendation_ids=(rec.id, content.ref("icans_g4_no_crs")),
            indications=methylprednisolone_indications(True),
        )
    rec = content.recommendation("icans_g2_no_crs")
    per_kg = float(content.value(rec.id, "methylprednisolone_mg_per_kg"))
    freq = _freq(float(content.value(rec.id, "methylprednisolone_interval_h")))
    assert req.weight_kg is not None
    exact = per_kg * req.weight_kg
    mg = round_mg(exact)
    return Calculation(
        dose=Dose(drug="methylprednisolone", amount=mg, unit="mg", route="IV", frequency=freq, capped=False,
                  recommendation_id=rec.id),
        inputs=(("weight", f"{_fmt(req.weight_kg)} kg"),),
        formula=f"{_fmt(per_kg)} mg/kg × {_fmt(req.weight_kg)} kg = {_fmt(round(exact, 3))} mg {freq}",
        unrounded=round(exact, 6), rounded=mg, rounding="whole_mg",
        recommendation_ids=(rec.id, content.ref("icans_g3_no_crs")),
        indications=methylprednisolone_indications(False),
    )


def methylprednisolone_dose(weight_kg: float | None, high_dose: bool = False) -> Dose:
    return methylprednisolone(weight_kg, high_dose).dose


def levetiracetam() -> Calculation:
    """750 mg PO q12h: seizure prophylaxis with prior CNS disease (P13)."""
    rec = content.recommendation("cns_disease_prophylaxis")
    mg = float(content.value(rec.id, "levetiracetam_mg"))
    freq = _freq(float(content.value(rec.id, "interval_h")))
    return Calculation(
        dose=Dose(drug="levetiracetam", amount=mg, unit="mg", route="PO", frequency=freq, capped=False,
                  recommendation_id=rec.id),
        inputs=(), formula=f"{_fmt(mg)} mg PO {freq}", unrounded=mg, rounded=mg, rounding="none",
        recommendation_ids=(rec.id,), indications=(rec.id,),
    )


def levetiracetam_dose() -> Dose:
    return levetiracetam().dose


# --- body-surface area and creatinine clearance ------------------------------------------

BSA_FORMULAS: dict[str, str] = {
    # Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098.
    "mosteller": "BSA = √(height cm × weight kg / 3600)",
    # Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and
    # weight be known. Arch Intern Med 1916;17:863-71.
    "dubois": "BSA = 0.007184 × height cm^0.725 × weight kg^0.425",
}


@validate_call
def body_surface_area(height_cm: HeightCm, weight_kg: WeightKg, formula: BsaFormula = "mosteller") -> float:
    """m², unrounded."""
    if formula == "mosteller":
        return math.sqrt(height_cm * weight_kg / 3600)
    return 0.007184 * height_cm**0.725 * weight_kg**0.425


class _CrClRequest(BaseModel):
    age: AgeYears
    weight_kg: WeightKg
    sex: Literal["male", "female"]
    creatinine: float
    unit: Literal["umol/L", "mg/dL"]

    @model_validator(mode="after")
    def _plausible_creatinine(self) -> _CrClRequest:
        v, unit = self.creatinine, self.unit
        _check_finite(v, "creatinine")
        lo, hi = CREATININE_RANGE[unit]
        if unit == "mg/dL" and v > hi and CREATININE_RANGE["umol/L"][0] <= v <= CREATININE_RANGE["umol/L"][1]:
            raise _fail("creatinine_looks_umol", "Creatinine {value} mg/dL looks like µmol/L; choose µmol/L.",
                        value=_fmt(v))
        if unit == "umol/L" and v < lo and CREATININE_RANGE["mg/dL"][0] <= v <= CREATININE_RANGE["mg/dL"][1]:
            raise _fail("creatinine_looks_mg_dl", "Creatinine {value} µmol/L looks like mg/dL; choose mg/dL.",
                        value=_fmt(v))
        if not lo <= v <= hi:
            raise _fail("creatinine_out_of_range", "Creatinine {value} {unit} is outside {min}-{max} {unit}.",
                        value=_fmt(v), unit=unit, min=_fmt(lo), max=_fmt(hi))
        return self


class CreatinineClearance(_Frozen):
    ml_min: float                  # unrounded
    rounded: float                 # whole mL/min
    creatinine_mg_dl: float
    creatinine_umol_l: float
    formula: str
    inputs: tuple[tuple[str, str], ...]


def creatinine_clearance_working(age: int, weight_kg: float, sex: Literal["male", "female"],
                                 creatinine: float, unit: Literal["umol/L", "mg/dL"]) -> CreatinineClearance:
    """Cockcroft DW, Gault MH. Nephron 1976;16:31-41: (140 − age) × weight / (72 × SCr mg/dL),
    × 0.85 for women; actual body weight. The consensus gives no renal adjustment: this is
    information for applying the product label or local protocol."""
    r = _CrClRequest(age=age, weight_kg=weight_kg, sex=sex, creatinine=creatinine, unit=unit)
    mg_dl = r.creatinine / UMOL_PER_MG_DL if r.unit == "umol/L" else r.creatinine
    umol = r.creatinine if r.unit == "umol/L" else r.creatinine * UMOL_PER_MG_DL
    factor = 0.85 if r.sex == "female" else 1.0
    ml_min = (140 - r.age) * r.weight_kg / (72 * mg_dl) * factor
    formula = (f"(140 − {r.age}) × {_fmt(r.weight_kg)} kg / (72 × {mg_dl:.2f} mg/dL)"
               + (" × 0.85" if factor != 1 else "") + f" = {ml_min:.1f} mL/min")
    return CreatinineClearance(
        ml_min=ml_min, rounded=_round_to(ml_min, "1"), creatinine_mg_dl=mg_dl, creatinine_umol_l=umol,
        formula=formula,
        inputs=(("age", f"{r.age}"), ("weight", f"{_fmt(r.weight_kg)} kg"), ("sex", r.sex),
                ("creatinine", f"{_fmt(r.creatinine)} {r.unit}")),
    )


def creatinine_clearance(age: int, weight_kg: float, sex: Literal["male", "female"],
                         creatinine: float, unit: Literal["umol/L", "mg/dL"]) -> float:
    """Cockcroft-Gault, actual body weight, mL/min; 88.4 µmol/L = 1 mg/dL; adults only."""
    return creatinine_clearance_working(age, weight_kg, sex, creatinine, unit).ml_min


# --- Table 2: lymphodepletion -------------------------------------------------------------

Drug = Literal["fludarabine", "cyclophosphamide"]
_DAYS = re.compile(r"^\s*(-\d+)\s*(?:~\s*(-\d+))?\s*$")


def parse_days(printed: str) -> tuple[int, ...]:
    """'-5~-3' → (-5, -4, -3); '-5' → (-5,) (READING-NOTES item 10: one dose a day)."""
    m = _DAYS.match(str(printed))
    if not m:
        raise ValueError(f"unreadable Table 2 days {printed!r}")
    first = int(m[1])
    last = int(m[2]) if m[2] else first
    if last < first:
        raise ValueError(f"Table 2 days run backwards: {printed!r}")
    return tuple(range(first, last + 1))


class RegimenDrug(_Frozen):
    drug: Drug
    dose: float                                 # per unit of `basis`
    basis: Literal["mg/m²", "mg/kg"]
    days: tuple[int, ...]                       # relative to infusion (day 0), one dose each
    days_printed: str                           # as in the content entry, e.g. "-5~-3"


class Regimen(_Frozen):
    """One Table 2 row, parsed from its `ld_*` recommendation entry."""

    recommendation_id: str
    product: str
    source: str                                 # the row id in the cleaned document, e.g. "T2.3"
    drugs: tuple[RegimenDrug, ...]              # fludarabine first; a drug the row prints as 无 is absent

    def drug(self, name: Drug) -> RegimenDrug | None:
        return next((d for d in self.drugs if d.drug == name), None)


@lru_cache(maxsize=1)
def table2_regimens() -> tuple[Regimen, ...]:
    """Every Table 2 regimen, in table order. The one source of Table 2's numbers: the
    dosing page computes from it and logic.trials.table2() builds its DataFrame from it.
    Stable: fields of Regimen/RegimenDrug are only ever added to."""
    out = []
    entries = [r for r in content.recommendations() if r.topic == "lymphodepletion" and r.source.startswith("T2.")]
    for rec in sorted(entries, key=lambda r: int(r.source.split(".")[1])):
        drugs = []
        for drug in ("fludarabine", "cyclophosphamide"):
            if f"{drug}_dose" in rec.values:
                printed = str(content.value(rec.id, f"{drug}_days"))
                drugs.append(RegimenDrug(drug=drug, dose=float(content.value(rec.id, f"{drug}_dose")),
                                         basis=content.value(rec.id, f"{drug}_basis"), days=parse_days(printed),
                                         days_printed=printed))
        out.append(Regimen(recommendation_id=rec.id, product=str(content.value(rec.id, "product")), source=rec.source,
                           drugs=tuple(drugs)))
    return tuple(out)


def lymphodepletion_regimens() -> list[str]:
    """Table 2 product names, in table order, e.g. "CARTITUDE-1"."""
    return [r.product for r in table2_regimens()]


def _check_regimen(name: str) -> str:
    known = lymphodepletion_regimens()
    if name not in known:
        raise _fail("regimen_unknown", "Unknown Table 2 regimen {regimen}; choose one of: {known}.",
                    regimen=name, known=", ".join(known))
    return name


RegimenName = Annotated[str, AfterValidator(_check_regimen)]


def regimen(name: str) -> Regimen:
    checked = _RegimenOnly(regimen=name).regimen
    return next(r for r in table2_regimens() if r.product == checked)


class _RegimenOnly(BaseModel):
    regimen: RegimenName


class DailyDose(_Frozen):
    drug: Literal["fludarabine", "cyclophosphamide"]
    day: int                     # relative to infusion day 0, e.g. -5
    amount_mg: float             # rounded: nearest whole mg
    basis: str                   # "30 mg/m²", "20 mg/kg"
    unrounded_mg: float
    multiplier: float            # the BSA (m², 2 decimals) or the weight (kg) the basis is multiplied by
    formula: str
    recommendation_id: str


class LymphodepletionPlan(_Frozen):
    regimen: Regimen
    height_cm: float
    weight_kg: float
    bsa_formula: BsaFormula
    bsa_formula_text: str
    bsa_unrounded: float
    bsa_m2: float                # rounded to 2 decimals: the BSA the doses use
    doses: tuple[DailyDose, ...]  # by day, fludarabine before cyclophosphamide
    days: tuple[int, ...]        # every day from the first dose to day 0
    dates: tuple[tuple[int, date], ...] = ()   # (day, calendar date) when an infusion date is given
    no_fludarabine: bool
    rounding: Rounding = "bsa_2dp_whole_mg"
    recommendation_ids: tuple[str, ...]


@validate_call
def lymphodepletion_plan(regimen: RegimenName, height_cm: HeightCm, weight_kg: WeightKg,
                         formula: BsaFormula = "mosteller", infusion: date | None = None) -> LymphodepletionPlan:
    reg = next(r for r in table2_regimens() if r.product == regimen)
    bsa_exact = body_surface_area(height_cm, weight_kg, formula)
    bsa = _round_to(bsa_exact, "0.01")
    doses = []
    for d in reg.drugs:
        multiplier, unit = (bsa, "m²") if d.basis == "mg/m²" else (weight_kg, "kg")
        exact = d.dose * multiplier
        for day in d.days:
            doses.append(DailyDose(
                drug=d.drug, day=day, amount_mg=round_mg(exact), basis=f"{_fmt(d.dose)} {d.basis}",
                unrounded_mg=round(exact, 6), multiplier=multiplier,
                formula=f"{_fmt(d.dose)} {d.basis} × {_fmt(multiplier)} {unit} = {_fmt(round(exact, 3))} mg",
                recommendation_id=reg.recommendation_id))
    order = {"fludarabine": 0, "cyclophosphamide": 1}
    doses.sort(key=lambda x: (x.day, order[x.drug]))
    first = min(x.day for x in doses)
    days = tuple(range(first, 1))
    dates = tuple((day, infusion + timedelta(days=day)) for day in days) if infusion else ()
    return LymphodepletionPlan(
        regimen=reg, height_cm=height_cm, weight_kg=weight_kg, bsa_formula=formula,
        bsa_formula_text=BSA_FORMULAS[formula], bsa_unrounded=bsa_exact, bsa_m2=bsa, doses=tuple(doses),
        days=days, dates=dates, no_fludarabine=reg.drug("fludarabine") is None,
        recommendation_ids=(reg.recommendation_id, content.ref("ld_recommended_flu_cy"),
                            content.ref("ld_common_regimens")),
    )


def lymphodepletion(regimen: str, height_cm: float, weight_kg: float,
                    formula: Literal["mosteller", "dubois"] = "mosteller") -> list[DailyDose]:
    return list(lymphodepletion_plan(regimen, height_cm, weight_kg, formula).doses)


# --- Table 1: CAR-T cell dose; lymphocyte collection target -----------------------------

_CELL_DOSE = re.compile(r"^\(?\s*(?P<lo>\d+(?:\.\d+)?)\s*(?:~\s*(?P<hi>\d+(?:\.\d+)?))?\s*\)?\s*×\s*10⁶\s*(?P<kg>/kg)?$")


class CellDose(_Frozen):
    product: str
    author: str
    source: str                  # Table 1 row, e.g. "T1.3"
    dose_text: str               # as printed
    dose_per_kg: bool
    low_1e6: float               # as printed: ×10⁶ cells (per kg when dose_per_kg)
    high_1e6: float
    total_low_1e6: float | None  # per-kg rows only, for this weight
    total_high_1e6: float | None
    formula: str | None
    recommendation_id: str


def parse_cell_dose(dose_text: str) -> tuple[float, float, bool]:
    """'(0.3~9)×10⁶/kg' → (0.3, 9, True); '(50~180)×10⁶' → (50, 180, False)."""
    m = _CELL_DOSE.match(dose_text.strip())
    if not m:
        raise ValueError(f"unreadable Table 1 dose {dose_text!r}")
    lo = float(m["lo"])
    hi = float(m["hi"]) if m["hi"] else lo
    return lo, hi, bool(m["kg"])


@lru_cache(maxsize=1)
def _table1_rows() -> tuple[tuple[str, str, str, str, str], ...]:
    """(source row, ref, author, product, dose_text) for every Table 1 row, from the cleaned
    document (the same rows logic.trials.table1() is built from)."""
    rows = []
    for b in content.document().rows("T1"):
        cells = dict(zip(b.header, b.cells, strict=False))
        author = b.cells[0]
        ref = re.search(r"\[(\d+)\]", author)
        rows.append((b.id, ref[1] if ref else "", author, cells["产品名称"], cells["CAR-T细胞剂量"]))
    return tuple(rows)


@lru_cache(maxsize=1)
def _trial_rec_ids() -> dict[str, str]:
    return {r.source: r.id for r in content.recommendations() if r.source.startswith("T1.")}


def cell_doses(weight_kg: float | None = None) -> list[CellDose]:
    """The printed CAR-T dose of every Table 1 row; per-kg rows also as a total for this weight."""
    if weight_kg is not None:
        weight_kg = check_weight(weight_kg)
    rec_ids = _trial_rec_ids()
    out = []
    for source, _ref, author, product, dose_text in _table1_rows():
        lo, hi, per_kg = parse_cell_dose(dose_text)
        total_lo = total_hi = formula = None
        if per_kg and weight_kg is not None:
            total_lo, total_hi = round(lo * weight_kg, 6), round(hi * weight_kg, 6)
            rng = f"{_fmt(lo)}" if lo == hi else f"({_fmt(lo)}~{_fmt(hi)})"
            res = f"{_fmt(total_lo)}" if lo == hi else f"({_fmt(total_lo)}~{_fmt(total_hi)})"
            formula = f"{rng}×10⁶/kg × {_fmt(weight_kg)} kg = {res}×10⁶"
        out.append(CellDose(product=product, author=author, source=source, dose_text=dose_text,
                            dose_per_kg=per_kg, low_1e6=lo, high_1e6=hi, total_low_1e6=total_lo,
                            total_high_1e6=total_hi, formula=formula,
                            recommendation_id=rec_ids.get(source, "")))
    return out


class CollectionTarget(_Frozen):
    per_kg_low_1e6: float
    per_kg_high_1e6: float
    total_low_1e6: float
    total_high_1e6: float
    formula: str
    recommendation_id: str


@validate_call
def collection_target(weight_kg: WeightKg) -> CollectionTarget:
    """Lymphocyte collection (60~600)×10⁶/kg (apheresis_collection_target) for this weight."""
    rec = content.recommendation("apheresis_collection_target")
    lo, hi = float(content.value(rec.id, "collection_min_1e6_per_kg")), float(content.value(rec.id, "collection_max_1e6_per_kg"))
    tlo, thi = round(lo * weight_kg, 6), round(hi * weight_kg, 6)
    return CollectionTarget(
        per_kg_low_1e6=lo, per_kg_high_1e6=hi, total_low_1e6=tlo, total_high_1e6=thi,
        formula=f"({_fmt(lo)}~{_fmt(hi)})×10⁶/kg × {_fmt(weight_kg)} kg = ({_fmt(tlo)}~{_fmt(thi)})×10⁶",
        recommendation_id=rec.id)
