"""The one-page eligibility summary as a self-contained HTML document (print it from a browser).

Built in memory and handed to the browser as a download and a print view (ui/print.py): never
written to disk. Body text >= 10 pt, handwritten lines for name / record number / bed, and a
warning naming the items not assessed. Every piece of
text is escaped (html.escape), whether it comes from content, the catalogs or a computed message.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from logic import content, print_sheet
from logic.eligibility import (
    ApheresisWindow,
    EligibilityReport,
    display_status,
    item_recommendations,
    verdict_conditions,
)
from logic.models import CriterionResult
from logic.strings import Lang, catalog, text

_STATUS_MARK = {"met": "✓", "not_met": "✗", "caution": "!", "unknown": "?", "not_yet": "…"}

_CSS = """
@page { size: A4; margin: 12mm 12mm 14mm; }
body { font: 10pt/1.3 system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; color: #111; max-width: 190mm;
       margin: 0 auto; padding: 8px; }
h1 { font-size: 14pt; margin: 0 0 2px; } h2 { font-size: 12pt; margin: 10px 0 4px; }
p { margin: 2px 0; } .small { font-size: 10pt; color: #444; }
.verdict { font-weight: 600; padding: 4px 6px; border: 1px solid #888; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; }
td.s { white-space: nowrap; }
.met { color: #1b5e20; } .not_met { color: #b71c1c; font-weight: 600; } .caution { color: #8a5300; font-weight: 600; }
.unknown { color: #555; }
.quote { margin: 4px 0; padding: 2px 6px; border-left: 3px solid #999; break-inside: avoid; }
.zh { font-size: 10pt; } .en { font-size: 10pt; color: #333; } .note { font-size: 10pt; color: #0d47a1; }
@media print { body { padding: 0; max-width: none; } }
""" + print_sheet.PRINT_CSS


def _t(lang: Lang, key: str, **kw: object) -> str:
    return escape(text(lang, f"eligibility.{key}", **kw))


def _table(items: list[CriterionResult], lang: Lang) -> str:
    rows = []
    for item in items:
        label = escape(item_label(item.id, lang))
        shown = display_status(item)  # a running washout prints "not yet", as the page shows it
        status = f"{_STATUS_MARK[shown]} {_t(lang, 'status.' + shown)}"
        rows.append(f'<tr><td>{label}</td><td class="s {shown}">{escape(status)}</td>'
                    f"<td>{escape(item.message)}</td><td>{_source_label(item.recommendation_id, lang)}</td></tr>")
    head = (f"<thead><tr><th>{_t(lang, 'summary.col_item')}</th><th>{_t(lang, 'summary.col_status')}</th>"
            f"<th>{_t(lang, 'summary.col_detail')}</th><th>{_t(lang, 'summary.col_rec')}</th></tr></thead>")
    return f"<table>{head}<tbody>{''.join(rows)}</tbody></table>"


def _source_label(rec_id: str, lang: Lang) -> str:
    """Where the rule stands in the consensus (e.g. "Consensus P4"), not the entry's internal id."""
    return _t(lang, "summary.source", source=content.recommendation(rec_id).source)


def item_label(item_id: str, lang: Lang) -> str:
    """An item's name: a checklist or apheresis item, else a washout exposure."""
    key = f"eligibility.item.{item_id}"
    return text(lang, key) if key in catalog(lang) else text(lang, f"eligibility.exposure.{item_id}")


def _quote(rec_id: str, lang: Lang) -> str:
    rec = content.recommendation(rec_id)
    notes = "".join(
        f'<p class="note">{_t(lang, "summary.app_note")}: {escape(n.text_in(lang))} '
        f"({_t(lang, 'summary.note_basis', basis=n.basis_in(lang))})</p>" for n in rec.notes)
    # The reader sees where in the consensus a quote stands (paragraph or table row), never an entry id.
    return (f'<div class="quote"><p class="small">{_t(lang, "summary.source", source=rec.source)} · '
            f'{_t(lang, "summary.quote_label")}</p><p class="zh">{escape(rec.quote_zh)}</p>'
            f'<p class="small">{_t(lang, "summary.our_english")}</p><p class="en">{escape(rec.text_en)}</p>'
            f"{notes}</div>")


def not_assessed(report: EligibilityReport, apheresis: list[CriterionResult], lang: Lang) -> list[str]:
    """The missing-data warning: the checklist and apheresis items not assessed, by name ([] = none)."""
    missing = [item_label(i.id, lang) for i in [*report.items, *apheresis] if i.status == "unknown"]
    if not missing:
        return []
    return [text(lang, "eligibility.summary.not_assessed", n=len(missing), items="; ".join(missing))]


def render_summary(report: EligibilityReport, apheresis: list[CriterionResult],
                   washout: ApheresisWindow | None, notes: list[CriterionResult], lang: Lang,
                   generated: datetime, *, zone: str = "", version: str = "") -> str:
    """The whole assessment: verdict, every item with its status and the quotes it cites.
    `zone`: the user's zone beside `generated` (ui/clock.zone_label); `version`: the app's."""
    cited: list[str] = []
    for item in report.items:
        cited += item_recommendations(report, item)
    cited += [i.recommendation_id for i in [*apheresis, *(washout.items if washout else []), *notes]]
    cited.append(content.ref("apheresis_collection_target"))
    parts = [
        f"<h1>{_t(lang, 'summary.heading')}</h1>",
        print_sheet.handwritten_lines(lang),
        print_sheet.generated_line(lang, generated, zone, version),
        print_sheet.missing_warning(not_assessed(report, apheresis, lang)),
        f'<p class="small">{_t(lang, "summary.no_patient")} {escape(text(lang, "common.disclaimer"))}</p>',
        f"<h2>{_t(lang, 'summary.part_checklist')}</h2>",
        f'<p class="verdict {report.verdict}">{_t(lang, "verdict." + report.verdict)}</p>',
        *(f'<p class="verdict">{_t(lang, "verdict." + c)}</p>' for c in verdict_conditions(report)),
        f'<p class="small">{_t(lang, "verdict.rule")}</p>',
        _table(report.items, lang),
        f"<h2>{_t(lang, 'summary.part_apheresis')}</h2>",
        _table(apheresis, lang),
    ]
    target_min = content.value("apheresis_collection_target", "collection_min_1e6_per_kg")
    target_max = content.value("apheresis_collection_target", "collection_max_1e6_per_kg")
    parts.append(f"<p>{_t(lang, 'apheresis.collection_text', min=target_min, max=target_max)}</p>")
    parts.append(f"<h2>{_t(lang, 'summary.part_washout')}</h2>")
    if washout and washout.binding:
        name = text(lang, f"eligibility.exposure.{washout.binding}")
        parts.append(f'<p class="verdict">{_t(lang, "summary.earliest", when=washout.earliest.strftime("%Y-%m-%d %H:%M"), name=name)}</p>')
        parts.append(_table(washout.items, lang))
    else:
        parts.append(f"<p>{_t(lang, 'washout.none_entered')}</p>")
    if notes:
        parts.append(_table(notes, lang))
    parts.append(f"<h2>{_t(lang, 'summary.quotes')}</h2>")
    parts += [_quote(rec_id, lang) for rec_id in dict.fromkeys(cited)]
    parts.append(print_sheet.source_line(lang, version))
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            f"<title>{_t(lang, 'summary.heading')}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
