"""Blood counts in the chat (beyond the 2022 consensus): "ICAHT d0 1.8, d2 0.9, ..." and
"HEMATOTOX ...", read into what logic.hematotox takes, the same functions /cytopenia calls.

The series is rebuilt as a lab table ("day, ANC" per line) and read by
`hematotox.parse_lab_table`, so a value the page would refuse (cells/µL, a day out of range) is
refused here with the page's reason. Nothing is graded from a number the message did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ICAHT_CUE = re.compile(r"(?<![a-z])(?:icaht|n-icaht)(?![a-z])|血细胞减少分级|血液学毒性分级", re.IGNORECASE)
HEMATOTOX_CUE = re.compile(r"(?<![a-z])(?:car[\s-]?)?hemato[\s-]?tox(?![a-z])", re.IGNORECASE)

_NUM = r"(\d+(?:\.\d+)?)"
# "d5 0.08", "day 5: 0.08", "D+5=0.08", "第5天 0.08", "5天 0.08", "day -5 2.1", "d5 ANC 0.08"
_DAY_VALUE = re.compile(
    r"(?:(?<![a-z])(?:day|d|pod)\s*(?:\+\s*)?(-?\s*\d+)|第\s*(-?\d+)\s*天|(-?\d+)\s*天)"
    r"\s*(?:[:：=,，]\s*)?(?:anc\s*[:：=]?\s*)?" + _NUM + r"(?![\d.])",
    re.IGNORECASE)
# "0: 1.8", "5=0.08" (a bare pair with an explicit separator)
_PAIR = re.compile(r"(?<![\d.])(-?\d+)\s*[:：=]\s*" + _NUM + r"(?![\d.])")
# "0, 1.8 5, 0.3": a pasted table's rows (the normaliser has joined its lines), comma within a row
_ROW = re.compile(r"(?<![\d.])(-?\d+)\s*[,，;；\t]\s*" + _NUM + r"(?![\d.])")

_SCORE = re.compile(r"(?:score|评分|得分|分数|=|[:：])\s*(-?\d+(?:\.\d+)?)\s*(?:分|points?)?", re.IGNORECASE)
_MARKERS = {
    "anc": re.compile(r"(?<![a-z])anc\s*[:：=]?\s*" + _NUM, re.IGNORECASE),
    "hb": re.compile(r"(?<![a-z])(?:hb|hgb|haemoglobin|hemoglobin|血红蛋白)\s*[:：=]?\s*" + _NUM, re.IGNORECASE),
    "plt": re.compile(r"(?<![a-z])(?:plt|platelets?|血小板)\s*[:：=]?\s*" + _NUM, re.IGNORECASE),
    "crp": re.compile(r"(?<![a-z])(?:crp|c反应蛋白)\s*[:：=]?\s*" + _NUM, re.IGNORECASE),
    "ferritin": re.compile(r"(?<![a-z])(?:ferritin|铁蛋白)\s*[:：=]?\s*" + _NUM, re.IGNORECASE),
}


@dataclass
class Point:
    day: int
    anc: float
    start: int
    end: int


@dataclass
class Series:
    points: list[Point] = field(default_factory=list)

    def table_text(self) -> str:
        """The series as /cytopenia's table takes it (one "day, ANC" line per value)."""
        return "\n".join(f"{p.day}, {p.anc:g}" for p in self.points)

    def url_param(self) -> str | None:
        """`series=day:ANC,...` for /cytopenia's link."""
        return ",".join(f"{p.day}:{p.anc:g}" for p in self.points) or None


def _day(raw: str) -> int:
    return int(raw.replace(" ", ""))


def read_series(text: str) -> Series:
    """Day/ANC pairs in the order written; the first form that finds any wins (no mixing)."""
    cue = ICAHT_CUE.search(text)
    begin = cue.end() if cue else 0
    body = text[begin:]
    out = Series()
    for m in _DAY_VALUE.finditer(body):
        raw_day = next(g for g in m.groups()[:3] if g is not None)
        out.points.append(Point(_day(raw_day), float(m.group(4)), begin + m.start(), begin + m.end()))
    if out.points:
        return out
    for m in _PAIR.finditer(body):
        out.points.append(Point(int(m.group(1)), float(m.group(2)), begin + m.start(), begin + m.end()))
    if out.points:
        return out
    for m in _ROW.finditer(body):
        out.points.append(Point(int(m.group(1)), float(m.group(2)), begin + m.start(), begin + m.end()))
    return out


@dataclass
class HematotoxAsk:
    score: float | None = None
    score_span: tuple[int, int] | None = None
    markers: dict[str, tuple[float, int, int]] = field(default_factory=dict)


def read_hematotox(text: str) -> HematotoxAsk:
    out = HematotoxAsk()
    cue = HEMATOTOX_CUE.search(text)
    begin = cue.end() if cue else 0
    body = text[begin:]
    for name, pattern in _MARKERS.items():
        m = pattern.search(body)
        if m:
            out.markers[name] = (float(m.group(1)), begin + m.start(), begin + m.end())
    if not out.markers:
        m = _SCORE.search(body) or re.match(r"\s*(-?\d+(?:\.\d+)?)\s*(?:分|points?)?\s*$", body)
        if m:
            out.score = float(m.group(1))
            out.score_span = (begin + m.start(), begin + m.end())
    return out
