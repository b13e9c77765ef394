"""Haematotoxicity beyond the 2022 consensus: neutrophil ICAHT from a blood-count series, and
what can be shipped of CAR-HEMATOTOX. Every number comes from content/sources/<id>.yaml, where
it stands beside the sentence or table cell it was read from (and what kind of text that is).

Provenance (content/sources/):
- The EHA/EBMT grading table (Rejeski 2023) could not be read. Its abstract gives the windows
  (early day 0-30, late after day +30). The day bands of early ICAHT and the ANC bands of late
  ICAHT are taken from an independent published implementation (Liang, liang-automated-icaht-
  grading), whose ≤500 and ≤100 cells/µL thresholds the first author's own CAR-HEMATOTOX paper
  (Table 2) also prints; the day-counting rule ("days of nonstable count recovery (<3 days) are
  counted") and the late "two or more laboratory tests or nontransient" rule are stated by the
  authors in the T-ICAHT paper, which "follows the principal logic of the existing N-ICAHT".
- CAR-HEMATOTOX: the risk groups (≥2 high, 0-1 low) and the myeloma validation figures were
  read; the points per marker were not. `car_hematotox` checks the units of its inputs and then
  refuses with NotShipped: it computes no score from cut-offs no readable source gave.

Conventions (each stated where a value could otherwise be invented):
- The lowest value of a day counts (Liang: "keep the lowest ANC value").
- Unmeasured days are not invented. The early grade is computed twice: with every unmeasured
  day of days 0-30 read as above the thresholds (the grade reported: what the measurements
  establish) and read as below them (the highest grade the gaps allow). `at_least` is True
  when the two differ. The run lengths reported are those of the first reading.
- Runs join across a nonstable recovery (fewer than 3 days above the threshold) and the joined
  run counts its gap days. The grade follows the longest joined run (Liang); where the T-ICAHT
  footnote's "cumulative length" (the sum of the joined runs) would give a higher grade, the
  result is `borderline` and says why.
- ≤0.5 ×10⁹/L, as the ICAHT texts print it; the CAR-HEMATOTOX table's footnote prints "ANC <500
  cells per µL" for the same cut-off: where a value of exactly 0.5 sets the grade, the result is
  `borderline` ("boundary"), with the grade it would have under "<" (`boundary_grade`).
- Late (days ≥31): a grade needs two measured values (on two days) at or below its threshold:
  the second-lowest value of the phase sets it. A lower single value (the nadir) counts only
  if non-transient, which a count cannot tell: the grade is then `at_least`, with the nadir's
  grade beside it. One value alone is not graded as late (grade 0, at least).
- Inequalities are compared exactly (decimal), never as integer ranges: 1.0005 ×10⁹/L is above
  1.0 and 0.999 is at or below it.
- A value above 100 ×10⁹/L is a count per µL: the series is refused with the conversion.
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from logic.content import CONTENT_DIR

SOURCES_DIR = CONTENT_DIR / "sources"
ICAHT_SOURCE_ID = "liang-automated-icaht-grading"
HEMATOTOX_SOURCE_ID = "rejeski-2021-car-hematotox"
ICAHT_SOURCE_IDS: tuple[str, ...] = (
    "rejeski-2023-icaht", "liang-automated-icaht-grading", "rejeski-2025-ticaht", "rejeski-2021-car-hematotox",
)
HEMATOTOX_SOURCE_IDS: tuple[str, ...] = (
    "rejeski-2021-car-hematotox", "european-mcl-car-hematotox", "rejeski-2023-jho-myeloma",
)

DAY_MIN, DAY_MAX = -30, 365
ANC_MAX_10E9_L = 100.0  # above: a count per µL (500/µL is 0.5 ×10⁹/L)
PLT_MAX_10E9_L = 2000.0  # above: a count per µL (150 000/µL is 150 ×10⁹/L)
Phase = Literal["early", "late"]


# --- the sources --------------------------------------------------------------------------


class SourceNumber(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    key: str
    value: int | float | tuple[int | float, ...] | None  # None: a statement (a rule), not a number
    verbatim: str
    inequality: str | None = None
    where: str | None = None
    cells: MappingProxyType | None = None
    note: str | None = None

    @field_validator("cells", mode="before")
    @classmethod
    def _freeze_cells(cls, v: object) -> object:
        return MappingProxyType(dict(v)) if isinstance(v, dict) else v


class Reading(BaseModel):
    model_config = ConfigDict(frozen=True)

    where: str
    what: str


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    citation: str
    read: tuple[Reading, ...]
    numbers: tuple[SourceNumber, ...] = ()
    not_readable: tuple[str, ...] = ()
    not_shipped: tuple[str, ...] = ()
    numbers_from: tuple[str, ...] = ()

    def number(self, key: str) -> SourceNumber:
        for n in self.numbers:
            if n.key == key:
                return n
        raise KeyError(f"source {self.id!r} records no number {key!r}")


@lru_cache(maxsize=1)
def sources() -> MappingProxyType:
    out: dict[str, Source] = {}
    for path in sorted(SOURCES_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n in raw.get("numbers", []):
            if isinstance(n.get("value"), list):
                n["value"] = tuple(n["value"])
        src = Source.model_validate(raw)
        if src.id != path.stem:
            raise ValueError(f"{path.name}: id {src.id!r} is not the file's stem")
        out[src.id] = src
    return MappingProxyType(out)


def source(source_id: str) -> Source:
    try:
        return sources()[source_id]
    except KeyError:
        raise KeyError(f"no source {source_id!r} in content/sources") from None


def _value(source_id: str, key: str) -> int | float | tuple[int | float, ...]:
    return source(source_id).number(key).value


class Rules(BaseModel):
    """The numbers the grading applies, each read from its source file."""

    model_config = ConfigDict(frozen=True)

    early_last_day: int
    late_first_day: int
    severe_10e9_l: Decimal  # early: ANC ≤ this
    profound_10e9_l: Decimal
    stable_recovery_days: int  # a recovery shorter than this is nonstable: the runs join
    severe_bands: tuple[tuple[int, int, int], ...]  # (grade, first day count, last day count)
    profound_bands: tuple[tuple[int, int, int], ...]
    late_bands: tuple[tuple[int, Decimal], ...]  # (grade, ANC ≤ this), most severe first
    disputed_10e9_l: frozenset[Decimal]  # a readable source prints "<" at this cut-off: exact values are borderline
    plt_lines_10e9_l: tuple[int, ...]


def _per_ul_to_10e9_l(cells_per_ul: int | float) -> Decimal:
    return Decimal(str(cells_per_ul)) / Decimal(1000)


@lru_cache(maxsize=1)
def rules() -> Rules:
    liang = ICAHT_SOURCE_ID
    g1, g2, g3 = (_value(liang, f"early_grade_{g}_severe_days") for g in (1, 2, 3))
    g4_severe = int(_value(liang, "early_grade_4_severe_days_min"))
    p3 = _value(liang, "early_grade_3_profound_days")
    p4 = int(_value(liang, "early_grade_4_profound_days_min"))
    stable = int(_value(liang, "stable_recovery_days"))
    if stable != int(_value("rejeski-2025-ticaht", "nonstable_recovery_days_lt")):
        raise ValueError("the two sources disagree on the length of a stable recovery")
    return Rules(
        early_last_day=int(_value("rejeski-2023-icaht", "early_window_last_day")),
        late_first_day=int(_value(liang, "late_first_day")),
        severe_10e9_l=_per_ul_to_10e9_l(_value(liang, "early_severe_anc_cells_ul")),
        profound_10e9_l=_per_ul_to_10e9_l(_value(liang, "early_profound_anc_cells_ul")),
        stable_recovery_days=stable,
        severe_bands=((1, *g1), (2, *g2), (3, *g3), (4, g4_severe, 10**6)),
        profound_bands=((3, *p3), (4, p4, 10**6)),
        late_bands=tuple((g, _per_ul_to_10e9_l(_value(liang, f"late_grade_{g}_anc_cells_ul"))) for g in (4, 3, 2, 1)),
        disputed_10e9_l=frozenset({_per_ul_to_10e9_l(_value(HEMATOTOX_SOURCE_ID, "grade_4_neutropenia_footnote"))}),
        plt_lines_10e9_l=tuple(int(_value("rejeski-2025-ticaht", k)) for k in ("plt_severe_10e9_l", "plt_profound_10e9_l")),
    )


# --- inputs -------------------------------------------------------------------------------


def _fail(kind: str, template: str, **ctx: object) -> PydanticCustomError:
    return PydanticCustomError(kind, template, {k: str(v) for k, v in ctx.items()})


def _fmt(x: float) -> str:
    return f"{x:.6g}"


class ANCValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: int = Field(strict=True)  # days since infusion (day 0), -30..365
    anc_10e9_l: float = Field(allow_inf_nan=False)  # >= 0; > 100 is a count per µL and refused

    @field_validator("day")
    @classmethod
    def _day_in_range(cls, v: int) -> int:
        if not DAY_MIN <= v <= DAY_MAX:
            raise _fail("day_range", "day {value} is outside {low}..{high}", value=v, low=DAY_MIN, high=DAY_MAX)
        return v

    @field_validator("anc_10e9_l")
    @classmethod
    def _anc_units(cls, v: float) -> float:
        if v < 0:
            raise _fail("anc_negative", "ANC {value} cannot be negative", value=_fmt(v))
        if v > ANC_MAX_10E9_L:
            raise _fail("anc_per_ul", "ANC {value} looks like cells/µL: that is {converted} ×10⁹/L (divide by 1000)",
                        value=_fmt(v), converted=_fmt(v / 1000))
        return v


def _exact(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def lowest_per_day(values: list[ANCValue]) -> dict[int, float]:
    """The lowest value of each day (a day measured twice counts its lower value)."""
    out: dict[int, float] = {}
    for v in values:
        out[v.day] = min(v.anc_10e9_l, out.get(v.day, math.inf))
    return dict(sorted(out.items()))


# --- the grade ----------------------------------------------------------------------------


class ICAHTGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    grade: int  # 0..4: what the measured values establish
    at_least: bool  # True if the unmeasured days (early) or a single low value (late) could raise it
    days_anc_le_0_5: int  # early: the longest run of days with ANC <= 0.5 x10^9/L, as measured
    days_anc_le_0_1: int
    nadir_10e9_l: float | None
    source_id: str
    # Around the contract's fields:
    max_possible_grade: int = 0  # early: with every unmeasured day read as below; late: the nadir's grade
    set_by: tuple[str, ...] = ()  # "severe_run", "profound_run", "two_values", "single_value", "no_values"
    values_in_phase: int = 0  # days with a value in this phase's window
    nadir_day: int | None = None
    second_lowest_10e9_l: float | None = None  # late: the value that sets the grade
    borderline: bool = False
    # "cumulative": the sum of the runs would grade higher (early); "boundary": a value exactly at a
    # cut-off that a readable source prints as "<" sets the grade (see boundary_grade).
    borderline_reasons: tuple[str, ...] = ()
    cumulative_grade: int | None = None
    boundary_grade: int | None = None  # the grade if values exactly at a disputed cut-off did not count
    source_ids: tuple[str, ...] = ICAHT_SOURCE_IDS


def _joined_runs(below: list[bool], stable: int) -> list[tuple[int, int]]:
    """Runs of True (indexes), joined across fewer than `stable` False days between them."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, b in enumerate([*below, False]):
        if b and start is None:
            start = i
        elif not b and start is not None:
            runs.append((start, i - 1))
            start = None
    joined: list[tuple[int, int]] = []
    for run in runs:
        if joined and run[0] - joined[-1][1] - 1 < stable:
            joined[-1] = (joined[-1][0], run[1])
        else:
            joined.append(run)
    return joined


def _band_grade(days: int, bands: tuple[tuple[int, int, int], ...]) -> int:
    for grade, first, last in bands:
        if first <= days <= last:
            return grade
    return 0


def _at_or_below(x: float, threshold: Decimal, strict: frozenset[Decimal]) -> bool:
    return _exact(x) < threshold if threshold in strict else _exact(x) <= threshold


def _early_from_days(per_day: dict[int, float], fill_below: bool, r: Rules,
                     strict: frozenset[Decimal] = frozenset()) -> tuple[int, int, int, int, int]:
    """(grade, longest severe run, longest profound run, cumulative severe, cumulative profound)."""
    days = range(0, r.early_last_day + 1)

    def below(threshold: Decimal) -> list[bool]:
        return [fill_below if d not in per_day else _at_or_below(per_day[d], threshold, strict) for d in days]

    severe = [e - s + 1 for s, e in _joined_runs(below(r.severe_10e9_l), r.stable_recovery_days)]
    profound = [e - s + 1 for s, e in _joined_runs(below(r.profound_10e9_l), r.stable_recovery_days)]
    longest_s, longest_p = max(severe, default=0), max(profound, default=0)
    grade = max(_band_grade(longest_s, r.severe_bands), _band_grade(longest_p, r.profound_bands))
    return grade, longest_s, longest_p, sum(severe), sum(profound)


def _late_grade_of(value: float, r: Rules, strict: frozenset[Decimal] = frozenset()) -> int:
    for grade, threshold in r.late_bands:
        if _at_or_below(value, threshold, strict):
            return grade
    return 0


def icaht_grade(values: list[ANCValue], phase: Phase) -> ICAHTGrade:
    """Neutrophil ICAHT of one phase from (day, ANC ×10⁹/L) values; see the module's conventions."""
    if phase not in ("early", "late"):
        raise ValueError(f"phase must be 'early' or 'late', not {phase!r}")
    values = [v if isinstance(v, ANCValue) else ANCValue.model_validate(v) for v in values]
    r = rules()
    per_day_all = lowest_per_day(values)
    if phase == "early":
        per_day = {d: x for d, x in per_day_all.items() if 0 <= d <= r.early_last_day}
    else:
        per_day = {d: x for d, x in per_day_all.items() if d >= r.late_first_day}
    nadir_day = min(per_day, key=lambda d: (per_day[d], d)) if per_day else None
    nadir = per_day[nadir_day] if nadir_day is not None else None
    common = {"phase": phase, "nadir_10e9_l": nadir, "nadir_day": nadir_day, "values_in_phase": len(per_day),
              "source_id": ICAHT_SOURCE_ID}

    if phase == "early":
        grade, run_s, run_p, cum_s, cum_p = _early_from_days(per_day, False, r)
        highest = _early_from_days(per_day, True, r)[0]
        g_s, g_p = _band_grade(run_s, r.severe_bands), _band_grade(run_p, r.profound_bands)
        set_by = tuple(name for name, g in (("severe_run", g_s), ("profound_run", g_p)) if grade and g == grade)
        cumulative = max(_band_grade(cum_s, r.severe_bands), _band_grade(cum_p, r.profound_bands))
        boundary = _early_from_days(per_day, False, r, r.disputed_10e9_l)[0]
        reasons = tuple(why for why, differs in (("cumulative", cumulative > grade), ("boundary", boundary != grade))
                        if differs)
        return ICAHTGrade(grade=grade, at_least=highest > grade, days_anc_le_0_5=run_s, days_anc_le_0_1=run_p,
                          max_possible_grade=highest, set_by=set_by, borderline=bool(reasons),
                          borderline_reasons=reasons, cumulative_grade=cumulative, boundary_grade=boundary, **common)

    # late: runs as measured (informational), then the two-values rule
    span = range(r.late_first_day, max(per_day, default=r.late_first_day) + 1)

    def run(threshold: Decimal) -> int:
        marks = [d in per_day and _exact(per_day[d]) <= threshold for d in span]
        return max((e - s + 1 for s, e in _joined_runs(marks, r.stable_recovery_days)), default=0)

    ordered = sorted(per_day.values())
    nadir_grade = _late_grade_of(ordered[0], r) if ordered else 0
    if len(ordered) >= 2:
        grade, set_by, second = _late_grade_of(ordered[1], r), ("two_values",), ordered[1]
    else:
        grade, set_by, second = 0, ("single_value",) if ordered else ("no_values",), None
    at_least = nadir_grade > grade or not ordered
    boundary = _late_grade_of(second, r, r.disputed_10e9_l) if second is not None else 0
    return ICAHTGrade(grade=grade, at_least=at_least, days_anc_le_0_5=run(r.severe_10e9_l),
                      days_anc_le_0_1=run(r.profound_10e9_l), max_possible_grade=max(nadir_grade, grade),
                      set_by=set_by, second_lowest_10e9_l=second, borderline=boundary != grade,
                      borderline_reasons=("boundary",) if boundary != grade else (), boundary_grade=boundary, **common)


# --- a lab table: pasted text or CSV ------------------------------------------------------


class LabRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    day: int
    anc_10e9_l: float | None
    plt_10e9_l: float | None


class LineProblem(BaseModel):
    """A line the table could not take, with what to say (a code and its values)."""

    model_config = ConfigDict(frozen=True)

    line: int
    code: str  # not_a_number, day_not_whole, day_range, anc_negative, anc_per_ul, plt_negative, plt_per_ul, columns
    column: str  # "day", "anc", "plt" or "" for the whole line
    value: str = ""
    converted: str = ""


class LabTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows: tuple[LabRow, ...]
    problems: tuple[LineProblem, ...]
    header_skipped: bool = False

    def anc_values(self) -> list[ANCValue]:
        return [ANCValue(day=r.day, anc_10e9_l=r.anc_10e9_l) for r in self.rows if r.anc_10e9_l is not None]


_DELIMITED = re.compile(r"[,;\t，；]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BLANK = {"", "-", "—", "na", "n/a", "nd"}


def _cell_number(raw: str) -> float | None:
    s = raw.strip()
    if s.lower() in _BLANK:
        return None
    if not _NUMBER.match(s):
        raise ValueError(raw)
    x = float(s)
    if not math.isfinite(x):
        raise ValueError(raw)
    return x


def parse_lab_table(text: str) -> LabTable:
    """Rows of "day, ANC ×10⁹/L[, PLT ×10⁹/L]" (comma, semicolon, tab or spaces between cells;
    a blank, "-" or "NA" cell is not measured). A first line without a number in it is a header.
    Each line that cannot be taken is named with its reason; the others are kept."""
    rows: list[LabRow] = []
    problems: list[LineProblem] = []
    header_skipped = False
    seen_data = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stripped = line.strip()
        cells = [c.strip() for c in _DELIMITED.split(stripped)] if _DELIMITED.search(stripped) else stripped.split()
        # A header names columns: no cell of it is a number (so "l 0.3", a mistyped day, is not one).
        if not seen_data and not header_skipped and not any(_NUMBER.match(c) for c in cells):
            header_skipped = True
            continue
        seen_data = True
        if len(cells) < 2 or len(cells) > 3:
            problems.append(LineProblem(line=number, code="columns", column="", value=line.strip()))
            continue
        parsed: list[float | None] = []
        bad = False
        for column, cell in zip(("day", "anc", "plt"), cells, strict=False):
            try:
                parsed.append(_cell_number(cell))
            except ValueError:
                problems.append(LineProblem(line=number, code="not_a_number", column=column, value=cell.strip()))
                bad = True
                break
        if bad:
            continue
        day, anc = parsed[0], parsed[1]
        plt = parsed[2] if len(parsed) > 2 else None
        if day is None or day != int(day):
            problems.append(LineProblem(line=number, code="day_not_whole", column="day", value=cells[0].strip()))
            continue
        if not DAY_MIN <= day <= DAY_MAX:
            problems.append(LineProblem(line=number, code="day_range", column="day", value=f"{int(day)}"))
            continue
        problem = _count_problem(number, "anc", anc, ANC_MAX_10E9_L) or _count_problem(number, "plt", plt, PLT_MAX_10E9_L)
        if problem:
            problems.append(problem)
            continue
        if anc is None and plt is None:
            continue
        rows.append(LabRow(line=number, day=int(day), anc_10e9_l=anc, plt_10e9_l=plt))
    return LabTable(rows=tuple(rows), problems=tuple(problems), header_skipped=header_skipped)


def _count_problem(line: int, column: str, x: float | None, per_ul_above: float) -> LineProblem | None:
    if x is None:
        return None
    if x < 0:
        return LineProblem(line=line, code=f"{column}_negative", column=column, value=_fmt(x))
    if x > per_ul_above:
        return LineProblem(line=line, code=f"{column}_per_ul", column=column, value=_fmt(x), converted=_fmt(x / 1000))
    return None


def table_to_csv(rows: tuple[LabRow, ...] | list[LabRow]) -> str:
    """The rows as CSV (day, anc_10e9_l, plt_10e9_l), ready to be pasted or uploaded back."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["day", "anc_10e9_l", "plt_10e9_l"])
    for r in sorted(rows, key=lambda r: (r.day, r.line)):
        w.writerow([r.day, "" if r.anc_10e9_l is None else _fmt(r.anc_10e9_l),
                    "" if r.plt_10e9_l is None else _fmt(r.plt_10e9_l)])
    return buf.getvalue()


# --- CAR-HEMATOTOX ------------------------------------------------------------------------


class HematotoxScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    points: dict[str, int]  # per marker
    score: int
    risk: Literal["low", "high"]
    source_id: str


class NotShipped(Exception):
    """A result whose numbers no readable source gave: the app does not compute it."""

    def __init__(self, what: str, source_ids: tuple[str, ...]) -> None:
        super().__init__(f"{what}: not shipped (no readable source gives its cut-offs; see {', '.join(source_ids)})")
        self.what = what
        self.source_ids = source_ids


class UnitProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    marker: str  # anc, hb, plt, crp, ferritin
    code: str  # negative, per_ul, g_dl
    value: str
    converted: str = ""


HB_G_DL_BELOW = 25.0  # g/L: a haemoglobin under 25 g/L is a value in g/dL (9 g/dL is 90 g/L)


def hematotox_unit_problems(anc_10e9_l: float, hb_g_l: float, plt_10e9_l: float, crp_mg_l: float,
                            ferritin_ug_l: float) -> list[UnitProblem]:
    """The baseline values in a Chinese lab's units (×10⁹/L, g/L, mg/L, µg/L); a value that can only
    be in the other unit system is named with its conversion. (ng/mL equals µg/L; mg/dL CRP cannot be
    told from mg/L by its size, so the page asks for mg/L by name.)"""
    out: list[UnitProblem] = []
    for marker, x in (("anc", anc_10e9_l), ("hb", hb_g_l), ("plt", plt_10e9_l), ("crp", crp_mg_l),
                      ("ferritin", ferritin_ug_l)):
        if not math.isfinite(x) or x < 0:
            out.append(UnitProblem(marker=marker, code="negative", value=_fmt(x)))
    bad = {p.marker for p in out}
    if "anc" not in bad and anc_10e9_l > ANC_MAX_10E9_L:
        out.append(UnitProblem(marker="anc", code="per_ul", value=_fmt(anc_10e9_l), converted=_fmt(anc_10e9_l / 1000)))
    if "plt" not in bad and plt_10e9_l > PLT_MAX_10E9_L:
        out.append(UnitProblem(marker="plt", code="per_ul", value=_fmt(plt_10e9_l), converted=_fmt(plt_10e9_l / 1000)))
    if "hb" not in bad and 0 < hb_g_l < HB_G_DL_BELOW:
        out.append(UnitProblem(marker="hb", code="g_dl", value=_fmt(hb_g_l), converted=_fmt(hb_g_l * 10)))
    return out


class UnitError(ValueError):
    def __init__(self, problems: list[UnitProblem]) -> None:
        super().__init__("; ".join(f"{p.marker}: {p.code} {p.value}" for p in problems))
        self.problems = problems


def car_hematotox(anc_10e9_l: float, hb_g_l: float, plt_10e9_l: float,
                  crp_mg_l: float, ferritin_ug_l: float) -> HematotoxScore:
    """CAR-HEMATOTOX at lymphodepletion. The inputs are checked for their units (UnitError names
    a value in the other unit system); the score is then refused with NotShipped: the points per
    marker could not be read in the paper, its authors' reproduction or a society calculator page
    (content/sources/rejeski-2021-car-hematotox.yaml, not_readable)."""
    problems = hematotox_unit_problems(anc_10e9_l, hb_g_l, plt_10e9_l, crp_mg_l, ferritin_ug_l)
    if problems:
        raise UnitError(problems)
    raise NotShipped("CAR-HEMATOTOX points per marker", HEMATOTOX_SOURCE_IDS)


def hematotox_risk(score: int) -> Literal["low", "high"]:
    """The risk group of a CAR-HEMATOTOX score: high at ≥2, low at 0-1 (european-mcl-car-hematotox)."""
    if isinstance(score, bool) or not isinstance(score, int) or score < 0:
        raise ValueError(f"a CAR-HEMATOTOX score is a whole number ≥0, not {score!r}")
    return "high" if score >= int(_value("european-mcl-car-hematotox", "high_risk_min_score")) else "low"


class MyelomaValidation(BaseModel):
    """The BCMA CAR-T myeloma figures (J Hematol Oncol 2023;16:88), high vs low."""

    model_config = ConfigDict(frozen=True)

    patients: int
    low_n: int
    high_n: int
    severe_neutropenia_median_days_high: float
    severe_neutropenia_median_days_low: float
    severe_infection_pct_high: float
    severe_infection_pct_low: float
    icans_ge3_pct_high: float
    icans_ge3_pct_low: float
    nrm_1y_pct_high: float
    nrm_1y_pct_low: float
    vgpr_pct_high: float
    vgpr_pct_low: float
    pfs_median_months_high: float
    pfs_median_months_low: float
    os_median_months_high: float  # low: not reached
    source_id: str = "rejeski-2023-jho-myeloma"


@lru_cache(maxsize=1)
def myeloma_validation() -> MyelomaValidation:
    sid = "rejeski-2023-jho-myeloma"
    low_n, high_n = _value(sid, "risk_groups")
    days_high, days_low = _value(sid, "severe_neutropenia_median_days")
    nrm_high, nrm_low = _value(sid, "nrm_1y_pct")
    vgpr_high, vgpr_low = _value(sid, "vgpr_pct")
    pfs_high, pfs_low, os_high = _value(sid, "pfs_os_months")
    # The infection and ICANS figures stand in the same verbatim sentence as the neutropenia days.
    sentence = source(sid).number("severe_neutropenia_median_days").verbatim
    inf_high, inf_low = (float(x) for x in re.search(r"infection rate \((\d+)% vs\. (\d+)%", sentence).groups())
    icans_high, icans_low = (float(x) for x in re.search(r"grade ≥ 3: (\d+)% vs\. (\d+)%", sentence).groups())
    return MyelomaValidation(
        patients=int(_value(sid, "patients")), low_n=int(low_n), high_n=int(high_n),
        severe_neutropenia_median_days_high=days_high, severe_neutropenia_median_days_low=days_low,
        severe_infection_pct_high=inf_high, severe_infection_pct_low=inf_low,
        icans_ge3_pct_high=icans_high, icans_ge3_pct_low=icans_low,
        nrm_1y_pct_high=nrm_high, nrm_1y_pct_low=nrm_low, vgpr_pct_high=vgpr_high, vgpr_pct_low=vgpr_low,
        pfs_median_months_high=pfs_high, pfs_median_months_low=pfs_low, os_median_months_high=os_high,
    )


def icaht_both(values: list[ANCValue]) -> tuple[ICAHTGrade, ICAHTGrade]:
    """Early and late ICAHT of one series (for the page, the chat and exports alike)."""
    return icaht_grade(values, "early"), icaht_grade(values, "late")


EXAMPLE_TABLE = (
    "day, ANC, PLT\n-5, 2.1, 160\n0, 1.8, 140\n2, 0.9, 110\n4, 0.3, 70\n5, 0.08, 52\n6, 0.05, 41\n"
    "7, 0.06, 35\n8, 0.09, 30\n10, 0.2, 28\n12, 0.45, 24\n13, 0.7, 26\n14, 0.4, 31\n16, 1.1, 44\n"
    "18, 1.4, 60\n21, 1.6, 72\n28, 1.3, 80\n35, 0.9, 90\n49, 1.2, 101\n63, 1.7, 120\n"
)


def grade_lines(g: ICAHTGrade, lang: Literal["en", "zh"]) -> tuple[str, list[str], list[str]]:
    """(heading, the lines under it, borderline warnings) of one ICAHT grade, in `lang`: what
    /cytopenia and the chat both show for it (one wording, built once)."""
    from logic.strings import text

    def t(key: str, **kw: object) -> str:
        return text(lang, f"cytopenia.{key}", **kw)

    grade = t("grade_at_least" if g.at_least else "grade", grade=g.grade)
    heading = t("grade_heading", label=t(f"{g.phase}_label"), grade=grade)
    lines: list[str] = []
    if g.phase == "early":
        lines.append(t("early_runs", severe=g.days_anc_le_0_5, profound=g.days_anc_le_0_1))
        lines += [t(f"early_set_by.{s}") for s in g.set_by] or [t("early_set_by.none")]
        if g.nadir_10e9_l is not None:
            lines.append(t("nadir", value=_fmt(g.nadir_10e9_l), day=g.nadir_day))
        lines.append(t("values_in_phase", n=g.values_in_phase))
        if g.at_least:
            lines.append(t("early_at_least", grade=g.max_possible_grade))
    else:
        if g.set_by == ("two_values",):
            lines.append(t("late_two_values", value=_fmt(g.second_lowest_10e9_l)))
            if g.max_possible_grade > g.grade:
                lines.append(t("late_nadir", value=_fmt(g.nadir_10e9_l), day=g.nadir_day, grade=g.max_possible_grade))
        elif g.set_by == ("single_value",):
            lines.append(t("late_single", value=_fmt(g.nadir_10e9_l), grade=g.max_possible_grade))
        else:
            lines.append(t("late_none"))
        lines.append(t("values_in_phase", n=g.values_in_phase))
    warnings = []
    if "cumulative" in g.borderline_reasons:
        warnings.append(t("borderline_cumulative", grade=g.cumulative_grade))
    if "boundary" in g.borderline_reasons:
        warnings.append(t("borderline_boundary", grade=g.boundary_grade))
    return heading, lines, warnings
