"""Evidence explorer: the trials of Table 1 and the regimens of Table 2, filtered and charted.

Thin: the numbers come from logic.trials (parsed from the cleaned document), the charts only
draw them. A click on a point or a row opens that study with its registry number and quote.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from logic import content, dose_sheet, trials
from ui import charts, nav
from ui.components import disclaimer, md_escape, quote_card, quote_cards
from ui.i18n import lang, t

SELECTED = "evidence_selected_row"
SELECTED_FROM = "evidence_selected_from"  # the table or a link: the study opens beside it
COSTIM_COLOURS = {"CD28": "#d95f02", "4-1BB": "#1b9e77"}
SUMMARY_IDS = ("evidence_summary_response", "evidence_fda_approval", "evidence_dual_target_trials",
               "evidence_other_targets", "abecma_approval")


def _fmt(v: float) -> str:
    return t("evidence.not_reported") if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:g}"


def _pfs_text(row: pd.Series) -> str:
    return t("evidence.not_reached") if row["pfs_not_reached"] else _fmt(row["pfs_months"])


def _label(row: pd.Series) -> str:
    return f"{row['author']} [{row['ref']}]"


def _product_label(row: pd.Series) -> str:
    # Short lines keep the axis narrow on a 390 px phone.
    product = row["product"].replace("(", "<br>(") if len(row["product"]) > 14 else row["product"]
    return f"{product} [{row['ref']}]"


def _layout(fig: go.Figure, height: int, x_title: str, y_title: str = "") -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis_title=x_title, yaxis_title=y_title, clickmode="event+select", dragmode=False,
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(automargin=True, fixedrange=True)
    fig.update_yaxes(automargin=True, fixedrange=True)
    return fig


def _select_from(key: str) -> None:
    """A table row was chosen: remember its row id."""
    state = st.session_state.get(key)
    if not state:
        return
    sel = state.get("selection", {})
    if sel.get("rows"):
        shown = st.session_state.get("evidence_shown_rows", ())
        index = sel["rows"][0]
        if index < len(shown):
            st.session_state[SELECTED] = shown[index]
            st.session_state[SELECTED_FROM] = key


def _chart(fig: go.Figure, key: str) -> None:
    # Not selectable: Streamlit gives a selectable chart the drag mode "pan" whatever the figure says,
    # and Plotly then takes every swipe that starts on it, so on a phone or tablet the page could not be
    # scrolled past four charts (review U10). A tap shows the point's study and numbers; the Table 1 tab
    # opens any study with its registry number and quotes.
    charts.touch_chart(fig, key=key)


def _close_detail() -> None:
    st.session_state.pop(SELECTED, None)
    st.session_state.pop(SELECTED_FROM, None)


def _detail_if_from(where: str) -> None:
    """Open the chosen study right where it was tapped, so a phone need not scroll back."""
    row_id = st.session_state.get(SELECTED)
    if st.session_state.get(SELECTED_FROM, "url") != where or not row_id:
        return
    table = trials.table1()
    match = table[table["row_id"] == row_id]
    if len(match):
        _detail(match.iloc[0], trials.table2(), where)


BUBBLE_MAX_PX, BUBBLE_MAX_PATIENTS, BUBBLE_MIN_PX = 40, 128, 6
BUBBLE_SIZEREF = 2.0 * BUBBLE_MAX_PATIENTS / BUBBLE_MAX_PX**2


def _bubble_radius_px(patients: float) -> float:
    # Plotly's area sizing: radius = sqrt(size / 2 / sizeref), at least sizemin.
    return max(math.sqrt(patients / 2 / BUBBLE_SIZEREF), BUBBLE_MIN_PX)


def orr_vs_crs_chart(df: pd.DataFrame) -> go.Figure:
    x_range = (-4.0, max(45.0, float(df["crs_ge3_pct"].max()) + 5))
    y_range = (min(60.0, float(df["orr_pct"].min()) - 5), 108.0)
    # Biggest studies first: they are labelled first, and the small bubbles are drawn over them.
    df = df.sort_values(["patients", "row_id"], ascending=[False, True])
    labels = [_label(r) for _, r in df.iterrows()]
    # A name that would touch another name or bubble on a phone is left off: it shows on tap.
    where = dict(zip(df["row_id"], charts.label_positions(
        df["crs_ge3_pct"], df["orr_pct"], [_bubble_radius_px(n) for n in df["patients"]], labels,
        x_range=x_range, y_range=y_range), strict=True))
    fig = go.Figure()
    for costim, part in df.groupby("costim", sort=True):
        fig.add_trace(go.Scatter(
            x=part["crs_ge3_pct"], y=part["orr_pct"], mode="markers+text", name=costim,
            text=[_label(r) if where[r["row_id"]] else "" for _, r in part.iterrows()],
            textposition=[where[i] or "top center" for i in part["row_id"]], textfont={"size": 10},
            marker={"size": part["patients"], "sizemode": "area", "sizeref": BUBBLE_SIZEREF, "sizemin": BUBBLE_MIN_PX,
                    "color": COSTIM_COLOURS.get(costim), "opacity": 0.7, "line": {"width": 1, "color": "#333"}},
            customdata=list(zip(part["row_id"], part["product"], part["patients"],
                                [_label(r) for _, r in part.iterrows()], strict=True)),
            hovertemplate=(f"%{{customdata[3]}} · %{{customdata[1]}}<br>{t('evidence.col.orr_pct')}: %{{y}}<br>"
                           f"{t('evidence.col.crs_ge3_pct')}: %{{x}}<br>{t('evidence.col.patients')}: "
                           "%{customdata[2]}<extra></extra>"),
        ))
    _layout(fig, 420, t("evidence.col.crs_ge3_pct"), t("evidence.col.orr_pct"))
    fig.update_xaxes(range=list(x_range))
    fig.update_yaxes(range=list(y_range))
    return fig


def scr_cr_chart(df: pd.DataFrame) -> go.Figure:
    part = df.sort_values("scr_cr_pct")
    fig = go.Figure(go.Bar(
        x=part["scr_cr_pct"], y=[_product_label(r) for _, r in part.iterrows()], orientation="h",
        marker={"color": [COSTIM_COLOURS.get(c) for c in part["costim"]]},
        text=[f"{v:g}" for v in part["scr_cr_pct"]], textposition="auto",
        customdata=list(zip(part["row_id"], [_label(r) for _, r in part.iterrows()], strict=True)),
        hovertemplate=f"%{{y}} · %{{customdata[1]}}<br>{t('evidence.col.scr_cr_pct')}: %{{x}}<extra></extra>",
    ))
    _layout(fig, 90 + 34 * len(part), t("evidence.col.scr_cr_pct"))
    fig.update_xaxes(range=[0, 100])
    return fig


def toxicity_chart(df: pd.DataFrame, severe: bool) -> go.Figure:
    crs_col, ntx_col = ("crs_ge3_pct", "ntx_ge3_pct") if severe else ("crs_pct", "ntx_pct")
    labels = [_label(r) for _, r in df.iterrows()]
    fig = go.Figure()
    for col, colour in ((crs_col, "#7570b3"), (ntx_col, "#e7298a")):
        name = t(f"evidence.col.{col}")
        # Not reported is not zero: its slot carries the printed N/A, and no bar.
        fig.add_trace(go.Bar(
            x=df[col].fillna(0), y=labels, orientation="h", name=name, marker={"color": colour},
            text=[t("evidence.not_reported_short") if math.isnan(v) else f"{v:g}" for v in df[col]],
            textposition="outside", cliponaxis=False, textfont={"size": 10},
            customdata=list(zip(df["row_id"], df["product"], [_fmt(v) for v in df[col]], strict=True)),
            hovertemplate=f"%{{y}} · %{{customdata[1]}}<br>{name}: %{{customdata[2]}}<extra></extra>",
        ))
    _layout(fig, 110 + 46 * len(df), t("evidence.rate_pct"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(range=[0, 112])
    fig.update_yaxes(autorange="reversed")
    return fig


def pfs_chart(df: pd.DataFrame) -> go.Figure:
    reported = df[df["pfs_months"].notna()].sort_values("pfs_months")
    reached_not = df[df["pfs_not_reached"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=reported["pfs_months"], y=[_label(r) for _, r in reported.iterrows()], orientation="h",
        name=t("evidence.col.pfs_months"), marker={"color": "#66a61e"},
        text=[f"{v:g}" for v in reported["pfs_months"]], textposition="auto",
        customdata=list(zip(reported["row_id"], reported["product"], strict=True)),
        hovertemplate=f"%{{y}} · %{{customdata[1]}}<br>{t('evidence.col.pfs_months')}: %{{x}}<extra></extra>",
    ))
    if len(reached_not):
        # Not reached has no number: a label, never a bar length.
        fig.add_trace(go.Scatter(
            x=[0] * len(reached_not), y=[_label(r) for _, r in reached_not.iterrows()], mode="markers+text",
            marker={"symbol": "arrow-right", "size": 14, "color": "#66a61e"},
            text=[t("evidence.not_reached")] * len(reached_not), textposition="middle right",
            name=t("evidence.not_reached"),
            customdata=list(zip(reached_not["row_id"], reached_not["product"], strict=True)),
            hovertemplate=f"%{{y}} · %{{customdata[1]}}<br>{t('evidence.not_reached')}<extra></extra>",
        ))
    _layout(fig, 110 + 40 * (len(reported) + len(reached_not)), t("evidence.col.pfs_months"))
    fig.update_xaxes(range=[0, max(25.0, float(reported["pfs_months"].max() if len(reported) else 0) + 3)])
    return fig


def _table_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        t("evidence.col.study"): [_label(r) for _, r in df.iterrows()],
        t("evidence.col.year"): df["year"].astype(str),
        t("evidence.col.registry"): df["registry"],
        t("evidence.col.patients"): df["patients"],
        t("evidence.col.product"): df["product"],
        t("evidence.col.costim"): df["costim"],
        t("evidence.col.dose_text"): df["dose_text"],
    })
    for col in ("crs_pct", "crs_ge3_pct", "ntx_pct", "ntx_ge3_pct", "orr_pct", "scr_cr_pct", "efs_months"):
        out[t(f"evidence.col.{col}")] = [_fmt(v) for v in df[col]]
    out[t("evidence.col.pfs_months")] = [_pfs_text(r) for _, r in df.iterrows()]
    return out


def _detail(row: pd.Series, regimens: pd.DataFrame, where: str) -> None:
    with st.container(border=True, key=f"evidence_detail_{where}"):
        st.subheader(t("evidence.detail_heading", study=_label(row), year=row["year"]))
        st.markdown(f"**{t('evidence.col.registry')}**: {md_escape(row['registry'])}")
        dose_kind = t("evidence.dose_per_kg") if row["dose_per_kg"] else t("evidence.dose_flat")
        st.markdown(md_escape(t("evidence.detail_line", product=row["product"], costim=row["costim"],
                                patients=row["patients"], dose=row["dose_text"], dose_kind=dose_kind)))
        figures = [(t(f"evidence.col.{c}"), _fmt(row[c])) for c in
                   ("crs_pct", "crs_ge3_pct", "ntx_pct", "ntx_ge3_pct", "orr_pct", "scr_cr_pct", "efs_months")]
        figures.append((t("evidence.col.pfs_months"), _pfs_text(row)))
        st.markdown("\n".join(f"- {md_escape(k)}: **{md_escape(v)}**" for k, v in figures))
        quote_card(row["recommendation_id"])
        mine = regimens[regimens["ref"] == row["ref"]] if len(regimens) else regimens
        if len(mine):
            st.caption(t("evidence.detail_regimen"))
            quote_card(mine["recommendation_id"].iloc[0], show_notes=True)
            _dosing_link(mine["product"].iloc[0])
        st.button(t("evidence.close"), key=f"evidence_close_{where}", on_click=_close_detail,
                  icon=":material/close:")


def _dosing_link(product: str | None = None) -> None:
    if "dosing" not in {slug for slug, _ in nav.available()}:
        return
    params = dose_sheet.with_origin({"lang": lang(), "drug": "lymphodepletion"} | ({"regimen": product} if product else {}))
    st.page_link("pages/dosing.py", label=t("evidence.to_dosing"), icon=":material/medication:", query_params=params)


def _seed_from_url(table: pd.DataFrame) -> None:
    wanted = st.query_params.get("trial")
    if wanted and "evidence_url_read" not in st.session_state:
        st.session_state["evidence_url_read"] = True
        if wanted in set(table["row_id"]):
            st.session_state[SELECTED] = wanted
            st.session_state[SELECTED_FROM] = "url"
        else:
            st.warning(t("evidence.unknown_trial", trial=wanted[:40]))


def _tab_table(shown: pd.DataFrame) -> None:
    if shown.empty:
        st.info(t("evidence.no_rows"))
        return
    st.caption(t("evidence.table_hint", n=len(shown), patients=int(shown["patients"].sum())))
    st.dataframe(_table_frame(shown), hide_index=True, key="evidence_table", on_select=lambda: _select_from(
        "evidence_table"), selection_mode="single-row", width="stretch",
        column_config={t("evidence.col.study"): st.column_config.TextColumn(pinned=True)})
    _detail_if_from("evidence_table")
    st.caption(t("evidence.table_note"))


def _tab_charts(shown: pd.DataFrame) -> None:
    if shown.empty:
        st.info(t("evidence.no_rows"))
        return
    st.caption(t("evidence.charts_hint"))
    st.markdown(f"**{t('evidence.chart_orr_crs')}**")
    _chart(orr_vs_crs_chart(shown), "evidence_chart_orr")
    st.caption(t("evidence.chart_orr_crs_note"))
    st.markdown(f"**{t('evidence.chart_scr_cr')}**")
    _chart(scr_cr_chart(shown), "evidence_chart_scr")
    st.markdown(f"**{t('evidence.chart_toxicity')}**")
    severe = st.toggle(t("evidence.severe_only"), key="evidence_severe")
    _chart(toxicity_chart(shown, severe), "evidence_chart_tox")
    st.markdown(f"**{t('evidence.chart_pfs')}**")
    pfs_rows = shown[shown["pfs_months"].notna() | shown["pfs_not_reached"]]
    if pfs_rows.empty:
        st.info(t("evidence.no_pfs"))
    else:
        _chart(pfs_chart(pfs_rows), "evidence_chart_pfs")
    missing = shown[shown["pfs_months"].isna() & ~shown["pfs_not_reached"]]
    if len(missing):
        st.caption(t("evidence.pfs_not_reported", studies=", ".join(_label(r) for _, r in missing.iterrows())))
    st.caption(t("evidence.head_to_head"))


def _tab_summary(_shown: pd.DataFrame) -> None:
    ranges = trials.summary_ranges()
    st.markdown(md_escape(t("evidence.summary_check", lo=f"{ranges['orr_min_pct']:g}", hi=f"{ranges['orr_max_pct']:g}",
                            n=ranges["studies"], patients=ranges["patients"],
                            printed_lo=content.value("evidence_summary_response", "orr_min_pct"),
                            printed_hi=content.value("evidence_summary_response", "orr_max_pct"))))
    quote_cards(list(SUMMARY_IDS))


def _tab_table2(_shown: pd.DataFrame) -> None:
    regimens = trials.table2()
    st.caption(t("evidence.table2_intro"))
    t2_frame = pd.DataFrame({
        t("evidence.col.product"): regimens["product"],
        t("evidence.t2.drug"): [t(f"evidence.t2.{d}") for d in regimens["drug"]],
        t("evidence.t2.dose"): [f"{d:g} {b}" for d, b in zip(regimens["dose"], regimens["basis"], strict=True)],
        t("evidence.t2.days"): regimens["days"],
    })
    st.dataframe(t2_frame, hide_index=True, width="stretch")
    _dosing_link()


TABS = (("table", _tab_table), ("charts", _tab_charts), ("summary", _tab_summary), ("table2", _tab_table2))


# --- page ---------------------------------------------------------------------------------

st.title(t("evidence.title"))
st.caption(t("evidence.intro"))
disclaimer()

table = trials.table1()
_seed_from_url(table)

costims = sorted(table["costim"].unique())
years = sorted(int(y) for y in table["year"].unique())
st.pills(t("evidence.filter_costim"), costims, selection_mode="multi", default=costims, key="evidence_costim")
st.pills(t("evidence.filter_year"), years, selection_mode="multi", default=years, key="evidence_year")
target_labels = {k: t(f"evidence.target.{k}") for k in ("all", "single", "dual")}
st.segmented_control(t("evidence.filter_target"), list(target_labels), default="all", key="evidence_target",
                     format_func=target_labels.__getitem__)

chosen_costim = st.session_state.get("evidence_costim") or []
chosen_years = st.session_state.get("evidence_year") or []
target = st.session_state.get("evidence_target") or "all"
shown = table[table["costim"].isin(chosen_costim) & table["year"].isin(chosen_years)]
if target != "all":
    shown = shown[shown["dual_target"] == (target == "dual")]
shown = shown.reset_index(drop=True)
st.session_state["evidence_shown_rows"] = tuple(shown["row_id"])

_detail_if_from("url")

st.caption(t("evidence.head_to_head"))
# Lazy tabs: only the open tab is built, so the four charts do not weigh on the first render.
# ?tab=charts (table, charts, summary, table2) opens one directly.
wanted_tab = st.query_params.get("tab")
default_tab = dict(TABS).get(wanted_tab) and t(f"evidence.tab_{wanted_tab}")
tabs = st.tabs([t(f"evidence.tab_{name}") for name, _ in TABS], key=f"evidence_tabs_{lang()}", on_change="rerun",
               default=default_tab or None)
for tab, (_, render) in zip(tabs, TABS, strict=True):
    if tab.open is not False:
        with tab:
            render(shown)
