"""CRS and ICANS grader: ASTCT 2019 grades, Table 4/5 management, the HLH/MAS alert,
an episode chart for the ward round, and the infection, IgG and cytopenia sections.

Thin page: every grade, band and rule comes from logic.crs, logic.icans, logic.dosing,
logic.followup and logic.episode; numbers from the recommendation entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pydantic import ValidationError

from logic import cards, content, crs, dose_sheet, dosing, episode, followup, icans, plans
from logic.models import Grade
from ui import clock, patient, persist
from ui.charts import touch_chart
from ui.components import disclaimer, md_escape, quote_card, quote_cards, result_card, result_strip
from ui.footer import app_version
from ui.i18n import lang, t
from ui.print import print_button

NA = "not_assessed"
# No widget bounds: whatever a hand types reaches logic, which refuses it with its own message
# under the field (a widget that refused it itself would keep the old value: a stale result).
# The ranges below only say which link parameters are taken.
TEMP_PARAM_MAX = 500.0
LATEST_INFUSION = date(2099, 12, 31)
EARLIEST_TIME, LATEST_TIME = datetime(2000, 1, 1), datetime(2100, 12, 31, 23, 59)

# Query parameters (docs/CONVENTIONS.md): name -> (session key, allowed values)
CHOICE_PARAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("hypotension", "toxicity_hypotension", crs.HYPOTENSION_LEVELS),
    ("hypoxia", "toxicity_hypoxia", crs.HYPOXIA_LEVELS),
    ("consciousness", "toxicity_consciousness", tuple(icans.CONSCIOUSNESS_GRADE)),
    ("seizure", "toxicity_seizure", tuple(icans.SEIZURE_GRADE)),
    ("motor", "toxicity_motor", tuple(icans.MOTOR_GRADE)),
    ("edema", "toxicity_edema", tuple(icans.EDEMA_GRADE)),
)
# name -> (session key, low, high, whole number)
NUMBER_PARAMS: tuple[tuple[str, str, float, float, bool], ...] = (
    ("temp_c", "toxicity_temp_c", 0.0, TEMP_PARAM_MAX, False),
    ("ice", "toxicity_ice_total", 0, icans.ICE_MAX, False),
)


# The page's inputs, kept across page changes (ui/persist.py); the link parameters above are
# also written back to the URL, so a reload keeps them.
KEPT: tuple[str, ...] = (
    "toxicity_temp_c", "toxicity_masked_fever", "toxicity_hypotension", "toxicity_hypoxia", "toxicity_ice_total",
    *(f"toxicity_ice_{n}" for n in icans.ICE_ITEM_MAX), "toxicity_consciousness", "toxicity_seizure",
    "toxicity_motor", "toxicity_edema", "toxicity_first_line_at", "toxicity_improved", "toxicity_entry_at",
    "toxicity_dose_kind", "toxicity_dose_mg", "toxicity_igg", "toxicity_infection", "toxicity_entries",
)


def _choice_text(v: object) -> str | None:
    return None if v in (None, NA) else str(v)


URL_PARAMS = {
    **{name: (key, _choice_text) for name, key, _ in CHOICE_PARAMS},
    **{name: (key, lambda v: f"{v:.10g}") for name, key, *_ in NUMBER_PARAMS},
    "masked_fever": ("toxicity_masked_fever", lambda v: "1" if v else None),
}


# --- helpers ---------------------------------------------------------------------------------


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors(include_url=False)[0]
        return str(err["msg"]).removeprefix("Value error, ")
    return str(exc)


def _reason_text(exc: Exception) -> str:
    """logic's refusal in this page's language where logic names its kind."""
    if isinstance(exc, ValidationError) and exc.errors() and exc.errors()[0].get("type") in dosing.ERROR_TYPES:
        return patient.error_text(exc)
    return _reason(exc)


def _num(x: float) -> str:
    return f"{x:g}"


def _seed_from_query() -> None:
    """Read the link's parameters once, into the widgets' state; bad ones are listed, not used."""
    if st.session_state.get("toxicity_seeded"):
        return
    st.session_state["toxicity_seeded"] = True
    qp, ignored = st.query_params, []
    for name, key, allowed in CHOICE_PARAMS:
        if name in qp:
            if qp[name] in allowed:
                st.session_state[key] = qp[name]
            else:
                ignored.append((name, qp[name], "choice", {"options": ", ".join(allowed)}))
    for name, key, low, high, whole in NUMBER_PARAMS:
        if name in qp:
            try:
                # Any finite number is taken (a refused one is named under its field, as typed).
                x = float(qp[name])
                if not math.isfinite(x) or (whole and x != int(x)):
                    raise ValueError(x)
            except ValueError:
                ignored.append((name, qp[name], "number", {"low": _num(low), "high": _num(high)}))
            else:
                st.session_state[key] = int(x) if whole else x
    if "masked_fever" in qp:
        if qp["masked_fever"] in ("1", "0"):
            st.session_state["toxicity_masked_fever"] = qp["masked_fever"] == "1"
        else:
            ignored.append(("masked_fever", qp["masked_fever"], "choice", {"options": "1, 0"}))
    st.session_state["toxicity_params_ignored"] = tuple(ignored)


def _labels(namespace: str, options) -> Callable[[str], str]:
    """Option labels resolved now, in this run's language (not later, outside the run)."""
    labels = {o: t(f"{namespace}.{o}") for o in options}
    return labels.__getitem__


def _choice(label: str, options_ns: str, levels: tuple[str, ...], key: str, help: str | None = None,
            horizontal: bool = False) -> str | None:
    value = st.radio(label, [NA, *levels], key=key, help=help, horizontal=horizontal,
                     format_func=_labels(f"toxicity.{options_ns}", [NA, *levels]))
    return None if value in (NA, None) else value


def _grade_text(g: Grade | None, entered: bool = True) -> str:
    """'at least grade 2', 'grade 3'; never 'at least grade 0' (review, smaller points): nothing
    entered is "not assessed", something entered that cannot grade yet is "incomplete"."""
    if g is None or not entered:
        return t("toxicity.grade_not_assessed")
    if not g.assessed:
        return t("toxicity.grade_incomplete")
    return t("toxicity.grade_at_least", grade=g.grade) if g.at_least else t("toxicity.grade_value", grade=g.grade)


def _temp_message(p: crs.TemperatureProblem) -> str:
    celsius = "" if p.likely_celsius is None else f"{p.likely_celsius:.1f}"
    return t(f"toxicity.temp_error.{p.kind}", value=_num(p.value), celsius=celsius)


# --- CRS ---------------------------------------------------------------------------------------


def _crs_inputs() -> tuple[crs.CRSFindings | None, crs.CRSAssessment | None, bool]:
    """The CRS form; returns the findings and their assessment (both None while the temperature
    is refused) and whether anything was entered."""
    threshold = crs.fever_threshold_c()
    temp = st.number_input(t("toxicity.crs.temp_label"), value=None, step=0.1, format="%.1f", key="toxicity_temp_c",
                           help=t("toxicity.crs.temp_help"))
    problem = crs.temperature_problem(temp) if temp is not None else None
    if problem is not None:
        st.error(md_escape(_temp_message(problem)), icon=":material/thermostat:")
    masked = st.checkbox(t("toxicity.crs.masked_label", threshold=f"{threshold:.1f}"), key="toxicity_masked_fever",
                         help=t("toxicity.crs.masked_help"))
    hypotension = _choice(t("toxicity.crs.hypotension_label"), "hypotension_opt", crs.HYPOTENSION_LEVELS,
                          "toxicity_hypotension")
    hypoxia = _choice(t("toxicity.crs.hypoxia_label"), "hypoxia_opt", crs.HYPOXIA_LEVELS, "toxicity_hypoxia",
                      help=t("toxicity.crs.hypoxia_help"))
    entered = temp is not None or masked or hypotension is not None or hypoxia is not None
    if problem is not None:
        return None, None, entered
    try:
        findings = crs.CRSFindings(max_temp_c=temp, fever_before_masking=masked, hypotension=hypotension,
                                   hypoxia=hypoxia)
        return findings, crs.assess_crs(findings), entered
    except (ValidationError, ValueError) as exc:
        st.error(md_escape(_reason(exc)))
        return None, None, entered


def _crs_working(a: crs.CRSAssessment) -> None:
    """How the card's grade was reached: the fever line, the inputs read, the rule, the ASTCT notes
    and the grade's quotes. The grade, what set it and what is missing are the card's (above)."""
    g, threshold = a.grade, f"{a.fever_threshold_c:.1f}"
    st.subheader(t("toxicity.working_heading"))
    temp = st.session_state.get("toxicity_temp_c")
    if a.fever == "present":
        how = [t("toxicity.crs.fever_by_temp", temp=_num(temp), threshold=threshold)
               if temp is not None and temp >= a.fever_threshold_c else None,
               t("toxicity.crs.fever_by_masking") if st.session_state.get("toxicity_masked_fever") else None]
        st.markdown(md_escape(t("toxicity.crs.fever_present", how="; ".join(h for h in how if h))))
    elif a.fever == "absent":
        st.markdown(md_escape(t("toxicity.crs.fever_absent", temp=_num(temp), threshold=threshold)))
    na = t("toxicity.not_assessed")
    hyp, oxy = st.session_state.get("toxicity_hypotension", NA), st.session_state.get("toxicity_hypoxia", NA)
    st.caption(md_escape(t(
        "toxicity.crs.inputs",
        temp=f"{_num(temp)} °C" if temp is not None else na,
        masked=t("toxicity.crs.yes") if st.session_state.get("toxicity_masked_fever") else t("toxicity.crs.no"),
        hypotension=t(f"toxicity.hypotension_opt.{hyp}"), hypoxia=t(f"toxicity.hypoxia_opt.{oxy}"))))
    st.caption(md_escape(t("toxicity.crs.rule", threshold=threshold)))
    with st.container(border=True):
        st.markdown(f"**{md_escape(t('toxicity.crs.astct_notes_heading'))}**")
        st.markdown(md_escape("\n".join(f"- {t('toxicity.crs.' + k, threshold=threshold)}" for k in (
            "astct_note_organ", "astct_note_comfort", "astct_note_masked", "astct_note_printed"))))
    # the grade's own quotes (Table 3 row; for grade 0 the grading rule and the fever row with
    # its >38 / >=38.0 note); the Table 4 ones follow under management
    quote_cards([r for r in g.recommendation_ids if r not in crs.crs_management(g.grade).recommendation_ids])


def _weight_input(widget_key: str) -> float | None:
    """The patient's weight (shared with every page), refused under the field in this language."""
    return patient.number_field("weight_kg", t("toxicity.mgmt.weight_label"), widget_key, step=1.0, fmt="%.1f",
                                help=t("toxicity.mgmt.weight_help"))


def _toci_rule() -> None:
    rec = content.recommendation("tocilizumab_dosing")
    st.caption(md_escape(t(
        "toxicity.mgmt.toci_rule", per_kg=rec.value("mg_per_kg"), infusion_h=rec.value("infusion_min_h"),
        cap=rec.value("max_single_dose_mg"), interval=rec.value("min_interval_h"),
        per_24h=rec.note_value("max_doses_24h_label"), printed_24h=rec.value("max_doses_24h_printed"),
        total=rec.value("max_doses_total"))))


def _plan_working(plan: plans.Plan) -> None:
    """How the card's doses were computed (each dose's formula) and where the actions are: the card
    above shows the plan's actions themselves, from this same plan; they are not repeated here."""
    st.markdown(md_escape(t("toxicity.mgmt.actions_in_card")))
    # the drug's name, then its formula: "tocilizumab: 8 mg/kg × 68 kg = 544 mg" (dexamethasone's fixed
    # doses have no working)
    formulas = [(t(f"plans.action.{line.action}.plain"), line.formula) for line in plan.lines
                if line.formula and line.action != "dexamethasone"]
    if formulas:
        st.markdown("\n".join([f"**{md_escape(t('toxicity.mgmt.working'))}**",
                                *(f"- {md_escape(name[:1].upper() + name[1:])}: {md_escape(f)}" for name, f in formulas)]))


PlanOrWhy = tuple[plans.Plan | None, Exception | None]


def _build_plan(build: Callable[[], plans.Plan]) -> PlanOrWhy:
    """The plan, built once per run: the result card and the management section show this one."""
    try:
        return build(), None
    except (ValidationError, ValueError) as exc:
        return None, exc


def _crs_plan(a: crs.CRSAssessment | None, weight: float | None, given: list[datetime], now: datetime) -> PlanOrWhy:
    if a is None or a.grade.grade == 0:
        return None, None
    return _build_plan(lambda: plans.crs_management_plan(a.grade, weight, given, now))


def _icans_plan(a: icans.ICANSAssessment | None, crs_g: Grade | None, weight: float | None,
                given: list[datetime], now: datetime) -> PlanOrWhy:
    if a is None or a.grade.grade == 0:
        return None, None
    return _build_plan(lambda: plans.icans_management_plan(a.grade, crs_g, weight, given, now))


def _plan_or_why(built: PlanOrWhy) -> plans.Plan | None:
    plan, exc = built
    if exc is not None:
        st.error(md_escape(t("toxicity.mgmt.plan_refused", reason=_reason_text(exc))), icon=":material/error:")
    return plan


def _crs_management(a: crs.CRSAssessment | None, built: PlanOrWhy, given: list[datetime]) -> None:
    if a is None:  # the result section already says why (a refused temperature)
        return
    st.subheader(t("toxicity.mgmt.heading"))
    g = a.grade
    if g.grade == 0:
        st.info(md_escape(t("toxicity.mgmt.none_grade0")))
        return
    plan = _plan_or_why(built)
    if plan is None:
        return
    st.markdown(f"**{md_escape(t('toxicity.mgmt.for_grade', grade=_grade_text(g)))}**")
    if g.at_least:
        st.caption(md_escape(t("toxicity.mgmt.may_be_higher")))
    _plan_working(plan)
    if plan.line("tocilizumab") is not None:
        st.caption(md_escape(t("toxicity.mgmt.toci_course_from", n=len(given), at=clock.checked_at())))
        _toci_rule()
    management = crs.crs_management(g.grade)
    shown = {r for r in g.recommendation_ids if r not in management.recommendation_ids}
    quote_cards([r for r in dict.fromkeys([*plan.recommendation_ids, *management.recommendation_ids])
                 if r not in shown])


def _diagnostic_frame() -> None:
    rec = content.recommendation("crs_diagnosis")
    with st.expander(t("toxicity.crs.diagnosis_heading")):
        st.markdown(md_escape(t("toxicity.crs.diagnosis_text", fever=rec.value("fever_c"),
                                sbp=rec.value("sbp_below_mmhg"), sao2=rec.value("sao2_below_pct"),
                                weeks=rec.value("window_weeks"),
                                late=content.value("crs_late_onset", "late_weeks"))))
        quote_cards(["crs_diagnosis", "crs_late_onset", "crs_incidence"])


def _escalation() -> bool:
    """The HLH/MAS check; returns True when the alert is on."""
    hours = crs.escalation_hours()
    st.subheader(t("toxicity.escalation.heading", hours=hours))
    st.caption(md_escape(t("toxicity.escalation.intro", hours=hours)))
    first = st.datetime_input(t("toxicity.escalation.first_line_label"), value=None,
                              key="toxicity_first_line_at", step=timedelta(minutes=5), min_value=EARLIEST_TIME,
                              max_value=LATEST_TIME)
    improved = st.radio(t("toxicity.escalation.improved_label"), [NA, "improved", "not_improved"],
                        key="toxicity_improved", horizontal=True,
                        format_func=_labels("toxicity.escalation.improved_opt", [NA, "improved", "not_improved"]))
    alert = False
    now = clock.wall_now()  # the user's clock, as the widget's time is
    st.caption(md_escape(clock.checked_at()))
    if first is None:
        st.caption(md_escape(t("toxicity.escalation.need_time")))
    elif first > now:
        st.error(md_escape(t("toxicity.escalation.future", now=clock.fmt(now))))
    else:
        try:
            status = crs.crs_escalation_status(first, now, improved=improved == "improved")
        except (ValidationError, ValueError) as exc:
            st.error(md_escape(t("toxicity.escalation.invalid", reason=_reason(exc))))
            return False
        since = f"{status.hours_since_first_line:.1f}"
        due = now >= status.alert_from
        if improved == "improved":
            st.success(md_escape(t("toxicity.escalation.improved_ok")))
        elif improved == "not_improved" and status.alert:
            alert = True
            st.error(md_escape(t("toxicity.escalation.alert", hours_since=since)), icon=":material/emergency:")
        elif due:  # 12 h passed, improvement not yet assessed: ask, never assume
            st.warning(md_escape(t("toxicity.escalation.check_now", hours_since=since, hours=hours)),
                       icon=":material/warning:")
        else:
            st.info(md_escape(t("toxicity.escalation.not_yet", hours_since=since, hours=hours,
                      due=clock.fmt(status.alert_from))))
    quote_card("crs_escalation_alert")
    return alert


# --- ICANS -------------------------------------------------------------------------------------


IcansInput = tuple[icans.ICANSFindings | None, icans.ICEPartial | None, icans.ICANSAssessment | None, bool]


def _icans_inputs() -> IcansInput:
    """The ICANS form: the findings, the ICE items and their assessment (None while an input is
    refused), and whether anything was entered."""
    total = st.number_input(t("toxicity.icans.ice_total_label"), value=None, step=1.0, format="%g",
                            key="toxicity_ice_total")
    ice_problem = None
    if total is not None and (not math.isfinite(total) or total != int(total) or not 0 <= total <= icans.ICE_MAX):
        ice_problem = t("toxicity.icans.ice_invalid", value=_num(total), max=icans.ICE_MAX)
        st.error(md_escape(ice_problem), icon=":material/error:")
    elif total is not None:
        total = int(total)
    with st.container(border=True):
        st.caption(md_escape(t("toxicity.icans.ice_items_caption")))
        items = {name: st.segmented_control(t(f"toxicity.icans.ice_item.{name}"), list(range(top + 1)),
                                            key=f"toxicity_ice_{name}")
                 for name, top in icans.ICE_ITEM_MAX.items()}
    consciousness = _choice(t("toxicity.icans.consciousness_label"), "icans.consciousness_opt",
                            tuple(icans.CONSCIOUSNESS_GRADE), "toxicity_consciousness")
    seizure = _choice(t("toxicity.icans.seizure_label"), "icans.seizure_opt", tuple(icans.SEIZURE_GRADE),
                      "toxicity_seizure")
    motor = _choice(t("toxicity.icans.motor_label"), "icans.motor_opt", tuple(icans.MOTOR_GRADE), "toxicity_motor")
    edema = _choice(t("toxicity.icans.edema_label"), "icans.edema_opt", tuple(icans.EDEMA_GRADE), "toxicity_edema")
    any_item = any(v is not None for v in items.values())
    entered = total is not None or any_item or any(v is not None for v in (consciousness, seizure, motor, edema))
    if ice_problem is not None:
        return None, None, None, entered
    try:
        partial = icans.ICEPartial(**items) if any_item else None
        findings = icans.ICANSFindings(ice_score=total, consciousness=consciousness, seizure=seizure,
                                       motor_weakness=motor, cerebral_edema=edema)
        return findings, partial, icans.assess_icans(findings, partial), entered
    except (ValidationError, ValueError) as exc:
        st.error(md_escape(_reason(exc)))
        return None, None, None, entered


def _icans_working(a: icans.ICANSAssessment) -> None:
    """How the card's grade was reached: the ICE working or band, each domain's grade, the rule and
    the grading quote. The grade, what set it and what is missing are the card's (above)."""
    st.subheader(t("toxicity.working_heading"))
    items = {n: st.session_state.get(f"toxicity_ice_{n}") for n in icans.ICE_ITEM_MAX}
    if a.ice_range is not None:
        low, high = a.ice_range
        missing = [t(f"toxicity.icans.ice_item_short.{n}") for n, v in items.items() if v is None]
        st.markdown(md_escape(t("toxicity.icans.ice_partial", missing=", ".join(missing), low=low, high=high,
                                grade=icans.ice_grade(high))))
    elif a.ice_score is not None:
        if all(v is not None for v in items.values()):
            parts = " + ".join(str(items[n]) for n in icans.ICE_ITEM_MAX)
            st.markdown(md_escape(t("toxicity.icans.ice_working", score=a.ice_score, parts=parts)))
        band = next(b for b in icans.ICE_BANDS if b[0] <= a.ice_score <= b[1])
        st.markdown(md_escape(t("toxicity.icans.ice_band", low=band[0], high=band[1], grade=band[2])))
    na = t("toxicity.not_assessed")
    domains = "; ".join(t("toxicity.icans.domain_value", field=t(f"toxicity.field.{k}"), grade=v) if v is not None
                        else t("toxicity.icans.domain_na", field=t(f"toxicity.field.{k}"), na=na)
                        for k, v in a.domain_grades.items())
    st.caption(md_escape(t("toxicity.icans.domains", domains=domains)))
    st.caption(md_escape(t("toxicity.icans.rule")))
    quote_card("icans_grading")


def _icans_management(a: icans.ICANSAssessment | None, crs_g: Grade | None, built: PlanOrWhy,
                      given: list[datetime]) -> None:
    st.subheader(t("toxicity.icans.mgmt_heading"))
    if a is None:
        return
    g = a.grade.grade
    crs_text = _grade_text(crs_g) if crs_g is not None else t("toxicity.summary_not_graded")
    if g == 0:
        st.info(md_escape(t("toxicity.icans.none_grade0")))
        return
    plan = _plan_or_why(built)
    if plan is None:
        return
    if plan.with_crs:
        st.markdown(md_escape(t("toxicity.icans.with_crs", crs=crs_text)))
    else:
        st.markdown(md_escape(t("toxicity.icans.without_crs", crs=crs_text)))
        if crs_g is None or crs_g.at_least:
            st.caption(md_escape(t("toxicity.icans.crs_unknown")))
    st.markdown(f"**{md_escape(t('toxicity.mgmt.for_grade', grade=_grade_text(a.grade)))}**")
    _plan_working(plan)
    if plan.line("tocilizumab") is not None:
        st.caption(md_escape(t("toxicity.mgmt.toci_course_from", n=len(given), at=clock.checked_at())))
    quote_cards(icans.icans_management(g, crs_g.grade if crs_g is not None else 0))


def _icans_extras() -> None:
    with st.expander(t("toxicity.icans.workup_heading")):
        st.markdown(md_escape(t("toxicity.icans.workup_list")))
        quote_cards(["icans_incidence_workup", "icans_parkinsonism"])
    with st.expander(t("toxicity.icans.lev_heading")):
        d = dosing.levetiracetam_dose()
        st.markdown(md_escape(t("toxicity.icans.lev_text", amount=f"{d.amount:g}", unit=d.unit, route=d.route,
                                frequency=d.frequency or "")))
        quote_card("cns_disease_prophylaxis")


def _crs_for_icans(a: crs.CRSAssessment | None, entered: bool) -> Grade | None:
    """Concurrent CRS for Table 5: graded on this page, else the patient strip's current grade."""
    if entered:
        return a.grade if a is not None else None
    p = patient.current()
    if p.crs_grade is None:
        return None
    return Grade(grade=p.crs_grade, at_least=p.crs_at_least, drivers=[], recommendation_ids=[])


# --- print ------------------------------------------------------------------------------------


def _print(slot, tab: str, shown: cards.ResultCard, results: list[tuple[cards.ResultCard, float | None]],
           now: datetime) -> None:
    """The Print button under a tab's card once it has a result: the CRS and ICANS cards on screen,
    each with the weight its plan was built from, on the dose sheet's renderer, this tab's first."""
    if shown.status not in dose_sheet.PRINTABLE:
        return
    try:
        sheet = dose_sheet.toxicity_sheet(results, tab, generated_at=now, version=app_version(),
                                          zone=clock.zone_label())
    except ValueError:  # the two cards were not built from the same weight: print neither (rule 5)
        slot.warning(t("toxicity.print.not_together"))
        return
    with slot.container():
        print_button(dose_sheet.render_html(sheet), f"toxicity-{tab}-sheet")
        st.caption(md_escape(t("toxicity.print.hint")))


# --- episode chart -----------------------------------------------------------------------------


def _on_upload() -> None:
    """Parse an uploaded export in memory; runs before the script, so it may set widget state."""
    f = st.session_state.get("toxicity_upload")
    if f is None:
        return
    try:
        ep = episode.import_file(f.name, f.getvalue())
        if ep.infusion_date > LATEST_INFUSION:
            raise ValueError(f"infusion date {ep.infusion_date} is too far ahead")
    except (ValidationError, ValueError) as exc:
        st.session_state["toxicity_import_result"] = ("error", _reason(exc))
        return
    st.session_state["toxicity_entries"] = tuple(e for e in ep.entries if e.kind != "tocilizumab")
    patient.clear_toci()  # the file's tocilizumab doses become the patient's one dose log
    for e in ep.doses("tocilizumab"):
        patient.add_toci(e.at, e.dose_mg, check_future=False)
    st.session_state[patient.key("infusion")] = ep.infusion_date
    st.session_state["toxicity_import_result"] = ("ok", str(len(ep.entries)), ep.infusion_date.isoformat())


def _chart(ep: episode.Episode) -> go.Figure:
    fig = go.Figure()
    for key, colour in (("crs", "#c0392b"), ("icans", "#2c6fbb")):
        pts = [(ep.day(e), getattr(e, f"{key}_grade"), getattr(e, f"{key}_at_least"), e.at)
               for e in ep.assessments() if getattr(e, f"{key}_grade") is not None]
        if not pts:
            continue
        fig.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=[p[1] for p in pts], mode="lines+markers",
            name=t(f"toxicity.chart.series_{key}"), line={"color": colour, "width": 2},
            marker={"size": 11, "color": colour,
                    "symbol": ["circle-open" if p[2] else "circle" for p in pts], "line": {"width": 2}},
            hovertext=[f"{p[3]:%Y-%m-%d %H:%M} · {('≥' if p[2] else '')}{p[1]}" for p in pts],
            hoverinfo="text+name"))
    symbols = {"tocilizumab": "diamond", "dexamethasone": "square", "methylprednisolone": "star"}
    for kind, symbol in symbols.items():
        doses = ep.doses(kind)
        if not doses:
            continue
        label = t(f"toxicity.chart.dose_kind.{kind}")
        fig.add_trace(go.Scatter(
            x=[ep.day(e) for e in doses], y=[-0.6] * len(doses), mode="markers", name=label,
            marker={"size": 12, "symbol": symbol, "color": "#555"},
            hovertext=[f"{e.at:%Y-%m-%d %H:%M} · " + t("toxicity.chart.dose_marker", drug=label, mg="?" if e.dose_mg is None else f"{e.dose_mg:g}")
                       for e in doses], hoverinfo="text"))
    fig.update_layout(
        height=360, margin={"l": 40, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"title": t("toxicity.chart.axis_day"), "rangemode": "tozero", "zeroline": True},
        yaxis={"title": t("toxicity.chart.axis_grade"), "range": [-1, 4.4], "tickvals": [0, 1, 2, 3, 4]},
    )
    return fig


def _table(ep: episode.Episode) -> pd.DataFrame:
    def grade(g: int | None, at_least: bool | None) -> str:
        return "" if g is None else f"{'≥' if at_least else ''}{g}"

    def kind(k: str) -> str:
        return t("toxicity.chart.kind.assessment") if k == "assessment" else t(f"toxicity.chart.dose_kind.{k}")

    return pd.DataFrame({
        t("toxicity.chart.col.day"): [round(ep.day(e), 1) for e in ep.entries],
        t("toxicity.chart.col.at"): [f"{e.at:%Y-%m-%d %H:%M}" for e in ep.entries],
        t("toxicity.chart.col.kind"): [kind(e.kind) for e in ep.entries],
        t("toxicity.chart.col.dose_mg"): ["" if e.dose_mg is None else f"{e.dose_mg:g}" for e in ep.entries],
        t("toxicity.chart.col.crs_grade"): [grade(e.crs_grade, e.crs_at_least) for e in ep.entries],
        t("toxicity.chart.col.icans_grade"): [grade(e.icans_grade, e.icans_at_least) for e in ep.entries],
    })


def _entries() -> tuple[episode.EpisodeEntry, ...]:
    """The chart's rows: its own assessments and steroid doses, and the patient's one tocilizumab
    dose log (the same list the course guard counts here, on /dosing and in the chat)."""
    own = tuple(e for e in st.session_state.get("toxicity_entries", ()) if e.kind != "tocilizumab")
    return own + tuple(episode.EpisodeEntry(at=at, kind="tocilizumab", dose_mg=mg) for at, mg in patient.toci_log())


def _add(infusion: date, entry_kwargs: dict) -> None:
    try:
        entry = episode.EpisodeEntry(**entry_kwargs)
        ep = episode.Episode(infusion_date=infusion, entries=_entries()).add(entry)
    except (ValidationError, ValueError) as exc:
        st.error(md_escape(t("toxicity.chart.entry_invalid", reason=_reason(exc))))
        return
    if entry.kind == "tocilizumab":
        refused = patient.add_toci(entry.at, entry.dose_mg)
        if refused:
            st.error(md_escape(refused), icon=":material/error:")
            return
    else:
        st.session_state["toxicity_entries"] = tuple(e for e in ep.entries if e.kind != "tocilizumab")
    st.session_state["toxicity_flash"] = "added"
    st.rerun()  # so the sections above (e.g. the tocilizumab course) see the new entry


def _remove(entry: episode.EpisodeEntry) -> None:
    if entry.kind == "tocilizumab":
        log = patient.toci_log()
        patient.remove_toci(next(i for i, (at, _) in enumerate(log) if at == entry.at))
    else:
        own = list(st.session_state.get("toxicity_entries", ()))
        own.remove(entry)
        st.session_state["toxicity_entries"] = tuple(own)


def _clear() -> None:
    st.session_state["toxicity_entries"] = ()
    patient.clear_toci()


def _episode_chart(crs_a: crs.CRSAssessment | None, crs_entered: bool,
                   icans_a: icans.ICANSAssessment | None, icans_entered: bool) -> None:
    st.subheader(t("toxicity.chart.heading"))
    st.caption(md_escape(t("toxicity.chart.intro")))
    st.file_uploader(t("toxicity.chart.upload_label"), type=["csv", "json"], key="toxicity_upload",
                     on_change=_on_upload, max_upload_size=1, help=t("toxicity.chart.upload_help"))
    result = st.session_state.get("toxicity_import_result")
    if result and result[0] == "error":
        st.error(md_escape(t("toxicity.chart.import_error", reason=result[1])))
    elif result:
        st.success(md_escape(t("toxicity.chart.import_ok", n=result[1], date=result[2])))
    if st.session_state.pop("toxicity_flash", None) == "added":
        st.success(md_escape(t("toxicity.chart.added")))
    infusion = patient.date_field("infusion", t("toxicity.chart.infusion_label"), "toxicity_infusion_date")
    if infusion is None:
        st.info(md_escape(t("toxicity.chart.need_infusion")))
        return
    if not episode.first_report_date() <= infusion <= LATEST_INFUSION:
        st.error(md_escape(t("toxicity.chart.infusion_out_of_range", date=infusion.isoformat(),
                             first=episode.first_report_date().year)), icon=":material/error:")
        return
    if "toxicity_entry_at" not in st.session_state:
        st.session_state["toxicity_entry_at"] = clock.wall_now()
    at = st.datetime_input(t("toxicity.chart.at_label"), value=None, key="toxicity_entry_at",
                           step=timedelta(minutes=5), min_value=EARLIEST_TIME, max_value=LATEST_TIME)
    st.caption(md_escape(t("toxicity.chart.zone", zone=clock.zone_label())))
    crs_g = crs_a.grade if crs_a is not None and crs_entered else None
    icans_g = icans_a.grade if icans_a is not None and icans_entered else None
    label = t("toxicity.chart.add_assessment", crs=_grade_text(crs_g), icans=_grade_text(icans_g))
    if st.button(label, key="toxicity_add_assessment", icon=":material/add_chart:", width="stretch"):
        if crs_g is None and icans_g is None:
            st.warning(md_escape(t("toxicity.chart.nothing_to_add")))
        elif at is None:
            st.warning(md_escape(t("toxicity.chart.need_time")))
        else:
            _add(infusion, {"at": at, "kind": "assessment",
                            "crs_grade": crs_g.grade if crs_g else None,
                            "crs_at_least": crs_g.at_least if crs_g else None,
                            "icans_grade": icans_g.grade if icans_g else None,
                            "icans_at_least": icans_g.at_least if icans_g else None})
    with st.container(border=True):
        kind = st.radio(t("toxicity.chart.dose_kind_label"), list(episode.DOSE_KINDS), key="toxicity_dose_kind",
                        horizontal=True, format_func=_labels("toxicity.chart.dose_kind", episode.DOSE_KINDS))
        mg = st.number_input(t("toxicity.chart.dose_mg_label"), value=None, step=1.0, key="toxicity_dose_mg")
        mg_problem = None
        if mg is not None and not (math.isfinite(mg) and 0 < mg <= episode.max_recorded_dose_mg(kind)):
            mg_problem = t("toxicity.chart.dose_mg_invalid", value=_num(mg), drug=t(f"toxicity.chart.dose_kind.{kind}"),
                           max=_num(episode.max_recorded_dose_mg(kind)))
            st.error(md_escape(mg_problem), icon=":material/error:")
        if st.button(t("toxicity.chart.add_dose"), key="toxicity_add_dose", icon=":material/vaccines:",
                     disabled=mg_problem is not None):
            if mg is None:
                st.warning(md_escape(t("toxicity.chart.need_dose")))
            elif at is None:
                st.warning(md_escape(t("toxicity.chart.need_time")))
            elif at > clock.wall_now():
                st.warning(md_escape(t("toxicity.chart.future", now=clock.fmt(clock.wall_now()))))
            else:
                _add(infusion, {"at": at, "kind": kind, "dose_mg": mg})
    try:
        ep = episode.Episode(infusion_date=infusion, entries=_entries())
    except (ValidationError, ValueError) as exc:
        st.error(md_escape(t("toxicity.chart.invalid", reason=_reason(exc))))
        if st.button(t("toxicity.chart.clear"), key="toxicity_clear_invalid", on_click=_clear):
            st.rerun()
        return
    if not ep.entries:
        st.caption(md_escape(t("toxicity.chart.empty")))
        return
    touch_chart(_chart(ep), key="toxicity_chart")
    st.caption(md_escape(t("toxicity.chart.chart_caption")))
    st.dataframe(_table(ep), hide_index=True)
    left, right = st.columns(2)
    left.download_button(t("toxicity.chart.download_csv"), episode.to_csv(ep), file_name="toxicity-episode.csv",
                         mime="text/csv", on_click="ignore", icon=":material/download:", key="toxicity_dl_csv")
    right.download_button(t("toxicity.chart.download_json"), episode.to_json(ep), file_name="toxicity-episode.json",
                          mime="application/json", on_click="ignore", icon=":material/download:",
                          key="toxicity_dl_json")
    left, right = st.columns(2)
    left.button(t("toxicity.chart.remove_last"), key="toxicity_remove_last", icon=":material/undo:",
                on_click=_remove, args=(ep.entries[-1],))
    right.button(t("toxicity.chart.clear"), key="toxicity_clear", icon=":material/delete:", on_click=_clear)


# --- infection, immunoglobulin, cytopenia ----------------------------------------------------


def _infection() -> None:
    st.subheader(t("toxicity.infection.heading"))
    st.markdown(md_escape(t("toxicity.infection.list",
                            pjp=content.value("antibacterial_antifungal_pjp_prophylaxis", "pjp_min_months"))))
    quote_cards(["infection_screening", "antiviral_prophylaxis", "antibacterial_antifungal_pjp_prophylaxis",
                 "infection_treatment_gcsf"])

    st.subheader(t("toxicity.infection.igg_heading"))
    rec = content.recommendation("ivig_replacement")
    igg = st.number_input(t("toxicity.infection.igg_label"), value=None, step=0.1, format="%.1f", key="toxicity_igg",
                          help=t("toxicity.infection.igg_help", months=rec.value("monitor_months")))
    infection = st.radio(t("toxicity.infection.infection_label"), [NA, "yes", "no"], key="toxicity_infection",
                         horizontal=True, format_func=_labels("toxicity.infection.infection_opt", [NA, "yes", "no"]))
    if igg is not None:
        try:
            with_inf, without = followup.ivig_decision(igg, True), followup.ivig_decision(igg, False)
        except (ValidationError, ValueError):
            hint = followup.igg_unit_hint(igg)
            st.error(md_escape(t("toxicity.infection.igg_mg_dl", value=_num(igg), g_l=_num(igg / 100))
                               if hint == "mg_dl" else t("toxicity.infection.igg_invalid", value=_num(igg))))
        else:
            decision = with_inf if infection == "yes" else without if infection == "no" else (
                with_inf if with_inf == without else None)
            if decision is None:
                st.warning(md_escape(t("toxicity.infection.incomplete",
                             with_inf=t(f"toxicity.infection.decision.{with_inf}"),
                             without=t(f"toxicity.infection.decision.{without}"))))
            else:
                show = {"replace": st.warning, "assess_further": st.info, "monitor": st.success}[decision]
                show(md_escape(t(f"toxicity.infection.decision.{decision}")))
    st.caption(md_escape(t("toxicity.infection.rule", below=rec.value("replace_below_g_l"),
                 upper=rec.value("replace_with_infection_max_g_l"))))
    st.caption(md_escape(t("followup.isotype_caveat.isotype_not_stated")))  # review M8
    quote_card("ivig_replacement")
    with st.expander(t("toxicity.infection.igg_background")):
        quote_cards(["hypogammaglobulinemia", "hypogammaglobulinemia_dual_target"])

    st.subheader(t("toxicity.infection.cytopenia_heading"))
    cyto = content.recommendation("cytopenia_karmma")
    st.markdown(md_escape(t("toxicity.infection.cytopenia_text", neut=cyto.value("neutropenia_pct"),
                            plt=cyto.value("thrombocytopenia_pct"), anaemia=cyto.value("anaemia_pct"))))
    quote_card("cytopenia_karmma")


# --- page --------------------------------------------------------------------------------------

persist.restore(KEPT)
patient.reset_values({**{key: NA for _, key, _ in CHOICE_PARAMS}, "toxicity_improved": NA, "toxicity_infection": NA,
                      "toxicity_masked_fever": False,
                      "toxicity_dose_kind": episode.DOSE_KINDS[0], "toxicity_entries": (),
                      "toxicity_entry_at": clock.wall_now()})
_seed_from_query()
strip = patient.strip(inline=("weight_kg", "infusion", "crs", patient.TOCI))
st.title(t("toxicity.title"))
st.caption(md_escape(t("toxicity.intro")))
disclaimer()
for name, value, reason, kw in st.session_state.get("toxicity_params_ignored", ()):
    st.warning(md_escape(t("toxicity.params_ignored", name=name, value=value,
                 reason=t(f"toxicity.param_reason_{reason}", **kw))))
summary = st.empty()
now = clock.wall_now()  # the user's clock: the course guard and the HLH/MAS check
given = patient.current().toci_given

tab_crs, tab_icans, tab_chart, tab_infection = st.tabs(
    [t("toxicity.tabs.crs"), t("toxicity.tabs.icans"), t("toxicity.tabs.chart"), t("toxicity.tabs.infection")])

with tab_crs:
    st.subheader(t("toxicity.crs.heading"))
    crs_findings, crs_assessment, crs_entered = _crs_inputs()
    weight = _weight_input("toxicity_weight_kg")
    # The answer first (issue 15): one card from the same assessment and plan as everything below.
    crs_built = _crs_plan(crs_assessment, weight, given, now)
    crs_result = cards.crs_card(crs_findings, crs_assessment, crs_built[0], lang(), clock.zone_label())
    result_card(crs_result, "toxicity_crs")
    crs_print = st.empty()  # filled once the ICANS card exists too (the sheet holds both)
    if crs_assessment is not None:  # else the card says to correct the refused field
        _crs_working(crs_assessment)
    _crs_management(crs_assessment, crs_built, given)
    alert = _escalation()
    _diagnostic_frame()

# The strip's "current CRS grade" is this page's grade while CRS findings are entered here.
if crs_entered and crs_assessment is not None and crs_assessment.grade.assessed:
    patient.set_crs(crs_assessment.grade.grade, crs_assessment.grade.at_least)
elif crs_entered:
    patient.set_crs(None)

with tab_icans:
    st.subheader(t("toxicity.icans.heading"))
    # The ICANS form is long (the ICE items and four domains): on a tablet the card stands beside it
    # and stays in view (ui/style.py); on a phone the columns stack and the strip keeps it in view.
    with st.container(key="toxicity_icans_layout"):
        form, answer = st.columns(2, gap="medium")
    with form:
        icans_findings, ice_items, icans_assessment, icans_entered = _icans_inputs()
        icans_weight = _weight_input("toxicity_weight_kg_icans")  # the same patient value as the CRS tab's
    crs_for_icans = _crs_for_icans(crs_assessment, crs_entered)
    icans_built = _icans_plan(icans_assessment, crs_for_icans, icans_weight, given, now)
    icans_result = cards.icans_card(icans_findings, ice_items, icans_assessment, icans_built[0], crs_for_icans,
                                    lang(), clock.zone_label())
    with answer:
        result_card(icans_result, "toxicity_icans", strip=False)
        icans_print = st.empty()
    result_strip(icans_result, "toxicity_icans")
    if icans_assessment is not None:
        _icans_working(icans_assessment)
    _icans_management(icans_assessment, crs_for_icans, icans_built, given)
    _icans_extras()

# Both tabs print the same two cards the page shows, each tab's own first (issue 15 item 6).
sheet_results = [(crs_result, weight), (icans_result, icans_weight)]
_print(crs_print, "crs", crs_result, sheet_results, now)
_print(icans_print, "icans", icans_result, sheet_results, now)

with tab_chart:
    _episode_chart(crs_assessment, crs_entered, icans_assessment, icans_entered)

with tab_infection:
    _infection()

persist.save(KEPT)
persist.mirror_url(URL_PARAMS)
strip.refresh()
with summary.container():
    crs_text = _grade_text(crs_assessment.grade, crs_entered) if crs_assessment else t("toxicity.summary_not_graded")
    icans_text = (_grade_text(icans_assessment.grade, icans_entered) if icans_assessment
                  else t("toxicity.summary_not_graded"))
    st.info(md_escape(t("toxicity.summary", crs=crs_text, icans=icans_text)), icon=":material/monitor_heart:")
    if alert:
        st.error(md_escape(t("toxicity.summary_alert")), icon=":material/emergency:")
