"""The printable dose sheet: what the dosing page computed, on one A4 page, in one language; and
the same sheet for /toxicity's CRS and ICANS plans (`toxicity_sheet`, from the result cards on screen).

Pure: builds items from logic.dosing results (and logic.cards' cards) and renders a self-contained
HTML page (print CSS for A4, body text >= 10 pt, handwritten lines for name / record number / bed,
a warning when the schedule's dates are missing, and on /toxicity's sheet the weight or a finding).
Everything placed into the HTML goes through html.escape. The page offers it as a download and
prints it (ui/print.py); nothing is written to disk.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from logic import caveats, content, print_sheet
from logic.cards import ResultCard
from logic.dosing import (
    Calculation,
    CollectionTarget,
    CreatinineClearance,
    LymphodepletionPlan,
    TocilizumabCheck,
)
from logic.plans import Plan, describe
from logic.strings import Lang, text


class SheetItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    part: str                          # e.g. "tocilizumab", "lymphodepletion"
    title: str
    dose: str                          # the line to read first
    table: tuple[tuple[str, ...], ...] = ()   # optional small table (first row = header)
    details: tuple[str, ...] = ()      # rule, formula, rounding
    recommendation_ids: tuple[str, ...] = ()
    full_quotes: int = 1               # how many of them are quoted in full (the rest by their place)
    dates_missing: bool = False        # a schedule whose date column is empty (no infusion date)
    missing: tuple[str, ...] = ()      # what else the item lacks, in the sheet's language (the warning box)


class DoseSheet(BaseModel):
    model_config = ConfigDict(frozen=True)

    lang: Lang
    kind: Literal["dose", "toxicity"] = "dose"   # its title and header: /dosing's sheet or /toxicity's plans
    generated_at: datetime
    version: str
    zone: str = ""                     # the user's zone beside generated_at (ui/clock.zone_label)
    weight_kg: float | None = None
    height_cm: float | None = None
    bsa_m2: float | None = None
    items: tuple[SheetItem, ...] = ()


# Which items a sheet starts with, by where the user came from (the /dosing section last
# used, or a link's section=/from=): a pharmacist who did lymphodepletion gets that, not all 8.
PRESELECT: dict[str, tuple[str, ...]] = {
    "tocilizumab": ("tocilizumab", "toci_check"),
    "steroids": ("dexamethasone", "dexamethasone_refractory", "methylprednisolone", "methylprednisolone_high",
                 "levetiracetam"),
    "lymphodepletion": ("lymphodepletion", "crcl"),
    "cells": ("collection",),
    "toxicity": ("crs_plan", "icans_plan", "toci_check"),
    # /toxicity's tabs: the sheet printed from the CRS tab starts with the CRS plan, from ICANS with ICANS.
    "crs": ("crs_plan",),
    "icans": ("icans_plan",),
}


# The /dosing section a drug's link opens, which is also the origin its sheet starts from: every
# link to /dosing for a drug carries from=<origin>, so its print view (section=sheet) starts with
# that section's items (issue 15 item 6). pages/dosing opens this section for a link's drug=.
ORIGIN_OF_DRUG: dict[str, str] = {"tocilizumab": "tocilizumab", "dexamethasone": "steroids",
                                  "methylprednisolone": "steroids", "levetiracetam": "steroids",
                                  "lymphodepletion": "lymphodepletion"}


def with_origin(params: dict[str, object]) -> dict[str, object]:
    """A /dosing link's query with from= added for its drug (unchanged for a drug with no section)."""
    origin = ORIGIN_OF_DRUG.get(str(params.get("drug")))
    return params | {"from": origin} if origin else dict(params)


def print_view_params(params: dict[str, str]) -> dict[str, str] | None:
    """The dose sheet's print view for a /dosing link's query: the same patient values, the sheet
    section instead of the drug's, from= kept; None when the link names no known origin."""
    if params.get("from") not in PRESELECT:
        return None
    return {k: v for k, v in params.items() if k not in ("drug", "section")} | {"section": "sheet"}


def preselected(came_from: str | None, available: list[str]) -> list[str]:
    """The items to start with: those of the section the user came from that were computed;
    every computed item when the origin is unknown or none of its items could be computed."""
    wanted = [p for p in available if p in PRESELECT.get(came_from or "", ())]
    return wanted or list(available)


def first_from(came_from: str | None, available: list[str]) -> list[str]:
    """Every item, those of the section the user came from first (in their order), then the rest."""
    wanted = [p for p in available if p in PRESELECT.get(came_from or "", ())]
    return wanted + [p for p in available if p not in wanted]


def missing_data(sheet: DoseSheet) -> list[str]:
    """What the sheet cannot show for want of an input, in its language ([] = nothing missing)."""
    problems = [text(sheet.lang, "dosing.sheet.missing_dates")] if any(i.dates_missing for i in sheet.items) else []
    return list(dict.fromkeys([*problems, *(m for item in sheet.items for m in item.missing)]))


def _n(x: float) -> str:
    return f"{x:g}"


def dose_line(calc: Calculation, lang: Lang) -> str:
    """'576 mg IV' / '10 mg IV every 6 h' in the sheet's language."""
    d = calc.dose
    if d.drug == "tocilizumab":
        return text(lang, "dosing.toci.dose_line", mg=_n(d.amount))
    freq = text(lang, f"dosing.freq.{d.frequency or 'single'}")
    return text(lang, "dosing.steroids.dose_line", mg=_n(d.amount), route=text(lang, f"dosing.route.{d.route}"),
                freq=freq)


def item_from_calculation(part: str, calc: Calculation, lang: Lang) -> SheetItem:
    details = [calc.formula]
    if calc.dose.capped and calc.cap is not None and calc.uncapped is not None:
        details.append(text(lang, "dosing.capped_note", uncapped=_n(calc.uncapped), cap=_n(calc.cap)))
    if calc.rounding != "none":
        details.append(text(lang, "dosing.sheet.rounding_line", unrounded=_n(calc.unrounded), rounded=_n(calc.rounded),
                            rule=text(lang, f"dosing.sheet.rounding_short.{calc.rounding}")))
    dose = dose_line(calc, lang)
    if calc.volume_ml is not None and calc.concentration_mg_per_ml is not None:
        details.append(text(lang, "dosing.toci.volume", ml=_n(calc.volume_ml), conc=_n(calc.concentration_mg_per_ml),
                            mg=_n(calc.rounded)))
    if calc.infusion_min_h is not None:
        details.append(text(lang, "dosing.toci.infusion", h=_n(calc.infusion_min_h)))
    return SheetItem(part=part, title=text(lang, f"dosing.sheet.parts.{part}"), dose=dose, details=tuple(details),
                     recommendation_ids=calc.recommendation_ids)


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def toci_rule_text(check: TocilizumabCheck, lang: Lang) -> str:
    """The deciding rule in the user's language (shared by the page and the sheet)."""
    when = _time(check.earliest) if check.earliest else ""
    return text(lang, f"dosing.toci.rules.{check.rule}", time=when, interval=_n(check.min_interval_h),
                label=check.max_doses_24h_label, total=check.max_doses_total, n=check.doses_total)


def item_from_toci_check(check: TocilizumabCheck, given: list[datetime], now: datetime, lang: Lang) -> SheetItem:
    verdict = text(lang, "dosing.toci.allowed_yes" if check.allowed else
                   ("dosing.toci.no_more" if check.earliest is None else "dosing.toci.allowed_no"))
    details = [text(lang, "dosing.toci.doses_total", n=check.doses_total, max=check.max_doses_total)]
    details += [f"{i}. {_time(t)}" for i, t in enumerate(given, 1)]
    details.append(text(lang, "dosing.toci.now_label", now=_time(now)))
    if check.earliest is not None:
        details.append(text(lang, "dosing.toci.earliest", time=_time(check.earliest)))
    details.append(toci_rule_text(check, lang))
    details.append(text(lang, "dosing.sheet.limits_24h", printed=check.max_doses_24h_printed,
                        label=check.max_doses_24h_label))
    return SheetItem(part="toci_check", title=text(lang, "dosing.sheet.parts.toci_check"), dose=verdict,
                     details=tuple(details), recommendation_ids=check.recommendation_ids)


def lymphodepletion_rows(plan: LymphodepletionPlan, lang: Lang) -> tuple[tuple[str, ...], ...]:
    """One row per day from the first dose to day 0: day, date, fludarabine, cyclophosphamide."""
    dates = dict(plan.dates)
    header = (text(lang, "dosing.ld.table_day"), text(lang, "dosing.ld.table_date"),
              text(lang, "dosing.drug.fludarabine"), text(lang, "dosing.drug.cyclophosphamide"))
    rows = [header]
    for day in plan.days:
        by_drug = {d.drug: d for d in plan.doses if d.day == day}
        cells = []
        for drug in ("fludarabine", "cyclophosphamide"):
            d = by_drug.get(drug)
            # Route and frequency on every row (review M7): "46 mg IV, once daily (45.5)".
            cells.append(f"{_n(d.amount_mg)} mg {caveats.route_text(lang)} ({_n(d.unrounded_mg)})" if d else "—")
        if day == 0:
            cells = [text(lang, "dosing.ld.infusion_day"), ""]
        rows.append((f"D{day}", dates[day].isoformat() if day in dates else "", *cells))
    return tuple(rows)


def item_from_plan(plan: LymphodepletionPlan, lang: Lang, crcl_ml_min: float | None = None) -> SheetItem:
    """The lymphodepletion item. `crcl_ml_min`: the clearance the page computed (None = not entered);
    every fludarabine regimen carries its renal line either way (review M7)."""
    details = [caveats.trial_regimen_caveat(lang),
               text(lang, "dosing.ld.bsa_line", bsa=f"{plan.bsa_m2:.2f}", exact=f"{plan.bsa_unrounded:.4f}")
               + f" · {plan.bsa_formula_text}"]
    if (cmp := caveats.per_kg_comparison(plan)) is not None:
        details.append(caveats.per_kg_text(cmp, plan, lang))
    if not plan.no_fludarabine:
        details.append(caveats.renal_text(caveats.fludarabine_renal(crcl_ml_min), lang))
    seen = set()
    for d in plan.doses:
        if d.drug not in seen:
            seen.add(d.drug)
            details.append(f"{text(lang, 'dosing.drug.' + d.drug)}: {d.formula}")
    if plan.no_fludarabine:
        details.append(text(lang, "dosing.ld.no_fludarabine"))
    details.append(text(lang, f"dosing.rounding_rule.{plan.rounding}"))
    return SheetItem(part="lymphodepletion",
                     title=f"{text(lang, 'dosing.sheet.parts.lymphodepletion')} · {plan.regimen.product}",
                     dose="", table=lymphodepletion_rows(plan, lang), details=tuple(details),
                     recommendation_ids=plan.recommendation_ids[:2], dates_missing=not plan.dates)


def item_from_levetiracetam(calc: Calculation, lang: Lang, crcl_ml_min: float | None = None) -> SheetItem:
    """Levetiracetam with the label's renal line for the clearance the page computed (review M10)."""
    item = item_from_calculation("levetiracetam", calc, lang)
    renal = caveats.renal_text(caveats.levetiracetam_renal(crcl_ml_min), lang)
    return item.model_copy(update={"details": (*item.details, renal)})


def _grouped(lines: Sequence[tuple[str, str | None, str | None, bool]]) -> tuple[str, ...]:
    """(text, group, group heading, plain) per plan line, laid out as the result card does: the plain
    lines (no dose, condition or group) on one line first, then each other line; lines read together
    ("one of", "and/or") under their heading, marked "· ", so two alternatives never read as two orders."""
    plain = [said for said, _, _, is_plain in lines if is_plain]
    out = [" · ".join(plain)] if plain else []
    for said, group, heading, is_plain in lines:
        if is_plain:
            continue
        if heading is not None:
            out.append(heading)
        out.append(f"· {said}" if group is not None else said)
    return tuple(out)


def _weight_missing(needs: Sequence[tuple[str, ...]], lang: Lang) -> tuple[str, ...]:
    return (text(lang, "dosing.sheet.missing_weight"),) if any("weight_kg" in n for n in needs) else ()


def item_from_management_plan(plan: Plan, lang: Lang, zone: str | None = None) -> SheetItem:
    """The CRS (Table 4) or ICANS (Table 5) plan from logic.plans (its `kind` says which), the same
    lines /toxicity and the chat show: each dose in mg (and mL) with its route, the rule where a
    per-kg dose has no weight, alternatives under their heading, the tocilizumab course guard's verdict."""
    part = f"{plan.kind}_plan"
    grade = text(lang, "dosing.sheet.plan_grade_at_least" if plan.at_least else "dosing.sheet.plan_grade",
                 grade=plan.grade)
    group: str | None = None
    lines = []
    for x in plan.lines:
        heading = text(lang, f"plans.group.{x.group}") if x.group is not None and x.group != group else None
        group = x.group
        plain = x.dose is None and x.group is None and x.condition is None and not x.may and not x.needs
        # mg and mL ("576 mg / 28.8 mL IV": the two give the strength, which the tocilizumab item and the
        # card print; the whole of /dosing's selection stays within two pages)
        said = describe(x.model_copy(update={"concentration_mg_per_ml": None}), lang, zone, volume=True)
        lines.append((said, x.group, heading, plain))
    return SheetItem(part=part, title=f"{text(lang, f'dosing.sheet.parts.{part}')} · {grade}", dose="",
                     details=_grouped(lines), recommendation_ids=tuple(plan.recommendation_ids),
                     missing=_weight_missing([x.needs for x in plan.lines], lang))


# A grade card with something to print: a grade, or findings entered that cannot grade yet (the
# sheet says "incomplete", as the card does). Nothing entered, or an entry refused: nothing to print.
PRINTABLE: frozenset[str] = frozenset({"incomplete", "at_least", "final"})


def item_from_result_card(card: ResultCard) -> SheetItem:
    """/toxicity's CRS or ICANS result card (logic.cards, built from the plan the page shows) as a
    sheet row, in the card's language: the badge (grade, "at least", "not assessed", "incomplete"),
    what set it, what is missing, the concurrent CRS, every action with its dose in mg (and mL) and
    route (the rule where the weight is missing), the app's notes, and the quotes: every row the
    actions rest on in full, the grade's rows by their place."""
    if card.kind not in ("crs", "icans"):
        raise ValueError(f"a {card.kind} card has no management plan")
    lang, part = card.lang, f"{card.kind}_plan"
    name = text(lang, f"cards.name.{card.kind}")
    details: list[str] = []
    missing: list[str] = []
    if card.status in ("not_assessed", "not_computed"):
        said = text(lang, f"dosing.sheet.card_{card.status}", label=card.label)
        details.append(said)
        missing.append(said)
    if card.drivers:
        details.append(f"{text(lang, f'cards.set_by.{card.kind}')}: " + " · ".join(card.drivers))
    if card.missing_text and card.status != "not_computed":
        details.append(card.missing_text)
        missing.append(text(lang, "dosing.sheet.missing_in", name=name, text=card.missing_text))
    if card.context:
        details.append(card.context)
    details += _grouped([(a.text, a.group, a.group_label, a.dose_mg is None and a.group is None and not a.conditional)
                         for a in card.actions])
    details += [f"{text(lang, 'cards.app_note')}: {n}" for n in card.notes]
    missing += _weight_missing([a.needs for a in card.actions], lang)
    plan_ids = dict.fromkeys(a.recommendation_id for a in card.actions)
    ids = dict.fromkeys([*plan_ids, *card.recommendation_ids])
    return SheetItem(part=part, title=text(lang, f"dosing.sheet.parts.{part}"), dose=card.label,
                     details=tuple(details), recommendation_ids=tuple(ids), full_quotes=max(len(plan_ids), 1),
                     missing=tuple(missing))


def toxicity_sheet(results: Sequence[tuple[ResultCard, float | None]], came_from: str | None, *,
                   generated_at: datetime, version: str, zone: str = "") -> DoseSheet:
    """/toxicity's sheet: one row per result card, each given with the weight its plan was built
    from (one weight for the whole sheet: a dose never stands beside another weight than its own),
    the card of the tab the user printed from first (PRESELECT "crs" / "icans")."""
    if not results:
        raise ValueError("no result card to print")
    langs = {card.lang for card, _ in results}
    weights = {w for _, w in results}
    if len(langs) != 1 or len(weights) != 1:
        raise ValueError(f"the cards were not built together (languages {sorted(langs)}, weights {weights})")
    items = {item.part: item for item in (item_from_result_card(card) for card, _ in results)}
    if len(items) != len(results):
        raise ValueError("one card per kind")
    return DoseSheet(lang=langs.pop(), kind="toxicity", generated_at=generated_at, version=version, zone=zone,
                     weight_kg=weights.pop(), items=tuple(items[p] for p in first_from(came_from, list(items))))


def item_from_crcl(crcl: CreatinineClearance, lang: Lang) -> SheetItem:
    return SheetItem(part="crcl", title=text(lang, "dosing.sheet.parts.crcl"),
                     dose=text(lang, "dosing.ld.crcl_line", crcl=_n(crcl.rounded)),
                     details=(crcl.formula, text(lang, "dosing.ld.crcl_action"), text(lang, "dosing.ld.crcl_source")))


def sci(n_1e6: float) -> str:
    """Cells as 4.32×10⁹ from a count in ×10⁶."""
    n = n_1e6 * 1e6
    exp = len(str(int(n))) - 1
    return f"{n / 10**exp:.3g}×10{str(exp).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}"


def item_from_collection(target: CollectionTarget, weight_kg: float, lang: Lang) -> SheetItem:
    return SheetItem(part="collection", title=text(lang, "dosing.sheet.parts.collection"),
                     dose=text(lang, "dosing.cells.collection_line", lo=_n(target.total_low_1e6),
                               hi=_n(target.total_high_1e6), lo_sci=sci(target.total_low_1e6),
                               hi_sci=sci(target.total_high_1e6), kg=_n(weight_kg)),
                     details=(target.formula,), recommendation_ids=(target.recommendation_id,))


_CSS = """
@page { size: A4; margin: 7mm 9mm 9mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", Arial, sans-serif;
       font-size: 10pt; line-height: 1.12; color: #000; margin: 0; }
h1 { font-size: 13pt; margin: 0 0 1mm; }
.meta { font-size: 10pt; margin: 0 0 1mm; }
.patient { font-size: 11pt; font-weight: bold; margin: 1mm 0 2mm; }
table.sheet { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.sheet th, table.sheet td { border: 0.6pt solid #444; padding: 0.6mm 1mm; vertical-align: top;
                                 overflow-wrap: anywhere; }
table.sheet th { background: #eee; text-align: left; }
col.c1 { width: 24%; } col.c2 { width: 37%; } col.c3 { width: 39%; }
.item { font-weight: bold; }
.dose { font-size: 11pt; font-weight: bold; }
table.days { border-collapse: collapse; margin-top: 0.5mm; }
table.days td, table.days th { border: 0.4pt solid #888; padding: 0.3mm 1mm; font-size: 10pt; }
.detail { margin: 0 0 0.3mm; }
.quote { font-size: 10pt; margin: 0 0 0.5mm; }
.sign { margin-top: 3mm; font-size: 10pt; }
.footer { margin-top: 1.5mm; font-size: 10pt; color: #333; }
@media screen { body { max-width: 190mm; margin: 8mm auto; } }
""" + print_sheet.PRINT_CSS


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _quote_html(rec_id: str, lang: Lang) -> str:
    rec = content.recommendation(rec_id)
    body = f"<div class='quote'><b>{_e(rec.source)}</b> {_e(rec.quote_zh)}</div>"
    if lang == "en":
        body += f"<div class='quote'><i>{_e(text(lang, 'dosing.sheet.our_english'))}</i> {_e(rec.text_en)}</div>"
    return body


def render_html(sheet: DoseSheet) -> str:
    lang = sheet.lang
    t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
    not_given = t("dosing.sheet.not_given")
    weight = f"{_n(sheet.weight_kg)} kg" if sheet.weight_kg is not None else not_given
    # The toxicity sheet's doses need the weight only; the dose sheet's the height and BSA too.
    patient = t("dosing.sheet.patient_weight", weight=weight) if sheet.kind == "toxicity" else t(
        "dosing.sheet.patient", weight=weight,
        height=f"{_n(sheet.height_cm)} cm" if sheet.height_cm is not None else not_given,
        bsa=f"{sheet.bsa_m2:.2f} m²" if sheet.bsa_m2 is not None else not_given)
    suffix = "_toxicity" if sheet.kind == "toxicity" else ""
    heading, col_dose, col_rule = (t(f"dosing.sheet.{k}{suffix}") for k in ("title", "col_dose", "col_rule"))
    rows = []
    quoted: set[str] = set()
    for item in sheet.items:
        dose = f"<div class='dose'>{_e(item.dose)}</div>" if item.dose else ""
        if item.table:
            head, *body = item.table
            dose += ("<table class='days'><tr>" + "".join(f"<th>{_e(c)}</th>" for c in head) + "</tr>"
                     + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in body)
                     + "</table>")
        details = "".join(f"<div class='detail'>{_e(d)}</div>" for d in item.details)
        # The rule's own quote(s) in full; further sources by their place in the consensus, to
        # keep the sheet on one page (the page itself shows every quote in full).
        quotes = ""
        for rec_id in item.recommendation_ids[:item.full_quotes]:
            if rec_id in quoted:  # quoted in full in an earlier row
                quotes += f"<div class='quote'>{_e(t('dosing.sheet.quoted_above', source=content.recommendation(rec_id).source))}</div>"
            else:
                quoted.add(rec_id)
                quotes += _quote_html(rec_id, lang)
        also = [content.recommendation(r).source for r in item.recommendation_ids[item.full_quotes:]]
        if also:
            quotes += f"<div class='quote'>{_e(t('dosing.sheet.also', sources=' · '.join(dict.fromkeys(also))))}</div>"
        title = f"<div class='item'>{_e(item.title)}</div>"
        if item.table:
            # The day table needs the width: it spans the dose and rule columns.
            rows.append(f"<tr><td colspan='2'>{title}{dose}{details}</td><td>{quotes}</td></tr>")
        else:
            rows.append(f"<tr><td>{title}{dose}</td><td>{details}</td><td>{quotes}</td></tr>")
    return (
        "<!DOCTYPE html>\n"
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(heading)}</h1>"
        + print_sheet.handwritten_lines(lang)
        + print_sheet.generated_line(lang, sheet.generated_at, sheet.zone, sheet.version)
        + print_sheet.missing_warning(missing_data(sheet))
        + f"<p class='patient'>{_e(patient)}</p>"
        "<table class='sheet'><colgroup><col class='c1'><col class='c2'><col class='c3'></colgroup>"
        f"<thead><tr><th>{_e(col_dose)}</th>"
        f"<th>{_e(col_rule)}</th><th>{_e(t('dosing.sheet.col_source'))}</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        f"<p class='sign'>{_e(t('dosing.sheet.sign'))}</p>"
        f"<p class='footer'>{_e(t('dosing.sheet.footer'))}</p>"
        + print_sheet.source_line(lang, sheet.version)
        + "</body></html>\n"
    )
