"""The result card: the answer first (issue 15 item 1, review U8).

One statement per tool, built here from the same objects the page shows (the assessment, the plan
of logic.plans, the lymphodepletion plan of logic.dosing), so the card can never stand beside a
different weight or grade than the rest of the page, and the chat can give the same statement:

- the grade as a badge: `status` says whether a grade can be stated at all ("not_assessed":
  nothing entered; "incomplete": entered, nothing that grades; "not_computed": an input refused;
  "at_least": inputs missing that could raise it; "final"), and `level` its severity colour class
  ("neutral" for anything that is not a grade, "none" grade 0, "mild" 1, "moderate" 2, "severe"
  3-4, "info" for a dose card that has no severity);
- what set it (`drivers`, the findings in words), what is missing (`missing_text`);
- the actions: every line of the plan, each dose in mg and, where the product's concentration is
  known (tocilizumab 20 mg/mL), mL, always with its route and the table's condition.

Pure Python; every text in the language asked for (content/i18n/<lang>/cards.yaml).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from logic import caveats, crs, icans
from logic.dosing import LymphodepletionPlan
from logic.models import Grade
from logic.plans import Plan, describe, guard_text
from logic.strings import Lang, text

Status = Literal["not_assessed", "incomplete", "not_computed", "at_least", "final"]
BadgeLevel = Literal["neutral", "none", "mild", "moderate", "severe", "info"]
Kind = Literal["crs", "icans", "lymphodepletion"]


class CardAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str                    # the plan line's action, or the drug (lymphodepletion)
    text: str                      # the sentence: condition, action, dose in mg (and mL) with route
    dose_mg: float | None = None
    volume_ml: float | None = None
    route: str | None = None       # "IV", "PO"
    allowed: bool = True           # False: the tocilizumab course guard forbids a dose now
    conditional: bool = False      # the table sets a condition, or says only "may" (可/可以/可予)
    group: str | None = None       # lines sharing a group are read together (logic.plans)
    group_label: str | None = None  # set on the first line of a group read together ("and/or", "one of")
    needs: tuple[str, ...] = ()    # inputs the dose needs and did not get (the plan line's), e.g. ("weight_kg",)
    recommendation_id: str


class ResultCard(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    lang: Lang
    status: Status
    level: BadgeLevel
    grade: int | None              # None: no grade can be stated (or a dose card)
    at_least: bool = False
    label: str                     # the badge: "CRS grade 3", "CRS至少2级", "ICANS未评估", "BSA 1.66 m²"
    drivers: list[str] = Field(default_factory=list)   # what set it, in words
    missing_text: str | None = None
    context: str | None = None     # e.g. the concurrent CRS for ICANS; the inputs of a dose card
    actions: list[CardAction] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)      # the app's own notes (a front end labels them)
    recommendation_ids: list[str] = Field(default_factory=list)
    summary: str | None = None     # a dose card's every dose in one line, for the strip (ld_card)

    def headline(self) -> str:
        """The card in one line, for the strip a phone keeps in view: the badge, then the one action a
        nurse looks for, e.g. 'CRS grade 3 · Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV'. In order:
        a dose given now without a condition; a tocilizumab dose the course guard forbids now (with
        the guard's verdict, never the dose alone); tocilizumab waiting for the weight; a dose with a
        condition. Only the badge when the card has none of these. A dose card (lymphodepletion)
        gives all its daily doses, with their route and days: 'BSA 1.66 m² · Fludarabine 50 mg +
        Cyclophosphamide 498 mg IV, once daily, D-5 to D-3'."""
        if self.summary is not None:
            return f"{self.label} · {self.summary}"
        then = text(self.lang, "cards.then")
        toci = [a for a in self.actions if a.action == "tocilizumab"]
        picks = ([a.text.split(then)[0] for a in self.actions if a.dose_mg is not None and a.allowed
                  and not a.conditional]
                 + [a.text for a in toci if not a.allowed]
                 + [a.text for a in toci if a.dose_mg is None]
                 + [a.text.split(then)[0] for a in self.actions if a.dose_mg is not None and a.allowed])
        return f"{self.label} · {picks[0]}" if picks else self.label

def _n(x: float) -> str:
    return f"{x:g}"


def level_for(grade: int) -> BadgeLevel:
    """The badge's severity class of a stated grade (red is kept for grades 3 and 4)."""
    return "none" if grade <= 0 else "mild" if grade == 1 else "moderate" if grade == 2 else "severe"


def _badge(name: str, g: Grade | None, entered: bool, lang: Lang) -> tuple[Status, BadgeLevel, int | None, str]:
    n = text(lang, f"cards.name.{name}")
    if not entered:
        status: Status = "not_assessed"
    elif g is None:
        status = "not_computed"
    elif not g.assessed:
        status = "incomplete"
    elif g.grade == 0 and not g.at_least:
        return "final", "none", 0, text(lang, "cards.label.none", name=n)
    else:
        status = "at_least" if g.at_least else "final"
        return status, level_for(g.grade), g.grade, text(lang, f"cards.label.{status}", name=n, grade=g.grade)
    return status, "neutral", None, text(lang, f"cards.label.{status}", name=n)


def _fields(names: list[str], lang: Lang) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(text(lang, f"toxicity.field.{x}") for x in names)


def _actions(plan: Plan | None, lang: Lang, zone: str | None) -> list[CardAction]:
    if plan is None:
        return []
    out, group = [], None
    for line in plan.lines:
        label = text(lang, f"plans.group.{line.group}") if line.group is not None and line.group != group else None
        group = line.group
        # the guard's verdict after a separator (describe runs it on with a space)
        said = describe(line.model_copy(update={"check": None}), lang, zone, volume=True)
        if line.check is not None:
            said += text(lang, "cards.then") + guard_text(line, lang, zone)
        out.append(CardAction(
            action=line.action, text=said,
            dose_mg=line.dose.amount if line.dose is not None else None, volume_ml=line.volume_ml,
            route=line.dose.route if line.dose is not None else None, allowed=line.allowed, group=line.group,
            conditional=line.condition is not None or line.may,
            group_label=label, needs=line.needs,
            recommendation_id=line.recommendation_id))
    return out


def _check_plan(plan: Plan | None, g: Grade | None, kind: str) -> None:
    if plan is None or g is None:
        return
    if plan.kind != kind or plan.grade != min(max(g.grade, 0), 4) or plan.at_least != g.at_least:
        raise ValueError(f"the {kind} plan (grade {plan.grade}) was not built from this assessment "
                         f"(grade {g.grade}): the card shows one computation")


def _head(kind: Kind, assessment: object | None, plan: Plan | None, entered: bool,
          lang: Lang) -> tuple[dict, ResultCard | None]:
    """The badge fields every grade card starts with, and the card itself when that is all it can say
    (nothing entered; an input refused)."""
    g = assessment.grade if assessment is not None else None
    _check_plan(plan, g, kind)
    status, level, grade, label = _badge(kind, g, entered, lang)
    card = dict(kind=kind, lang=lang, status=status, level=level, grade=grade, label=label,
                at_least=status == "at_least")
    if status == "not_assessed":
        return card, ResultCard(**card)
    if assessment is None:
        return card, ResultCard(**card, missing_text=text(lang, "cards.not_computed"))
    return card, None


def _rec_ids(grade: Grade, plan: Plan | None) -> list[str]:
    return list(dict.fromkeys([*grade.recommendation_ids, *(plan.recommendation_ids if plan else [])]))


# --- CRS -------------------------------------------------------------------------------------------


def crs_card(findings: crs.CRSFindings | None, assessment: crs.CRSAssessment | None, plan: Plan | None,
             lang: Lang, zone: str | None = None) -> ResultCard:
    """The CRS card from the findings as entered (None: an input was refused, so nothing is graded),
    their assessment and the Table 4 plan built from that assessment (None: not built, e.g. grade 0
    or refused)."""
    f = findings or crs.CRSFindings()
    entered = findings is None or f.max_temp_c is not None or f.fever_before_masking \
        or f.hypotension is not None or f.hypoxia is not None
    card, done = _head("crs", assessment, plan, entered, lang)
    if done is not None:
        return done
    status, grade = card["status"], card["grade"]
    a, threshold = assessment, f"{assessment.fever_threshold_c:.1f}"
    drivers: list[str] = []
    if a.fever == "present":
        if f.max_temp_c is not None and f.max_temp_c >= a.fever_threshold_c:
            drivers.append(text(lang, "cards.driver.fever_temp", temp=f"{f.max_temp_c:.1f}"))
        if f.fever_before_masking:
            drivers.append(text(lang, "cards.driver.fever_masked"))
        for name in a.grade.drivers:
            if name in ("hypotension", "hypoxia"):
                drivers.append(text(lang, f"cards.driver.{name}.{getattr(f, name)}"))
    elif a.fever == "absent":
        drivers.append(text(lang, "cards.driver.no_fever", temp=f"{f.max_temp_c:.1f}", threshold=threshold))
    notes = [text(lang, "cards.signs_without_fever")] if a.signs_without_fever else []
    if a.fever == "not_assessed":
        missing = text(lang, "cards.fever_unknown", threshold=threshold, if_fever=a.grade_if_fever)
    elif a.grade.at_least:
        missing = text(lang, "cards.missing", fields=_fields(a.missing, lang), highest=a.highest_possible)
    else:
        missing = None
    actions = _actions(plan, lang, zone)
    if grade == 0:
        notes.append(text(lang, "cards.no_actions.crs"))
    elif grade is not None and plan is None:
        notes.append(text(lang, "cards.plan_not_computed"))
    elif status == "at_least":
        notes.append(text(lang, "cards.may_be_higher"))
    return ResultCard(**card, drivers=drivers, missing_text=missing, actions=actions, notes=notes,
                      recommendation_ids=_rec_ids(a.grade, plan))


# --- ICANS -----------------------------------------------------------------------------------------


def _crs_text(crs_grade: Grade | None, lang: Lang) -> str:
    if crs_grade is None:
        return text(lang, "toxicity.summary_not_graded")
    if crs_grade.at_least:
        return text(lang, "toxicity.grade_at_least", grade=crs_grade.grade)
    return text(lang, "toxicity.grade_value", grade=crs_grade.grade)


def icans_card(findings: icans.ICANSFindings | None, ice_items: icans.ICEPartial | None,
               assessment: icans.ICANSAssessment | None, plan: Plan | None, crs_grade: Grade | None,
               lang: Lang, zone: str | None = None) -> ResultCard:
    """The ICANS card: nothing entered is "ICANS not assessed" (never "at least grade 0"); findings
    None: an input was refused ("ICANS not graded")."""
    f = findings or icans.ICANSFindings()
    items_entered = ice_items is not None and any(v is not None for v in ice_items.model_dump().values())
    entered = findings is None or items_entered or any(v is not None for v in f.model_dump().values())
    card, done = _head("icans", assessment, plan, entered, lang)
    if done is not None:
        return done
    status, grade = card["status"], card["grade"]
    a = assessment
    drivers = []
    for name in a.grade.drivers:
        if name == "ice_score":
            drivers.append(text(lang, "cards.driver.ice_range", low=a.ice_range[0], high=a.ice_range[1])
                           if a.ice_range is not None else text(lang, "cards.driver.ice_score", score=a.ice_score))
        else:
            drivers.append(text(lang, f"cards.driver.{name}.{getattr(f, name)}"))
    missing = text(lang, "cards.missing", fields=_fields(a.missing, lang) or text(lang, "toxicity.not_assessed"),
                   highest=a.highest_possible) if a.grade.at_least else None
    context = None
    notes: list[str] = []
    if grade == 0:
        notes.append(text(lang, "cards.no_actions.icans"))
    elif grade is not None:
        if crs_grade is None:
            context = text(lang, "cards.crs_context.not_assessed")
        else:
            key = "with_crs" if crs_grade.grade > 0 else "without_crs"
            context = text(lang, f"cards.crs_context.{key}", crs=_crs_text(crs_grade, lang))
        if plan is None:
            notes.append(text(lang, "cards.plan_not_computed"))
        elif status == "at_least":
            notes.append(text(lang, "cards.may_be_higher"))
    return ResultCard(**card, drivers=drivers, missing_text=missing, context=context,
                      actions=_actions(plan, lang, zone), notes=notes,
                      recommendation_ids=_rec_ids(a.grade, plan))


# --- lymphodepletion -------------------------------------------------------------------------------


def _days(days: list[int], lang: Lang) -> str:
    if len(days) == 1:
        return text(lang, "cards.ld.days_one", day=days[0])
    if days == list(range(days[0], days[-1] + 1)):
        return text(lang, "cards.ld.days_range", first=days[0], last=days[-1])
    return ", ".join(text(lang, "cards.ld.days_one", day=d) for d in days)


def bsa_formula_text(formula: str, lang: Lang) -> str:
    """The BSA formula in words, in the language asked for: 'BSA = √(height cm × weight kg / 3600)',
    '体表面积 = √(身高 cm × 体重 kg / 3600)' (the English is logic.dosing.BSA_FORMULAS, tests/test_cards.py)."""
    return text(lang, f"cards.ld.bsa_formula.{formula}")


def _bsa_working(plan: LymphodepletionPlan, lang: Lang) -> str:
    """'BSA = √(165 cm × 60 kg / 3600) = 1.6583 → 1.66 m²' ('体表面积 = …'): the formula with this
    patient's numbers, in the language asked for; the numbers are the plan's."""
    return text(lang, f"cards.ld.bsa_working.{plan.bsa_formula}", height=_n(plan.height_cm),
                weight=_n(plan.weight_kg), exact=f"{plan.bsa_unrounded:.4f}", bsa=f"{plan.bsa_m2:.2f}")


def ld_card(plan: LymphodepletionPlan, lang: Lang, crcl_ml_min: float | None = None) -> ResultCard:
    """The lymphodepletion card: the BSA, and each drug's daily dose with its route and days, from
    the plan the page's table shows; the fludarabine renal line and a per-kg comparison as notes."""
    actions, by_days = [], {}
    for drug in ("fludarabine", "cyclophosphamide"):
        doses = [d for d in plan.doses if d.drug == drug]
        for amount in dict.fromkeys(d.amount_mg for d in doses):   # one line per distinct daily dose
            same = [d for d in doses if d.amount_mg == amount]
            days = _days([d.day for d in same], lang)
            by_days.setdefault(days, []).append(text(lang, "cards.ld.strip_dose", mg=_n(amount),
                                                     drug=text(lang, f"cards.ld.drug.{drug}")))
            actions.append(CardAction(
                action=drug, dose_mg=amount, route=caveats.LD_ROUTE, recommendation_id=same[0].recommendation_id,
                text=text(lang, "cards.ld.dose", drug=text(lang, f"cards.ld.drug.{drug}"), basis=same[0].basis,
                          mg=_n(amount), route=caveats.route_text(lang), days=days)))
    notes = []
    if not plan.no_fludarabine:
        notes.append(caveats.renal_text(caveats.fludarabine_renal(crcl_ml_min), lang))
    if (per_kg := caveats.per_kg_comparison(plan)) is not None:
        notes.append(caveats.per_kg_text(per_kg, plan, lang))
    return ResultCard(
        kind="lymphodepletion", lang=lang, status="final", level="info", grade=None,
        label=text(lang, "cards.label.bsa", bsa=f"{plan.bsa_m2:.2f}"),
        drivers=[text(lang, "cards.ld.inputs", regimen=plan.regimen.product, height=_n(plan.height_cm),
                      weight=_n(plan.weight_kg), formula=text(lang, f"cards.ld.formula.{plan.bsa_formula}")),
                 _bsa_working(plan, lang)],
        actions=actions, notes=notes,
        # the doses given on the same days read together: "A 50 mg + B 498 mg IV, once daily, D-5 to D-3"
        summary=" · ".join(text(lang, "cards.ld.strip", doses=" + ".join(doses), route=caveats.route_text(lang),
                                days=days) for days, doses in by_days.items()) or None,
        recommendation_ids=list(plan.recommendation_ids))
