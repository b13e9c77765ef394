"""Printed sheets for the tests: the typical selections of the dose sheet (lymphodepletion alone,
tocilizumab with the steroids, a CRS plan, an ICANS plan), everything at once, /toxicity's sheet of its
two result cards, and helpers to check the print CSS."""

from __future__ import annotations

import re
from datetime import date, datetime

from logic import cards, crs, dose_sheet, dosing, icans, plans
from logic.models import Grade

NOW = datetime(2026, 3, 1, 9, 30)


def _items(lang: str, infusion: date | None) -> dict[str, dose_sheet.SheetItem]:
    given = [datetime(2026, 3, 1, 6, 0)]
    check = dosing.tocilizumab_next(given, NOW)
    crs_plan = plans.crs_management_plan(Grade(grade=2, at_least=False, drivers=[], recommendation_ids=[]), 72, given,
                                         NOW)
    icans_plan = plans.icans_management_plan(Grade(grade=2, at_least=False, drivers=[], recommendation_ids=[]), None,
                                             72, given, NOW)
    return {
        "tocilizumab": dose_sheet.item_from_calculation("tocilizumab", dosing.tocilizumab(72), lang),
        "toci_check": dose_sheet.item_from_toci_check(check, given, NOW, lang),
        "dexamethasone": dose_sheet.item_from_calculation("dexamethasone", dosing.dexamethasone(False), lang),
        "dexamethasone_refractory": dose_sheet.item_from_calculation("dexamethasone_refractory",
                                                                     dosing.dexamethasone(True), lang),
        "methylprednisolone": dose_sheet.item_from_calculation("methylprednisolone", dosing.methylprednisolone(72),
                                                               lang),
        "methylprednisolone_high": dose_sheet.item_from_calculation(
            "methylprednisolone_high", dosing.methylprednisolone(None, high_dose=True), lang),
        "levetiracetam": dose_sheet.item_from_levetiracetam(dosing.levetiracetam(), lang, None),
        "lymphodepletion": dose_sheet.item_from_plan(
            dosing.lymphodepletion_plan("CT103A", 170, 72, infusion=infusion), lang, None),
        "crs_plan": dose_sheet.item_from_management_plan(crs_plan, lang, "UTC+8"),
        "icans_plan": dose_sheet.item_from_management_plan(icans_plan, lang, "UTC+8"),
        "collection": dose_sheet.item_from_collection(dosing.collection_target(72), 72, lang),
    }


TYPICAL = {
    "lymphodepletion": ("lymphodepletion",),
    # Tocilizumab with its course and the four steroid lines (CRS/ICANS doses). With levetiracetam
    # too, the English sheet (Chinese quote + our English) runs to a second, numbered page.
    "tocilizumab_steroids": ("tocilizumab", "toci_check", "dexamethasone", "dexamethasone_refractory",
                             "methylprednisolone", "methylprednisolone_high"),
    "crs_plan": ("crs_plan",),
    "icans_plan": ("icans_plan",),
}


def dose_sheet_html(lang: str, parts: tuple[str, ...] | None = None, infusion: date | None = date(2026, 3, 10),
                    version: str = "0.1.0") -> str:
    items = _items(lang, infusion)
    # Everything /dosing can gather (its sheet has no ICANS plan: no ICANS grade reaches /dosing).
    chosen = parts if parts is not None else tuple(p for p in items if p != "icans_plan")
    return dose_sheet.render_html(dose_sheet.DoseSheet(
        lang=lang, generated_at=NOW, zone="UTC+8", version=version, weight_kg=72, height_cm=170, bsa_m2=1.84,
        items=tuple(items[p] for p in chosen)))


def render(lang: str, items: tuple[dose_sheet.SheetItem, ...]) -> str:
    return dose_sheet.render_html(dose_sheet.DoseSheet(lang=lang, generated_at=NOW, zone="UTC+8", version="0.1.0",
                                                       weight_kg=72, items=items))


def toxicity_sheet_html(lang: str, came_from: str = "crs", weight: float | None = 68.0) -> str:
    """/toxicity's sheet as the page builds it: the night nurse's CRS grade 3 (39.2 °C, one vasopressor,
    4 L/min) with ICANS grade 2 (ICE 5), each card from its own plan, one weight."""
    cf = crs.CRSFindings(max_temp_c=39.2, hypotension="one_vasopressor", hypoxia="low_flow")
    f = icans.ICANSFindings(ice_score=5, consciousness="normal", seizure="none", motor_weakness="none",
                            cerebral_edema="none")
    ca, a = crs.assess_crs(cf), icans.assess_icans(f)
    cp = plans.crs_management_plan(ca.grade, weight, [], NOW)
    ip = plans.icans_management_plan(a.grade, ca.grade, weight, [], NOW)
    results = [(cards.crs_card(cf, ca, cp, lang, "UTC+8"), weight),
               (cards.icans_card(f, None, a, ip, ca.grade, lang, "UTC+8"), weight)]
    return dose_sheet.render_html(dose_sheet.toxicity_sheet(results, came_from, generated_at=NOW, version="0.1.0",
                                                            zone="UTC+8"))


def font_sizes_pt(page: str) -> list[float]:
    """Every font-size in the sheet's CSS, in pt (px converted at 0.75 pt/px)."""
    css = "".join(re.findall(r"<style>(.*?)</style>", page, flags=re.S))
    sizes = []
    for value, unit in re.findall(r"font-size:\s*([\d.]+)\s*(pt|px|rem|em|%)", css):
        v = float(value)
        sizes.append({"pt": v, "px": v * 0.75, "rem": v * 12, "em": v * 12, "%": v * 0.12}[unit])
    # A font shorthand (font: 10pt/1.35 ...) counts too.
    sizes += [float(v) for v in re.findall(r"font:\s*([\d.]+)pt", css)]
    return sizes


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
