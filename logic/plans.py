"""The management plan, built once and rendered by every front end (the /toxicity page,
the chat, the dose sheet): Table 4 and its note for CRS, Table 5 for ICANS with or
without concurrent CRS.

Each line is data: what to do (`action`), the dose computed by logic.dosing (None when
the table prints no dose, or the weight it needs is not given: `needs` says so), the
table's condition as a code (rendered in the user's language by `describe`), whether the
consensus only says "may" (可/可以/可予), and for tocilizumab the course guard's verdict
(logic.dosing.tocilizumab_next): after 4 doses no 5th is offered, and the earliest time
of the next dose is on the line itself.

Grouped lines are read together: lines sharing `group` "toci_and_or_steroid" are Table 4's
「托珠单抗和(或)糖皮质激素」; lines sharing "steroid_either" are Table 5's
「地塞米松…;或甲泼尼龙…」 (one or the other).

`icans_management` (logic.icans) stays the list of Table 5 recommendation ids; this module
builds on the same entries.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, validate_call

from logic import content, dosing
from logic.dosing import TocilizumabCheck, WeightKg
from logic.models import Dose, Grade
from logic.strings import Lang, text

MAX_GRADE = 4

Action = Literal[
    "monitoring", "supportive_care", "infection_evaluation", "fluid_balance", "antipyretics",
    "organ_function_monitoring", "tocilizumab", "corticosteroids", "dexamethasone", "methylprednisolone",
    "icu_transfer", "icu_care_ventilation", "neuroimaging", "status_epilepticus",
]
# Conditions printed by the tables (codes; `describe` renders them).
CONDITIONS: tuple[str, ...] = (
    "as_needed",                          # T4.1 按需使用解热镇痛药物
    "elderly_or_comorbid",                # T4.2 老年或合并并发症的患者
    "hypotension_after_1_2_tocilizumab",  # T4.3 在托珠单抗静脉输注1~2次后低血压持续存在时
    "refractory",                         # T4.3 如为难治性
    "poor_control_repeat",                # T4 note: 控制不佳者可8 h后再次使用 (a repeat dose)
    "crs_grade_ge_2",                     # T5.2 若并发≥2级CRS
    "icans_persists_ge_3",                # T5.3/T5.4 若ICANS持续≥3级
    "convulsive_status_epilepticus",      # T5.4 惊厥性癫痫持续状态患者
)


class PlanLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: str
    dose: Dose | None
    condition: str | None             # a code from CONDITIONS, None when the table sets none
    allowed: bool = True              # False when the tocilizumab course guard forbids a dose now
    earliest: datetime | None = None  # tocilizumab: when the next dose may be given (None: no further dose)
    recommendation_id: str
    # Around the contract:
    may: bool = False                 # the consensus says "may" (可/可以/可予), not "do"
    group: str | None = None          # "toci_and_or_steroid" | "steroid_either": read these lines together
    needs: tuple[str, ...] = ()       # inputs the dose needs and did not get, e.g. ("weight_kg",)
    formula: str | None = None        # the dose's working, language-neutral ("8 mg/kg × 68 kg = 544 mg")
    rule: str | None = None           # a per-kg dose's rule, language-neutral ("8 mg/kg IV"), with or without weight
    volume_ml: float | None = None    # tocilizumab: mL of the 20 mg/mL concentrate
    concentration_mg_per_ml: float | None = None   # the concentrate volume_ml is measured in
    check: TocilizumabCheck | None = None   # the course guard's full verdict (tocilizumab lines)
    checked_at: datetime | None = None      # the `now` the guard used; None: no clock given
    every_days: tuple[int, int] | None = None   # neuroimaging every 2-3 days
    level: Literal["consider", "advised"] | None = None   # ICU: 考虑 / 建议


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: int
    at_least: bool
    lines: list[PlanLine]
    # Around the contract:
    kind: Literal["crs", "icans"] = "crs"
    with_crs: bool | None = None      # ICANS: concurrent CRS (grade > 0); None: CRS not assessed
    crs_grade: int | None = None
    crs_at_least: bool = False
    recommendation_ids: list[str] = Field(default_factory=list)   # the table rows the lines rest on, in order

    def line(self, action: str) -> PlanLine | None:
        return next((x for x in self.lines if x.action == action), None)


class _PlanInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    weight_kg: WeightKg | None = None
    tocilizumab_given: list[datetime] = []
    now: datetime | None = None


# --- the lines ---------------------------------------------------------------------------------


def _toci_line(rec_id: str, req: _PlanInput, *, condition: str | None = None, may: bool = False,
               group: str | None = None) -> PlanLine:
    """Tocilizumab 8 mg/kg (max 800 mg) with the course guard on the doses already given."""
    given = req.tocilizumab_given
    # Without a clock the guard still knows the course maximum and the earliest time; it cannot
    # say "now", so a dose after the first is not offered as allowed.
    check = dosing.tocilizumab_next(given, req.now if req.now is not None else (given[-1] if given else None)) \
        if (given or req.now is not None) else None
    if check is None:  # no dose given, no clock: the first dose of a course is allowed
        allowed, earliest = True, None
    else:
        allowed = check.allowed and (req.now is not None or not given)
        earliest = check.earliest
    if given and condition is None:
        condition = "poor_control_repeat"
    dose = formula = volume = conc = None
    needs: tuple[str, ...] = ()
    rule = f"{_n(float(content.value('tocilizumab_dosing', 'mg_per_kg')))} mg/kg IV"
    if req.weight_kg is None:
        needs = ("weight_kg",)
    else:
        calc = dosing.tocilizumab(req.weight_kg)
        dose, formula, volume, conc = calc.dose, calc.formula, calc.volume_ml, calc.concentration_mg_per_ml
    return PlanLine(action="tocilizumab", dose=dose, condition=condition, allowed=allowed, earliest=earliest,
                    recommendation_id=rec_id, may=may, group=group, needs=needs, formula=formula, rule=rule,
                    volume_ml=volume, concentration_mg_per_ml=conc, check=check, checked_at=req.now if check is not None else None)


def _line(action: str, rec_id: str, **kw: object) -> PlanLine:
    return PlanLine(action=action, dose=kw.pop("dose", None), condition=kw.pop("condition", None),
                    recommendation_id=rec_id, **kw)


def _dexamethasone(rec_id: str, *, refractory: bool = False, **kw: object) -> PlanLine:
    # An ICANS line reads its dose from the Table 5 entry, not from Table 4's (review m15).
    calc = dosing.dexamethasone(refractory, icans=rec_id.startswith("icans"))
    return _line("dexamethasone", rec_id, dose=calc.dose.model_copy(update={"recommendation_id": rec_id}),
                 formula=calc.formula, **kw)


def _methylprednisolone(rec_id: str, weight_kg: float | None, *, high_dose: bool, **kw: object) -> PlanLine:
    if not high_dose:
        per_kg = float(content.value("icans_g2_no_crs", "methylprednisolone_mg_per_kg"))
        every = float(content.value("icans_g2_no_crs", "methylprednisolone_interval_h"))
        kw["rule"] = f"{_n(per_kg)} mg/kg IV q{_n(every)}h"
    if not high_dose and weight_kg is None:
        return _line("methylprednisolone", rec_id, needs=("weight_kg",), **kw)
    calc = dosing.methylprednisolone(weight_kg, high_dose=high_dose)
    return _line("methylprednisolone", rec_id, dose=calc.dose.model_copy(update={"recommendation_id": rec_id}),
                 formula=calc.formula, **kw)


# --- Table 4: CRS ------------------------------------------------------------------------------


def _crs_lines(grade: int, req: _PlanInput) -> list[PlanLine]:
    if grade == 0:
        return []
    rec = content.ref(f"crs_mgmt_grade_{grade}")
    lines = [_line("monitoring", rec), _line("supportive_care", rec)]
    if grade == 1:   # 评估感染,检测体液平衡,按需使用解热镇痛药物
        return [*lines, _line("infection_evaluation", rec), _line("fluid_balance", rec),
                _line("antipyretics", rec, condition="as_needed")]
    toci_rec = content.ref("tocilizumab_dosing")
    both = "toci_and_or_steroid"
    if grade == 2:   # 监测心脏和其他脏器功能,老年或合并并发症的患者可使用托珠单抗和(或)糖皮质激素
        return [*lines, _line("organ_function_monitoring", rec),
                _toci_line(toci_rec, req, condition="elderly_or_comorbid", may=True, group=both),
                _line("corticosteroids", rec, condition="elderly_or_comorbid", may=True, group=both)]
    if grade == 3:   # 托珠单抗和(或)糖皮质激素(…1~2次后低血压持续存在时,地塞米松可以每6 h 10 mg…难治性…20 mg)
        return [*lines, _toci_line(toci_rec, req, group=both),
                _dexamethasone(rec, condition="hypotension_after_1_2_tocilizumab", may=True, group=both),
                _dexamethasone(rec, refractory=True, condition="refractory", may=True, group=both)]
    # grade 4: 托珠单抗和(或)糖皮质激素,可予甲泼尼龙1 g/d静脉输注
    return [*lines, _toci_line(toci_rec, req, group=both), _line("corticosteroids", rec, group=both),
            _methylprednisolone(rec, None, high_dose=True, may=True, group=both)]


@validate_call
def crs_management_plan(grade: Grade, weight_kg: float | None = None,
                        tocilizumab_given: list[datetime] = [],  # noqa: B006 - the contract's signature
                        now: datetime | None = None) -> Plan:
    """Table 4 for this CRS grade (an "at least" grade gets that grade's plan, marked at_least),
    with the tocilizumab course guard on `tocilizumab_given` (oldest first) at `now`, the user's time."""
    req = _PlanInput(weight_kg=weight_kg, tocilizumab_given=tocilizumab_given, now=now)
    g = min(max(grade.grade, 0), MAX_GRADE)
    lines = _crs_lines(g, req)
    return Plan(grade=g, at_least=grade.at_least, lines=lines, kind="crs",
                recommendation_ids=list(dict.fromkeys(x.recommendation_id for x in lines)))


# --- Table 5: ICANS ----------------------------------------------------------------------------


def _icans_lines(grade: int, with_crs: bool, crs: Grade | None, req: _PlanInput) -> list[PlanLine]:
    if grade == 0:
        return []
    rec = content.ref(f"icans_g{grade}_no_crs")
    extra = content.ref(f"icans_g{grade}_with_crs")
    either = "steroid_either"
    if grade == 1:   # ·支持治疗 | ·托珠单抗8 mg/kg,静脉输注
        lines = [_line("supportive_care", rec)]
        return [*lines, _toci_line(extra, req)] if with_crs else lines
    if grade in (2, 3):
        lines = []
        if grade == 3:   # ·建议转移至ICU
            lines.append(_line("icu_transfer", rec, level="advised"))
        lines += [_line("supportive_care", rec),
                  _dexamethasone(rec, group=either),
                  _methylprednisolone(rec, req.weight_kg, high_dose=False, group=either)]
        if grade == 3:   # ·若ICANS持续≥3级,每2~3 d重复进行神经影像学(CT或MRI)检查
            lines.append(_line("neuroimaging", rec, condition="icans_persists_ge_3", every_days=(2, 3)))
        if with_crs:
            lines.append(_toci_line(extra, req))
            icu_from = int(content.value(extra, "icu_if_crs_grade_at_least")) if grade == 2 else None
            # ·若并发≥2级CRS,考虑将患者转移至ICU: shown when CRS is >= 2, or may be (an "at least" grade)
            if icu_from is not None and crs is not None and (crs.grade >= icu_from or crs.at_least):
                lines.append(_line("icu_transfer", extra, condition="crs_grade_ge_2", level="consider"))
        return lines
    # grade 4: both columns print the same list, without tocilizumab (READING-NOTES item 16)
    src = extra if with_crs else rec
    return [_line("supportive_care", src), _line("icu_care_ventilation", src, level="advised"),
            _methylprednisolone(src, None, high_dose=True),
            _line("neuroimaging", src, condition="icans_persists_ge_3", every_days=(2, 3)),
            _line("status_epilepticus", src, condition="convulsive_status_epilepticus")]


@validate_call
def icans_management_plan(icans: Grade, crs: Grade | None, weight_kg: float | None = None,
                          tocilizumab_given: list[datetime] = [],  # noqa: B006 - the contract's signature
                          now: datetime | None = None) -> Plan:
    """Table 5 for this ICANS grade; the with-CRS column's lines are added when CRS is graded > 0.
    CRS None (not assessed) uses the left column and says so (`with_crs=None`)."""
    req = _PlanInput(weight_kg=weight_kg, tocilizumab_given=tocilizumab_given, now=now)
    g = min(max(icans.grade, 0), MAX_GRADE)
    with_crs = None if crs is None else crs.grade > 0
    lines = _icans_lines(g, bool(with_crs), crs, req)
    return Plan(grade=g, at_least=icans.at_least, lines=lines, kind="icans", with_crs=with_crs,
                crs_grade=None if crs is None else crs.grade, crs_at_least=bool(crs and crs.at_least),
                recommendation_ids=list(dict.fromkeys(x.recommendation_id for x in lines)))


# --- rendering, shared by every front end --------------------------------------------------------


def _n(x: float) -> str:
    return f"{x:g}"


def dose_text(d: Dose, lang: Lang = "en", volume_ml: float | None = None,
              concentration_mg_per_ml: float | None = None) -> str:
    """'544 mg IV', '10 mg IV q6h'; '10 mg 静脉滴注 每6 h 1次' (the route always printed);
    with `volume_ml` (and the concentration it is measured in), '544 mg / 27.2 mL (20 mg/mL) IV'."""
    route = text(lang, f"plans.route.{d.route}")
    freq = text(lang, f"plans.freq.{d.frequency}") if d.frequency else ""
    amount = f"{_n(d.amount)} {d.unit}"
    if volume_ml is not None:
        amount += f" / {_n(volume_ml)} mL" + (f" ({_n(concentration_mg_per_ml)} mg/mL)"
                                              if concentration_mg_per_ml is not None else "")
    return " ".join(p for p in (amount, route, freq) if p)


def _time(t: datetime, zone: str | None) -> str:
    return f"{t:%Y-%m-%d %H:%M}" + (f" ({zone})" if zone else "")


def describe(line: PlanLine, lang: Lang, zone: str | None = None, *, volume: bool = False) -> str:
    """One plan line as a sentence in `lang`: the condition first, then the action and its dose.
    `zone` labels the guard's times (e.g. "UTC+8"); `volume` adds the mL beside the mg where the
    line has one (tocilizumab: '544 mg / 27.2 mL IV')."""
    k = f"plans.action.{line.action}"
    if line.action == "neuroimaging" and line.every_days:
        body = text(lang, k, low=line.every_days[0], high=line.every_days[1])
    elif line.action in ("icu_transfer", "icu_care_ventilation"):
        body = text(lang, f"{k}.{line.level or 'advised'}")
    elif line.action in ("tocilizumab", "dexamethasone", "methylprednisolone"):
        if line.dose is not None:
            body = text(lang, f"{k}.dose", dose=dose_text(
                line.dose, lang, *((line.volume_ml, line.concentration_mg_per_ml) if volume else ())))
        elif line.needs:
            # the rule is stored language-neutral ("8 mg/kg IV"); its route is printed in the reader's language
            rule = re.sub(r"\b(IV|PO|q\d+h)\b", lambda m: text(
                lang, f"plans.{'freq' if m[1].startswith('q') else 'route'}.{m[1]}"), line.rule or "")
            body = text(lang, f"{k}.needs_weight", rule=rule)
        else:
            body = text(lang, f"{k}.plain")
    else:
        body = text(lang, k)
    if line.may:
        body = text(lang, "plans.may", body=body)
    if line.condition:
        body = text(lang, "plans.condition_then", condition=text(lang, f"plans.condition.{line.condition}"),
                    body=body)
    if line.action == "tocilizumab" and line.check is not None:
        # two sentences: the dose, then the course ("… 544 mg (27.2 mL). Course: 1 dose(s) given; …")
        end = "" if body.endswith((".", "。")) else ("。" if lang == "zh" else ".")
        body += end + ("" if lang == "zh" else " ") + guard_text(line, lang, zone)
    return body[:1].upper() + body[1:]


def guard_text(line: PlanLine, lang: Lang, zone: str | None = None) -> str:
    """The course guard's verdict on a tocilizumab line, e.g. 'Course: 4 dose(s); no further dose.'"""
    check = line.check
    if check is None:
        return ""
    if check.earliest is None:
        verdict = text(lang, "plans.guard.no_more", total=check.max_doses_total)
    elif line.allowed:
        verdict = text(lang, "plans.guard.allowed_now")
    elif line.checked_at is None:
        verdict = text(lang, "plans.guard.no_clock", when=_time(check.earliest, zone))
    else:
        verdict = text(lang, "plans.guard.not_before", when=_time(check.earliest, zone))
    return text(lang, "plans.guard.course", n=check.doses_total, verdict=verdict)
