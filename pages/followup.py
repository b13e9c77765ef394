"""Follow-up timeline: visits from the infusion date, today's position, the IgG rule, exports."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pydantic import ValidationError

from logic import calendar_export, content, followup
from ui import clock, patient, persist
from ui.charts import touch_chart
from ui.components import disclaimer, md_escape, md_table, quote_card, quote_cards
from ui.footer import app_version
from ui.i18n import lang, t
from ui.print import print_button

# The widget accepts a wide range so a mistyped year reaches logic, which refuses it with the reason.
DATE_MIN, DATE_MAX = date(1990, 1, 1), date(2100, 12, 31)
HORIZONS = (12, 24, 36, 48, 60)
INFECTION = ("not_assessed", "yes", "no")
# Shown once under the table instead of in every row (the exports list them per visit).
EVERY_VISIT = (*followup.RESPONSE_ASSESSMENTS, *followup.SAFETY_ASSESSMENTS, "long_term_biosafety")
STATUS_COLOURS = {"done": "#7f7f7f", "overdue": "#d62728", "due": "#ff7f0e", "upcoming": "#1f77b4"}
# Wide on purpose: a mg/dL value (to 6000 = 60 g/L) or a stray minus reaches logic, which names the mistake.
IGG_WIDGET_MAX = followup.IGG_MAX_G_L * 100


def _seed_from_query() -> None:
    """Read ?infusion ?today ?igg ?infection ?emd once into widget state; keep bad values as messages."""
    ss = st.session_state
    if ss.get("followup_seeded"):
        return
    ss["followup_seeded"] = True
    problems: list[tuple[str, str, str]] = []
    qp = st.query_params
    for name in ("today",):  # the infusion date is the patient's (ui/patient.py reads ?infusion)
        raw = qp.get(name)
        if raw:
            try:
                when = date.fromisoformat(raw)
                if not DATE_MIN <= when <= DATE_MAX:
                    raise ValueError(raw)
            except ValueError:
                problems.append((name, raw, "followup.error.why_date"))
            else:
                ss[f"followup_{name}"] = when
    raw = qp.get("igg")
    if raw:
        try:
            igg = float(raw)
            if not math.isfinite(igg) or abs(igg) > IGG_WIDGET_MAX:  # beyond the widget: it would drop it unsaid
                raise ValueError(raw)
        except ValueError:
            problems.append(("igg", raw, "followup.error.why_number"))
        else:
            ss["followup_igg"] = igg  # out-of-range values are kept: logic refuses them with the reason
    for name, key, mapping in (("infection", "followup_infection", {"1": "yes", "0": "no"}),
                               ("emd", "followup_emd", {"1": True, "0": False})):
        raw = qp.get(name)
        if raw:
            if raw in mapping:
                ss[key] = mapping[raw]
            else:
                problems.append((name, raw, "followup.error.why_flag"))
    ss["followup_param_problems"] = problems


def _fmt(x: float) -> str:
    return f"{x:g}"


def _status(visit: followup.Visit, prog: followup.FollowupProgress) -> str:
    if visit in prog.done:
        return "done"
    if visit in prog.overdue:
        return "overdue"
    if visit in prog.due_today:
        return "due"
    return "upcoming"


def _timeline(visits: list[followup.Visit], prog: followup.FollowupProgress, today: date) -> go.Figure:
    lg = lang()
    fig = go.Figure()
    y_of = {v.label: t(f"followup.phase_short.{v.phase}") for v in visits}
    for v in visits:
        if v.is_window:
            fig.add_trace(go.Scatter(x=[v.earliest, v.latest], y=[y_of[v.label]] * 2, mode="lines",
                                     line={"width": 8, "color": "rgba(31,119,180,0.25)"},
                                     hoverinfo="skip", showlegend=False))
    for status, colour in STATUS_COLOURS.items():
        chosen = [v for v in visits if _status(v, prog) == status]
        if not chosen:
            continue
        fig.add_trace(go.Scatter(
            x=[v.date for v in chosen], y=[y_of[v.label] for v in chosen], mode="markers",
            marker={"size": 11, "color": colour, "line": {"width": 1, "color": "white"}},
            name=t(f"followup.status.{status}"),
            text=[calendar_export.visit_label(v, lg) for v in chosen],
            customdata=[calendar_export.window_text(v, lg) for v in chosen],
            hovertemplate="%{text}<br>%{x|%Y-%m-%d}<br>%{customdata}<extra></extra>",
        ))
    fig.add_shape(type="line", x0=today, x1=today, xref="x", y0=0, y1=1, yref="paper",
                  line={"dash": "dash", "color": "#444", "width": 1.5})
    fig.add_annotation(x=today, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                       text=t("followup.timeline_today"))
    order = [t(f"followup.phase_short.{p}") for p in
             ("early", "first_half_year", "months_6_to_12", "year_2", "year_3_on")]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], fixedrange=True)
    fig.update_xaxes(type="date", tickformat="%Y-%m", fixedrange=True)
    fig.update_layout(height=300, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    return fig


persist.restore_page("followup_")
_seed_from_query()
strip = patient.strip(inline=("infusion",))
ss = st.session_state
ss.setdefault("followup_today", clock.today())  # the user's today, not the server's
ss.setdefault("followup_emd", False)
ss.setdefault("followup_months", 36)
ss.setdefault("followup_igg", None)
ss.setdefault("followup_infection", "not_assessed")
year3_lo = int(content.value("followup_schedule", "year3_min_months"))
year3_hi = int(content.value("followup_schedule", "year3_max_months"))
ss.setdefault("followup_year3", year3_lo)

st.title(t("followup.title"))
st.caption(t("followup.intro"))
disclaimer()
for name, raw, why in ss.get("followup_param_problems", []):
    st.warning(md_escape(t("followup.error.bad_param", name=name, value=raw[:40], why=t(why))))

st.subheader(t("followup.inputs_heading"))
col_infusion, col_today = st.columns(2)
with col_infusion:
    infusion = patient.date_field("infusion", t("followup.infusion_label"), "followup_infusion",
                                  help=t("followup.infusion_help"))
with col_today:
    today = st.date_input(t("followup.today_label"), min_value=DATE_MIN, max_value=DATE_MAX,
                          key="followup_today", help=t("followup.today_help"), format="YYYY-MM-DD")
    st.caption(md_escape(t("followup.today_zone", today=clock.today().isoformat(), zone=clock.zone_label())))
emd = st.checkbox(t("followup.emd_label"), key="followup_emd")
year3 = st.select_slider(t("followup.year3_label"), options=list(range(year3_lo, year3_hi + 1)),
                         key="followup_year3", help=t("followup.year3_help"))
months = st.select_slider(t("followup.months_label"), options=list(HORIZONS), key="followup_months")

visits: list[followup.Visit] = []
if infusion is None:
    st.info(t("followup.enter_infusion"))
elif today is None:
    with col_today:
        st.error(t("followup.today_help"))
elif problem := followup.infusion_date_problem(infusion, today):
    with col_infusion:
        st.error(t(f"followup.error.{problem}", date=infusion.isoformat(), today=today.isoformat()))
else:
    try:
        visits = followup.schedule(infusion, emd, months, year3_every_months=year3, today=today)
    except ValidationError:
        st.error(t("common.error_generic"))



if visits:
    lg = lang()
    label_of = {v.label: calendar_export.visit_label(v, lg) for v in visits}

    st.subheader(t("followup.today_heading"))
    started = [v.label for v in visits if (v.earliest or v.date) <= today]
    ss["followup_done"] = [x for x in ss.get("followup_done", []) if x in started]
    prog = followup.progress(visits, infusion, today, done=frozenset(ss["followup_done"]))
    day_text = (t("followup.day_plus", n=prog.day) if prog.day > 0 else t("followup.day_zero") if prog.day == 0
                else t("followup.day_minus", n=-prog.day))
    c1, c2 = st.columns(2)
    c1.metric(t("followup.today_caption", today=today.isoformat()), day_text)
    nxt = prog.next_visit
    if nxt is not None:
        gap = (nxt.date - today).days
        value = (t("followup.next_visit_window", label=label_of[nxt.label], date=nxt.date.isoformat(),
                   earliest=nxt.earliest.isoformat(), latest=nxt.latest.isoformat()) if nxt.is_window
                 else t("followup.next_visit_value", label=label_of[nxt.label], date=nxt.date.isoformat()))
        c2.metric(t("followup.next_visit"), label_of[nxt.label],
                  delta=t("followup.next_visit_today") if gap == 0 else t("followup.next_visit_in", n=gap),
                  delta_color="off", delta_arrow="off", help=value)
        c2.caption(md_escape(value))
    else:
        c2.info(t("followup.no_next_visit"))
    if prog.due_today:
        st.warning(md_escape(t("followup.due_today", labels=", ".join(label_of[v.label] for v in prog.due_today))))
    if prog.overdue:
        st.error(md_escape(t("followup.overdue_heading", n=len(prog.overdue)) + "\n\n" + "\n".join(
            "- " + t("followup.overdue_item", label=label_of[v.label], date=v.date.isoformat(),
                     n=(today - v.last_day).days) for v in prog.overdue)))
    else:
        st.success(t("followup.overdue_none"))
    if started:
        st.multiselect(t("followup.done_label"), options=started, key="followup_done",
                       format_func=lambda x: label_of.get(x, x), help=t("followup.done_help"),
                       placeholder=t("followup.done_placeholder"))
    st.caption(md_escape(t("followup.pjp_until", date=followup.pjp_prophylaxis_until(infusion).isoformat())
                         + " · " + t("followup.igg_until", date=followup.igg_monitoring_until(infusion).isoformat())))
    st.info(t("followup.progression_note"), icon=":material/priority_high:")

    st.subheader(t("followup.timeline_heading"))
    touch_chart(_timeline(visits, prog, today), key="followup_timeline")
    st.caption(t("followup.timeline_caption"))

    st.subheader(t("followup.schedule_heading"))
    frame = pd.DataFrame([{
        t("followup.col.date"): v.date.isoformat(),
        t("followup.col.visit"): label_of[v.label],
        t("followup.col.status"): t(f"followup.status.{_status(v, prog)}"),
        t("followup.col.window"): calendar_export.window_text(v, lg),
        t("followup.col.day"): v.day,
        t("followup.col.extra"): "; ".join(t(f"followup.assess.{c}") for c in v.assessments if c not in EVERY_VISIT),
    } for v in visits])
    # One Markdown table, not st.dataframe: the data grid is a separate JavaScript chunk the browser must
    # fetch and start on the first view (issue 15 item 8), for 18 rows that need no sorting. Not
    # st.table either: its every cell is a Markdown element of its own (108 here), which made each edit
    # and a warm load slower than the grid (docs/PERFORMANCE.md, bench notes).
    with st.container(key="followup_schedule"):   # ui/style.py: the columns that keep to one line
        st.markdown(md_table(list(frame.columns), frame.values.tolist(),
                             ["---:" if pd.api.types.is_numeric_dtype(frame[c]) else ":---" for c in frame.columns]))
    st.caption(md_escape(t("followup.every_visit", items="; ".join(t(f"followup.assess.{c}") for c in EVERY_VISIT))))
    st.caption(md_escape(t("followup.when_indicated", items=calendar_export.when_indicated_text(visits[0], lg))))
    if emd:
        st.caption(md_escape(t("followup.emd_from", date=followup.emd_imaging_from(infusion).isoformat())))
    default_visit = nxt.label if nxt is not None else visits[-1].label
    if ss.get("followup_detail") not in label_of:
        ss["followup_detail"] = default_visit
    chosen = st.selectbox(t("followup.visit_details_label"), options=list(label_of), key="followup_detail",
                          format_func=lambda x: label_of[x])
    visit = next(v for v in visits if v.label == chosen)
    with st.container(border=True):
        st.markdown(f"**{md_escape(label_of[visit.label])}** · {visit.date.isoformat()}")
        if visit.is_window:
            st.caption(md_escape(calendar_export.window_text(visit, lg)))
        st.markdown("\n".join(f"- {md_escape(a)}" for a in calendar_export.assessment_texts(visit, lg)))
        if visit.when_indicated:
            st.caption(md_escape(t("followup.when_indicated", items=calendar_export.when_indicated_text(visit, lg))))

    st.subheader(t("followup.export_heading"))
    st.caption(t("followup.export_caption"))
    stem = f"cart-followup-{infusion.isoformat()}"
    st.download_button(t("followup.export_ics"), data=calendar_export.ics_bytes(visits, lg),
                       file_name=f"{stem}.ics", mime="text/calendar", on_click="ignore",
                       icon=":material/calendar_month:", key="followup_dl_ics")
    st.download_button(t("followup.export_csv"), data=calendar_export.csv_bytes(visits, lg),
                       file_name=f"{stem}.csv", mime="text/csv", on_click="ignore",
                       icon=":material/table:", key="followup_dl_csv")
    plan_html = calendar_export.printable_html(visits, lg, infusion=infusion, extramedullary=emd,
                                               generated=clock.wall_now(), zone=clock.zone_label(),
                                               version=app_version())
    print_button(plan_html.decode("utf-8"), "followup-plan")
    st.download_button(t("followup.export_html"), data=plan_html,
                       file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                       icon=":material/print:", key="followup_dl_html")
    st.caption(t("followup.print_hint"))
elif infusion is None and today is not None:
    # No infusion date: the plan by visit can still be printed, its dates left for the pen and
    # the sheet saying so (the visits from today are only the template: no date of them is shown).
    st.subheader(t("followup.export_heading"))
    for problem in calendar_export.missing_data(None, lang()):
        st.warning(md_escape(problem), icon=":material/event_busy:")
    try:
        template = followup.schedule(today, emd, months, year3_every_months=year3, today=today)
    except ValidationError:  # a "today" the schedule refuses: nothing to print, the field says why
        template = []
    if template:
        print_button(calendar_export.printable_html(template, lang(), infusion=None, extramedullary=emd,
                                                    generated=clock.wall_now(), zone=clock.zone_label(),
                                                    version=app_version()).decode("utf-8"), "followup-plan")

st.subheader(t("followup.ivig_heading"))
col_igg, col_inf = st.columns(2)
with col_igg:
    igg = st.number_input(t("followup.igg_label"), value=None, step=0.1, format="%.1f", key="followup_igg",
                          help=t("followup.igg_help"))
with col_inf:
    infection_choice = st.segmented_control(t("followup.infection_label"), options=list(INFECTION),
                                            key="followup_infection",
                                            format_func=lambda k: t(f"followup.infection_options.{k}"))
infection = {"yes": True, "no": False}.get(infection_choice or "not_assessed")
isotype = st.selectbox(t("followup.isotype_label"), options=list(followup.ISOTYPES), index=None,
                       key="followup_isotype", format_func=lambda k: t(f"followup.isotype.{k}"),
                       placeholder=t("followup.not_assessed"))
below = float(content.value("ivig_replacement", "replace_below_g_l"))
upper = float(content.value("ivig_replacement", "replace_with_infection_max_g_l"))
if igg is None:
    st.caption(t("followup.igg_prompt"))
else:
    try:
        result = followup.ivig_assessment(igg, infection, isotype)
    except ValidationError:
        with col_igg:
            if igg < 0:
                st.error(t("followup.error.igg_negative"))
            elif followup.igg_unit_hint(igg) == "mg_dl":
                st.error(t("followup.error.igg_mg_dl", value=_fmt(igg), g_l=_fmt(round(igg / 100, 2))))
            else:
                st.error(t("followup.error.igg_range", value=_fmt(igg)))
    else:
        if result.decision is None:
            st.warning(t("followup.incomplete_decision",
                         with_infection=t(f"followup.decision.{result.if_infection}"),
                         without_infection=t(f"followup.decision.{result.if_no_infection}")))
        elif result.decision == "monitor":
            st.success(t(f"followup.decision.{result.decision}"))
        else:
            st.warning(f"**{t(f'followup.decision.{result.decision}')}**")
        infection_text = t("followup.not_assessed" if infection is None else "followup.yes" if infection
                           else "followup.no")
        st.caption(md_escape(
            t("followup.ivig_band", band=t(f"followup.band.{result.band}", below=_fmt(below), upper=_fmt(upper)))
            + " · " + t("followup.ivig_working", igg=_fmt(igg), infection=infection_text,
                        below=_fmt(below), upper=_fmt(upper))))
        if result.isotype_caveat == "igg_isotype":
            st.warning(md_escape(t("followup.isotype_caveat.igg_isotype")), icon=":material/info:")
        elif result.isotype_caveat:
            st.caption(md_escape(t(f"followup.isotype_caveat.{result.isotype_caveat}")))
quote_card("ivig_replacement")

st.subheader(t("followup.rule_heading"))
st.markdown(md_escape(t(
    "followup.rule_text",
    d1=content.value("followup_schedule", "first_visit_day"),
    d2=content.value("followup_schedule", "second_visit_day"),
    bi=content.value("followup_schedule", "bimonthly_every_months"),
    y2=content.value("followup_schedule", "year2_every_months"),
    lo=year3_lo, hi=year3_hi,
)))
for key in ("followup.note_day28", "followup.note_window"):
    st.info(f"**{t('common.app_note')}**: {md_escape(t(key))}\n\n"
            f"_{md_escape(t('common.note_basis', basis=t('followup.note_basis')))}_", icon=":material/info:")

quote_cards(["followup_schedule", "followup_assessments", "response_timing", "followup_extramedullary",
             "antibacterial_antifungal_pjp_prophylaxis", "followup_long_term_biosafety",
             "followup_suspected_progression"])

persist.save_page("followup_")  # kept across page changes (ui/persist.py)
