"""The follow-up schedule as files, built in memory (never written to disk): iCalendar
(one all-day event per visit, its assessments in the description), CSV and a printable
HTML page. Text comes from the UI catalogs (content/i18n/<lang>/followup.yaml); every
value is escaped in the HTML. The files carry dates and assessments only: no name, no
record number.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

import icalendar
import yaml

from logic import content, print_sheet
from logic.followup import Visit, emd_imaging_from
from logic.strings import Lang, text

PRODID = "-//CAR-T MM bedside//follow-up schedule//EN"
_UID_NAMESPACE = uuid.UUID("8c0f3c1e-5d0b-4f57-9a57-6f1f3c2c9b11")


@lru_cache(maxsize=1)
def _source() -> MappingProxyType:
    return MappingProxyType(yaml.safe_load((content.CONTENT_DIR / "source.yaml").read_text(encoding="utf-8")))


def source_title(lang: Lang) -> str:
    return _source()["title_zh" if lang == "zh" else "title_en"]


def visit_label(visit: Visit, lang: Lang) -> str:
    if visit.month is None:
        return text(lang, "followup.visit.day", n=visit.day)
    if visit.month == 1 and visit.phase == "early":
        return text(lang, "followup.visit.day28", n=visit.day)
    return text(lang, "followup.visit.month", n=visit.month)


def assessment_texts(visit: Visit, lang: Lang) -> list[str]:
    return [text(lang, f"followup.assess.{code}") for code in visit.assessments]


def when_indicated_text(visit: Visit, lang: Lang) -> str:
    """Marrow cytology and MRD: when indicated, never as a per-visit item (the app's reading of P22)."""
    return "; ".join(text(lang, f"followup.assess.{code}") for code in visit.when_indicated)


def window_text(visit: Visit, lang: Lang) -> str:
    if not visit.is_window:
        return ""
    return text(lang, "followup.window_text", earliest=visit.earliest.isoformat(), latest=visit.latest.isoformat())


def ics_bytes(visits: list[Visit], lang: Lang, *, stamp: datetime | None = None) -> bytes:
    """An iCalendar file: one all-day VEVENT per visit; the assessments in DESCRIPTION. The
    when-indicated tests (marrow, MRD) are not put in each event: they are not due at each visit."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", text(lang, "followup.print_title"))
    stamp = stamp or datetime.now(UTC)
    for visit in visits:
        label = visit_label(visit, lang)
        lines = [f"- {a}" for a in assessment_texts(visit, lang)]
        if visit.is_window:
            lines.append(text(lang, "followup.ics_window", earliest=visit.earliest.isoformat(),
                              latest=visit.latest.isoformat()))
        lines.append(text(lang, "followup.ics_rule", title=source_title(lang)))
        event = icalendar.Event()
        # A stable UID per visit and date, so re-importing updates rather than duplicates.
        event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, f'{visit.date.isoformat()}|{visit.label}')}@cart-mm.local")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.date)
        event.add("dtend", visit.date + timedelta(days=1))
        event.add("summary", text(lang, "followup.ics_summary", label=label))
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def csv_bytes(visits: list[Visit], lang: Lang) -> bytes:
    """CSV with a UTF-8 byte-order mark, so spreadsheet programs read the Chinese correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([text(lang, f"followup.col.{c}")
                     for c in ("date", "visit", "day", "window", "phase", "assessments", "when_indicated")])
    for visit in visits:
        writer.writerow([visit.date.isoformat(), visit_label(visit, lang), visit.day, window_text(visit, lang),
                         text(lang, f"followup.phase.{visit.phase}"), "; ".join(assessment_texts(visit, lang)),
                         when_indicated_text(visit, lang)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_PRINT_CSS = """
@page { size: A4; margin: 12mm 12mm 14mm; }
body { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; font-size: 10pt; line-height: 1.3;
       margin: 1.5rem; color: #111; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #999; padding: 0.3rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td:first-child { white-space: nowrap; min-width: 24mm; }
ul { margin: 0; padding-left: 1.1rem; }
blockquote { border-left: 3px solid #999; margin: 0.8rem 0; padding-left: 0.8rem; }
.small { font-size: 10pt; color: #444; }
@media print { body { margin: 0; } }
""" + print_sheet.PRINT_CSS


def printable_html(visits: list[Visit], lang: Lang, *, infusion: date | None, extramedullary: bool,
                   generated: datetime, zone: str = "", version: str = "") -> bytes:
    """A self-contained page to print; every value passes through html.escape.
    `infusion` None: the plan by visit, its date column left empty for the pen and a warning
    saying so (the visits are then only a template: pass them from any valid infusion date)."""
    e = html.escape

    def tr(key: str, **kw: object) -> str:
        return e(text(lang, key, **kw))

    dated = infusion is not None
    # What every visit assesses is listed once above the table; each row shows the rest.
    common = [c for c in visits[0].assessments if all(c in v.assessments for v in visits)] if visits else []
    common_text = "; ".join(text(lang, f"followup.assess.{c}") for c in common)
    rows = []
    for visit in visits:
        items = "".join(f"<li>{tr(f'followup.assess.{c}')}</li>" for c in visit.assessments if c not in common)
        # Undated, a month visit's day number depends on the infusion date: left empty too.
        day = str(visit.day) if dated or visit.month is None or (visit.month == 1 and visit.phase == "early") else ""
        rows.append(
            f"<tr><td>{e(visit.date.isoformat()) if dated else ''}</td><td>{e(visit_label(visit, lang))}</td>"
            f"<td>{e(day)}</td><td>{e(window_text(visit, lang)) if dated else ''}</td><td><ul>{items}</ul></td></tr>"
        )
    head = "".join(f"<th>{tr(f'followup.col.{c}')}</th>" for c in ("date", "visit", "day", "window", "extra"))
    rec = content.recommendation("followup_schedule")
    emd_value = text(lang, "followup.yes" if extramedullary else "followup.no")
    infusion_text = infusion.isoformat() if infusion is not None else "______________"
    body = (
        f"<h1>{tr('followup.print_title')}</h1>"
        + print_sheet.handwritten_lines(lang)
        + print_sheet.generated_line(lang, generated, zone, version)
        + print_sheet.missing_warning(missing_data(infusion, lang))
        + f"<p>{tr('followup.print_infusion', date=infusion_text)}<br>"
        f"{tr('followup.print_emd', value=emd_value)}</p>"
        + (f"<p>{tr('followup.emd_from', date=emd_imaging_from(infusion).isoformat())}</p>"
           if extramedullary and infusion is not None else "")
        + f"<p>{tr('followup.every_visit', items=common_text)}</p>"
        + (f"<p>{tr('followup.when_indicated', items=when_indicated_text(visits[0], lang))}</p>"
           if visits and visits[0].when_indicated else "")
        + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p class='small'>{tr('followup.print_source', title=source_title(lang))}</p>"
        f"<blockquote lang='zh'>{e(rec.quote_zh)}</blockquote>"
        f"<p class='small'>{e(text(lang, 'common.our_english'))}: {e(rec.text_en)}</p>"
        f"<p class='small'>{tr('common.disclaimer')}</p>"
        + print_sheet.source_line(lang, version)
    )
    doc = (f"<!DOCTYPE html><html lang='{e(lang)}'><head><meta charset='utf-8'>"
           f"<title>{tr('followup.print_title')}</title><style>{_PRINT_CSS}</style></head>"
           f"<body>{body}</body></html>")
    return doc.encode("utf-8")


def missing_data(infusion: date | None, lang: Lang) -> list[str]:
    """The follow-up plan's missing-data warning: no infusion date, so no visit dates."""
    return [] if infusion is not None else [text(lang, "followup.print_missing_infusion")]


__all__ = ["ics_bytes", "csv_bytes", "printable_html", "visit_label", "assessment_texts", "window_text",
           "source_title", "when_indicated_text", "missing_data"]
