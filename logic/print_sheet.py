"""Pieces every printed sheet shares (dose sheet, eligibility summary, follow-up plan): the print
CSS floor (body text >= 10 pt, A4, a page counter when a sheet runs to a second page), the
handwritten lines for name / record number / bed (filled on paper: the app never asks for them,
brief rule 6), the generated-at line with the user's zone and the app version, the source line
and the missing-data warning. Pure; every text goes through html.escape.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

from logic.content import source
from logic.strings import Lang, text

# Appended after a sheet's own CSS. No font-size below 10pt anywhere in a sheet (tests check it);
# the page counter in the bottom margin says so when a long selection needs a second page.
PRINT_CSS = """
@page { size: A4; @bottom-right { content: counter(page) " / " counter(pages); font-size: 10pt; } }
thead { display: table-header-group; }
tr, .quote, .missing, .handwrite { break-inside: avoid; page-break-inside: avoid; }
h1, h2 { break-after: avoid; page-break-after: avoid; }
.handwrite { display: flex; flex-wrap: wrap; gap: 2mm 6mm; font-size: 11pt; margin: 1mm 0 2mm; }
.handwrite span { white-space: nowrap; }
.handwrite i { display: inline-block; width: 38mm; border-bottom: 0.8pt solid #000; }
.missing { border: 1.2pt solid #000; padding: 1mm 2mm; margin: 1mm 0 2mm; font-weight: bold; font-size: 11pt; }
.printmeta { font-size: 10pt; margin: 0 0 1mm; }
"""


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def handwritten_lines(lang: Lang) -> str:
    """患者姓名 / Name ____  病历号 / MRN ____  床号 / Bed ____ : empty lines for the pen."""
    fields = ("name", "mrn", "bed")
    return "<div class='handwrite'>" + "".join(
        f"<span>{_e(text(lang, f'common.print.{f}'))} <i></i></span>" for f in fields) + "</div>"


def missing_warning(problems: Iterable[str]) -> str:
    """The '日期未填:回输日期未输入' box, one line per missing piece (already in the sheet's
    language); '' when nothing is missing."""
    problems = list(problems)
    if not problems:
        return ""
    return "<div class='missing' role='alert'>" + "<br>".join(_e(p) for p in problems) + "</div>"


def generated_line(lang: Lang, generated: datetime, zone: str, version: str) -> str:
    return (f"<p class='printmeta'>{_e(text(lang, 'common.print.generated', time=f'{generated:%Y-%m-%d %H:%M}', zone=zone, version=version))}</p>")


def source_line(lang: Lang, version: str) -> str:
    src = source()
    journal = src["journal_zh"] if lang == "zh" else src["journal_en"]
    return (f"<p class='printmeta'>{_e(text(lang, 'common.footer', version=version, journal=journal, year=src['year'], volume=src['volume'], issue=src['issue']))}</p>")
