"""Drug doses: tocilizumab with its course guard, steroids, levetiracetam, lymphodepletion
by BSA (Table 2), CAR-T cell dose (Table 1), collection target, and a printable dose sheet.

Thin: reads widgets, calls logic.dosing / logic.dose_sheet, renders. Query parameters
(docs/CONVENTIONS.md): weight_kg, height_cm, regimen, drug, infusion.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from logic import cards, caveats, dose_sheet, dosing, plans
from logic.models import Grade
from ui import clock, patient, persist
from ui.components import disclaimer, md_escape, quote_card, result_card
from ui.footer import app_version
from ui.i18n import lang, t
from ui.print import print_button

SECTIONS = ("tocilizumab", "steroids", "lymphodepletion", "cells", "sheet")


# --- errors from logic, in the user's language -------------------------------------------

def _error_text(err: ValidationError | ValueError) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        if first.get("type", "") in dosing.ERROR_TYPES:
            return patient.error_text(err)
        return t("dosing.err.generic", message=first.get("msg", ""))
    return t("dosing.err.generic", message=str(err))


def _show_error(err: ValidationError | ValueError) -> None:
    st.error(md_escape(_error_text(err)), icon=":material/error:")


# --- query parameters: read once per distinct link, to seed widget state -----------------
# weight_kg, height_cm, regimen and infusion are the patient's (ui/patient.py reads and writes them).

def _seed_from_query() -> None:
    raw = st.query_params.get("drug")
    # section= opens a section; from= (e.g. from=toxicity) says where a link to the sheet came
    # from, so the sheet starts with that origin's items.
    opened, came_from = st.query_params.get("section"), st.query_params.get("from")
    given = tuple((k, v) for k, v in (("drug", raw), ("section", opened), ("from", came_from)) if v is not None)
    if st.session_state.get("dosing_qp_seen") == given:
        return
    st.session_state["dosing_qp_seen"] = given
    notes: list[str] = []
    for name, value, allowed, key in (("section", opened, SECTIONS, "dosing_section"),
                                      ("from", came_from, tuple(dose_sheet.PRESELECT), "dosing_sheet_from")):
        if value is None:
            continue
        if str(value) in allowed:
            st.session_state[key] = str(value)
        else:
            notes.append(t("dosing.qp_ignored", name=name, value=str(value)[:60], reason=t("dosing.qp_bad_choice")))
    if raw is not None:
        raw = str(raw)[:60]
        if raw in dose_sheet.ORIGIN_OF_DRUG:  # a drug's section is also its sheet's origin (logic)
            st.session_state["dosing_section"] = dose_sheet.ORIGIN_OF_DRUG[raw]
        else:
            notes.append(t("dosing.qp_ignored", name="drug", value=raw, reason=t("dosing.qp_bad_choice")))
    st.session_state["dosing_qp_notes"] = notes


# --- rendering helpers -----------------------------------------------------------------

def _inputs_text(calc: dosing.Calculation) -> str:
    parts = []
    for name, value in calc.inputs:
        shown = t(f"dosing.value.{value}") if value in ("yes", "no", "male", "female") else value
        parts.append(f"{t('dosing.input.' + name)} {shown}")
    return ", ".join(parts)


def _calc_block(calc: dosing.Calculation, heading: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{md_escape(heading)}**")
        st.markdown(f"### {md_escape(dose_sheet.dose_line(calc, lang()))}")
        if calc.inputs:
            st.caption(f"{t('dosing.inputs_label')}: {md_escape(_inputs_text(calc))}")
        st.markdown(f"{t('dosing.formula_label')}: {md_escape(calc.formula)}")
        if calc.dose.capped and calc.cap is not None and calc.uncapped is not None:
            st.warning(md_escape(t("dosing.capped_note", uncapped=f"{calc.uncapped:g}", cap=f"{calc.cap:g}")),
                       icon=":material/vertical_align_top:")
        if calc.rounding != "none":
            st.markdown(f"{t('dosing.unrounded_label')}: {calc.unrounded:g} mg → "
                        f"{t('dosing.rounded_label')}: **{calc.rounded:g} mg**")
        st.caption(f"{t('dosing.rounding_label')}: {t('dosing.rounding_rule.' + calc.rounding)}")
        st.caption(f"{t('dosing.called_for_label')}: "
                   + "; ".join(t(f"dosing.indication.{r}") for r in calc.indications))
        quote_card(calc.recommendation_ids[0])
        others = [r for r in (*calc.recommendation_ids[1:], *calc.indications) if r != calc.recommendation_ids[0]]
        if others:
            with st.expander(t("dosing.quotes_label") + f" ({len(dict.fromkeys(others))})"):
                for rec_id in dict.fromkeys(others):
                    quote_card(rec_id)


def _fmt_time(x: datetime | None) -> str:
    return clock.fmt(x) if x else t("dosing.toci.not_binding")


# --- page --------------------------------------------------------------------------------

persist.restore_page("dosing_")
patient.reset_values({"dosing_refractory": False})
st.session_state.setdefault("dosing_creatinine", None)
st.session_state.setdefault("dosing_creatinine_unit", None)
_seed_from_query()
if st.session_state.get("dosing_section") not in SECTIONS:
    st.session_state["dosing_section"] = "tocilizumab"
_inline = {"weight_kg", "height_cm"} | {
    "tocilizumab": {patient.TOCI}, "lymphodepletion": {"age", "sex", "regimen", "infusion"}}.get(
    st.session_state["dosing_section"], set())
strip = patient.strip(inline=_inline)
st.title(t("dosing.title"))
st.caption(t("dosing.intro"))
disclaimer()
for note in st.session_state.get("dosing_qp_notes", []):
    st.warning(md_escape(note), icon=":material/link_off:")

st.subheader(t("dosing.patient_heading"))
col_w, col_h = st.columns(2)
with col_w:
    # No widget bounds: grams, -60 or 0.06 reach logic, which names the slip under the field.
    weight = patient.number_field("weight_kg", t("dosing.weight_label"), "dosing_weight_kg", step=0.1, fmt="%.1f",
                                  help=t("dosing.weight_help"))
with col_h:
    height = patient.number_field("height_cm", t("dosing.height_label"), "dosing_height_cm", step=0.5, fmt="%.1f",
                                  help=t("dosing.height_help"))
st.caption(t("dosing.no_identifiers"))

section = st.segmented_control(t("dosing.section_label"), SECTIONS, key="dosing_section", required=True,
                               format_func=lambda s: t(f"dosing.sections.{s}"), width="stretch")
if section != "sheet":  # the sheet starts with the items of the section used last
    st.session_state["dosing_sheet_from"] = section

# Everything computable from what was entered: the sections show it, the sheet gathers it.
now = clock.wall_now()  # the user's clock (the dose times are the user's wall-clock times)
toci = dosing.tocilizumab(weight) if weight is not None else None
dex, dex_refr = dosing.dexamethasone(False), dosing.dexamethasone(True)
mp = dosing.methylprednisolone(weight) if weight is not None else None
mp_high = dosing.methylprednisolone(None, high_dose=True)
lev = dosing.levetiracetam()
collection = dosing.collection_target(weight) if weight is not None else None
given = patient.current().toci_given
toci_check: dosing.TocilizumabCheck | None = None
toci_error: ValidationError | None = None
if given:
    try:
        toci_check = dosing.tocilizumab_next(given, now)
    except ValidationError as e:
        toci_error = e
regimen_name = st.session_state.get(patient.key("regimen"))
bsa_formula = st.session_state.get("dosing_bsa_formula") or "mosteller"
infusion = st.session_state.get(patient.key("infusion"))
plan = None
if regimen_name and weight is not None and height is not None:
    plan = dosing.lymphodepletion_plan(regimen_name, height, weight, bsa_formula, infusion)
crcl = None
crcl_error: ValidationError | None = None
age, sex = strip.patient.age, strip.patient.sex
creat, creat_unit = st.session_state.get("dosing_creatinine"), st.session_state.get("dosing_creatinine_unit")
if weight is not None and None not in (age, sex, creat, creat_unit):
    try:
        crcl = dosing.creatinine_clearance_working(int(age), weight, sex, float(creat), creat_unit)
    except ValidationError as e:
        crcl_error = e

if section == "tocilizumab":
    if toci is None:
        st.info(t("dosing.need_weight"), icon=":material/scale:")
    else:
        _calc_block(toci, t("dosing.drug.tocilizumab"))
        st.markdown(md_escape(t("dosing.toci.volume", ml=f"{toci.volume_ml:g}", conc=f"{toci.concentration_mg_per_ml:g}",
                                mg=f"{toci.rounded:g}")))
        st.markdown(md_escape(t("dosing.toci.infusion", h=f"{toci.infusion_min_h:g}")))
    st.subheader(t("dosing.toci.guard_heading"))
    st.caption(t("dosing.toci.guard_intro"))
    with st.container(border=True, key="dosing_toci_log"):
        st.caption(md_escape(t("dosing.toci.log_shared")))
        patient.toci_editor("dosing")
    if toci_error is not None:
        _show_error(toci_error)
    check = toci_check or (dosing.tocilizumab_next([], now) if not given else None)
    if check is not None:
        st.caption(md_escape(t("dosing.toci.now_label", now=clock.fmt(now))))
        if check.allowed:
            st.success(f"**{t('dosing.toci.allowed_yes')}**", icon=":material/check_circle:")
        elif check.earliest is None:
            st.error(f"**{t('dosing.toci.no_more')}**", icon=":material/block:")
        else:
            st.error(f"**{t('dosing.toci.allowed_no')}** {md_escape(t('dosing.toci.earliest', time=_fmt_time(check.earliest)))}",
                     icon=":material/schedule:")
        if check.earliest is not None:
            st.markdown("#### " + md_escape(t("dosing.toci.earliest_now") if check.allowed
                                             else t("dosing.toci.earliest", time=_fmt_time(check.earliest))))
        st.markdown(md_escape(t("dosing.toci.doses_total", n=check.doses_total, max=check.max_doses_total)))
        st.markdown(f"{t('dosing.toci.rule_label')}: {md_escape(dose_sheet.toci_rule_text(check, lang()))}")
        with st.container(border=True):
            st.markdown(f"**{t('dosing.toci.limit_24h_heading')}**")
            st.markdown("- " + md_escape(t("dosing.toci.limit_24h_printed", printed=check.max_doses_24h_printed)) + "\n"
                        "- " + md_escape(t("dosing.toci.limit_24h_label", label=check.max_doses_24h_label)) + "\n"
                        "- **" + md_escape(t("dosing.toci.limit_24h_stricter", label=check.max_doses_24h_label,
                                              printed=check.max_doses_24h_printed)) + "**")
            if check.doses_total and check.earliest is not None:
                st.caption(" · ".join([
                    md_escape(t("dosing.toci.by_interval", time=_fmt_time(check.earliest_by_interval))),
                    md_escape(t("dosing.toci.by_label", label=check.max_doses_24h_label,
                                time=_fmt_time(check.earliest_by_label_24h))),
                    md_escape(t("dosing.toci.by_printed", printed=check.max_doses_24h_printed,
                                time=_fmt_time(check.earliest_by_printed_24h)))]))
        st.caption(md_escape(t("dosing.toci.repeat_rule", interval=f"{check.min_interval_h:g}",
                               total=check.max_doses_total)))
        if toci is None:
            quote_card(check.recommendation_ids[0])

elif section == "steroids":
    st.checkbox(t("dosing.steroids.refractory_label"), key="dosing_refractory")
    refractory = bool(st.session_state.get("dosing_refractory"))
    _calc_block(dex_refr if refractory else dex, t("dosing.steroids.dex_heading"))
    if mp is None:
        with st.container(border=True):
            st.markdown(f"**{t('dosing.steroids.mp_heading')}**")
            st.info(t("dosing.need_weight"), icon=":material/scale:")
    else:
        _calc_block(mp, t("dosing.steroids.mp_heading"))
    _calc_block(mp_high, t("dosing.steroids.mp_high_heading"))
    _calc_block(lev, t("dosing.steroids.lev_heading"))
    lev_renal = caveats.levetiracetam_renal(crcl.rounded if crcl is not None else None)  # review M10
    (st.warning if lev_renal.label_limits_dose else st.caption)(md_escape(caveats.renal_text(lev_renal, lang())))

elif section == "lymphodepletion":
    st.markdown(f"**{md_escape(t('dosing.ld.recommended'))}**")
    quote_card("ld_recommended_flu_cy", link=False)
    patient.choice_field("regimen", t("dosing.ld.regimen_label"), "dosing_regimen",
                         dosing.lymphodepletion_regimens(), str, kind="select")
    st.caption(md_escape(caveats.trial_regimen_caveat(lang())))  # review M7 (ii)
    if st.session_state.get("dosing_bsa_formula") not in ("mosteller", "dubois"):
        st.session_state["dosing_bsa_formula"] = "mosteller"
    st.segmented_control(t("dosing.ld.formula_label"), ("mosteller", "dubois"), key="dosing_bsa_formula",
                         required=True, format_func=lambda f: t(f"dosing.ld.formulas.{f}"))
    patient.date_field("infusion", t("dosing.ld.infusion_label"), "dosing_infusion")
    if weight is None:
        st.info(t("dosing.need_weight"), icon=":material/scale:")
    if height is None:
        st.info(t("dosing.need_height"), icon=":material/height:")
    if plan is not None:
        # The answer first (issue 15): BSA and both daily doses, from the plan the table below shows.
        result_card(cards.ld_card(plan, lang(), crcl.rounded if crcl is not None else None), "dosing_ld")
        st.markdown("### " + md_escape(t("dosing.ld.bsa_line", bsa=f"{plan.bsa_m2:.2f}",
                                         exact=f"{plan.bsa_unrounded:.4f}")))
        st.caption(md_escape(cards.bsa_formula_text(plan.bsa_formula, lang())))
        if plan.no_fludarabine:
            st.warning(md_escape(t("dosing.ld.no_fludarabine")), icon=":material/info:")
        cy = plan.regimen.drug("cyclophosphamide")
        if cy is not None and len(cy.days) == 1:
            st.info(md_escape(t("dosing.ld.single_day", day=cy.days[0])), icon=":material/event:")
        if (per_kg := caveats.per_kg_comparison(plan)) is not None:  # review M7 (iv)
            st.warning(md_escape(caveats.per_kg_text(per_kg, plan, lang())), icon=":material/scale:")
        if not plan.no_fludarabine:  # review M7 (iii): every fludarabine regimen carries its renal line
            flu_renal = caveats.fludarabine_renal(crcl.rounded if crcl is not None else None)
            (st.warning if flu_renal.label_limits_dose else st.info)(
                md_escape(caveats.renal_text(flu_renal, lang())), icon=":material/water_drop:")
        dates = dict(plan.dates)
        frame = pd.DataFrame([{
            t("dosing.ld.table_day"): f"D{d.day}",
            t("dosing.ld.table_date"): dates[d.day].isoformat() if d.day in dates else "",
            t("dosing.ld.table_drug"): t(f"dosing.drug.{d.drug}"),
            t("dosing.ld.table_mg"): d.amount_mg,
            t("dosing.renal.route_col"): caveats.route_text(lang()),
            t("dosing.ld.table_unrounded"): d.unrounded_mg,
            t("dosing.ld.table_basis"): d.basis,
            t("dosing.ld.table_formula"): d.formula,
        } for d in plan.doses])
        st.dataframe(frame, hide_index=True, width="stretch")
        if dates:
            st.caption(f"D0 {dates[0].isoformat()}: {t('dosing.ld.infusion_day')}")
        totals = {}
        for d in plan.doses:
            totals[d.drug] = totals.get(d.drug, 0.0) + d.amount_mg
        st.markdown(md_escape(t("dosing.ld.total_line", totals="; ".join(
            f"{t('dosing.drug.' + k)} {v:g} mg" for k, v in totals.items()))))
        st.caption(f"{t('dosing.rounding_label')}: {t('dosing.rounding_rule.' + plan.rounding)}")
        quote_card(plan.regimen.recommendation_id)
    with st.container(border=True):
        st.markdown(f"**{t('dosing.ld.renal_heading')}**")
        st.caption(t("dosing.ld.renal_intro"))
        c1, c2 = st.columns(2)
        with c1:
            patient.number_field("age", t("dosing.ld.age_label"), "dosing_age")
        with c2:
            patient.choice_field("sex", t("dosing.ld.sex_label"), "dosing_sex", ("male", "female"),
                                 lambda s: t(f"dosing.value.{s}"))
        c3, c4 = st.columns(2)
        c3.number_input(t("dosing.ld.creatinine_label"), step=1.0, format="%.2f", key="dosing_creatinine")
        c4.segmented_control(t("dosing.ld.creatinine_unit_label"), ("umol/L", "mg/dL"), key="dosing_creatinine_unit",
                             format_func=lambda u: {"umol/L": "µmol/L"}.get(u, u))
        if crcl_error is not None:
            _show_error(crcl_error)
        if crcl is not None:
            st.markdown("#### " + md_escape(t("dosing.ld.crcl_line", crcl=f"{crcl.rounded:g}")))
            st.caption(md_escape(t("dosing.ld.crcl_converted", umol=f"{crcl.creatinine_umol_l:.0f}",
                                   mgdl=f"{crcl.creatinine_mg_dl:.2f}")))
            st.markdown(md_escape(crcl.formula))
            st.caption(md_escape(t("dosing.ld.crcl_formula")))
            st.warning(md_escape(t("dosing.ld.crcl_action")), icon=":material/warning:")
            st.caption(md_escape(t("dosing.ld.crcl_source")))

elif section == "cells":
    st.subheader(t("dosing.cells.collection_heading"))
    if collection is None:
        st.info(t("dosing.need_weight"), icon=":material/scale:")
    else:
        item = dose_sheet.item_from_collection(collection, weight, lang())
        st.markdown("### " + md_escape(item.dose))
        st.markdown(f"{t('dosing.formula_label')}: {md_escape(collection.formula)}")
    quote_card("apheresis_collection_target")
    st.subheader(t("dosing.cells.heading"))
    st.caption(t("dosing.cells.intro"))
    rows_cd = dosing.cell_doses(weight)
    st.dataframe(pd.DataFrame([{
        t("dosing.cells.col_product"): r.product,
        t("dosing.cells.col_trial"): f"{r.author} ({r.source})",
        t("dosing.cells.col_printed"): r.dose_text,
        t("dosing.cells.col_per_kg"): t("dosing.cells.yes") if r.dose_per_kg else t("dosing.cells.flat"),
        t("dosing.cells.col_total"): (r.formula.split("= ")[-1] if r.formula else
                                      (r.dose_text if not r.dose_per_kg else "")),
    } for r in rows_cd]), hide_index=True, width="stretch")
    labels = {r.source: f"{r.product} · {r.author}" for r in rows_cd}
    default_row = next((r.source for r in rows_cd if r.product == regimen_name), rows_cd[0].source)
    if st.session_state.get("dosing_cell_row") not in labels:
        st.session_state["dosing_cell_row"] = default_row
    chosen = st.selectbox(t("dosing.cells.row_quote_label"), list(labels), key="dosing_cell_row",
                          format_func=labels.get)
    row = next(r for r in rows_cd if r.source == chosen)
    st.markdown("### " + md_escape(row.dose_text))
    if row.formula:
        st.markdown(f"{t('dosing.formula_label')}: {md_escape(row.formula)}")
    if row.recommendation_id:
        quote_card(row.recommendation_id)

elif section == "sheet":
    st.subheader(t("dosing.sheet.heading"))
    st.caption(t("dosing.sheet.intro"))
    L = lang()
    items: dict[str, dose_sheet.SheetItem] = {}
    if toci is not None:
        items["tocilizumab"] = dose_sheet.item_from_calculation("tocilizumab", toci, L)
    if toci_check is not None and given:
        items["toci_check"] = dose_sheet.item_from_toci_check(toci_check, given, now, L)
    items["dexamethasone"] = dose_sheet.item_from_calculation("dexamethasone", dex, L)
    items["dexamethasone_refractory"] = dose_sheet.item_from_calculation("dexamethasone_refractory", dex_refr, L)
    if mp is not None:
        items["methylprednisolone"] = dose_sheet.item_from_calculation("methylprednisolone", mp, L)
    items["methylprednisolone_high"] = dose_sheet.item_from_calculation("methylprednisolone_high", mp_high, L)
    crcl_value = crcl.rounded if crcl is not None else None
    items["levetiracetam"] = dose_sheet.item_from_levetiracetam(lev, L, crcl_value)
    if plan is not None:
        items["lymphodepletion"] = dose_sheet.item_from_plan(plan, L, crcl_value)
    if strip.patient.crs_grade:  # the patient strip's current CRS grade: the same plan /toxicity shows
        crs_grade = Grade(grade=strip.patient.crs_grade, at_least=strip.patient.crs_at_least, drivers=[],
                          recommendation_ids=[])
        try:
            crs_plan = plans.crs_management_plan(crs_grade, weight, given or [], now)
        except ValidationError:
            crs_plan = None  # the course section names the refused dose time
        if crs_plan is not None:
            items["crs_plan"] = dose_sheet.item_from_management_plan(crs_plan, L, clock.zone_label())
    if crcl is not None:
        items["crcl"] = dose_sheet.item_from_crcl(crcl, L)
    if collection is not None and weight is not None:
        items["collection"] = dose_sheet.item_from_collection(collection, weight, L)
    if weight is None:
        st.info(t("dosing.sheet.nothing"), icon=":material/info:")
    # The choice lives in a non-widget key (ui/persist.py) so it survives page changes; it starts
    # over from the preselection when the user comes from another section.
    came_from = st.session_state.get("dosing_sheet_from")
    if st.session_state.get("dosing_sheet_choice_from") != came_from or "dosing_sheet_choice" not in st.session_state:
        st.session_state["dosing_sheet_choice"] = dose_sheet.preselected(came_from, list(items))
        st.session_state["dosing_sheet_choice_from"] = came_from
    st.session_state["dosing_sheet_parts"] = [p for p in st.session_state["dosing_sheet_choice"] if p in items]
    chosen_parts = st.multiselect(t("dosing.sheet.include_label"), list(items),
                                  format_func=lambda p: t(f"dosing.sheet.parts.{p}"), key="dosing_sheet_parts")
    st.session_state["dosing_sheet_choice"] = list(chosen_parts)
    sheet = dose_sheet.DoseSheet(lang=L, generated_at=now, zone=clock.zone_label(), version=app_version(),
                                 weight_kg=weight, height_cm=height,
                                 bsa_m2=plan.bsa_m2 if plan else (
                                     round(dosing.body_surface_area(height, weight, bsa_formula), 2)
                                     if weight is not None and height is not None else None),
                                 items=tuple(items[p] for p in chosen_parts if p in items))
    for problem in dose_sheet.missing_data(sheet):  # before printing, as on the sheet itself
        st.warning(md_escape(problem), icon=":material/event_busy:")
    sheet_html = dose_sheet.render_html(sheet)
    st.caption(t("dosing.sheet.print_intro") + " " + t("common.print.pages_note"))
    print_button(sheet_html, "dose-sheet")
    st.download_button(t("dosing.sheet.download"), data=sheet_html.encode("utf-8"),
                       file_name=f"dose-sheet-{now:%Y%m%d-%H%M}.html", mime="text/html",
                       icon=":material/download:", key="dosing_sheet_download", on_click="ignore")
    st.markdown(f"**{t('dosing.sheet.preview')}**")
    for it in sheet.items:
        with st.container(border=True):
            st.markdown(f"**{md_escape(it.title)}**" + (f" · {md_escape(it.dose)}" if it.dose else ""))
            if it.table:
                head, *body = it.table
                st.dataframe(pd.DataFrame(body, columns=list(head)), hide_index=True, width="stretch")
            for d in it.details:
                st.caption(md_escape(d))

persist.save_page("dosing_")  # kept across page changes (ui/persist.py)
