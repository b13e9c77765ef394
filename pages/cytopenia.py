"""Blood counts after CAR-T: neutrophil ICAHT from a pasted or typed series, the series plotted with
its thresholds, what can be shown of CAR-HEMATOTOX, and the consensus's own cytopenia text.
Everything here is beyond the 2022 consensus: each number's source is cited where it is shown."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from logic import hematotox
from ui.components import disclaimer, md_escape, md_table, quote_cards
from ui.i18n import lang, t

TABLE_KEY = "cytopenia_table"
SAVED_KEY = "cytopenia_table_saved"  # outlives the widget when another page is visited
UPLOAD_KEY = "cytopenia_upload"
UPLOAD_SEEN_KEY = "cytopenia_upload_seen"
SERIES_SEEN_KEY = "cytopenia_series_seen"
CONSENSUS_RECS = ["cytopenia_karmma", "infection_treatment_gcsf", "antibacterial_antifungal_pjp_prophylaxis"]
CHART_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "doubleClick": False}


def _fmt(x: float) -> str:
    return f"{x:.6g}"  # as entered: 1.0005 is not shown as 1


def _restore_table() -> None:
    ss = st.session_state
    # ?series=day:ANC,day:ANC (the chat's link): read once per distinct link into the table, one
    # "day, ANC" line per value, so the table's own reader names a bad one under it.
    raw = st.query_params.get("series")
    if raw and ss.get(SERIES_SEEN_KEY) != raw:
        ss[SERIES_SEEN_KEY] = raw
        ss[TABLE_KEY] = "day, ANC\n" + "\n".join(p.replace(":", ", ", 1) for p in raw[:2000].split(",") if p.strip())
    if TABLE_KEY not in ss:
        ss[TABLE_KEY] = ss.get(SAVED_KEY, "")


def _fill_example() -> None:
    st.session_state[TABLE_KEY] = hematotox.EXAMPLE_TABLE


def _clear() -> None:
    st.session_state[TABLE_KEY] = ""


def _read_upload() -> None:
    """A newly chosen file replaces the table's text (once: later edits are the user's)."""
    ss = st.session_state
    upload = ss.get(UPLOAD_KEY)
    if upload is None or ss.get(UPLOAD_SEEN_KEY) == upload.file_id:
        return
    ss[UPLOAD_SEEN_KEY] = upload.file_id
    raw = upload.getvalue()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            ss[TABLE_KEY] = raw.decode(encoding)
            ss.pop("cytopenia_upload_problem", None)
            return
        except UnicodeDecodeError:
            continue
    ss["cytopenia_upload_problem"] = True


def _problem_text(p: hematotox.LineProblem) -> str:
    column = t(f"cytopenia.column.{p.column}") if p.column else ""
    return t(f"cytopenia.problem.{p.code}", line=p.line, value=p.value, converted=p.converted, column=column)


def _grade(g: hematotox.ICAHTGrade) -> None:
    """One phase's grade as logic words it (the chat shows the same lines)."""
    heading, lines, warnings = hematotox.grade_lines(g, lang())
    with st.container(border=True):
        st.markdown(f"**{heading}**")
        st.markdown("\n".join(f"- {md_escape(x)}" for x in lines))
        for w in warnings:
            st.warning(w, icon=":material/balance:")


def _chart(rows: tuple[hematotox.LabRow, ...]) -> go.Figure | None:
    anc = sorted((r.day, r.anc_10e9_l) for r in rows if r.anc_10e9_l is not None)
    plt = sorted((r.day, r.plt_10e9_l) for r in rows if r.plt_10e9_l is not None)
    if not anc and not plt:
        return None
    both = bool(anc) and bool(plt)
    fig = make_subplots(rows=2 if both else 1, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    r = hematotox.rules()
    series = []
    if anc:
        series.append((anc, t("cytopenia.chart_anc"), "#1f77b4", [
            (float(r.severe_10e9_l), t("cytopenia.chart_line_severe"), "#d62728", "dash"),
            (float(r.profound_10e9_l), t("cytopenia.chart_line_profound"), "#7f0000", "dot"),
            (float(dict(r.late_bands)[1]), t("cytopenia.chart_line_late1"), "#ff7f0e", "dashdot"),
            (float(dict(r.late_bands)[2]), t("cytopenia.chart_line_late2"), "#bcbd22", "dashdot"),
        ]))
    if plt:
        series.append((plt, t("cytopenia.chart_plt"), "#2ca02c", [
            (float(r.plt_lines_10e9_l[0]), t("cytopenia.chart_line_plt50"), "#9467bd", "dash"),
            (float(r.plt_lines_10e9_l[1]), t("cytopenia.chart_line_plt20"), "#8c564b", "dot"),
        ]))
    days = [d for s in series for d, _ in s[0]]
    x_lo, x_hi = min(days) - 1, max(days) + 1
    for i, (points, name, colour, lines) in enumerate(series, start=1):
        fig.add_trace(go.Scatter(x=[d for d, _ in points], y=[v for _, v in points], mode="lines+markers",
                                 name=name, line={"color": colour}, showlegend=False,
                                 hovertemplate="%{x}: %{y}<extra></extra>"), row=i, col=1)
        for y, label, line_colour, dash in lines:
            fig.add_hline(y=y, line={"color": line_colour, "dash": dash, "width": 1}, row=i, col=1,
                          annotation_text=label, annotation_position="top left",
                          annotation_font={"size": 10, "color": line_colour})
        fig.update_yaxes(title_text=name, fixedrange=True, rangemode="tozero", row=i, col=1)
        if x_lo <= r.early_last_day + 0.5 <= x_hi:
            fig.add_vline(x=r.early_last_day + 0.5, line={"color": "#7f7f7f", "width": 1}, row=i, col=1,
                          annotation_text=t("cytopenia.chart_early_end"), annotation_font={"size": 10})
    fig.update_xaxes(fixedrange=True, range=[x_lo, x_hi])
    fig.update_xaxes(title_text=t("cytopenia.chart_day"), row=len(series), col=1)
    fig.update_layout(height=300 * len(series), margin={"l": 10, "r": 10, "t": 20, "b": 40},
                      dragmode=False, hovermode="closest")
    return fig


def _sources(ids: tuple[str, ...]) -> None:
    for sid in ids:
        s = hematotox.source(sid)
        st.markdown(f"**{md_escape(s.citation)}**  \n:gray[{md_escape(t('cytopenia.source_kind.' + s.kind))}]")
        for reading in s.read:
            st.caption(t("cytopenia.source_read", where=reading.where, what=reading.what))
        if s.numbers:
            st.markdown(f":gray[:small[{md_escape(t('cytopenia.source_verbatim_label'))}]]")
            st.markdown("\n".join(f"> {md_escape(n.verbatim)}" for n in s.numbers))
        for text in s.not_readable:
            st.caption(t("cytopenia.source_not_readable", text=text))
        for text in s.not_shipped:
            st.caption(t("cytopenia.source_not_shipped", text=text))
        st.divider()


def _hematotox() -> None:
    st.subheader(t("cytopenia.hematotox_heading"))
    st.caption(t("cytopenia.beyond"))
    st.info(t("cytopenia.hematotox_not_shipped"), icon=":material/block:")
    mcl = hematotox.source("european-mcl-car-hematotox")
    ht = hematotox.source("rejeski-2021-car-hematotox")
    st.markdown(f"{md_escape(t('cytopenia.hematotox_risk_rule'))}\n\n> "
                f"{md_escape(mcl.number('high_risk_min_score').verbatim)}")
    st.markdown(f"{md_escape(t('cytopenia.hematotox_markers'))}\n\n> {md_escape(ht.number('markers').verbatim)}")
    st.markdown(f"{md_escape(t('cytopenia.hematotox_lbcl_only'))}\n\n> {md_escape(mcl.number('lbcl_only').verbatim)}")

    m = hematotox.myeloma_validation()
    st.markdown(f"**{md_escape(t('cytopenia.myeloma_heading'))}**")
    rows = [
        ("patients", m.high_n, m.low_n, ""),
        ("neutropenia", m.severe_neutropenia_median_days_high, m.severe_neutropenia_median_days_low, ""),
        ("infection", m.severe_infection_pct_high, m.severe_infection_pct_low, "%"),
        ("icans", m.icans_ge3_pct_high, m.icans_ge3_pct_low, "%"),
        ("nrm", m.nrm_1y_pct_high, m.nrm_1y_pct_low, "%"),
        ("vgpr", m.vgpr_pct_high, m.vgpr_pct_low, "%"),
        ("pfs", m.pfs_median_months_high, m.pfs_median_months_low, ""),
    ]
    head = [t("cytopenia.myeloma_columns.measure"), t("cytopenia.myeloma_columns.high"),
            t("cytopenia.myeloma_columns.low")]
    body = [[t(f"cytopenia.myeloma_rows.{k}"), f"{_fmt(hi)}{unit}", f"{_fmt(lo)}{unit}"] for k, hi, lo, unit in rows]
    body.append([t("cytopenia.myeloma_rows.os"), _fmt(m.os_median_months_high), t("cytopenia.not_reached")])
    st.markdown(md_table(head, body))
    st.caption(t("cytopenia.myeloma_caption", patients=m.patients))


# --- the page -------------------------------------------------------------------------------

st.title(t("cytopenia.title"))
st.warning(t("cytopenia.beyond"), icon=":material/travel_explore:")

st.subheader(t("cytopenia.series_heading"))
_restore_table()
raw = st.text_area(t("cytopenia.table_label"), key=TABLE_KEY, height=220, help=t("cytopenia.table_help"),
                   placeholder=t("cytopenia.table_placeholder"))
st.session_state[SAVED_KEY] = raw

table = hematotox.parse_lab_table(raw or "")
if table.problems:  # right under the table, each line named
    st.error("\n".join([t("cytopenia.problems_heading"), *(f"- {md_escape(_problem_text(p))}" for p in table.problems)]))
if table.header_skipped:
    st.caption(t("cytopenia.header_skipped"))
col_example, col_clear = st.columns(2)
col_example.button(t("cytopenia.example_button"), on_click=_fill_example, width="stretch")
col_clear.button(t("cytopenia.clear_button"), on_click=_clear, width="stretch")
# The callbacks run before the next run's script, so a chosen file fills the table above.
st.file_uploader(t("cytopenia.upload_label"), type=["csv", "txt", "tsv"], key=UPLOAD_KEY, on_change=_read_upload)
if st.session_state.get("cytopenia_upload_problem"):
    st.error(t("cytopenia.upload_unreadable"))

if table.rows:
    n_anc = sum(r.anc_10e9_l is not None for r in table.rows)
    n_plt = sum(r.plt_10e9_l is not None for r in table.rows)
    st.caption(t("cytopenia.rows_read", rows=len(table.rows), anc=n_anc, plt=n_plt))
    st.download_button(t("cytopenia.download_csv"), data=hematotox.table_to_csv(table.rows),
                       file_name="blood_counts.csv", mime="text/csv", width="stretch")

    st.subheader(t("cytopenia.grades_heading"))
    early, late = hematotox.icaht_both(table.anc_values())
    _grade(early)
    _grade(late)
    st.caption(t("cytopenia.provenance_icaht"))

    fig = _chart(table.rows)
    if fig is not None:
        st.subheader(t("cytopenia.chart_heading"))
        st.plotly_chart(fig, config=CHART_CONFIG, key="cytopenia_chart")
        st.caption(t("cytopenia.chart_caption"))
else:
    st.info(t("cytopenia.no_rows"))

with st.expander(t("cytopenia.sources_heading")):
    _sources(hematotox.ICAHT_SOURCE_IDS)

st.subheader(t("cytopenia.consensus_heading"))
quote_cards(CONSENSUS_RECS)

_hematotox()
with st.expander(t("cytopenia.sources_heading") + " · CAR-HEMATOTOX"):
    _sources(tuple(s for s in hematotox.HEMATOTOX_SOURCE_IDS if s not in hematotox.ICAHT_SOURCE_IDS))

disclaimer()
