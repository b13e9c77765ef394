"""Eligibility for CAR-T therapy, apheresis readiness and the washout before collection.

Rules and numbers come from the consensus's general requirements (P4), its comments on
them (P5, P9, P13), apheresis (P10) and washout (P11): every threshold is read from the
recommendation it is printed in (`content.value`), never typed here.

Tri-state: a field left None is "not assessed" and yields an "unknown" item, never "met".
Messages are rendered in English or Chinese from content/i18n/<lang>/eligibility.yaml,
with the inputs and the threshold they were judged against (show the work).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
    validate_call,
)
from pydantic_core import PydanticCustomError

from logic import content
from logic.models import CriterionResult
from logic.strings import Lang, text, utc_offset_label

Status = Literal["met", "not_met", "caution", "unknown"]
Verdict = Literal["eligible", "needs_review", "not_eligible", "incomplete"]
BilirubinUnit = Literal["umol/L", "mg/dL", "g/L"]
SurvivalUnit = Literal["weeks", "months"]
ExposureKey = Literal["anti_t_cell_antibody", "donor_lymphocyte_infusion", "cns_radiotherapy",
                      "combination_chemotherapy", "lenalidomide", "bortezomib", "vincristine",
                      "therapeutic_corticosteroids", "other_antimyeloma_therapy"]
EXPOSURE_KEYS: tuple[str, ...] = ExposureKey.__args__  # type: ignore[attr-defined]

# Unit conversion (not a consensus number): 1 mg/dL = 17.1 µmol/L; 1 g/L = 100 mg/dL.
UMOL_L_PER_MG_DL = 17.1
MG_DL_PER_G_L = 100.0
# Above this a bilirubin is not a plausible value in any unit the user picked: a unit slip.
BILIRUBIN_MAX_UMOL_L = 1000.0
# The app's convention (not a consensus number) for a survival estimate given in months, judged
# against the consensus's 「>12周」: the mean Gregorian month, 365.25 / 12 = 30.4375 days, so
# 1 month = 30.4375 / 7 ≈ 4.348 weeks; 3 months ≈ 13.0 weeks, 12 weeks ≈ 2.76 months.
DAYS_PER_MONTH = 365.25 / 12
WEEKS_PER_MONTH = DAYS_PER_MONTH / 7
LIFE_EXPECTANCY_MAX_WEEKS = 1040


def _msg(lang: Lang, key: str, **kw: object) -> str:
    return text(lang, f"eligibility.{key}", **kw)


def fmt_number(x: float) -> str:
    """A number as a clinician writes it: 47, 34.2, 0.0292 (3 significant figures below 100)."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    shown = f"{round(x, digits):.{digits}f}"
    # Zeros are trailing decimals only: just below 100, log10 rounds up to 2 and digits is 0, so
    # 99.99999999999999 is "100" (1710 µmol/L is 99.99999999999999 mg/dL), not "1".
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def _refuse(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    """A refusal whose `type` names the mistake; pages render eligibility.errors.<type>."""
    return PydanticCustomError(kind, message, ctx)


def _number(v: Any) -> float | None:
    # Non-numbers and non-finite values fall through to pydantic's own checks (and refusals).
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def _check_range(v: Any, field: str, lo: float, hi: float) -> Any:
    x = _number(v)
    if x is not None and not lo <= x <= hi:
        raise _refuse("out_of_range", "{field} {value} is outside {lo}-{hi}",
                      field=field, value=fmt_number(x), lo=fmt_number(lo), hi=fmt_number(hi))
    return v


# --- baseline ------------------------------------------------------------------------------


class Baseline(BaseModel):
    """The baseline assessment; every field optional (None = not assessed)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kps: int | None = Field(None, ge=0, le=100, multiple_of=10, description="Karnofsky score, steps of 10")
    ecog: int | None = Field(None, ge=0, le=5, description="ECOG performance status 0-5")
    lvef_pct: float | None = Field(None, ge=5, le=90, description="left ventricular ejection fraction, %")
    alt_x_uln: float | None = Field(None, ge=0, le=100, description="ALT as a multiple of the upper limit of normal")
    ast_x_uln: float | None = Field(None, ge=0, le=100, description="AST as a multiple of the upper limit of normal")
    bilirubin: float | None = Field(None, ge=0, description="total bilirubin in `bilirubin_unit`")
    bilirubin_unit: BilirubinUnit = "umol/L"
    spo2_pct: float | None = Field(None, ge=50, le=100, description="oxygen saturation on room air, %")
    active_infection: bool | None = None
    life_expectancy_weeks: float | None = Field(None, ge=0, le=1040, description="expected survival, weeks")
    # Beyond the contract: the estimate as given in months (review U12: "6" meant as months read as
    # 6 weeks, "not met"). When given, `life_expectancy_weeks` is derived from it (WEEKS_PER_MONTH).
    life_expectancy_months: float | None = Field(None, ge=0, description="expected survival as given, months")
    pregnant_or_lactating: bool | None = None
    active_hbv: bool | None = None
    active_hcv: bool | None = None
    active_tuberculosis: bool | None = None
    unstable_vital_signs: bool | None = None
    psychiatric_barrier: bool | None = None
    product_allergy: bool | None = None
    major_organ_dysfunction: bool | None = None
    cardiac_amyloidosis: bool | None = None
    atrial_fibrillation: bool | None = None
    renal_impairment: bool | None = None
    cns_disease: bool | None = None
    implanted_devices: bool | None = None
    # Beyond the contract: None adds no item, so a contract-only caller gets the contract's verdict.
    prior_bcma_therapy: bool | None = Field(None, description="prior BCMA-directed therapy (P5)")
    # 「传染性疾病(如…等)」 is open-ended (如/等): HIV or another transmissible disease not named.
    other_transmissible_disease: bool | None = Field(
        None, description="HIV or another transmissible disease beyond hepatitis B/C and tuberculosis")

    @field_validator("kps", mode="before")
    @classmethod
    def _kps(cls, v: Any) -> Any:
        x = _number(v)
        if x is None:
            return v
        if 1 <= x <= 5 and x == int(x):
            raise _refuse("kps_looks_like_ecog", "KPS {value} looks like an ECOG score; KPS is 0-100 in steps of 10",
                          value=fmt_number(x))
        _check_range(v, "KPS", 0, 100)
        if x % 10:
            raise _refuse("kps_step", "KPS goes in steps of 10 (0, 10, ... 100); {value} is not one of them",
                          value=fmt_number(x))
        return v

    @field_validator("ecog", mode="before")
    @classmethod
    def _ecog(cls, v: Any) -> Any:
        x = _number(v)
        if x is not None and 10 <= x <= 100 and x % 10 == 0:
            raise _refuse("ecog_looks_like_kps", "ECOG {value} looks like a KPS; ECOG is 0-5", value=fmt_number(x))
        if x is not None and x != int(x) and 0 <= x <= 5:
            raise _refuse("ecog_whole", "ECOG is a whole number 0-5; {value} is not", value=fmt_number(x))
        return _check_range(v, "ECOG", 0, 5)

    @field_validator("lvef_pct", "spo2_pct", mode="before")
    @classmethod
    def _percent(cls, v: Any, info: ValidationInfo) -> Any:
        x = _number(v)
        name = {"lvef_pct": "LVEF", "spo2_pct": "SpO2"}[info.field_name]
        if x is not None and 0 < x <= 1:
            raise _refuse("looks_like_fraction", "{field} {value} looks like a fraction; enter percent ({percent})",
                          field=name, value=fmt_number(x), percent=fmt_number(x * 100))
        lo, hi = (5, 90) if info.field_name == "lvef_pct" else (50, 100)
        return _check_range(v, name, lo, hi)

    @field_validator("alt_x_uln", "ast_x_uln", mode="before")
    @classmethod
    def _x_uln(cls, v: Any, info: ValidationInfo) -> Any:
        x = _number(v)
        name = {"alt_x_uln": "ALT", "ast_x_uln": "AST"}[info.field_name]
        if x is not None and x > 100:
            raise _refuse("looks_like_u_l", "{field} {value} looks like U/L; enter the multiple of the upper "
                          "limit of normal (e.g. 120 U/L with ULN 40 is 3)", field=name, value=fmt_number(x))
        return _check_range(v, name, 0, 100)

    @field_validator("life_expectancy_weeks", "life_expectancy_months", mode="before")
    @classmethod
    def _survival(cls, v: Any, info: ValidationInfo) -> Any:
        # Named in the page's language with its unit (not "life expectancy (weeks)" in Chinese).
        unit: SurvivalUnit = "months" if info.field_name == "life_expectancy_months" else "weeks"
        x, hi = _number(v), LIFE_EXPECTANCY_MAX_WEEKS / (WEEKS_PER_MONTH if unit == "months" else 1)
        if x is not None and not 0 <= x <= hi:
            raise _refuse("survival_out_of_range", "life expectancy {value} {unit} is outside 0-{hi} {unit}",
                          value=fmt_number(x), hi=fmt_number(math.floor(hi)), unit=unit)
        return v

    @model_validator(mode="before")
    @classmethod
    def _weeks_from_months(cls, data: Any) -> Any:
        # One estimate, two units: months given -> the weeks the rule is judged on, derived here.
        if isinstance(data, dict) and data.get("life_expectancy_months") is not None:
            months = _number(data["life_expectancy_months"])
            weeks = data.get("life_expectancy_weeks")
            if months is not None and weeks is not None and not math.isclose(weeks, survival_weeks(months, "months")):
                raise _refuse("survival_two_values", "life expectancy given as {weeks} weeks and {months} months",
                              weeks=fmt_number(weeks), months=fmt_number(months))
            # Out of range, the months field refuses it in its own unit; no weeks are derived.
            if months is not None and 0 <= months <= LIFE_EXPECTANCY_MAX_WEEKS / WEEKS_PER_MONTH:
                return {**data, "life_expectancy_weeks": survival_weeks(months, "months")}
        return data

    @model_validator(mode="after")
    def _bilirubin_plausible(self) -> Baseline:
        if self.bilirubin is not None:
            umol = to_umol_l(self.bilirubin, self.bilirubin_unit)
            if umol > BILIRUBIN_MAX_UMOL_L:
                raise _refuse("bilirubin_unit", "bilirubin {value} {unit} would be {umol} µmol/L; check the unit",
                              value=fmt_number(self.bilirubin), unit=self.bilirubin_unit, umol=fmt_number(umol))
        return self


def survival_weeks(value: float, unit: SurvivalUnit) -> float:
    """A survival estimate in weeks, the unit of the consensus's 「>12周」 (months: WEEKS_PER_MONTH)."""
    return value * WEEKS_PER_MONTH if unit == "months" else float(value)


def survival_input(value: float | None, unit: SurvivalUnit) -> dict[str, float | None]:
    """The Baseline field(s) for an estimate typed in `unit` (pages pass this to Baseline)."""
    return {"life_expectancy_months": value} if unit == "months" else {"life_expectancy_weeks": value}


def _weeks_shown(weeks: float, minimum: float) -> str:
    """Weeks to one decimal (3 months ≈ 13.0), more only where one decimal would read as the limit."""
    digits = 1
    while digits < 4 and weeks != minimum and round(weeks, digits) == minimum:
        digits += 1
    return f"{weeks:.{digits}f}"


def to_umol_l(value: float, unit: BilirubinUnit) -> float:
    if unit == "umol/L":
        return value
    mg_dl = value if unit == "mg/dL" else value * MG_DL_PER_G_L
    return mg_dl * UMOL_L_PER_MG_DL


class BilirubinValues(BaseModel):
    """One bilirubin in all three units, for side-by-side display."""

    model_config = ConfigDict(frozen=True)

    umol_l: float
    mg_dl: float
    g_l: float


def bilirubin_units(value: float, unit: BilirubinUnit) -> BilirubinValues:
    umol = to_umol_l(value, unit)
    mg_dl = umol / UMOL_L_PER_MG_DL
    return BilirubinValues(umol_l=umol, mg_dl=mg_dl, g_l=mg_dl / MG_DL_PER_G_L)


def printed_bilirubin_limit() -> BilirubinValues:
    """The consensus's printed <0.2 g/L, converted (READING-NOTES item 17: likely a misprint)."""
    return bilirubin_units(float(content.value("elig_bilirubin", "bilirubin_max_g_l")), "g/L")


def usual_bilirubin_limit_umol_l() -> float:
    return float(content.recommendation("elig_bilirubin").note_value("usual_limit_umol_l"))


class EligibilityReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    items: list[CriterionResult]
    # Beyond the contract: further recommendations each item's reader should see (item id -> ids).
    see_also: dict[str, list[str]] = Field(default_factory=dict)


def verdict_conditions(report: EligibilityReport) -> list[str]:
    """Conditions the verdict line must carry (codes, worded by the catalogs): performance status
    outside KPS ≥50 / ECOG ≤2 is acceptable only for a patient with no better option (P9)."""
    perf = next((i for i in report.items if i.id == "performance_status"), None)
    return ["no_better_option"] if perf is not None and perf.status == "caution" else []


def verdict(items: list[CriterionResult]) -> Verdict:
    """Any not_met -> not_eligible; else any unknown -> incomplete; else any caution -> needs_review."""
    statuses = {i.status for i in items}
    if "not_met" in statuses:
        return "not_eligible"
    if "unknown" in statuses:
        return "incomplete"
    if "caution" in statuses:
        return "needs_review"
    return "eligible"


# Exposures whose window is the app's reading, not a named item of the consensus (shown labelled).
APP_READING_EXPOSURES: frozenset[str] = frozenset({"other_antimyeloma_therapy"})


def _item(item_id: str, status: Status, rec_id: str, lang: Lang, key: str | None = None,
          **kw: object) -> CriterionResult:
    message = _msg(lang, f"msg.{key or item_id}.{status}", **kw)
    return CriterionResult(id=item_id, status=status, message=message, recommendation_id=rec_id)


def _yes_no(item_id: str, answer: bool | None, rec_id: str, lang: Lang,
            when_yes: Status = "not_met") -> CriterionResult:
    """A finding that excludes (or calls for review) when present."""
    status: Status = "unknown" if answer is None else (when_yes if answer else "met")
    return _item(item_id, status, rec_id, lang)


def _performance(b: Baseline, lang: Lang) -> CriterionResult:
    # 「KPS≥50分或ECOG评分≤2分」; outside it is "not an absolute contraindication" (P9): caution.
    kps_min = int(content.value("elig_performance_status", "kps_min"))
    ecog_max = int(content.value("elig_performance_status", "ecog_max"))
    shown = ", ".join(s for s in (f"KPS {b.kps}" if b.kps is not None else "",
                                  f"ECOG {b.ecog}" if b.ecog is not None else "") if s)
    outside = [b.kps < kps_min] if b.kps is not None else []
    outside += [b.ecog > ecog_max] if b.ecog is not None else []
    kw = {"shown": shown, "kps_min": kps_min, "ecog_max": ecog_max}
    if not outside:
        return _item("performance_status", "unknown", content.ref("elig_performance_status"), lang, **kw)
    if any(outside):
        # The app's reading when the scales disagree (against the literal 「或」, which one scale
        # within its limit would satisfy): the stricter one, the contract's "KPS < 50 or ECOG > 2".
        return _item("performance_status", "caution", content.ref("elig_performance_not_absolute"), lang,
                     key="performance_status_mixed" if not all(outside) else None, **kw)
    return _item("performance_status", "met", content.ref("elig_performance_status"), lang, **kw)


def _lvef(b: Baseline, lang: Lang) -> CriterionResult:
    minimum = float(content.value("elig_lvef", "lvef_min_pct"))
    trial_min = float(content.value("elig_lvef_cardiac_risk", "lvef_bb2121_min_pct"))
    if b.lvef_pct is None:
        return _item("lvef", "unknown", content.ref("elig_lvef"), lang)
    kw = {"lvef": fmt_number(b.lvef_pct), "min": fmt_number(minimum), "trial_min": fmt_number(trial_min)}
    if b.lvef_pct >= minimum:
        return _item("lvef", "met", content.ref("elig_lvef"), lang, **kw)
    if b.lvef_pct >= trial_min:
        # Below the consensus's 50% but within what bb2121 accepted (P9): review, not exclusion.
        return _item("lvef", "caution", content.ref("elig_lvef_cardiac_risk"), lang, **kw)
    return _item("lvef", "not_met", content.ref("elig_lvef"), lang, **kw)


def _transaminase(item_id: str, name: str, value: float | None, lang: Lang) -> CriterionResult:
    maximum = float(content.value("elig_transaminases", "x_uln_max"))
    rec = content.ref("elig_transaminases")
    kw = {"name": name, "max": fmt_number(maximum)}
    if value is None:
        return _item(item_id, "unknown", rec, lang, key="transaminase", **kw)
    status: Status = "met" if value < maximum else "not_met"  # 「<3倍正常范围上限」
    return _item(item_id, status, rec, lang, key="transaminase", value=fmt_number(value), **kw)


def _bilirubin(b: Baseline, lang: Lang) -> CriterionResult:
    rec = content.ref("elig_bilirubin")
    if b.bilirubin is None:
        return _item("bilirubin", "unknown", rec, lang)
    v = bilirubin_units(b.bilirubin, b.bilirubin_unit)
    printed = printed_bilirubin_limit()
    usual = usual_bilirubin_limit_umol_l()
    kw = {"umol": fmt_number(v.umol_l), "mg_dl": fmt_number(v.mg_dl), "g_l": fmt_number(v.g_l), "usual_umol": fmt_number(usual),
          "usual_mg_dl": fmt_number(usual / UMOL_L_PER_MG_DL), "printed_umol": fmt_number(printed.umol_l),
          "printed_mg_dl": fmt_number(printed.mg_dl), "printed_g_l": fmt_number(printed.g_l)}
    # Compare in µmol/L, rounded, so 0.2 g/L and 342 µmol/L are the same value.
    umol = round(v.umol_l, 6)
    if umol >= round(printed.umol_l, 6):
        return _item("bilirubin", "not_met", rec, lang, **kw)
    if umol > round(usual, 6):
        # Above the usual trial limit, below the printed (likely misprinted) one. The printed limit is
        # not guessed at; requirement ② 「具有良好的心、肺、肝功能」 is not met by the app's reading
        # (review M5), so the verdict never reads "no exclusion" for a grossly abnormal value.
        return _item("bilirubin", "not_met", rec, lang, key="bilirubin_above_usual", **kw)
    return _item("bilirubin", "met", rec, lang, **kw)


def _spo2(b: Baseline, lang: Lang) -> CriterionResult:
    minimum = float(content.value("elig_spo2", "spo2_min_pct"))
    rec = content.ref("elig_spo2")
    if b.spo2_pct is None:
        return _item("spo2", "unknown", rec, lang)
    status: Status = "met" if b.spo2_pct >= minimum else "not_met"
    return _item("spo2", status, rec, lang, value=fmt_number(b.spo2_pct), min=fmt_number(minimum))


def _life_expectancy(b: Baseline, lang: Lang) -> CriterionResult:
    minimum = float(content.value("elig_life_expectancy", "life_expectancy_min_weeks"))
    rec = content.ref("elig_life_expectancy")
    if b.life_expectancy_weeks is None:
        return _item("life_expectancy", "unknown", rec, lang)
    status: Status = "met" if b.life_expectancy_weeks > minimum else "not_met"  # 「>12周」
    if b.life_expectancy_months is not None:
        # Show the conversion (the app's convention, named in the message) beside the verdict.
        return _item("life_expectancy", status, rec, lang, key="life_expectancy_months",
                     months=fmt_number(b.life_expectancy_months), min=fmt_number(minimum),
                     weeks=_weeks_shown(b.life_expectancy_weeks, minimum), days=f"{DAYS_PER_MONTH:g}")
    return _item("life_expectancy", status, rec, lang, weeks=fmt_number(b.life_expectancy_weeks), min=fmt_number(minimum))


def _renal(b: Baseline, lang: Lang) -> CriterionResult:
    rec = content.ref("elig_renal_not_contraindication")
    if b.renal_impairment is None:
        return _item("renal_impairment", "unknown", rec, lang)
    # 「肾功能异常非CAR-T细胞治疗的禁忌证」: met either way, with the consensus's note.
    return _item("renal_impairment", "met", rec, lang,
                 key="renal_impairment_present" if b.renal_impairment else None)


def _cns(b: Baseline, lang: Lang) -> CriterionResult:
    rec = content.ref("cns_disease_prophylaxis")
    if b.cns_disease is None:
        return _item("cns_disease", "unknown", rec, lang)
    if not b.cns_disease:
        return _item("cns_disease", "met", rec, lang)
    return _item("cns_disease", "caution", rec, lang,
                 mg=fmt_number(float(content.value("cns_disease_prophylaxis", "levetiracetam_mg"))),
                 hours=fmt_number(float(content.value("cns_disease_prophylaxis", "interval_h"))))


@validate_call  # a wrong type is a ValidationError, never a crash
def evaluate(baseline: Baseline, lang: Lang = "en") -> EligibilityReport:
    """Every criterion of the consensus's general requirements and its comments, with a verdict."""
    b = baseline
    items = [
        _performance(b, lang),
        _lvef(b, lang),
        _yes_no("cardiac_amyloidosis", b.cardiac_amyloidosis, content.ref("elig_lvef_cardiac_risk"), lang,
                when_yes="caution"),
        _yes_no("atrial_fibrillation", b.atrial_fibrillation, content.ref("elig_lvef_cardiac_risk"), lang,
                when_yes="caution"),
        _transaminase("alt", "ALT", b.alt_x_uln, lang),
        _transaminase("ast", "AST", b.ast_x_uln, lang),
        _bilirubin(b, lang),
        _spo2(b, lang),
        _yes_no("active_infection", b.active_infection, content.ref("elig_no_active_infection"), lang),
        _life_expectancy(b, lang),
        _yes_no("pregnant_or_lactating", b.pregnant_or_lactating, content.ref("excl_pregnancy"), lang),
        _yes_no("active_hbv", b.active_hbv, content.ref("excl_transmissible_disease"), lang),
        _yes_no("active_hcv", b.active_hcv, content.ref("excl_transmissible_disease"), lang),
        _yes_no("active_tuberculosis", b.active_tuberculosis, content.ref("excl_transmissible_disease"), lang),
        *([_yes_no("other_transmissible_disease", b.other_transmissible_disease,
                   content.ref("excl_transmissible_disease"), lang)]
          if b.other_transmissible_disease is not None else []),
        _yes_no("unstable_vital_signs", b.unstable_vital_signs, content.ref("excl_vital_signs"), lang),
        _yes_no("psychiatric_barrier", b.psychiatric_barrier, content.ref("excl_psychiatric"), lang),
        _yes_no("product_allergy", b.product_allergy, content.ref("excl_product_allergy"), lang),
        _yes_no("major_organ_dysfunction", b.major_organ_dysfunction, content.ref("excl_organ_dysfunction"), lang),
        _renal(b, lang),
        _cns(b, lang),
        _yes_no("implanted_devices", b.implanted_devices, content.ref("elig_implanted_devices"), lang,
                when_yes="caution"),
    ]
    if b.prior_bcma_therapy is not None:
        items.append(_yes_no("prior_bcma_therapy", b.prior_bcma_therapy,
                             content.ref("assess_bcma_and_other_targets"), lang, when_yes="caution"))
    return EligibilityReport(verdict=verdict(items), items=items, see_also=_see_also())


def _see_also() -> dict[str, list[str]]:
    perf = [content.ref("elig_performance_status"), content.ref("elig_performance_not_absolute")]
    return {
        "performance_status": perf,
        "lvef": [content.ref("elig_lvef"), content.ref("elig_lvef_cardiac_risk")],
        "bilirubin": [content.ref("elig_bilirubin"), content.ref("elig_lvef")],  # ② good hepatic function
        "active_hbv": [content.ref("excl_transmissible_disease"), content.ref("elig_hbv")],
        "prior_bcma_therapy": [content.ref("assess_bcma_and_other_targets")],
    }


def item_recommendations(report: EligibilityReport, item: CriterionResult) -> list[str]:
    """The item's own recommendation first, then any the reader should also see."""
    ids = [item.recommendation_id, *report.see_also.get(item.id, [])]
    return list(dict.fromkeys(ids))


# --- apheresis readiness ---------------------------------------------------------------------


class ApheresisLabs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    hgb_g_l: float | None = Field(None, ge=20, le=250, description="haemoglobin, g/L")
    plt_10e9_l: float | None = Field(None, ge=0, le=2000, description="platelets, ×10⁹/L")
    alc_per_ul: float | None = Field(None, ge=0, le=100000, description="absolute lymphocyte count, /µL")
    cd3_per_ul: float | None = Field(None, ge=0, le=100000, description="CD3+ lymphocytes, /µL")
    cytopenia_from_progression: bool = False

    @field_validator("hgb_g_l", mode="before")
    @classmethod
    def _hgb(cls, v: Any) -> Any:
        x = _number(v)
        if x is not None and 0 < x < 20:
            raise _refuse("hgb_looks_like_g_dl", "HGB {value} looks like g/dL; enter g/L ({g_l})",
                          value=fmt_number(x), g_l=fmt_number(x * 10))
        return _check_range(v, "HGB", 20, 250)

    @field_validator("plt_10e9_l", mode="before")
    @classmethod
    def _plt(cls, v: Any) -> Any:
        return _check_range(v, "PLT", 0, 2000)

    @field_validator("alc_per_ul", "cd3_per_ul", mode="before")
    @classmethod
    def _per_ul(cls, v: Any, info: ValidationInfo) -> Any:
        x = _number(v)
        name = {"alc_per_ul": "ALC", "cd3_per_ul": "CD3+"}[info.field_name]
        if x is not None and 0 < x < 10 and x != int(x):
            raise _refuse("looks_like_10e9_l", "{field} {value} looks like ×10⁹/L; enter cells per µL ({per_ul})",
                          field=name, value=fmt_number(x), per_ul=fmt_number(x * 1000))
        return _check_range(v, name, 0, 100000)


def _count(item_id: str, value: float | None, minimum: float, from_progression: bool, lang: Lang) -> CriterionResult:
    rec = content.ref("apheresis_hgb_plt")
    if value is None:
        return _item(item_id, "unknown", rec, lang, min=fmt_number(minimum))
    if value > minimum:
        status: Status = "met"
    else:
        # 「若因疾病进展导致…不是淋巴细胞采集的绝对限制因素」: the user says so; then caution.
        status = "caution" if from_progression else "not_met"
    return _item(item_id, status, rec, lang, value=fmt_number(value), min=fmt_number(minimum))


@validate_call  # a wrong type is a ValidationError, never a crash
def apheresis_check(labs: ApheresisLabs, lang: Lang = "en") -> list[CriterionResult]:
    hgb_min = float(content.value("apheresis_hgb_plt", "hgb_min_g_l"))
    plt_min = float(content.value("apheresis_hgb_plt", "plt_min_10e9_l"))
    alc_min = float(content.value("apheresis_lymphocytes", "alc_min_per_ul"))
    cd3_min = float(content.value("apheresis_lymphocytes", "cd3_min_per_ul"))
    items = [
        _count("hgb", labs.hgb_g_l, hgb_min, labs.cytopenia_from_progression, lang),
        _count("plt", labs.plt_10e9_l, plt_min, labs.cytopenia_from_progression, lang),
    ]
    # 「淋巴细胞绝对计数>500/μl或CD3+淋巴细胞>150/μl」: either suffices, so an unassessed one may still.
    known = [(labs.alc_per_ul, alc_min), (labs.cd3_per_ul, cd3_min)]
    shown = ", ".join(s for s in (f"ALC {fmt_number(labs.alc_per_ul)}/µL" if labs.alc_per_ul is not None else "",
                                  f"CD3+ {fmt_number(labs.cd3_per_ul)}/µL" if labs.cd3_per_ul is not None else "") if s)
    if any(v is not None and v > m for v, m in known):
        status: Status = "met"
    elif all(v is not None for v, _ in known):
        status = "not_met"
    else:
        status = "unknown"
    items.append(_item("lymphocytes", status, content.ref("apheresis_lymphocytes"), lang,
                       shown=shown or _msg(lang, "lymphocytes_none"), alc_min=fmt_number(alc_min), cd3_min=fmt_number(cd3_min)))
    return items


class CollectionTarget(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_1e6_per_kg: float
    max_1e6_per_kg: float
    recommendation_id: str


def collection_target() -> CollectionTarget:
    """「淋巴细胞采集量一般为(60~600)×10⁶/kg」"""
    return CollectionTarget(
        min_1e6_per_kg=float(content.value("apheresis_collection_target", "collection_min_1e6_per_kg")),
        max_1e6_per_kg=float(content.value("apheresis_collection_target", "collection_max_1e6_per_kg")),
        recommendation_id=content.ref("apheresis_collection_target"),
    )


# --- washout -----------------------------------------------------------------------------------


def _exposure_rules() -> dict[str, str]:
    """Exposure key -> the washout recommendation whose window applies (P11)."""
    eight, two = content.ref("washout_8_weeks"), content.ref("washout_2_weeks")
    return {
        "anti_t_cell_antibody": eight, "donor_lymphocyte_infusion": eight, "cns_radiotherapy": eight,
        "combination_chemotherapy": two, "lenalidomide": two, "bortezomib": two,
        "vincristine": content.ref("washout_1_week"),
        # The app's reading of the 2-week group's 「等治疗」 (contract): another anti-myeloma therapy of
        # that class, e.g. pomalidomide, carfilzomib, ixazomib, daratumumab, melphalan.
        "other_antimyeloma_therapy": two,
        "therapeutic_corticosteroids": content.ref("washout_72_hours"),
    }


def washout_window(key: str) -> tuple[timedelta, str]:
    """The window for one exposure key, read from its recommendation's values, and that id."""
    rules = _exposure_rules()
    if key not in rules:
        raise KeyError(f"unknown exposure {key!r}; expected one of {EXPOSURE_KEYS}")
    rec = content.recommendation(rules[key])
    if "hours" in rec.values:
        return timedelta(hours=float(rec.value("hours"))), rec.id
    return timedelta(weeks=float(rec.value("weeks"))), rec.id


def exposure_moment(day: date, at: time | None = None, now: datetime | None = None) -> datetime:
    """When a last exposure counts from. Without a time, the end of that day (or now, if that day
    is today): the conservative reading, since the dose could have been given at any hour."""
    if at is not None:
        return datetime.combine(day, at, tzinfo=now.tzinfo if now else None)
    now = now or datetime.now()
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=now.tzinfo)
    return min(end, now) if day <= now.date() else end


class WashoutItem(CriterionResult):
    """A washout item. Beyond the contract's CriterionResult: `not_before`, set when the window is
    still running at the moment compared against. The status stays the contract's "not_met" (the
    item is not met yet); front ends say "not yet: washout ends <not_before>" from this field, never
    "not met" (review U12), since time alone will satisfy it."""

    not_before: datetime | None = None


def display_status(item: CriterionResult) -> str:
    """The status a front end shows: "not_yet" for a washout still running, else the item's own."""
    return "not_yet" if getattr(item, "not_before", None) is not None else item.status


WashoutVerdict = Literal["none", "clear", "not_yet"]


def washout_verdict(window: ApheresisWindow) -> WashoutVerdict:
    """No exposure given; every window elapsed; or at least one still running (until `earliest`)."""
    if not window.items:
        return "none"
    return "not_yet" if any(display_status(i) == "not_yet" for i in window.items) else "clear"


OverallVerdict = Literal["eligible", "needs_review", "not_eligible", "incomplete", "not_yet"]


def overall_verdict(report: EligibilityReport, apheresis: list[CriterionResult],
                    window: ApheresisWindow | None) -> OverallVerdict:
    """The whole assessment's verdict. A washout still running is "not yet" (eligible from
    `window.earliest`), never "not eligible": when the only blockers are running washouts the
    verdict is "not_yet"; any other not-met item still makes it "not_eligible"."""
    items = [*report.items, *apheresis, *(window.items if window else [])]
    blocking = [i for i in items if i.status == "not_met" and display_status(i) != "not_yet"]
    if blocking:
        return "not_eligible"
    rest = verdict([i for i in items if display_status(i) != "not_yet"])
    if window is not None and washout_verdict(window) == "not_yet" and rest in ("eligible", "needs_review"):
        return "not_yet"
    return rest


def zone_suffix(zone: str | None, lang: Lang) -> str:
    """" (UTC+8)" after a time, in the page's language; nothing when no zone is known."""
    return _msg(lang, "zone_suffix", zone=zone) if zone else ""


def _utc_offset(moment: datetime) -> str | None:
    off = moment.utcoffset()
    return None if off is None else utc_offset_label(off)


class WashoutWindow(BaseModel):
    """One exposure's window, for the timeline."""

    model_config = ConfigDict(frozen=True)

    exposure: ExposureKey
    last: datetime
    clear: datetime
    window_hours: float
    recommendation_id: str
    given_as_date: date | None = None  # the date the user gave, when no time was given


class ApheresisWindow(BaseModel):
    model_config = ConfigDict(frozen=True)

    earliest: datetime
    binding: str | None  # the exposure that sets `earliest`
    items: list[CriterionResult]
    # Beyond the contract: each exposure's window (for a timeline) and the moment compared against.
    windows: list[WashoutWindow] = Field(default_factory=list)
    reference: datetime | None = None


class WashoutRequest(BaseModel):
    """Validated input of `earliest_apheresis`: known exposure keys, no date in the future."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    now: datetime
    planned: datetime | None = None
    last_exposure: dict[ExposureKey, datetime]
    # Exposures given as a bare date (no time): counted from the end of that day.
    given_as_date: dict[ExposureKey, date] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _dates_to_moments(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("last_exposure"), dict):
            return data
        now = data.get("now")
        if isinstance(now, date) and not isinstance(now, datetime):
            now = datetime.combine(now, time(0, 0))
        now = now if isinstance(now, datetime) else None
        bare = {k: d for k, d in data["last_exposure"].items() if isinstance(d, date) and not isinstance(d, datetime)}
        moments = {k: exposure_moment(bare[k], now=now) if k in bare else d
                   for k, d in data["last_exposure"].items()}
        return {**data, "last_exposure": moments, "given_as_date": bare}

    @field_validator("now", "planned", mode="before")
    @classmethod
    def _plain_date(cls, v: Any) -> Any:
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime.combine(v, time(0, 0))
        return v

    @model_validator(mode="after")
    def _not_in_future(self) -> WashoutRequest:
        moments = [*self.last_exposure.values(), self.now, *([self.planned] if self.planned else [])]
        if len({m.tzinfo is None for m in moments}) > 1:
            raise _refuse("mixed_timezones", "dates must all carry a time zone or none do")
        if self.now.year > 9000:
            raise _refuse("out_of_range", "{field} {value} is outside {lo}-{hi}",
                          field="now", value=self.now.year, lo=1900, hi=9000)
        for key, moment in self.last_exposure.items():
            if moment > self.now:
                raise _refuse("exposure_in_future", "the last {exposure} ({when}) is in the future; "
                              "enter a date that has passed", exposure=key, when=moment.isoformat(" ", "minutes"))
        return self


def window_text(window: timedelta, lang: Lang) -> str:
    hours = window.total_seconds() / 3600
    if hours % (24 * 7) == 0:
        weeks = int(hours // (24 * 7))
        return _msg(lang, "window.week" if weeks == 1 else "window.weeks", n=weeks)
    return _msg(lang, "window.hours", n=fmt_number(hours))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def last_text(window: WashoutWindow, lang: Lang) -> str:
    """The last exposure as the user gave it: a date (counted from its end) or a date and time."""
    if window.given_as_date is not None:
        return _msg(lang, "washout_day_end", date=window.given_as_date.isoformat())
    return _when(window.last)


@validate_call  # a wrong type is a ValidationError, never a crash
def earliest_apheresis(last_exposure: dict[str, datetime | date], now: datetime | None = None,
                       planned: datetime | None = None, lang: Lang = "en", zone: str | None = None) -> ApheresisWindow:
    """Earliest collection = the latest of (last exposure + its window) over all exposures given.

    Each item is "met" when its window has passed by `planned` (or by `now` if no date is
    planned), "not_met" otherwise, with `not_before` (a WashoutItem) set to when it will be met:
    the message says "not yet: washout ends <date time zone>". `zone` labels naive times (the
    user's wall clock, e.g. "UTC+8"); aware times carry their own. Unknown keys and exposures in
    the future are refused.
    """
    aware = any(isinstance(m, datetime) and m.tzinfo is not None for m in (last_exposure or {}).values())
    if now is None:
        now = datetime.now().astimezone() if aware else datetime.now()
    req = WashoutRequest(last_exposure=last_exposure, now=now, planned=planned)
    reference = req.planned or req.now
    windows: list[WashoutWindow] = []
    for key, last in req.last_exposure.items():
        window, rec_id = washout_window(key)
        windows.append(WashoutWindow(exposure=key, last=last, clear=last + window,
                                     window_hours=window.total_seconds() / 3600, recommendation_id=rec_id,
                                     given_as_date=req.given_as_date.get(key)))
    # Latest clearance first (it binds); on a tie, the order of the consensus's sentence.
    windows.sort(key=lambda w: EXPOSURE_KEYS.index(w.exposure))
    windows.sort(key=lambda w: w.clear, reverse=True)
    items = []
    for w in windows:
        status: Status = "met" if reference >= w.clear else "not_met"
        # Still running: met from `clear` on by time alone, so "not yet", worded with the zone.
        running = status == "not_met"
        message = _msg(lang, f"msg.washout.{'not_yet' if running else status}",
                       name=_msg(lang, f"exposure.{w.exposure}"),
                       last=last_text(w, lang), window=window_text(timedelta(hours=w.window_hours), lang),
                       clear=_when(w.clear), zone=zone_suffix(_utc_offset(w.clear) or zone, lang))
        if w.exposure in APP_READING_EXPOSURES:
            message = f"{message} {_msg(lang, 'washout.other_note')}"
        items.append(WashoutItem(id=w.exposure, status=status, recommendation_id=w.recommendation_id,
                                 message=message, not_before=w.clear if running else None))
    if not windows:
        return ApheresisWindow(earliest=req.now, binding=None, items=[], windows=[], reference=reference)
    binding = windows[0]
    return ApheresisWindow(earliest=binding.clear, binding=binding.exposure, items=items, windows=windows,
                           reference=reference)


def collection_notes(prior_bendamustine_or_fludarabine: bool | None = None,
                     high_risk_or_needs_lenalidomide: bool | None = None,
                     lang: Lang = "en") -> list[CriterionResult]:
    """P11's two further points; an unanswered question adds no item."""
    items = []
    if prior_bendamustine_or_fludarabine is not None:
        items.append(_yes_no("prior_bendamustine_or_fludarabine", prior_bendamustine_or_fludarabine,
                             content.ref("apheresis_manufacturing_failure"), lang, when_yes="caution"))
    if high_risk_or_needs_lenalidomide is not None:
        items.append(_yes_no("high_risk_or_needs_lenalidomide", high_risk_or_needs_lenalidomide,
                             content.ref("apheresis_early_collection"), lang, when_yes="caution"))
    return items


# --- input errors, for pages -----------------------------------------------------------------------


def input_errors(model: type[BaseModel], data: dict[str, Any], lang: Lang = "en") -> dict[str, str]:
    """Validate `data` against `model`; field name -> a specific message in `lang`."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return errors_by_field(exc, lang, default_field=next(iter(data), ""))
    return {}


def errors_by_field(exc: ValidationError, lang: Lang = "en", default_field: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else default_field
        if err["type"].startswith("bilirubin"):
            field = "bilirubin"
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int | float)}
        if ctx.get("exposure") in EXPOSURE_KEYS:
            # An exposure's refusal belongs beside that exposure's field, named in the user's language.
            field = str(ctx["exposure"])
            ctx["exposure"] = _msg(lang, f"exposure.{field}")
        if err["type"] == "survival_out_of_range":
            ctx["unit"] = _msg(lang, f"survival_units.{ctx['unit']}")
        try:
            message = _msg(lang, f"errors.{err['type']}", **ctx)
        except (KeyError, IndexError):
            message = _msg(lang, "errors.invalid", detail=err["msg"])
        out.setdefault(field, message)
    return out
