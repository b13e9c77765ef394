"""Stage 4, state: what the conversation already knows, and whether a message continues it.

The caller keeps the context (nothing is stored here): remembered values (weight, height,
infusion, today, age), the question waiting for a value (`pending`), and the last question
answered (`last`), so "那如果体重是90呢?" re-runs it with the one value changed, while a message
that names a new drug or topic cancels a pending question.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from logic.assistant import findings as f
from logic.assistant.findings import Extracted
from logic.assistant.intent import crs_findings, icans_findings
from logic.assistant.normalize import normalise

# --- understanding a follow-up ----------------------------------------------------------------

_SLOT_FROM_NUMBER = {"weight_kg": "weights_kg", "height_cm": "heights_cm", "temperature": "temps_c"}


def _merge(previous: Extracted, new: Extracted, missing: list[str], raw: str) -> Extracted:
    """The waiting question's reading, completed by the new message (new values win)."""
    merged = previous.model_copy(deep=True)
    defaults = Extracted()
    for field in Extracted.model_fields:
        value = getattr(new, field)
        if value != getattr(defaults, field) and field not in ("cues", "bare_numbers", "yes"):
            setattr(merged, field, value)
    merged.cues = list(dict.fromkeys([*previous.cues, *new.cues]))
    slot = missing[0] if missing else None
    if new.bare_numbers and slot:
        n = new.bare_numbers[0]
        if slot in _SLOT_FROM_NUMBER:
            setattr(merged, _SLOT_FROM_NUMBER[slot], [n])
        elif slot == "igg_g_l":
            merged.igg_g_l = n
        elif slot == "ice":
            merged.ice = int(n) if n == int(n) else merged.ice
    if new.yes is not None and slot == "infection":
        merged.infection = new.yes
    if slot == "vasopressor" and new.hypotension in (None, "unspecified") and new.yes is not None:
        merged.hypotension = "one_vasopressor" if new.yes else "no_vasopressor"
    if slot == "seizure" and new.seizure in (None, "unspecified"):
        low = normalise(raw).text
        if f._has(f._SEIZURE_PROLONGED, low):
            merged.seizure = "prolonged_or_repetitive"
        elif f._has(f._SEIZURE_RESOLVED, low):
            merged.seizure = "resolved_rapidly"
    if slot == "cerebral_edema" and new.cerebral_edema in (None, "unspecified"):
        low = normalise(raw).text
        if f._has(f._EDEMA_DIFFUSE, low):
            merged.cerebral_edema = "diffuse"
        elif f._has(f._EDEMA_FOCAL, low):
            merged.cerebral_edema = "focal"
    if slot == "antigen" and new.antigen is None and new.yes is not None:
        merged.antigen = "positive" if new.yes else "negative"
    return merged


def _has_memory_values(x: Extracted) -> bool:
    return bool(x.weights_kg or x.heights_cm or x.weight_other_unit)


class _Context(BaseModel):
    """The remembered values a caller hands back: a malformed one is a ValidationError, not a crash."""

    model_config = ConfigDict(extra="allow")

    weight_kg: float | None = Field(None, allow_inf_nan=False)
    height_cm: float | None = Field(None, allow_inf_nan=False)
    infusion: date | None = None
    today: date | None = None
    pending: dict[str, Any] | None = None
    now: datetime | None = None
    age_years: float | None = Field(None, allow_inf_nan=False)
    tocilizumab_given: list[datetime] | None = None
    crs_grade: int | None = Field(None, ge=0, le=4)
    lang: str | None = None
    last: dict[str, Any] | None = None




_VALUE_FIELDS = ("weights_kg", "heights_cm", "temps_c", "hypotension", "hypoxia", "oxygen_l_min", "ice",
                 "consciousness", "seizure", "motor_weakness", "cerebral_edema", "dates", "igg_g_l", "infection",
                 "crs_grade_stated", "age_years", "spo2_pct", "toci_count", "toci_times", "exposures",
                 "exposure_pos", "refractory", "high_dose")


def follow_up(last: dict[str, Any] | None, x: Extracted, intent: str | None) -> tuple[Extracted, str] | None:
    """A short message that changes one value of the last question re-runs that question with it.

    "那如果体重是90呢?" / "and if she's on 2 pressors?" / "那如果是11月25号呢" change a value;
    "同时有2级CRS怎么处理" after an ICANS grade adds the CRS grade to it; "那ICANS呢" after a CRS
    grade asks the ICANS grade with the CRS grade known. A new drug or topic is a new question.
    """
    if not last:
        return None
    prev_intent = last.get("intent")
    previous = Extracted.model_validate(last.get("x") or {})
    new_drugs = [d for d in x.drugs if d not in previous.drugs]
    if x.not_covered or new_drugs:
        return None
    if prev_intent == "icans_grade" and x.crs_grade_stated is not None and not icans_findings(x):
        return _merged(previous, x), "icans_grade"
    if prev_intent == "crs_grade" and intent is None and "icans" in x.cues and not icans_findings(x):
        return x, "icans_grade"  # "那ICANS呢": the ICANS grade, with the CRS grade from the context
    if prev_intent == "tocilizumab_dose" and x.toci_next is True and intent is None:
        return previous, "tocilizumab_next"
    same_topic = intent is None or intent == prev_intent or (
        x.what_if and intent in ("crs_grade", "tocilizumab_dose", "steroid_dose", "washout", "followup"))
    if not same_topic:
        return None
    changed = any(getattr(x, k) not in (None, [], {}, False) for k in _VALUE_FIELDS) or bool(x.bare_numbers)
    if not (changed and (x.what_if or intent is None)):
        return None
    if x.bare_numbers and not x.weights_kg and prev_intent in ("tocilizumab_dose", "steroid_dose", "crs_grade"):
        x = x.model_copy(update={"weights_kg": list(x.bare_numbers)})
    if x.bare_numbers and not x.weights_kg and x.what_if and "体重" in "".join(x.cues):
        x = x.model_copy(update={"weights_kg": list(x.bare_numbers)})
    if prev_intent == "washout" and x.dates and not x.exposures:
        x = x.model_copy(update={"exposures": previous.exposures,
                                 "exposure_pos": {k: -1 for k in previous.exposures}})
    if prev_intent == "crs_grade" and crs_findings(x) is False and not x.weights_kg:
        return None
    return _merged(previous, x), str(prev_intent)


def _merged(previous: Extracted, new: Extracted) -> Extracted:
    merged = previous.model_copy(deep=True)
    defaults = Extracted()
    for name in _VALUE_FIELDS:
        value = getattr(new, name)
        if value != getattr(defaults, name):
            setattr(merged, name, value)
    merged.pressors = new.pressors or merged.pressors if new.hypotension else merged.pressors
    merged.found = new.found
    return merged
