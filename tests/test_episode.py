"""The episode chart's records: validation, CSV and JSON export, and re-import in memory."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import content
from logic.episode import (
    CSV_COLUMNS,
    MAX_FILE_BYTES,
    Episode,
    EpisodeEntry,
    EpisodeImportError,
    from_csv,
    from_json,
    import_file,
    max_recorded_dose_mg,
    to_csv,
    to_json,
)

INFUSION = date(2026, 3, 1)


def assessment(at: datetime, crs: int | None = 1, icans: int | None = 0, at_least: bool = False) -> EpisodeEntry:
    return EpisodeEntry(at=at, kind="assessment", crs_grade=crs, crs_at_least=None if crs is None else at_least,
                        icans_grade=icans, icans_at_least=None if icans is None else False)


def sample() -> Episode:
    return Episode(infusion_date=INFUSION, entries=(
        assessment(datetime(2026, 3, 4, 8, 0), crs=1),
        EpisodeEntry(at=datetime(2026, 3, 4, 14, 30), kind="tocilizumab", dose_mg=576.0),
        assessment(datetime(2026, 3, 5, 9, 15), crs=3, icans=2, at_least=True),
        EpisodeEntry(at=datetime(2026, 3, 5, 10, 0), kind="dexamethasone", dose_mg=10.0),
        assessment(datetime(2026, 3, 6, 9, 0), crs=None, icans=1),
    ))


def test_days_since_infusion_count_from_the_start_of_day_0():
    ep = sample()
    assert [round(ep.day(e), 3) for e in ep.entries] == [3.333, 3.604, 4.385, 4.417, 5.375]


def test_entries_are_kept_in_time_order():
    ep = Episode(infusion_date=INFUSION, entries=tuple(reversed(sample().entries)))
    assert ep.entries == sample().entries
    later = ep.add(assessment(datetime(2026, 3, 2, 7, 0)))
    assert later.entries[0].at == datetime(2026, 3, 2, 7, 0)
    assert len(later.without(0).entries) == len(ep.entries)


def test_csv_round_trip_and_columns():
    ep = sample()
    text = to_csv(ep)
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert from_csv(text) == ep
    assert import_file("episode.csv", text.encode("utf-8-sig")) == ep  # Excel's BOM is fine


def test_json_round_trip_and_format_tag():
    ep = sample()
    text = to_json(ep)
    doc = json.loads(text)
    assert doc["format"] == "cart-mm-toxicity-episode" and doc["version"] == 1
    assert from_json(text) == ep
    assert import_file("x.json", text.encode()) == ep


def test_exports_hold_no_name_or_record_number_field():
    fields = set(EpisodeEntry.model_fields) | set(Episode.model_fields) | set(CSV_COLUMNS)
    assert not {f for f in fields if any(w in f for w in ("name", "mrn", "record", "patient", "note", "id"))}


@pytest.mark.parametrize(("kind", "limit", "rec"), [
    pytest.param("tocilizumab", 800.0, "tocilizumab_dosing", id="T4.note single dose <=800 mg"),
    pytest.param("dexamethasone", 20.0, "crs_mgmt_grade_3", id="T4.3 dexamethasone up to 20 mg"),
    pytest.param("methylprednisolone", 1000.0, "crs_mgmt_grade_4", id="T4.4 methylprednisolone 1 g/d"),
])
def test_recorded_dose_limit_both_sides(kind, limit, rec):
    assert max_recorded_dose_mg(kind) == limit
    content.recommendation(rec)
    EpisodeEntry(at=datetime(2026, 3, 2), kind=kind, dose_mg=limit)
    with pytest.raises(ValidationError, match="largest single dose"):
        EpisodeEntry(at=datetime(2026, 3, 2), kind=kind, dose_mg=limit + 0.1)


@pytest.mark.parametrize("kwargs", [
    pytest.param({"kind": "assessment"}, id="assessment without a grade"),
    pytest.param({"kind": "assessment", "crs_grade": 2}, id="grade without its at_least flag"),
    pytest.param({"kind": "assessment", "crs_grade": 5, "crs_at_least": False}, id="grade 5"),
    pytest.param({"kind": "assessment", "crs_grade": 1, "crs_at_least": False, "dose_mg": 10}, id="assessment dose"),
    pytest.param({"kind": "dexamethasone"}, id="steroid dose row without a dose"),
    pytest.param({"kind": "tocilizumab", "dose_mg": 0}, id="zero dose"),
    pytest.param({"kind": "tocilizumab", "dose_mg": 400, "crs_grade": 1, "crs_at_least": False}, id="dose+grade"),
    pytest.param({"kind": "aspirin", "dose_mg": 100}, id="unknown drug"),
    pytest.param({"kind": "assessment", "crs_grade": 1, "crs_at_least": False, "patient_name": "x"}, id="extra"),
])
def test_bad_entries_are_refused(kwargs):
    with pytest.raises(ValidationError):
        EpisodeEntry(at=datetime(2026, 3, 2), **kwargs)


def test_entry_before_the_infusion_date_or_too_late_is_refused():
    Episode(infusion_date=INFUSION, entries=(assessment(datetime(2026, 3, 1, 0, 0)),))  # day 0, midnight: kept
    with pytest.raises(ValidationError, match="before the infusion"):
        Episode(infusion_date=INFUSION, entries=(assessment(datetime(2026, 2, 28, 23, 59)),))
    with pytest.raises(ValidationError, match="366 days"):
        Episode(infusion_date=INFUSION, entries=(assessment(datetime(2027, 3, 3)),))


def test_infusion_before_the_first_bcma_report_is_refused():
    Episode(infusion_date=date(2016, 1, 1))
    with pytest.raises(ValidationError, match="2016"):
        Episode(infusion_date=date(2015, 12, 31))


@pytest.mark.parametrize(("text", "message"), [
    pytest.param("", "missing column", id="empty file"),
    pytest.param("a,b\n1,2\n", "missing column", id="another CSV"),
    pytest.param(",".join(CSV_COLUMNS) + ",patient\n", "unexpected column", id="extra column"),
    pytest.param(",".join(CSV_COLUMNS) + "\n", "no rows", id="header only"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-03-02T08:00,1.33,assessment,9,false,,,\n",
                 "line 2", id="grade 9 names its line"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-03-02T08:00,1.33,assessment,1,maybe,,,\n",
                 "true or false", id="bad flag"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-03-02T08:00,,assessment,1.5,false,,,\n",
                 "whole number", id="half grade"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-03-02T08:00,,assessment,1,false,,,\n"
                 "2026-03-02,2026-03-02T09:00,,assessment,1,false,,,\n", "differs", id="two infusion dates"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-02-27T08:00,,assessment,1,false,,,\n",
                 "before the infusion", id="entry before day 0"),
    pytest.param(",".join(CSV_COLUMNS) + "\n2026-03-01,2026-03-02T08:00,,tocilizumab,,,,,8000\n",
                 "800", id="8000 mg tocilizumab"),
])
def test_bad_csv_is_refused_with_a_specific_message(text, message):
    with pytest.raises(EpisodeImportError, match=message):
        from_csv(text)


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(b"{not json", "not valid JSON", id="broken JSON"),
    pytest.param(b'{"format": "other", "version": 1, "infusion_date": "2026-03-01", "entries": []}', "format",
                 id="another format"),
    pytest.param(b"\xff\xfe\x00", "UTF-8", id="binary"),
    pytest.param(b"x" * (MAX_FILE_BYTES + 1), "KB", id="too large"),
])
def test_bad_files_are_refused(data, message):
    with pytest.raises(EpisodeImportError, match=message):
        import_file("upload.json", data)


@st.composite
def entries(draw) -> EpisodeEntry:
    at = datetime(2026, 3, 1) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    kind = draw(st.sampled_from(["assessment", "tocilizumab", "dexamethasone", "methylprednisolone"]))
    if kind != "assessment":
        mg = draw(st.floats(min_value=0.1, max_value=max_recorded_dose_mg(kind)))
        return EpisodeEntry(at=at, kind=kind, dose_mg=mg)
    crs = draw(st.one_of(st.none(), st.integers(0, 4)))
    icans = draw(st.integers(0, 4) if crs is None else st.one_of(st.none(), st.integers(0, 4)))
    return EpisodeEntry(at=at, kind=kind, crs_grade=crs, crs_at_least=None if crs is None else draw(st.booleans()),
                        icans_grade=icans, icans_at_least=None if icans is None else draw(st.booleans()))


@settings(max_examples=100, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=30))
def test_property_csv_and_json_round_trip_any_episode(items):
    # (the page offers downloads only once there is an entry: a CSV row carries the infusion date)
    ep = Episode(infusion_date=INFUSION, entries=tuple(items))
    assert from_csv(to_csv(ep)) == ep
    assert from_json(to_json(ep)) == ep


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["a.csv", "a.json", "a.txt"]))
def test_property_any_upload_gives_an_episode_or_an_import_error(data, name):
    try:
        ep = import_file(name, data)
    except EpisodeImportError:
        return
    assert isinstance(ep, Episode)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=",\n\"0123456789-:Tatrufslemndoi", max_size=300))
def test_property_any_csv_text_gives_an_episode_or_an_import_error(text):
    try:
        ep = from_csv(",".join(CSV_COLUMNS) + "\n" + text)
    except EpisodeImportError:
        return
    assert isinstance(ep, Episode)


def test_a_tocilizumab_row_from_the_dose_log_may_carry_its_time_only():
    """The patient's dose log counts times for the course guard; the mg may be unrecorded."""
    entry = EpisodeEntry(at=datetime(2026, 3, 3, 9, 0), kind="tocilizumab")
    assert entry.dose_mg is None
