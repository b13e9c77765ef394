"""Eligibility: baseline checklist, apheresis readiness, washout planner and a printable summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from pydantic import ValidationError

from logic import content
from logic import eligibility as elig
from logic.eligibility_summary import item_label, not_assessed, render_summary
from logic.models import CriterionResult
from ui import clock, patient, persist
from ui.charts import touch_chart
from ui.components import disclaimer, english_toggle, md_escape, quote_card, quote_cards
from ui.footer import app_version
from ui.i18n import lang, t
from ui.print import print_button

TRI = ("yes", "no", "not_assessed")
# Colour that means something (review U12): red only for "not met"; a washout still running is
# "not yet" (blue: time alone will satisfy it); not assessed is grey, never an alert's colour.
BADGE = {"met": ("green", ":material/check_circle:"), "not_met": ("red", ":material/cancel:"),
         "caution": ("orange", ":material/warning:"), "unknown": ("gray", ":material/help:"),
         "not_yet": ("blue", ":material/schedule:")}
COUNTED = ("met", "not_met", "caution", "unknown")
SURVIVAL_UNITS = ("weeks", "months")
VERDICT_BOX = {"eligible": st.success, "needs_review": st.warning, "not_eligible": st.error, "incomplete": st.info,
               "not_yet": st.info}
BILIRUBIN_UNITS = ("umol/L", "mg/dL", "g/L")
UNIT_LABEL = {"umol/L": "µmol/L", "mg/dL": "mg/dL", "g/L": "g/L"}
# Exposures grouped as the consensus's sentence groups them, each group with its recommendation.
WASHOUT_GROUPS = (
    ("washout_8_weeks", ("anti_t_cell_antibody", "donor_lymphocyte_infusion", "cns_radiotherapy")),
    ("washout_2_weeks", ("combination_chemotherapy", "lenalidomide", "bortezomib", "other_antimyeloma_therapy")),
    ("washout_1_week", ("vincristine",)),
    ("washout_72_hours", ("therapeutic_corticosteroids",)),
)
HISTORY_YEARS = 20
CHART_COLOURS = ("#1f77b4", "#9467bd", "#8c564b", "#17becf")


# --- widgets -------------------------------------------------------------------------------------


def _tri(field: str) -> bool | None:
    """Yes / No / Not assessed, one tap on a phone; "Not assessed" (or no choice) is None."""
    key = f"eligibility_{field}"
    st.session_state.setdefault(key, "not_assessed")
    choice = st.segmented_control(t(f"eligibility.question.{field}"), TRI, key=key,
                                  format_func=lambda o: t(f"eligibility.{o}"))
    return {"yes": True, "no": False}.get(choice)


def _number(field: str, label: str, lo: float, hi: float, step: float, help_text: str | None = None) -> Any:
    # No widget bounds (lo/hi are logic's business): whatever a hand types (-10, 1000, 0.55 for
    # 55 %) reaches logic and is refused under the field with its reason; a widget that refused
    # it itself would keep the previous value and the message would describe that one.
    return st.number_input(label, value=None, step=step, key=f"eligibility_{field}",
                           placeholder=t("eligibility.number_placeholder"), help=help_text,
                           format="%d" if isinstance(step, int) else "%g")


def _number_with_unit(field: str, label: str, hi: float, step: float, unit_label: str, units: tuple[str, ...],
                      unit_text: Callable[[str], str | None], unit_key: str | None = None) -> tuple[Any, str]:
    """A number and its unit side by side; the unit starts at the first of `units` and is never empty."""
    key = f"eligibility_{unit_key or field + '_unit'}"
    c1, c2 = st.columns(2)
    with c1:
        value = _number(field, label, 0.0, hi, step)
    with c2:
        st.session_state.setdefault(key, units[0])
        unit = st.segmented_control(unit_label, units, key=key, format_func=unit_text) or units[0]
    return value, unit


def _checked(model: type, data: dict[str, Any], field: str, valid: dict[str, Any], refused: list[str]) -> None:
    """Validate one input at once and show its refusal right under it; keep it out until fixed."""
    if data.get(field) is None:
        return
    errors = elig.input_errors(model, data, lang())
    if errors:
        st.error(next(iter(errors.values())), icon=":material/error:")
        refused.append(field)
    else:
        valid.update(data)


def _show_item(item: CriterionResult, rec_ids: list[str]) -> None:
    # One compact row per item: status and message in the expander's label, the quotes inside.
    status = elig.display_status(item)
    colour, icon = BADGE[status]
    head = md_escape(f"{item_label(item.id, lang())}: {t('eligibility.status.' + status)}")
    with st.expander(f":{colour}[**{head}**] · {md_escape(item.message)}", icon=icon):
        st.caption(t("eligibility.rule_and_quote"))
        quote_cards(rec_ids, toggle=False)  # the page has one "显示英文" for its 27 groups


def _counts(items: list[CriterionResult]) -> str:
    n = {s: sum(i.status == s for i in items) for s in COUNTED}
    return t("eligibility.counts", **n)


# --- query parameters ------------------------------------------------------------------------------


def _seed_from_query(today: date) -> None:
    """Exposure dates from the link (?lenalidomide=2026-03-01), read again only when the link changes."""
    qp = st.query_params
    given = tuple((k, qp.get(k)) for k in elig.EXPOSURE_KEYS if qp.get(k))
    if st.session_state.get("eligibility_seen_params") == given:
        return
    st.session_state["eligibility_seen_params"] = given
    problems: list[str] = []
    oldest = today - timedelta(days=365 * HISTORY_YEARS)
    for key, raw in given:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            problems.append(t("eligibility.params.ignored", param=key, value=raw,
                              reason=t("eligibility.params.not_a_date")))
            continue
        if moment.date() > today or (moment.tzinfo is None and moment > clock.wall_now()):
            problems.append(t("eligibility.params.ignored", param=key, value=raw, reason=t("eligibility.params.future")))
            continue
        if moment.date() < oldest:
            problems.append(t("eligibility.params.ignored", param=key, value=raw,
                              reason=t("eligibility.params.too_old", min=oldest.isoformat())))
            continue
        st.session_state[f"eligibility_exp_{key}"] = moment.date()
        if "T" in raw or " " in raw.strip():
            st.session_state[f"eligibility_time_{key}"] = moment.time().replace(tzinfo=None)
            st.session_state["eligibility_know_times"] = True
    st.session_state["eligibility_param_problems"] = problems


# --- sections ---------------------------------------------------------------------------------------


def _checklist() -> elig.EligibilityReport:
    verdict_slot = st.container()
    valid: dict[str, Any] = {}
    refused: list[str] = []
    slots: dict[str, Any] = {}

    st.subheader(t("eligibility.section.performance"))
    st.caption(t("eligibility.performance_note"))
    c1, c2 = st.columns(2)
    with c1:
        kps = _number("kps", t("eligibility.field.kps"), 0, 100, 10)
        _checked(elig.Baseline, {"kps": kps}, "kps", valid, refused)
    with c2:
        ecog = _number("ecog", t("eligibility.field.ecog"), 0, 100, 1)
        _checked(elig.Baseline, {"ecog": ecog}, "ecog", valid, refused)
    slots["performance_status"] = st.container()

    st.subheader(t("eligibility.section.organs"))
    lvef = _number("lvef", t("eligibility.field.lvef"), 0.0, 100.0, 1.0)
    _checked(elig.Baseline, {"lvef_pct": lvef}, "lvef_pct", valid, refused)
    slots["lvef"] = st.container()
    for field in ("cardiac_amyloidosis", "atrial_fibrillation"):
        valid[field] = _tri(field)
        slots[field] = st.container()
    c1, c2 = st.columns(2)
    with c1:
        alt = _number("alt", t("eligibility.field.alt"), 0.0, 100000.0, 0.5, t("eligibility.field.alt_help"))
        _checked(elig.Baseline, {"alt_x_uln": alt}, "alt_x_uln", valid, refused)
    with c2:
        ast = _number("ast", t("eligibility.field.ast"), 0.0, 100000.0, 0.5, t("eligibility.field.alt_help"))
        _checked(elig.Baseline, {"ast_x_uln": ast}, "ast_x_uln", valid, refused)
    slots["alt"], slots["ast"] = st.container(), st.container()
    bili, unit = _number_with_unit("bilirubin", t("eligibility.field.bilirubin"), 1_000_000.0, 1.0,
                                   t("eligibility.field.bilirubin_unit"), BILIRUBIN_UNITS, UNIT_LABEL.get)
    _checked(elig.Baseline, {"bilirubin": bili, "bilirubin_unit": unit}, "bilirubin", valid, refused)
    if "bilirubin" in valid and valid["bilirubin"] is not None:
        v = elig.bilirubin_units(valid["bilirubin"], unit)
        st.caption(t("eligibility.bilirubin_converted", umol=elig.fmt_number(v.umol_l), mg_dl=elig.fmt_number(v.mg_dl),
                     g_l=elig.fmt_number(v.g_l)))
    printed, usual = elig.printed_bilirubin_limit(), elig.usual_bilirubin_limit_umol_l()
    st.caption(t("eligibility.bilirubin_printed", printed_g_l=elig.fmt_number(printed.g_l),
                 printed_mg_dl=elig.fmt_number(printed.mg_dl), printed_umol=elig.fmt_number(printed.umol_l),
                 usual_umol=elig.fmt_number(usual), usual_mg_dl=elig.fmt_number(usual / elig.UMOL_L_PER_MG_DL)))
    slots["bilirubin"] = st.container()
    spo2 = _number("spo2", t("eligibility.field.spo2"), 0.0, 100.0, 1.0)
    _checked(elig.Baseline, {"spo2_pct": spo2}, "spo2_pct", valid, refused)
    slots["spo2"] = st.container()

    st.subheader(t("eligibility.section.general"))
    valid["active_infection"] = _tri("active_infection")
    slots["active_infection"] = st.container()
    # Weeks or months, as bilirubin has its unit (review U12: "6" meant as months read as weeks).
    survival, s_unit = _number_with_unit("life_expectancy", t("eligibility.field.life_expectancy"), 100000.0, 1.0,
                                         t("eligibility.field.survival_unit"), SURVIVAL_UNITS,
                                         lambda u: t(f"eligibility.survival_units.{u}"), unit_key="survival_unit")
    survival_data = elig.survival_input(survival, s_unit)
    _checked(elig.Baseline, survival_data, next(iter(survival_data)), valid, refused)
    slots["life_expectancy"] = st.container()

    st.subheader(t("eligibility.section.exclusions"))
    for field in ("pregnant_or_lactating", "active_hbv", "active_hcv", "active_tuberculosis",
                  "other_transmissible_disease", "unstable_vital_signs",
                  "psychiatric_barrier", "product_allergy", "major_organ_dysfunction"):
        valid[field] = _tri(field)
        slots[field] = st.container()

    st.subheader(t("eligibility.section.risks"))
    for field in ("renal_impairment", "cns_disease", "implanted_devices"):
        valid[field] = _tri(field)
        slots[field] = st.container()

    st.subheader(t("eligibility.section.disease"))
    quote_card("assess_primary_disease", toggle=False)
    valid["prior_bcma_therapy"] = _tri("prior_bcma_therapy")
    slots["prior_bcma_therapy"] = st.container()

    valid.setdefault("bilirubin_unit", unit)
    report = elig.evaluate(elig.Baseline(**valid), lang())
    for item in report.items:
        with slots[item.id]:
            _show_item(item, elig.item_recommendations(report, item))
    with verdict_slot:
        VERDICT_BOX[report.verdict](f"**{t('eligibility.verdict.heading')}**: {t('eligibility.verdict.' + report.verdict)}")
        for condition in elig.verdict_conditions(report):
            st.markdown(f"**{md_escape(t('eligibility.verdict.' + condition))}**")
        st.caption(_counts(report.items))
        missing = [item_label(i.id, lang()) for i in report.items if i.status == "unknown"]
        if missing:
            st.caption(t("eligibility.missing_list", items=t("eligibility.list_sep").join(missing)))
        if refused:
            st.error(t("eligibility.inputs_refused", n=len(refused)), icon=":material/error:")
        st.caption(t("eligibility.verdict.rule"))
    return report


def _apheresis() -> list[CriterionResult]:
    st.caption(t("eligibility.apheresis.intro"))
    valid: dict[str, Any] = {}
    refused: list[str] = []
    c1, c2 = st.columns(2)
    with c1:
        hgb = _number("hgb", t("eligibility.field.hgb"), 0.0, 1000.0, 1.0)
        _checked(elig.ApheresisLabs, {"hgb_g_l": hgb}, "hgb_g_l", valid, refused)
    with c2:
        plt = _number("plt", t("eligibility.field.plt"), 0.0, 100000.0, 1.0)
        _checked(elig.ApheresisLabs, {"plt_10e9_l": plt}, "plt_10e9_l", valid, refused)
    valid["cytopenia_from_progression"] = st.toggle(t("eligibility.field.cytopenia_progression"),
                                                    key="eligibility_cytopenia_progression")
    c1, c2 = st.columns(2)
    with c1:
        alc = _number("alc", t("eligibility.field.alc"), 0.0, 1_000_000.0, 10.0)
        _checked(elig.ApheresisLabs, {"alc_per_ul": alc}, "alc_per_ul", valid, refused)
    with c2:
        cd3 = _number("cd3", t("eligibility.field.cd3"), 0.0, 1_000_000.0, 10.0)
        _checked(elig.ApheresisLabs, {"cd3_per_ul": cd3}, "cd3_per_ul", valid, refused)
    items = elig.apheresis_check(elig.ApheresisLabs(**valid), lang())
    readiness = elig.verdict(items)
    VERDICT_BOX[readiness](t(f"eligibility.apheresis.verdict_{readiness}"))
    if refused:
        st.error(t("eligibility.inputs_refused", n=len(refused)), icon=":material/error:")
    for item in items:
        _show_item(item, [item.recommendation_id])
    target = elig.collection_target()
    st.subheader(t("eligibility.apheresis.collection_heading"))
    st.markdown(t("eligibility.apheresis.collection_text", min=elig.fmt_number(target.min_1e6_per_kg),
                  max=elig.fmt_number(target.max_1e6_per_kg)))
    quote_card(target.recommendation_id, toggle=False)
    return items


def _exposure_inputs(today: date, now: datetime) -> dict[str, datetime | date]:
    know_times = st.toggle(t("eligibility.washout.know_times"), key="eligibility_know_times")
    if not know_times:
        st.caption(t("eligibility.washout.end_of_day"))
    exposures: dict[str, datetime | date] = {}
    # Wide on purpose: a future or very old date reaches logic, which names it under the field.
    oldest, latest = date(1900, 1, 1), date(2100, 12, 31)
    st.caption(t("eligibility.washout.unlisted_note"))
    for _rec_id, keys in WASHOUT_GROUPS:
        window, _ = elig.washout_window(keys[0])
        st.markdown(f"**{md_escape(t('eligibility.washout.group', window=elig.window_text(window, lang())))}**")
        for key in keys:
            name = t(f"eligibility.exposure.{key}")
            dkey, tkey = f"eligibility_exp_{key}", f"eligibility_time_{key}"
            extra = {} if dkey in st.session_state else {"value": None}
            if know_times:
                # Side by side even on a phone (columns would stack): date, then a narrow time field.
                with st.container(horizontal=True, wrap=False, vertical_alignment="bottom"):
                    day = st.date_input(name, min_value=oldest, max_value=latest, key=dkey, format="YYYY-MM-DD",
                                        width="stretch", **extra)
                    at = st.time_input(t("eligibility.washout.time"), key=tkey, step=900, width=110,
                                       **({} if tkey in st.session_state else {"value": None}))
            else:
                day = st.date_input(name, min_value=oldest, max_value=latest, key=dkey, format="YYYY-MM-DD", **extra)
                at = None
            if day is None:
                continue
            # A bare date counts from the end of that day (logic's rule); with a time, from that time.
            moment = datetime.combine(day, at) if at is not None else day
            try:
                elig.earliest_apheresis({key: moment}, now=now, lang=lang())
            except ValidationError as exc:
                st.error(next(iter(elig.errors_by_field(exc, lang()).values())), icon=":material/error:")
            else:
                exposures[key] = moment
        if elig.APP_READING_EXPOSURES & set(keys):
            st.caption(t("eligibility.washout.other_note"))
    return exposures


def _timeline(window: elig.ApheresisWindow, now: datetime) -> go.Figure:
    fig = go.Figure()
    for n, w in enumerate(reversed(window.windows)):
        name = t(f"eligibility.exposure.{w.exposure}")
        span_ms = (w.clear - w.last).total_seconds() * 1000
        fig.add_trace(go.Bar(
            y=[name], x=[span_ms], base=[w.last.isoformat()], orientation="h", showlegend=False,
            marker_color=CHART_COLOURS[n % len(CHART_COLOURS)],
            hovertemplate=f"{name}<br>{w.last:%Y-%m-%d %H:%M} → {w.clear:%Y-%m-%d %H:%M}<extra></extra>"))
    marks = [(now, t("eligibility.washout.chart_today"), "#555", "dot"),
             (window.earliest, t("eligibility.washout.chart_earliest"), "#1565c0", "solid")]  # not an alert: no red
    if window.reference is not None and window.reference != now:
        marks.append((window.reference, t("eligibility.washout.chart_planned"), "#2ca02c", "dash"))
    for when, label, colour, dash in marks:
        line = {"color": colour, "width": 2, "dash": dash}
        fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper", line=line)
        # A legend entry for the line (shapes have none): an empty trace with the same style.
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=f"{label} {when:%m-%d %H:%M}"))
    starts = [w.last for w in window.windows]
    ends = [w.clear for w in window.windows] + [m[0] for m in marks]
    pad = max((max(ends) - min(starts)) * 0.04, timedelta(hours=12))
    fig.update_xaxes(range=[min(starts) - pad, max(ends) + pad])
    fig.update_layout(
        title=None, height=170 + 44 * len(window.windows), margin={"l": 4, "r": 12, "t": 10, "b": 20},
        xaxis={"type": "date", "title": None}, yaxis={"automargin": True, "title": None, "type": "category"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0},
        bargap=0.35, dragmode=False,
    )
    return fig


def _washout(now: datetime) -> tuple[elig.ApheresisWindow | None, list[CriterionResult]]:
    st.caption(t("eligibility.washout.intro"))
    st.caption(md_escape(clock.checked_at()))
    today = now.date()
    exposures = _exposure_inputs(today, now)
    planned = st.date_input(t("eligibility.washout.planned"), key="eligibility_planned", format="YYYY-MM-DD",
                            min_value=date(1900, 1, 1), max_value=date(2100, 12, 31),
                            help=t("eligibility.washout.planned_help"),
                            **({} if "eligibility_planned" in st.session_state else {"value": None}))
    planned_at = datetime.combine(planned, time(0, 0)) if planned else None
    zone = clock.zone_label()
    window = elig.earliest_apheresis(exposures, now=now, planned=planned_at, lang=lang(), zone=zone)
    if window.binding:
        if elig.washout_verdict(window) == "not_yet":
            st.info(t("eligibility.washout.verdict_not_yet", when=f"{window.earliest:%Y-%m-%d %H:%M}",
                      zone=elig.zone_suffix(zone, lang())), icon=":material/schedule:")
        else:
            st.success(t("eligibility.washout.verdict_clear"), icon=":material/check_circle:")
        st.metric(t("eligibility.washout.earliest"), f"{window.earliest:%Y-%m-%d %H:%M}")
        bind = window.windows[0]
        st.caption(t("eligibility.washout.binding", name=t(f"eligibility.exposure.{bind.exposure}"),
                     last=elig.last_text(bind, lang()),
                     window=elig.window_text(timedelta(hours=bind.window_hours), lang())))
        touch_chart(_timeline(window, now), key="eligibility_timeline")
        for item in window.items:
            _show_item(item, [item.recommendation_id])
    else:
        st.info(t("eligibility.washout.none_entered"))
    st.subheader(t("eligibility.washout.further"))
    bend = _tri("prior_bendamustine_or_fludarabine")
    early = _tri("high_risk_or_needs_lenalidomide")
    notes = elig.collection_notes(bend, early, lang())
    for item in notes:
        _show_item(item, [item.recommendation_id])
    with st.expander(t("eligibility.rule_and_quote")):
        quote_cards([*(rec_id for rec_id, _ in WASHOUT_GROUPS), content.ref("apheresis_manufacturing_failure"),
                     content.ref("apheresis_early_collection")], toggle=False)
    return window, notes


def _summary(report: elig.EligibilityReport, apheresis: list[CriterionResult],
             window: elig.ApheresisWindow | None, notes: list[CriterionResult], now: datetime) -> None:
    st.caption(t("eligibility.summary.intro"))
    # Over every part: a washout still running makes it "not yet", never "not eligible" (review U12).
    overall = elig.overall_verdict(report, apheresis, window)
    when = f"{window.earliest:%Y-%m-%d %H:%M}{elig.zone_suffix(clock.zone_label(), lang())}" if window else ""
    VERDICT_BOX[overall](t("eligibility.verdict." + overall, when=when))
    rows = [{t("eligibility.summary.col_item"): item_label(i.id, lang()),
             t("eligibility.summary.col_status"): t("eligibility.status." + elig.display_status(i)),
             # Where the rule stands in the consensus ("共识P4"), never the entry's internal id (review item 9).
             t("eligibility.summary.col_rec"): t("eligibility.summary.source",
                                                  source=content.recommendation(i.recommendation_id).source)}
            for i in [*report.items, *apheresis, *(window.items if window else []), *notes]]
    st.dataframe(rows, hide_index=True, width="stretch")
    for problem in not_assessed(report, apheresis, lang()):  # before printing, as on the sheet itself
        st.warning(md_escape(problem), icon=":material/help:")
    html = render_summary(report, apheresis, window, notes, lang(), now, zone=clock.zone_label(),
                          version=app_version())
    print_button(html, "eligibility-summary")
    st.download_button(t("eligibility.summary.download"), data=html.encode("utf-8"),
                       file_name=f"car-t-eligibility-{now:%Y%m%d}.html", mime="text/html",
                       on_click="ignore", icon=":material/download:", width="stretch")
    st.caption(t("eligibility.summary.print_hint"))


# --- page ----------------------------------------------------------------------------------------------

persist.restore_page("eligibility_")
patient.reset_values({"eligibility_cytopenia_progression": False, "eligibility_know_times": False})
patient.strip()
st.title(t("eligibility.title"))
st.caption(t("eligibility.intro"))
disclaimer()
english_toggle("eligibility_show_english")

_now = clock.wall_now()  # the user's clock: "now" for the washout, shown with the zone
_seed_from_query(_now.date())
for _problem in st.session_state.get("eligibility_param_problems", []):
    st.warning(_problem, icon=":material/link_off:")

tab_check, tab_aph, tab_wash, tab_sum = st.tabs([t("eligibility.tab_checklist"), t("eligibility.tab_apheresis"),
                                                 t("eligibility.tab_washout"), t("eligibility.tab_summary")])
try:
    with tab_check:
        _report = _checklist()
    with tab_aph:
        _aph_items = _apheresis()
    with tab_wash:
        _window, _notes = _washout(_now)
    with tab_sum:
        _summary(_report, _aph_items, _window, _notes, _now)
except (ValidationError, ValueError):
    # Inputs are validated field by field above; this is the last guard, so no traceback reaches a user.
    st.error(t("common.error_generic"), icon=":material/error:")

persist.save_page("eligibility_")  # kept across page changes (ui/persist.py)
