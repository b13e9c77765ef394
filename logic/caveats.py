"""The app's caveats beside a dose (review M7, M10): never part of a quote, each with its source.

- Lymphodepletion is given IV, once a day (one dose per printed day, Table 2), and Table 2 lists the
  regimens of the cited trials: a marketed product follows its own label.
- Fludarabine is renally cleared: every fludarabine row carries a renal line, from the creatinine
  clearance the page computed or "not entered". The bands are the fludarabine label's (the app's note
  on `ld_recommended_flu_cy`); the app adjusts no dose itself, because the labels' adjustment is
  written for the 25 mg/m² single-agent course, not for these regimens.
- Levetiracetam: the consensus's 750 mg every 12 h against the label's renal dosing (the app's note on
  `cns_disease_prophylaxis`).
- A per-kg cyclophosphamide row (CT103A, 20 mg/kg) is compared with the per-m² rows, so a per-kg dose
  is never read as per m².

Every number comes from content (`note_value`); the bands' edges are inclusive on the stricter side.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict

from logic import content
from logic.dosing import LymphodepletionPlan, table2_regimens
from logic.strings import Lang, text

# Lymphodepletion: both drugs are given intravenously (fludarabine injection is "for intravenous use
# only" on its label; cyclophosphamide IV), one dose on each printed day (Table 2, 「-5~-3 d」).
LD_ROUTE = "IV"
LD_FREQUENCY = "daily"

FludarabineBand = Literal["not_entered", "full", "band_50_79", "band_30_49", "below_30"]
LevetiracetamBand = Literal["not_entered", "normal", "mild", "moderate", "severe"]


class RenalLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    drug: Literal["fludarabine", "levetiracetam"]
    crcl_ml_min: float | None
    band: str
    # True where the label says the dose must change (or the drug not be given) at this clearance.
    label_limits_dose: bool
    recommendation_id: str   # the entry whose app's note carries the label's numbers


def _flu(key: str) -> float:
    return float(content.recommendation("ld_recommended_flu_cy").note_value(key))


def _lev(key: str) -> float:
    return float(content.recommendation("cns_disease_prophylaxis").note_value(key))


def _crcl(value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"creatinine clearance must be a finite number ≥ 0, got {value!r}")
    return float(value)


def fludarabine_renal(crcl_ml_min: float | None) -> RenalLine:
    """The fludarabine label's band for this clearance: ≥80 full dose; 50-79 and 30-49 reduced
    starting doses; <30 do not give. A value between two printed integers (79.5) takes the lower band."""
    crcl = _crcl(crcl_ml_min)
    band: FludarabineBand
    if crcl is None:
        band = "not_entered"
    elif crcl >= _flu("flu_full_crcl_min"):
        band = "full"
    elif crcl >= _flu("flu_band1_crcl_min"):
        band = "band_50_79"
    elif crcl >= _flu("flu_band2_crcl_min"):
        band = "band_30_49"
    else:
        band = "below_30"
    return RenalLine(drug="fludarabine", crcl_ml_min=crcl, band=band,
                     label_limits_dose=band in ("band_50_79", "band_30_49", "below_30"),
                     recommendation_id=content.ref("ld_recommended_flu_cy"))


def levetiracetam_renal(crcl_ml_min: float | None) -> RenalLine:
    """The levetiracetam label's band: >80 normal; 50-80 mild; 30-50 moderate; <30 severe. The label's
    bands share their edges (50, 80): the stricter band applies at the edge."""
    crcl = _crcl(crcl_ml_min)
    band: LevetiracetamBand
    if crcl is None:
        band = "not_entered"
    elif crcl > _lev("lev_crcl_normal_above"):
        band = "normal"
    elif crcl > _lev("lev_crcl_mild_min"):
        band = "mild"
    elif crcl >= _lev("lev_crcl_moderate_min"):
        band = "moderate"
    else:
        band = "severe"
    consensus_mg = float(content.value("cns_disease_prophylaxis", "levetiracetam_mg"))
    limit = {"normal": _lev("lev_normal_max_mg"), "mild": _lev("lev_mild_max_mg"),
             "moderate": _lev("lev_moderate_max_mg"), "severe": _lev("lev_severe_max_mg")}.get(band)
    return RenalLine(drug="levetiracetam", crcl_ml_min=crcl, band=band,
                     label_limits_dose=limit is not None and consensus_mg > limit,
                     recommendation_id=content.ref("cns_disease_prophylaxis"))


def _n(x: float) -> str:
    return f"{x:g}"


def renal_text(line: RenalLine, lang: Lang) -> str:
    """The renal line in the page's language, with the label's numbers and the clearance used."""
    crcl = "" if line.crcl_ml_min is None else _n(round(line.crcl_ml_min))
    if line.drug == "fludarabine":
        return text(lang, f"dosing.renal.fludarabine.{line.band}", crcl=crcl,
                    full=_n(_flu("flu_full_mg_m2")), band1=_n(_flu("flu_band1_mg_m2")),
                    band2=_n(_flu("flu_band2_mg_m2")))
    return text(lang, f"dosing.renal.levetiracetam.{line.band}", crcl=crcl,
                mg=_n(float(content.value("cns_disease_prophylaxis", "levetiracetam_mg"))),
                normal_max=_n(_lev("lev_normal_max_mg")), mild_max=_n(_lev("lev_mild_max_mg")),
                moderate_max=_n(_lev("lev_moderate_max_mg")), severe_min=_n(_lev("lev_severe_min_mg")),
                severe_max=_n(_lev("lev_severe_max_mg")))


def route_text(lang: Lang) -> str:
    """"IV, once daily" in the page's language."""
    return text(lang, "dosing.ldcaveat.route_daily")


def trial_regimen_caveat(lang: Lang) -> str:
    return text(lang, "dosing.ldcaveat.trial")


class PerKgComparison(BaseModel):
    """A per-kg cyclophosphamide row set against the per-m² rows of Table 2, for this patient."""

    model_config = ConfigDict(frozen=True)

    per_kg: float                # the printed mg/kg
    daily_mg: float              # for this weight
    per_m2_equivalent: float     # daily_mg / BSA
    usual_per_m2: float          # the most common per-m² cyclophosphamide dose of Table 2
    ratio: float                 # per_m2_equivalent / usual_per_m2


def per_kg_comparison(plan: LymphodepletionPlan) -> PerKgComparison | None:
    cy = plan.regimen.drug("cyclophosphamide")
    if cy is None or cy.basis != "mg/kg":
        return None
    per_m2 = Counter(d.dose for r in table2_regimens() for d in r.drugs
                     if d.drug == "cyclophosphamide" and d.basis == "mg/m²")
    usual = per_m2.most_common(1)[0][0]
    daily = cy.dose * plan.weight_kg
    equivalent = daily / plan.bsa_m2
    return PerKgComparison(per_kg=cy.dose, daily_mg=daily, per_m2_equivalent=equivalent, usual_per_m2=usual,
                           ratio=equivalent / usual)


def per_kg_text(cmp: PerKgComparison, plan: LymphodepletionPlan, lang: Lang) -> str:
    return text(lang, "dosing.ldcaveat.per_kg_compare", per_kg=_n(cmp.per_kg), kg=_n(plan.weight_kg),
                daily=_n(round(cmp.daily_mg)), bsa=f"{plan.bsa_m2:.2f}", per_m2=_n(round(cmp.per_m2_equivalent)),
                usual=_n(cmp.usual_per_m2), ratio=f"{cmp.ratio:.1f}")


__all__ = ["RenalLine", "fludarabine_renal", "levetiracetam_renal", "renal_text", "route_text",
           "trial_regimen_caveat", "PerKgComparison", "per_kg_comparison", "per_kg_text", "LD_ROUTE", "LD_FREQUENCY"]
