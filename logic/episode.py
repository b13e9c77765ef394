"""A toxicity episode as a ward round sees it: timestamped CRS/ICANS grades and the
tocilizumab and steroid doses given, counted in days since CAR-T infusion.

Session-only: the page keeps an `Episode` in the user's session and offers it back as CSV
or JSON; re-import parses the bytes in memory. There is no name, record number or free
text field, so an exported file identifies nobody. Every row is validated here (pydantic);
a bad file is refused with a message naming the row and the problem.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NaiveDatetime,
    ValidationError,
    field_validator,
    model_validator,
)

from logic import content

EntryKind = Literal["assessment", "tocilizumab", "dexamethasone", "methylprednisolone"]
DOSE_KINDS: tuple[str, ...] = ("tocilizumab", "dexamethasone", "methylprednisolone")
FORMAT = "cart-mm-toxicity-episode"
VERSION = 1
MAX_ENTRIES = 2000
MAX_FILE_BYTES = 512 * 1024
MAX_DAYS_AFTER_INFUSION = 366
CSV_COLUMNS: tuple[str, ...] = ("infusion_date", "at", "day", "kind", "crs_grade", "crs_at_least",
                                "icans_grade", "icans_at_least", "dose_mg")


def max_recorded_dose_mg(kind: str) -> float:
    """The largest single dose the consensus gives for each drug: a recorded dose above it
    is most likely a typing error (e.g. 8000 mg tocilizumab)."""
    if kind == "tocilizumab":
        return float(content.value("tocilizumab_dosing", "max_single_dose_mg"))
    if kind == "dexamethasone":
        return float(content.value("crs_mgmt_grade_3", "dexamethasone_refractory_mg"))
    if kind == "methylprednisolone":
        return float(content.value("crs_mgmt_grade_4", "methylprednisolone_g_per_day")) * 1000
    raise ValueError(f"{kind!r} is not a dose")


def first_report_date() -> date:
    """No BCMA CAR-T infusion predates the first report (2016; overview_first_bcma_report)."""
    return date(int(content.value("overview_first_bcma_report", "first_report_year")), 1, 1)


class EpisodeEntry(BaseModel):
    """One row: an assessment (CRS and/or ICANS grade) or one dose given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: NaiveDatetime = Field(description="local date and time of the assessment or dose")
    kind: EntryKind
    crs_grade: int | None = Field(None, ge=0, le=4)
    crs_at_least: bool | None = None
    icans_grade: int | None = Field(None, ge=0, le=4)
    icans_at_least: bool | None = None
    dose_mg: float | None = Field(None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> EpisodeEntry:
        if self.kind == "assessment":
            if self.dose_mg is not None:
                raise ValueError("an assessment carries no dose")
            if self.crs_grade is None and self.icans_grade is None:
                raise ValueError("an assessment needs a CRS or an ICANS grade")
            for grade, flag, name in ((self.crs_grade, self.crs_at_least, "crs"),
                                      (self.icans_grade, self.icans_at_least, "icans")):
                if (grade is None) != (flag is None):
                    raise ValueError(f"{name}_grade and {name}_at_least go together")
        else:
            # A tocilizumab dose from the patient's dose log may have its time only (the course
            # guard counts times); the other drugs' rows say how much.
            if self.dose_mg is None and self.kind != "tocilizumab":
                raise ValueError(f"a {self.kind} row needs dose_mg")
            if any(v is not None for v in (self.crs_grade, self.crs_at_least, self.icans_grade,
                                           self.icans_at_least)):
                raise ValueError("a dose row carries no grade")
            limit = max_recorded_dose_mg(self.kind)
            if self.dose_mg is not None and self.dose_mg > limit:
                raise ValueError(f"{self.dose_mg:g} mg {self.kind} is above the largest single dose in the "
                                 f"consensus ({limit:g} mg); check the value")
        return self


def _start(infusion_date: date) -> datetime:
    return datetime.combine(infusion_date, time())


class Episode(BaseModel):
    """All entries of one patient's episode, in time order. Day 0 is the infusion date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    infusion_date: date
    entries: tuple[EpisodeEntry, ...] = Field((), max_length=MAX_ENTRIES)

    @field_validator("infusion_date")
    @classmethod
    def _after_first_report(cls, v: date) -> date:
        if v < first_report_date():
            raise ValueError(f"an infusion before {first_report_date():%Y} predates the first BCMA CAR-T report")
        return v

    @field_validator("entries")
    @classmethod
    def _in_order(cls, v: tuple[EpisodeEntry, ...]) -> tuple[EpisodeEntry, ...]:
        return tuple(sorted(v, key=lambda e: (e.at, e.kind)))

    @model_validator(mode="after")
    def _within_episode(self) -> Episode:
        start = _start(self.infusion_date)
        end = start + timedelta(days=MAX_DAYS_AFTER_INFUSION)
        for e in self.entries:
            if e.at < start:
                raise ValueError(f"{e.at:%Y-%m-%d %H:%M} is before the infusion date {self.infusion_date}")
            if e.at > end:
                raise ValueError(f"{e.at:%Y-%m-%d %H:%M} is more than {MAX_DAYS_AFTER_INFUSION} days "
                                 "after the infusion")
        return self

    def day(self, entry: EpisodeEntry) -> float:
        """Days since the start of the infusion date (day +3 at noon is 3.5)."""
        return (entry.at - _start(self.infusion_date)).total_seconds() / 86400.0

    def add(self, entry: EpisodeEntry) -> Episode:
        return Episode(infusion_date=self.infusion_date, entries=(*self.entries, entry))

    def without(self, index: int) -> Episode:
        return Episode(infusion_date=self.infusion_date,
                       entries=tuple(e for i, e in enumerate(self.entries) if i != index))

    def with_infusion_date(self, infusion_date: date) -> Episode:
        return Episode(infusion_date=infusion_date, entries=self.entries)

    def assessments(self) -> list[EpisodeEntry]:
        return [e for e in self.entries if e.kind == "assessment"]

    def doses(self, kind: str | None = None) -> list[EpisodeEntry]:
        return [e for e in self.entries if e.kind in DOSE_KINDS and (kind is None or e.kind == kind)]

    def rows(self) -> list[dict[str, object]]:
        """One dict per entry in CSV column order (the table and the chart read these)."""
        return [{"infusion_date": self.infusion_date.isoformat(), "at": e.at.isoformat(),
                 "day": round(self.day(e), 2), "kind": e.kind, "crs_grade": e.crs_grade,
                 "crs_at_least": e.crs_at_least, "icans_grade": e.icans_grade,
                 "icans_at_least": e.icans_at_least, "dose_mg": e.dose_mg} for e in self.entries]


class EpisodeFile(BaseModel):
    """The JSON export: the episode with a format tag, so another file is refused clearly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["cart-mm-toxicity-episode"]
    version: Literal[1]
    infusion_date: date
    entries: list[EpisodeEntry] = Field(max_length=MAX_ENTRIES)


class EpisodeImportError(ValueError):
    """A file that is not a valid episode; the message says where and why."""


# --- export --------------------------------------------------------------------------------


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # exact: a re-import gives the same number
    return str(v)


def to_csv(episode: Episode) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in episode.rows():
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def to_json(episode: Episode) -> str:
    doc = EpisodeFile(format=FORMAT, version=VERSION, infusion_date=episode.infusion_date,
                      entries=list(episode.entries))
    return doc.model_dump_json(indent=2)


# --- import --------------------------------------------------------------------------------


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise EpisodeImportError(f"the file is larger than {MAX_FILE_BYTES // 1024} KB; an episode file is small")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EpisodeImportError("the file is not UTF-8 text") from None


_BOOL = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _parse_bool(v: str) -> bool | None:
    v = v.strip().lower()
    if not v:
        return None
    if v not in _BOOL:
        raise ValueError(f"{v!r} is not true or false")
    return _BOOL[v]


def _parse_number(v: str, integer: bool) -> float | int | None:
    v = v.strip()
    if not v:
        return None
    x = float(v)  # ValueError names the text
    if not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite number")
    if integer:
        if x != int(x):
            raise ValueError(f"{v!r} is not a whole number")
        return int(x)
    return x


def from_csv(text: str) -> Episode:
    try:
        return _from_csv(text)
    except csv.Error as exc:
        raise EpisodeImportError(f"not a readable CSV file ({exc})") from None


def _from_csv(text: str) -> Episode:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    required = set(CSV_COLUMNS) - {"day"}  # day is derived from the timestamps and recomputed
    if missing := sorted(required - set(header)):
        raise EpisodeImportError(f"not an episode CSV: missing column(s) {', '.join(missing)}")
    if extra := sorted(set(header) - set(CSV_COLUMNS)):
        raise EpisodeImportError(f"unexpected column(s) {', '.join(extra)}; only the exported columns are read")
    infusion: str | None = None
    entries: list[EpisodeEntry] = []
    for line_no, raw in enumerate(reader, start=2):
        if None in raw:
            raise EpisodeImportError(f"line {line_no}: more cells than columns")
        row = {k.strip(): (v or "") for k, v in raw.items()}
        if not any(v.strip() for v in row.values()):
            continue
        if len(entries) >= MAX_ENTRIES:
            raise EpisodeImportError(f"more than {MAX_ENTRIES} rows")
        this_infusion = row["infusion_date"].strip()
        if infusion is None:
            infusion = this_infusion
        elif this_infusion != infusion:
            raise EpisodeImportError(f"line {line_no}: infusion_date {this_infusion} differs from {infusion} above")
        try:
            entries.append(EpisodeEntry(
                at=row["at"].strip(), kind=row["kind"].strip(),
                crs_grade=_parse_number(row["crs_grade"], True),
                crs_at_least=_parse_bool(row["crs_at_least"]),
                icans_grade=_parse_number(row["icans_grade"], True),
                icans_at_least=_parse_bool(row["icans_at_least"]),
                dose_mg=_parse_number(row["dose_mg"], False),
            ))
        except ValidationError as exc:
            raise EpisodeImportError(f"line {line_no}: {_first_error(exc)}") from None
        except ValueError as exc:
            raise EpisodeImportError(f"line {line_no}: {exc}") from None
    if infusion is None:
        raise EpisodeImportError("the file has no rows")
    try:
        return Episode(infusion_date=infusion, entries=tuple(entries))
    except ValidationError as exc:
        raise EpisodeImportError(_first_error(exc)) from None


def from_json(text: str) -> Episode:
    try:
        json.loads(text)
    except ValueError:
        raise EpisodeImportError("not valid JSON") from None
    try:
        doc = EpisodeFile.model_validate_json(text)
        return Episode(infusion_date=doc.infusion_date, entries=tuple(doc.entries))
    except ValidationError as exc:
        raise EpisodeImportError(_first_error(exc)) from None


def import_file(name: str, data: bytes) -> Episode:
    """Parse an uploaded export in memory (nothing is written anywhere)."""
    text = _decode(data)
    if name.lower().endswith(".json") or text.lstrip().startswith("{"):
        return from_json(text)
    return from_csv(text)
