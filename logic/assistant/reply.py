"""Stages 4-6: the conversation state, the computation, the reply (read-back first).

`ask(text, context)` normalises the question (normalize), reads its findings (findings),
decides what is asked (intent), computes only by calling the other logic modules (a number
in `values` never comes from anywhere else), and falls back to BM25 search over the
recommendations (retrieval). A value it needs and was not
given is asked for (`missing`); the returned `context` carries what the conversation
knows (weight, height, infusion date, today) and the question it is waiting on, so the
next message can fill it. Nothing is stored or logged here: the caller keeps the context.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field, ValidationError, validate_call

from logic import caveats, content
from logic.assistant import cytopenia, lexicon, retrieval
from logic.assistant.findings import DateMention, Extracted, Found, Lang, extract, language
from logic.assistant.intent import detect_intent
from logic.assistant.normalize import MAX_CHARS, Normalized, normalise
from logic.assistant.state import _Context, _has_memory_values, _merge, follow_up
from logic.strings import text as catalog_text

Intent = Literal["tocilizumab_dose", "steroid_dose", "crs_grade", "icans_grade", "lymphodepletion", "washout",
                 "followup", "ivig", "relapse", "eligibility", "search", "tocilizumab_next", "not_covered",
                 "icaht", "hematotox"]
MEMORY_KEYS: tuple[str, ...] = ("weight_kg", "height_cm", "infusion", "today", "age_years")


class Finding(BaseModel):
    """One thing the assistant read, tied to the user's own words (a substring of the question)."""

    kind: str
    value: object
    unit: str | None = None
    text: str
    negated: bool = False


class Answer(BaseModel):
    # --- the contract ---
    intent: Intent
    values: dict[str, object] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    recommendation_ids: list[str] = Field(default_factory=list)
    text: str
    # --- around it, for the page ---
    lang: Lang = "en"
    kind: Literal["answer", "question", "refusal", "search", "nothing", "noted"] = "answer"
    headline: str = ""                                   # the computed answer (shown large)
    details: list[str] = Field(default_factory=list)     # the rule or formula and the inputs it used
    notes: list[str] = Field(default_factory=list)       # how the question was read; what was not assessed
    link: str | None = None                              # the full tool with the values filled in
    context: dict[str, Any] = Field(default_factory=dict)  # what the conversation knows after this reply
    understood: list[Finding] = Field(default_factory=list)  # what was read, each with its words
    readback: str = ""                                   # the read-back line shown before the answer


def _t(lang: Lang, key: str, **kw: object) -> str:
    return catalog_text(lang, f"assistant.{key}", **kw)


def _number(rec: content.Recommendation, key: str, note: bool = False) -> float:
    """A number printed in a recommendation (or in the app's note on it): the text quotes it, never retypes it."""
    return float(rec.note_value(key) if note else rec.value(key))


def _fmt(x: float) -> str:
    return f"{x:g}"


def _link(path: str, **params: object) -> str:
    clean = {k: (v.isoformat() if isinstance(v, date) else _fmt(v) if isinstance(v, float) else v)
             for k, v in params.items() if v is not None and v != ""}
    return f"{path}?{urlencode(clean)}" if clean else path


def _dosing_link(**params: object) -> str:
    """/dosing at the drug's section, with from= so its dose sheet starts with that section's items."""
    from logic.dose_sheet import with_origin

    return _link("/dosing", **with_origin(params))


def _times_refusal(exc: ValidationError, lang: Lang) -> str:
    """The course guard's refusal of the dose times, in the words /dosing uses for it."""
    from logic import dosing

    err = exc.errors()[0]
    kind = str(err.get("type", ""))
    if kind in dosing.ERROR_TYPES:
        with contextlib.suppress(KeyError, IndexError):
            return catalog_text(lang, f"dosing.err.{kind}", **{k: str(v) for k, v in (err.get("ctx") or {}).items()})
    return _why(exc, lang)


def _why(exc: ValidationError, lang: Lang) -> str:
    """The refusal in the question's language: our catalog for known kinds, else the logic's message."""
    err = exc.errors()[0]
    kind = str(err.get("type", ""))
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    where = ".".join(str(p) for p in err.get("loc", ()) if not isinstance(p, int))
    with contextlib.suppress(KeyError):
        where = _t(lang, f"field.{where}")
    raw = err.get("input")
    ctx.setdefault("input", _fmt(raw) if isinstance(raw, int | float) else str(raw))
    try:
        return _t(lang, f"refuse.{kind}", field=where or "-", **ctx)
    except (KeyError, IndexError):
        msg = str(err.get("msg", ""))
        return _t(lang, "refuse.generic", field=where or "-", message=msg)


class _Turn:
    """One question being answered: the reading, the memory, the reply under construction."""

    def __init__(self, question: str, context: dict[str, Any]):
        self.question = question
        lang = context.get("lang")
        self.lang: Lang = lang if lang in ("en", "zh") else language(question)
        self.memory: dict[str, Any] = {k: context[k] for k in MEMORY_KEYS if context.get(k) is not None}
        self.now: datetime = context.get("now") or datetime.now()
        if self.now.tzinfo is not None:
            self.now = self.now.replace(tzinfo=None)
        self.today: date = self.memory.get("today") or self.now.date()
        self.given: list[datetime] | None = context.get("tocilizumab_given")
        self.crs_grade_ctx: int | None = context.get("crs_grade")
        self.last: dict[str, Any] | None = context.get("last")
        self.notes: list[str] = []
        self.pending_in: dict[str, Any] | None = context.get("pending")
        self.wants_weight = False        # an answer that would add a dose once the weight is known
        self.x_dump: dict[str, Any] = {}
        self.x: Extracted | None = None  # this question's reading (for the links)

    # --- replies ---------------------------------------------------------------------------

    def reply(self, intent: Intent, headline: str, *, values: dict[str, object] | None = None,
              details: list[str] | None = None, rec_ids: list[str] | tuple[str, ...] = (), link: str | None = None,
              kind: str = "answer", missing: list[str] | None = None, pending: dict | None = None) -> Answer:
        details = details or []
        ctx = dict(self.memory)
        if pending:
            ctx["pending"] = pending
        ids = list(dict.fromkeys(rec_ids))
        if pending is None and self.wants_weight and intent != "search":
            ctx["pending"] = {"intent": intent, "x": self.x_dump, "missing": ["weight_kg"], "optional": True}
        if self.given is not None:
            ctx["tocilizumab_given"] = list(self.given)
        if intent not in ("search", "not_covered") and getattr(self, "x_last", None) is not None:
            ctx["last"] = {"intent": intent, "x": self.x_last}
        if intent == "crs_grade" and isinstance((values or {}).get("grade"), int):
            ctx["crs_grade"] = values["grade"]
        elif self.crs_grade_ctx is not None:
            ctx["crs_grade"] = self.crs_grade_ctx
        return Answer(intent=intent, values=values or {}, missing=missing or [], recommendation_ids=ids,
                      text="\n".join([headline, *details, *self.notes]), lang=self.lang, kind=kind,
                      headline=headline, details=details, notes=list(self.notes), link=link, context=ctx)

    def ask_for(self, intent: Intent, missing: list[str], x: Extracted, *, lead: str | None = None,
                choices: str | None = None) -> Answer:
        questions = [_t(self.lang, f"ask.{m}", choices=choices or "") for m in missing]
        headline = " ".join(questions) if lead is None else f"{lead} {' '.join(questions)}"
        pending = {"intent": intent, "x": x.model_dump(), "missing": list(missing)}
        return self.reply(intent, headline, kind="question", missing=missing, pending=pending)

    def refuse(self, intent: Intent, reason: str, x: Extracted, missing: list[str]) -> Answer:
        """A value outside what the consensus covers: say why, keep the rest, ask again."""
        pending = {"intent": intent, "x": x.model_dump(), "missing": list(missing)}
        return self.reply(intent, reason, kind="refusal", missing=missing, pending=pending,
                          details=[_t(self.lang, f"ask.{m}", choices="") for m in missing])

    # --- shared readings ---------------------------------------------------------------------

    def weight(self, x: Extracted) -> tuple[float | None, str | None]:
        """(weight, problem): one stated weight wins and is remembered; none -> the remembered one."""
        if x.weight_other_unit:
            return None, _t(self.lang, f"unit.weight_{x.weight_other_unit}")
        stated = list(dict.fromkeys(x.weights_kg))
        if len(stated) > 1:
            return None, _t(self.lang, "ambiguous.weights", values=", ".join(f"{_fmt(w)} kg" for w in stated))
        if stated:
            return stated[0], None
        if "weight_kg" in self.memory:
            self.notes.append(_t(self.lang, "note.weight_from_memory", weight=_fmt(self.memory["weight_kg"])))
            return float(self.memory["weight_kg"]), None
        return None, None

    def height(self, x: Extracted) -> tuple[float | None, str | None]:
        stated = list(dict.fromkeys(x.heights_cm))
        if len(stated) > 1:
            return None, _t(self.lang, "ambiguous.heights", values=", ".join(f"{_fmt(h)} cm" for h in stated))
        if stated:
            if x.height_from_metres:
                self.notes.append(_t(self.lang, "note.height_metres", cm=_fmt(stated[0])))
            return stated[0], None
        if "height_cm" in self.memory:
            self.notes.append(_t(self.lang, "note.height_from_memory", height=_fmt(self.memory["height_cm"])))
            return float(self.memory["height_cm"]), None
        return None, None

    def remember_weight(self, w: float) -> None:
        self.memory["weight_kg"] = w

    def date_note(self, d: DateMention) -> None:
        """Say how a typed date was read (the form, an inferred year, a day/month reading)."""
        iso = d.value.isoformat()
        if d.form == "iso":
            key = "date.iso"
        elif d.form == "relative":
            key = "date.relative"
        elif d.ambiguous:
            key = "date.ambiguous"
        elif d.form in ("day_first", "month_first"):
            key = f"date.{d.form}"
        else:
            key = "date.named"
        note = _t(self.lang, key, raw=d.raw, iso=iso, swapped=_swap(d.value))
        if d.year_inferred:
            note += " " + _t(self.lang, "date.year_inferred", year=d.value.year)
        self.notes.append(note)

    def past(self, d: DateMention) -> date:
        """A past event typed without a year that would fall after today is last year's."""
        if d.year_inferred and d.value > self.today:
            moved = d.value.replace(year=d.value.year - 1)
            self.notes.append(_t(self.lang, "date.last_year", iso=moved.isoformat()))
            return moved
        return d.value


def _swap(d: date) -> str:
    try:
        return date(d.year, d.day, d.month).isoformat() if d.day <= 12 else "-"
    except ValueError:
        return "-"


@validate_call
def ask(text: str, context: dict | None = None) -> Answer:
    """Answer one message. `context` is what the previous reply returned (or {}), plus what the
    page knows (lang, weight_kg, height_cm, age_years, infusion, today, now, tocilizumab_given,
    crs_grade). Only the first MAX_CHARS characters are read (the chat's own limit)."""
    text = (text or "")[:MAX_CHARS]
    ctx = dict(context or {})
    checked = _Context.model_validate(ctx)
    ctx.update({k: getattr(checked, k) for k in (*MEMORY_KEYS, "pending", "now", "tocilizumab_given", "crs_grade",
                                                 "last")
                if ctx.get(k) is not None})
    turn = _Turn(text, ctx)
    if not text.strip():
        return turn.reply("search", _t(turn.lang, "empty"), kind="nothing")
    norm = normalise(text)
    x = extract(norm, turn.today, turn.now)
    if x.today_date is not None:
        turn.memory["today"] = turn.today = x.today_date
    if x.age_years is not None:
        turn.memory["age_years"] = x.age_years
    # Blood counts beyond the consensus: the message names the grading it asks for; its numbers
    # are a series or lab values, never a weight or a temperature.
    if cytopenia.HEMATOTOX_CUE.search(norm.text) or cytopenia.ICAHT_CUE.search(norm.text):
        found: list[Found] = []
        handler = _hematotox if cytopenia.HEMATOTOX_CUE.search(norm.text) else _icaht
        answer = handler(turn, norm.text, found)
        return _with_readback(answer, norm, Extracted(found=found), turn)
    intent = detect_intent(x)
    pending = turn.pending_in
    resumed = False
    if pending and (intent is None or intent == pending.get("intent")) and not x.not_covered:
        previous = Extracted.model_validate(pending["x"])
        merged = _merge(previous, x, list(pending.get("missing", [])), text)
        weight_given = bool(x.weights_kg or x.bare_numbers or x.weight_other_unit)
        # Only a message that adds something continues the waiting question; anything else is new.
        if merged != previous.model_copy(update={"cues": merged.cues}) and (weight_given or not pending.get("optional")):
            slot = (pending.get("missing") or [None])[0]
            kind = {"temperature": "temperature_c"}.get(slot or "", slot)
            found = [f.model_copy(update={"kind": kind, "unit": _UNITS.get(slot)}) if f.kind == "number" and slot
                     else f for f in x.found]
            x, intent, resumed = merged.model_copy(update={"found": found}), pending["intent"], True
    if not resumed and (again := follow_up(turn.last, x, intent)) is not None:
        x, intent = again
    turn.x_last = x.model_dump(exclude={"found"})
    turn.x = x
    if intent is None:
        answer = _noted(turn, x) if _has_memory_values(x) and not x.cues else _search(turn, text)
    else:
        try:
            answer = HANDLERS[intent](turn, x)
        except ValidationError as exc:
            # The course guard refused the dose times read (the same time twice, a time after now):
            # nothing is computed from them; the times are asked for again with the reason.
            if not x.toci_times:
                raise
            turn.notes = []
            answer = turn.ask_for(intent, ["tocilizumab_times"], x.model_copy(update={"toci_times": []}),
                                  lead=_times_refusal(exc, turn.lang))
    return _with_readback(answer, norm, x, turn)


_UNITS = {"weight_kg": "kg", "height_cm": "cm", "igg_g_l": "g/L", "ice": "/10", "temperature": "°C"}


def _with_readback(answer: Answer, norm: Normalized, x: Extracted, turn: _Turn) -> Answer:
    """Every reply first says what it read, each item tied to the user's own words."""
    understood: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for f in sorted(x.found, key=lambda f: f.start):
        words = norm.span(f.start, f.end).strip()
        if not words or f.kind == "number" or f.kind == "vasopressor" and any(g.kind == "vasopressors" for g in x.found):
            continue
        value = f.value.isoformat() if isinstance(f.value, date | datetime) else f.value
        key = (f.kind, str(value))
        if key in seen:
            continue
        seen.add(key)
        understood.append(Finding(kind=f.kind, value=value, unit=f.unit, text=words, negated=f.negated))
    items = [_readback_item(turn.lang, f, x) for f in understood]
    items += [_t(turn.lang, "readback.conversion", raw=c.raw, result=c.result) for c in norm.conversions]
    line = _t(turn.lang, "readback.line", items=" · ".join(items)) if items else ""
    text = "\n".join([line, answer.text]) if line else answer.text
    return answer.model_copy(update={"understood": understood, "readback": line, "text": text})


def _readback_item(lang: Lang, f: Finding, x: Extracted) -> str:
    try:
        label = _t(lang, f"readback.kind.{f.kind}")
    except KeyError:
        label = f.kind
    value = f.value
    if f.kind == "oxygen" and f.negated and value == "none":
        return _t(lang, "readback.not_room_air")   # "not on room air": on oxygen, never "no oxygen"
    if f.kind in ("drug", "exposure", "not_covered", "vasopressor"):
        with contextlib.suppress(KeyError):
            value = _t(lang, f"concept.{f.value}")
    elif f.kind in ("oxygen",):
        with contextlib.suppress(KeyError):
            value = _t(lang, f"hypoxia.{f.value}")
    if f.negated and value in ("none", 0):
        # "no seizures" reads back as "no seizure", not "no seizure none" (an English literal in Chinese)
        return f"{_t(lang, 'readback.not')}{label}".strip()
    if f.kind == "vasopressors" and not f.negated:
        named = [_t(lang, f"concept.{p}") for p in x.pressors]
        if x.vasopressin:
            named.append(_t(lang, "concept.vasopressin") + _t(lang, "readback.not_counted"))
        return _t(lang, "readback.pressors", named=" + ".join(named), n=f.value) if named else \
            _t(lang, "readback.pressors_count", n=f.value)
    shown = f"{_fmt(value) if isinstance(value, float) else value}{(' ' + f.unit) if f.unit else ''}"
    return f"{_t(lang, 'readback.not') if f.negated else ''}{label} {shown}".strip()


def _nearest(dates: list[DateMention], pos: int) -> date:
    return min(dates, key=lambda d: abs(d.start - pos)).value


def _noted(turn: _Turn, x: Extracted) -> Answer:
    w, problem = turn.weight(x)
    if problem:
        return turn.reply("search", problem, kind="question")
    h, problem = turn.height(x)
    if problem:
        return turn.reply("search", problem, kind="question")
    said = []
    if w is not None and x.weights_kg:
        turn.remember_weight(w)
        said.append(_t(turn.lang, "memory.weight_kg", value=_fmt(w)))
    if h is not None and x.heights_cm:
        turn.memory["height_cm"] = h
        said.append(_t(turn.lang, "memory.height_cm", value=_fmt(h)))
    for d in x.dates:
        turn.date_note(d)
    return turn.reply("search", _t(turn.lang, "noted", what=", ".join(said) or "-"), kind="noted")


# --- search ---------------------------------------------------------------------------------------

def _search(turn: _Turn, question: str) -> Answer:
    hits = retrieval.search(question, k=3)
    if not hits:
        return turn.reply("search", _t(turn.lang, "search.nothing"), kind="nothing",
                          details=[_t(turn.lang, "search.nothing_hint")])
    top = hits[0][1]
    ids = [rec_id for rec_id, score in hits if score >= 0.4 * top]
    return turn.reply("search", _t(turn.lang, "search.found", n=len(ids)), rec_ids=ids, kind="search",
                      link=_link("/library", q=question[:200]))


# --- tocilizumab ------------------------------------------------------------------------------------

def _tocilizumab(turn: _Turn, x: Extracted) -> Answer:
    from logic import dosing

    others = [d for d in x.drugs if d != "tocilizumab"]
    if others:
        return turn.ask_for("tocilizumab_dose", ["drug"], x.model_copy(update={"drugs": []}),
                            lead=_t(turn.lang, "ambiguous.drugs", drugs=_drug_names(turn.lang, x.drugs)))
    if (minor := _minor(turn, "tocilizumab_dose")) is not None:
        return minor
    if x.weight_range:
        return turn.ask_for("tocilizumab_dose", ["weight_kg"], _no_weight(x), lead=_t(turn.lang, "ambiguous.weight_range"))
    w, problem = turn.weight(x)
    if problem:
        return turn.ask_for("tocilizumab_dose", ["weight_kg"], _no_weight(x), lead=problem)
    if w is None:
        return turn.ask_for("tocilizumab_dose", ["weight_kg"], x)
    guard = _course(turn, x)
    if guard is not None and not guard.allowed:
        turn.remember_weight(w)
        return _toci_refused(turn, guard, "tocilizumab_dose")
    try:
        calc = dosing.tocilizumab(w)
    except ValidationError as exc:
        return turn.refuse("tocilizumab_dose", _why(exc, turn.lang), _no_weight(x),
                           ["weight_kg"])
    turn.remember_weight(w)
    rec = content.recommendation("tocilizumab_dosing")
    dose = calc.dose
    details = [
        _t(turn.lang, "weight_used", weight=_fmt(w)),
        _t(turn.lang, "toci.rule", per_kg=_fmt(_number(rec, "mg_per_kg")),
           cap=_fmt(_number(rec, "max_single_dose_mg")), formula=calc.formula),
    ]
    if calc.volume_ml is not None and calc.concentration_mg_per_ml is not None:
        details.append(_t(turn.lang, "toci.volume", ml=_fmt(calc.volume_ml), conc=_fmt(calc.concentration_mg_per_ml),
                          hours=_fmt(calc.infusion_min_h or 0)))
    details.append(_t(turn.lang, "toci.course", interval=_fmt(_number(rec, "min_interval_h")),
                      per24=_fmt(_number(rec, "max_doses_24h_label", note=True)),
                      printed=_fmt(_number(rec, "max_doses_24h_printed")),
                      total=_fmt(_number(rec, "max_doses_total"))))
    values = {"dose_mg": dose.amount, "weight_kg": w, "capped": dose.capped, "unit": dose.unit,
              "route": dose.route}
    if guard is None:
        details.append(_t(turn.lang, "toci.history_unknown"))
    else:
        values["allowed"] = True
        values["doses_total"] = guard.doses_total
        details.append(_t(turn.lang, "toci.course_ok", n=guard.doses_total))
    headline = _t(turn.lang, "toci.headline_capped" if dose.capped else "toci.headline",
                  dose=_fmt(dose.amount), weight=_fmt(w))
    return turn.reply("tocilizumab_dose", headline, values=values, details=details,
                      rec_ids=list(calc.recommendation_ids), link=_toci_link(turn, w))


def _minor(turn: _Turn, intent: Intent) -> Answer | None:
    """Under 18: outside this adult consensus, no dose."""
    age = turn.memory.get("age_years")
    if age is not None and float(age) < 18:
        return turn.reply(intent, _t(turn.lang, "refuse.minor", age=_fmt(float(age))), kind="refusal",
                          rec_ids=["trials_population"])
    return None


class _Guard(BaseModel):
    allowed: bool
    earliest: datetime | None
    doses_total: int
    rule: str
    known_times: bool


def _course(turn: _Turn, x: Extracted) -> _Guard | None:
    """The tocilizumab course guard (logic.dosing.tocilizumab_next) with what is known; None = unknown."""
    from logic import dosing

    times = list(x.toci_times) or list(turn.given or [])
    count = x.toci_count if x.toci_count is not None else (len(turn.given) if turn.given is not None else None)
    if count is None and not times:
        return None
    count = max(count or 0, len(times))
    rec = content.recommendation("tocilizumab_dosing")
    max_total = int(_number(rec, "max_doses_total"))
    if count >= max_total:
        return _Guard(allowed=False, earliest=None, doses_total=count, rule="max_total", known_times=bool(times))
    if count == 0:
        return _Guard(allowed=True, earliest=turn.now, doses_total=0, rule="first_dose", known_times=True)
    label_24h = int(_number(rec, "max_doses_24h_label", note=True))
    if len(times) < count and (not times or count >= label_24h):
        return _Guard(allowed=False, earliest=None, doses_total=count, rule="times_unknown", known_times=False)
    # with fewer doses than the 24-h limit, only the last one's time matters (>= 8 h after it)
    check = dosing.tocilizumab_next(times if len(times) == count else times[-1:], turn.now)
    return _Guard(allowed=check.allowed, earliest=check.earliest, doses_total=count, rule=check.rule,
                  known_times=True)


def _toci_refused(turn: _Turn, guard: _Guard, intent: Intent) -> Answer:
    values: dict[str, object] = {"allowed": False, "doses_total": guard.doses_total,
                                 "earliest": guard.earliest.isoformat(timespec="minutes") if guard.earliest else None}
    if guard.rule == "times_unknown":
        return turn.reply(intent, _t(turn.lang, "toci.times_unknown", n=guard.doses_total), kind="question",
                          values=values, missing=["tocilizumab_times"], rec_ids=["tocilizumab_dosing"],
                          pending={"intent": "tocilizumab_next", "x": turn.x_last or {}, "missing": ["tocilizumab_times"]})
    key = "toci.no_more" if guard.earliest is None else "toci.not_yet"
    headline = _t(turn.lang, key, n=guard.doses_total,
                  earliest=guard.earliest.strftime("%Y-%m-%d %H:%M") if guard.earliest else "-")
    rec = content.recommendation("tocilizumab_dosing")
    details = [_t(turn.lang, "toci.course", interval=_fmt(_number(rec, "min_interval_h")),
                  per24=_fmt(_number(rec, "max_doses_24h_label", note=True)),
                  printed=_fmt(_number(rec, "max_doses_24h_printed")),
                  total=_fmt(_number(rec, "max_doses_total")))]
    w = turn.x.weights_kg[0] if turn.x is not None and turn.x.weights_kg else turn.memory.get("weight_kg")
    return turn.reply(intent, headline, values=values, details=details, rec_ids=["tocilizumab_dosing"],
                      link=_toci_link(turn, w))


def _toci_link(turn: _Turn, w: float | None) -> str:
    """/dosing's tocilizumab section with the weight and the dose times under the strip's names
    (`toci` = comma-separated YYYY-MM-DDTHH:MM, ui/patient.py), so its course guard sees the same doses."""
    return _dosing_link(weight_kg=w, drug="tocilizumab", age=_age(turn),
                 toci=_given_param(turn, turn.x) if turn.x is not None else _times_param(turn.given or []))


def _age(turn: _Turn) -> int | None:
    age = turn.memory.get("age_years")
    return int(age) if age is not None and float(age) == int(age) else None


def _tocilizumab_next(turn: _Turn, x: Extracted) -> Answer:
    guard = _course(turn, x)
    if guard is None:
        return turn.ask_for("tocilizumab_next", ["tocilizumab_times"], x)
    if not guard.allowed:
        return _toci_refused(turn, guard, "tocilizumab_next")
    values = {"allowed": True, "doses_total": guard.doses_total,
              "earliest": guard.earliest.isoformat(timespec="minutes") if guard.earliest else None}
    rec = content.recommendation("tocilizumab_dosing")
    details = [_t(turn.lang, "toci.course", interval=_fmt(_number(rec, "min_interval_h")),
                  per24=_fmt(_number(rec, "max_doses_24h_label", note=True)),
                  printed=_fmt(_number(rec, "max_doses_24h_printed")),
                  total=_fmt(_number(rec, "max_doses_total")))]
    w = turn.memory.get("weight_kg")
    if x.weights_kg:
        w = x.weights_kg[0]
    if w is not None:
        from logic import dosing
        with contextlib.suppress(ValidationError):
            calc = dosing.tocilizumab(float(w))
            values["dose_mg"] = calc.dose.amount
            details.insert(0, _t(turn.lang, "mgmt.toci", dose=_fmt(calc.dose.amount), weight=_fmt(float(w)),
                                 formula=calc.formula))
    return turn.reply("tocilizumab_next", _t(turn.lang, "toci.allowed_now", n=guard.doses_total), values=values,
                      details=details, rec_ids=["tocilizumab_dosing"], link=_toci_link(turn, w))


_NEAREST = {"washout": ["washout_8_weeks", "washout_2_weeks", "washout_1_week", "washout_72_hours"],
            "crs": ["crs_mgmt_grade_3", "crs_mgmt_grade_4", "tocilizumab_dosing"],
            "icans": ["icans_g3_no_crs", "icans_g4_no_crs"]}


def _not_covered(turn: _Turn, x: Extracted) -> Answer:
    """The consensus does not name it: say so, show the nearest thing it does say, never a dose or date."""
    term = x.not_covered[0]
    near = "washout" if x.collect or x.dates else "icans" if "icans" in x.cues else "crs"
    details = [_t(turn.lang, f"not_covered.nearest_{near}")]
    link = None
    if near == "washout" and lexicon.concept(term).antimyeloma:
        # The app's labelled reading of 「等」, as the eligibility page offers it; no date computed here.
        details.append(_t(turn.lang, "not_covered.other_antimyeloma",
                          weeks=_fmt(float(content.value("washout_2_weeks", "weeks")))))
        link = "/eligibility"
    return turn.reply("not_covered", _t(turn.lang, "not_covered.headline", term=_t(turn.lang, f"concept.{term}")),
                      values={"term": term}, kind="nothing", rec_ids=_NEAREST[near], details=details, link=link)


def _no_weight(x: Extracted) -> Extracted:
    return x.model_copy(update={"weights_kg": [], "weight_other_unit": None})


def _fixed(lang: Lang, w: float | None) -> str:
    return _t(lang, "fixed_dose", weight=_fmt(w)) if w is not None else _t(lang, "fixed_dose_no_weight")


def _window(lang: Lang, hours: float) -> str:
    week = 7 * 24
    if hours >= week and hours % week == 0:
        return _t(lang, "weeks", n=_fmt(hours / week))
    return _t(lang, "hours", n=_fmt(hours))


def _drug_names(lang: Lang, drugs: list[str]) -> str:
    return _t(lang, "and").join(_t(lang, f"drug.{d}") for d in dict.fromkeys(drugs))


# --- steroids and levetiracetam ---------------------------------------------------------------------

def _steroid(turn: _Turn, x: Extracted) -> Answer:
    from logic import dosing

    drugs = list(dict.fromkeys(x.drugs))
    if len(drugs) > 1:
        return turn.ask_for("steroid_dose", ["drug"], x.model_copy(update={"drugs": []}),
                            lead=_t(turn.lang, "ambiguous.drugs", drugs=_drug_names(turn.lang, drugs)))
    if not drugs:
        return turn.ask_for("steroid_dose", ["drug"], x)
    drug = drugs[0]
    if drug == "tocilizumab":
        return _tocilizumab(turn, x)
    if (minor := _minor(turn, "steroid_dose")) is not None:
        return minor
    w, problem = turn.weight(x)
    if problem:
        return turn.ask_for("steroid_dose", ["weight_kg"], _no_weight(x), lead=problem)
    details: list[str] = []
    link_weight = w
    for_icans = "icans" in x.cues or x.icans_grade_stated is not None
    try:
        if drug == "dexamethasone" and for_icans:
            # ICANS: Table 5's own entry (grades 2-3), which prints no refractory step (review m15)
            calc = dosing.dexamethasone(icans=True)
            details.append(_t(turn.lang, "dex.rule_icans", formula=calc.formula))
            if x.refractory:
                details.append(_t(turn.lang, "dex.icans_no_refractory"))
            details.append(_fixed(turn.lang, w))
        elif drug == "dexamethasone":
            calc = dosing.dexamethasone(refractory=x.refractory)
            details.append(_t(turn.lang, "dex.rule", formula=calc.formula))
            if not x.refractory:
                alt = dosing.dexamethasone(refractory=True)
                details.append(_t(turn.lang, "dex.refractory", formula=alt.formula))
            details.append(_fixed(turn.lang, w))
        elif drug == "methylprednisolone":
            high = x.high_dose or x.crs_grade_stated == 4 or x.icans_grade_stated == 4
            if not high and w is None:
                return turn.ask_for("steroid_dose", ["weight_kg"], x)
            calc = dosing.methylprednisolone(w, high_dose=high)
            if high:
                details.append(_t(turn.lang, "mp.rule_high", formula=calc.formula))
                details.append(_fixed(turn.lang, w))
            else:
                details.append(_t(turn.lang, "weight_used", weight=_fmt(w)))
                details.append(_t(turn.lang, "mp.rule", formula=calc.formula))
                alt = dosing.methylprednisolone(None, high_dose=True)
                details.append(_t(turn.lang, "mp.high_alt", formula=alt.formula))
        else:
            calc = dosing.levetiracetam()
            details.append(_t(turn.lang, "lev.rule", formula=calc.formula))
            details.append(_fixed(turn.lang, w))
            # the label's renal dosing beside the consensus dose (the app's note; no clearance known here)
            details.append(caveats.renal_text(caveats.levetiracetam_renal(None), turn.lang))
            link_weight = None
    except ValidationError as exc:
        return turn.refuse("steroid_dose", _why(exc, turn.lang), _no_weight(x), ["weight_kg"])
    if w is not None and x.weights_kg:
        turn.remember_weight(w)
    dose = calc.dose
    freq = _t(turn.lang, f"freq.{dose.frequency}") if dose.frequency in ("q6h", "q12h", "daily") else dose.frequency
    headline = _t(turn.lang, "steroid.headline", drug=_t(turn.lang, f"drug.{drug}"), amount=_fmt(dose.amount),
                  unit=dose.unit, route=dose.route, freq=freq or "")
    values = {"drug": drug, "amount": dose.amount, "unit": dose.unit, "frequency": dose.frequency, "route": dose.route}
    if w is not None:
        values["weight_kg"] = w
    rec_ids = [*calc.recommendation_ids] if drug == "dexamethasone" and for_icans else \
        [*calc.recommendation_ids, *calc.indications[:2]]
    return turn.reply("steroid_dose", headline, values=values, details=details, rec_ids=rec_ids,
                      link=_dosing_link(weight_kg=link_weight, drug=drug, age=_age(turn)))


# --- CRS -------------------------------------------------------------------------------------------

def _crs_findings(turn: _Turn, x: Extracted) -> tuple[dict[str, Any] | None, list[str], str | None]:
    """(CRSFindings fields, what must be asked, a refusal)."""
    from logic import crs

    if x.temp_fahrenheit is not None:
        problem = crs.temperature_problem(x.temp_fahrenheit)
        if problem is not None:
            return None, ["temperature"], _temperature_refusal(turn.lang, problem)
    temp = max(x.temps_c) if x.temps_c else None
    if temp is not None:
        problem = crs.temperature_problem(temp)
        if problem is not None:
            return None, ["temperature"], _temperature_refusal(turn.lang, problem)
        if len(x.temps_c) > 1:
            turn.notes.append(_t(turn.lang, "note.tmax", temps=", ".join(_fmt(t) for t in x.temps_c), tmax=_fmt(temp)))
    # ask only what could change the grade: positive pressure or several pressors are grade 4 already
    top = x.hypoxia == "positive_pressure" or x.hypotension == "multiple_vasopressors"
    missing = [m for m, v in (("vasopressor", x.hypotension), ("oxygen", x.hypoxia)) if v == "unspecified" and not top]
    fields = {"max_temp_c": temp, "fever_before_masking": x.fever_before_masking,
              "hypotension": None if x.hypotension == "unspecified" else x.hypotension,
              "hypoxia": None if x.hypoxia == "unspecified" else x.hypoxia}
    if "vasopressor" in missing and x.no_pressor and "oxygen" not in missing:
        # "not on pressors": no hypotension, or hypotension without a vasopressor. When both
        # readings give the same grade, the question need not be asked; else it is.
        readings = {h: crs.grade_crs(crs.CRSFindings(**{**fields, "hypotension": h}))
                    for h in ("none", "no_vasopressor")}
        if len({(g.grade, g.at_least) for g in readings.values()}) == 1:
            missing.remove("vasopressor")
            fields["hypotension"] = "no_vasopressor"
            turn.notes.append(_t(turn.lang, "note.no_pressor_same_grade"))
    if "oxygen" in missing and x.oxygen_l_min is not None and x.oxygen_l_min <= 6:
        # a flow up to 6 L/min without its device: low flow by nasal cannula, grade 3 by face mask (ASTCT
        # 2019). When both give the same grade it is not asked; else the device is.
        readings = {h: crs.grade_crs(crs.CRSFindings(**{**fields, "hypoxia": h})) for h in ("low_flow", "high_flow")}
        missing.remove("oxygen")
        if len({(g.grade, g.at_least) for g in readings.values()}) == 1:
            fields["hypoxia"] = "low_flow"
            turn.notes.append(_t(turn.lang, "note.oxygen_device_same_grade", flow=_fmt(x.oxygen_l_min),
                                 grade=readings["low_flow"].grade))
        else:
            missing.append("oxygen_device")
    return fields, missing, None


def _temperature_refusal(lang: Lang, problem: Any) -> str:
    try:
        return _t(lang, f"refuse.temp_{problem.kind}", value=_fmt(problem.value),
                  celsius=_fmt(problem.likely_celsius) if problem.likely_celsius is not None else "-")
    except KeyError:
        return problem.message


def _crs(turn: _Turn, x: Extracted) -> Answer:
    from logic import crs

    if x.crs_grade_stated is not None and not (x.temps_c or x.hypotension or x.hypoxia or x.temp_fahrenheit):
        return _crs_stated(turn, x)
    fields, missing, refusal = _crs_findings(turn, x)
    if refusal:
        return turn.refuse("crs_grade", refusal, x.model_copy(update={"temps_c": [], "temp_fahrenheit": None}),
                           missing)
    if missing:
        return turn.ask_for("crs_grade", missing, x)
    assert fields is not None
    try:
        assessment = crs.assess_crs(crs.CRSFindings(**fields))
    except ValidationError as exc:
        return turn.refuse("crs_grade", _why(exc, turn.lang), x.model_copy(update={"temps_c": []}), ["temperature"])
    grade = assessment.grade
    management = crs.crs_management(grade.grade)
    details = [_t(turn.lang, "crs.inputs", **_crs_inputs(turn.lang, fields, x))]
    if grade.drivers:
        details.append(_t(turn.lang, "crs.drivers", drivers=", ".join(_t(turn.lang, f"field.{d}") for d in grade.drivers)))
    details.append(_t(turn.lang, "crs.rule", threshold=_fmt(assessment.fever_threshold_c)))
    if grade.at_least:
        details.append(_t(turn.lang, "crs.at_least", missing=", ".join(_t(turn.lang, f"field.{m}")
                                                                        for m in assessment.missing),
                          highest=assessment.highest_possible))
    values: dict[str, object] = {"grade": grade.grade, "at_least": grade.at_least}
    plan = _plan(turn, x, values, grade)
    details += _plan_lines(turn, x, values, plan)
    key = "crs.headline_at_least" if grade.at_least else "crs.headline"
    headline = _t(turn.lang, key, grade=grade.grade)
    if grade.grade == 0 and fields["max_temp_c"] is None:
        headline = _t(turn.lang, "crs.headline_no_fever_data", grade=grade.grade)
    link = _toxicity_link(turn, x, values, crs_fields=fields)
    return turn.reply("crs_grade", headline, values=values, details=details,
                      rec_ids=[*grade.recommendation_ids, *management.recommendation_ids, *plan.recommendation_ids,
                               content.ref("crs_astct_grading")], link=link)


def _toxicity_link(turn: _Turn, x: Extracted, values: dict[str, object], *, crs_fields: dict[str, Any] | None = None,
                   icans_fields: dict[str, Any] | None = None, crs_grade: int | None = None) -> str:
    """/toxicity with every input the reply was computed from, under the names the page reads
    (pages/toxicity.py CHOICE_PARAMS / NUMBER_PARAMS, `masked_fever`; the strip's weight_kg, crs, toci)."""
    crs_fields = crs_fields or {}
    icans_fields = icans_fields or {}
    return _link("/toxicity", temp_c=crs_fields.get("max_temp_c"), hypotension=crs_fields.get("hypotension"),
                 hypoxia=crs_fields.get("hypoxia"),
                 masked_fever="1" if crs_fields.get("fever_before_masking") else None,
                 ice=icans_fields.get("ice_score"), consciousness=icans_fields.get("consciousness"),
                 seizure=icans_fields.get("seizure"), motor=icans_fields.get("motor_weakness"),
                 edema=icans_fields.get("cerebral_edema"),
                 crs=crs_grade if not crs_fields else None,
                 weight_kg=values.get("weight_kg"), age=_age(turn), toci=_given_param(turn, x))


def _given(turn: _Turn, x: Extracted) -> list[datetime]:
    return sorted(x.toci_times) if x.toci_times else list(turn.given or [])


def _times_param(times: list[datetime]) -> str | None:
    return ",".join(t.strftime("%Y-%m-%dT%H:%M") for t in times) or None


def _given_param(turn: _Turn, x: Extracted) -> str | None:
    return _times_param(_given(turn, x))


def _plan(turn: _Turn, x: Extracted, values: dict[str, object], grade: Any, crs_grade: Any = None,
          icans_plan: bool = False) -> Any:
    """The management plan from logic.plans, the builder /toxicity renders, for this patient."""
    from logic import plans

    w, _problem = turn.weight(x)
    if w is not None:
        try:
            from logic import dosing
            dosing.check_weight(w)
        except (ValidationError, ValueError):
            w = None
        else:
            values["weight_kg"] = w
            if x.weights_kg:
                turn.remember_weight(w)
    given = _given(turn, x)
    # Dose history unknown: no guard verdict is invented ("0 given"); the reply says it is unknown.
    now = turn.now if (given or turn.given is not None) else None
    if icans_plan:
        return plans.icans_management_plan(grade, crs_grade, weight_kg=w, tocilizumab_given=given, now=now)
    return plans.crs_management_plan(grade, weight_kg=w, tocilizumab_given=given, now=now)


def _plan_lines(turn: _Turn, x: Extracted, values: dict[str, object], plan: Any) -> list[str]:
    """Each plan line in the reply's language (logic.plans.describe), its doses into `values`.
    A tocilizumab line the course guard forbids carries no dose."""
    from logic import plans

    out: list[str] = []
    for line in plan.lines:
        shown = line
        if line.action == "tocilizumab":
            if line.check is not None:
                values["tocilizumab_allowed"] = line.allowed
            if not line.allowed:
                shown = line.model_copy(update={"dose": None, "needs": ()})
            elif line.dose is not None:
                values.setdefault("tocilizumab_mg", line.dose.amount)
            elif turn.given is None and not x.toci_times:
                pass
        elif line.dose is not None:
            key = "dexamethasone_refractory_mg" if line.condition == "refractory" else f"{line.action}_mg"
            values.setdefault(key, line.dose.amount)
        if "weight_kg" in line.needs:
            turn.wants_weight, turn.x_dump = True, x.model_dump(exclude={"found"})
        out.append("• " + plans.describe(shown, turn.lang))
    if any(line.action == "tocilizumab" for line in plan.lines) and turn.given is None and not x.toci_times \
            and x.toci_count is None:
        out.append(_t(turn.lang, "toci.history_unknown"))
    values["plan_actions"] = [line.action for line in plan.lines]
    return out


def _crs_inputs(lang: Lang, fields: dict[str, Any], x: Extracted) -> dict[str, str]:
    na = _t(lang, "not_assessed")
    hypoxia = _t(lang, f"hypoxia.{fields['hypoxia']}") if fields["hypoxia"] else na
    if x.hypoxia == "unspecified" and fields["hypoxia"] and x.oxygen_l_min is not None:
        # graded as low flow because the device could not change the grade: say what was said, a flow
        hypoxia = _t(lang, "hypoxia.flow_device_not_said", flow=_fmt(x.oxygen_l_min))
    return {"temp": f"{_fmt(fields['max_temp_c'])} °C" if fields["max_temp_c"] is not None else na,
            "hypotension": _t(lang, f"hypotension.{fields['hypotension']}") if fields["hypotension"] else na,
            "hypoxia": hypoxia}


def _crs_stated(turn: _Turn, x: Extracted) -> Answer:
    from logic import crs

    try:
        management = crs.crs_management(x.crs_grade_stated)
    except ValidationError as exc:
        return turn.refuse("crs_grade", _why(exc, turn.lang), x, [])
    from logic.models import Grade

    values: dict[str, object] = {"grade": management.grade, "at_least": False, "stated": True}
    plan = _plan(turn, x, values, Grade(grade=management.grade, at_least=False, drivers=[],
                                        recommendation_ids=list(management.recommendation_ids)))
    details = _plan_lines(turn, x, values, plan)
    return turn.reply("crs_grade", _t(turn.lang, "crs.stated_headline", grade=management.grade), values=values,
                      details=details, rec_ids=[*management.recommendation_ids, *plan.recommendation_ids],
                      link=_toxicity_link(turn, x, values, crs_grade=management.grade))


# --- ICANS -----------------------------------------------------------------------------------------

def _icans(turn: _Turn, x: Extracted) -> Answer:
    from logic import crs, icans

    icans_findings = (x.ice is not None or x.consciousness is not None or x.seizure or x.motor_weakness
                      or x.cerebral_edema)
    crs_grade: int | None = x.crs_grade_stated if x.crs_grade_stated is not None else turn.crs_grade_ctx
    crs_values: dict[str, object] = {}
    crs_fields: dict[str, Any] | None = None
    if x.temps_c or x.hypotension or x.hypoxia or x.temp_fahrenheit is not None:
        fields, missing, refusal = _crs_findings(turn, x)
        if refusal:
            return turn.refuse("icans_grade", refusal, x.model_copy(update={"temps_c": [], "temp_fahrenheit": None}),
                               missing)
        if missing:
            return turn.ask_for("icans_grade", missing, x)
        assert fields is not None
        crs_fields = fields
        g = crs.grade_crs(crs.CRSFindings(**fields))
        crs_grade = g.grade
        crs_values = {"crs_grade": g.grade, "crs_at_least": g.at_least}
    if not icans_findings and x.icans_grade_stated is not None:
        return _icans_stated(turn, x, x.icans_grade_stated, crs_grade)
    if not icans_findings:
        return turn.ask_for("icans_grade", ["ice"], x)
    missing = [m for m, v in (("seizure", x.seizure), ("cerebral_edema", x.cerebral_edema)) if v == "unspecified"]
    if missing:
        return turn.ask_for("icans_grade", missing, x)
    fields = {"ice_score": x.ice, "consciousness": x.consciousness,
              "seizure": x.seizure, "motor_weakness": x.motor_weakness, "cerebral_edema": x.cerebral_edema}
    try:
        assessment = icans.assess_icans(icans.ICANSFindings(**fields))
    except ValidationError as exc:
        return turn.refuse("icans_grade", _why(exc, turn.lang), x.model_copy(update={"ice": None}), ["ice"])
    grade = assessment.grade
    values: dict[str, object] = {"grade": grade.grade, "at_least": grade.at_least, **crs_values}
    if crs_grade is not None and "crs_grade" not in values:
        values["crs_grade"] = crs_grade
    na = _t(turn.lang, "not_assessed")
    details = [_t(turn.lang, "icans.inputs",
                  ice=_fmt(x.ice) if x.ice is not None else na,
                  consciousness=_t(turn.lang, f"consciousness.{x.consciousness}") if x.consciousness else na,
                  seizure=_t(turn.lang, f"seizure.{x.seizure}") if x.seizure else na,
                  motor=_t(turn.lang, f"motor.{x.motor_weakness}") if x.motor_weakness else na,
                  edema=_t(turn.lang, f"edema.{x.cerebral_edema}") if x.cerebral_edema else na)]
    if grade.drivers:
        details.append(_t(turn.lang, "icans.drivers",
                          drivers=", ".join(_t(turn.lang, f"field.{d}") for d in grade.drivers)))
    details.append(_t(turn.lang, "icans.rule"))
    if grade.at_least:
        details.append(_t(turn.lang, "icans.at_least",
                          missing=", ".join(_t(turn.lang, f"field.{m}") for m in assessment.missing),
                          highest=assessment.highest_possible))
    rec_ids = [*grade.recommendation_ids]
    if grade.grade > 0:
        details, rec_ids = _icans_plan_lines(turn, x, grade.grade, crs_grade, values, details, rec_ids)
    rec_ids.append(content.ref("icans_grading"))
    headline = _t(turn.lang, "icans.headline_at_least" if grade.at_least else "icans.headline", grade=grade.grade)
    if crs_values:
        headline += " · " + _t(turn.lang, "crs.headline_at_least" if crs_values["crs_at_least"] else "crs.headline",
                               grade=crs_values["crs_grade"])
    link = _toxicity_link(turn, x, values, crs_fields=crs_fields, icans_fields=fields, crs_grade=crs_grade)
    return turn.reply("icans_grade", headline, values=values, details=details, rec_ids=rec_ids, link=link)


def _icans_plan_lines(turn: _Turn, x: Extracted, grade: int, crs_grade: int | None, values: dict[str, object],
                      details: list[str], rec_ids: list[str]) -> tuple[list[str], list[str]]:
    from logic import icans

    plan = icans.icans_plan(grade, crs_grade or 0)
    rec_ids = [*rec_ids, *plan.recommendation_ids]
    if crs_grade is None:
        with_crs = icans.icans_plan(grade, 1)
        details.append(_t(turn.lang, "icans.crs_not_stated"))
        if with_crs.tocilizumab and not plan.tocilizumab:
            details.append(_t(turn.lang, "icans.if_crs_toci",
                              per_kg=_fmt(float(content.value("icans_g1_with_crs", "tocilizumab_mg_per_kg")))))
        rec_ids += [r for r in with_crs.recommendation_ids if r not in rec_ids]
    from logic.models import Grade

    crs_g = None if crs_grade is None else Grade(grade=crs_grade, at_least=bool(values.get("crs_at_least")),
                                                  drivers=[], recommendation_ids=[])
    built = _plan(turn, x, values, Grade(grade=grade, at_least=bool(values.get("at_least")), drivers=[],
                                         recommendation_ids=[]), crs_g, icans_plan=True)
    details += _plan_lines(turn, x, values, built)
    rec_ids += [r for r in built.recommendation_ids if r not in rec_ids]
    return details, rec_ids


def _icans_stated(turn: _Turn, x: Extracted, grade: int, crs_grade: int | None) -> Answer:
    from logic import icans

    try:
        plan = icans.icans_plan(grade, crs_grade or 0)
    except ValidationError as exc:
        return turn.refuse("icans_grade", _why(exc, turn.lang), x, [])
    values: dict[str, object] = {"grade": plan.icans_grade, "at_least": False, "stated": True}
    details: list[str] = []
    if crs_grade is not None:
        values["crs_grade"] = plan.crs_grade
    details, rec_ids = _icans_plan_lines(turn, x, plan.icans_grade, crs_grade, values, details, [])
    return turn.reply("icans_grade", _t(turn.lang, "icans.stated_headline", grade=plan.icans_grade), values=values,
                      details=details, rec_ids=rec_ids, link=_toxicity_link(turn, x, values, crs_grade=crs_grade))


# --- lymphodepletion --------------------------------------------------------------------------------

def _lymphodepletion(turn: _Turn, x: Extracted) -> Answer:
    from logic import dosing

    regimens = list(dict.fromkeys(x.regimens))
    names = ", ".join(dosing.lymphodepletion_regimens())
    if len(regimens) > 1:
        return turn.ask_for("lymphodepletion", ["regimen"], x.model_copy(update={"regimens": []}),
                            lead=_t(turn.lang, "ambiguous.regimens", values=", ".join(regimens)), choices=names)
    w, wproblem = turn.weight(x)
    h, hproblem = turn.height(x)
    if wproblem or hproblem:
        return turn.ask_for("lymphodepletion", ["height_cm" if hproblem else "weight_kg"],
                            x.model_copy(update={"weights_kg": [], "heights_cm": []}), lead=wproblem or hproblem)
    missing = [m for m, v in (("regimen", regimens), ("height_cm", h), ("weight_kg", w)) if not v]
    if missing:
        return turn.ask_for("lymphodepletion", missing, x, choices=names)
    infusion = turn.memory.get("infusion")
    try:
        plan = dosing.lymphodepletion_plan(regimens[0], h, w, infusion=infusion)
    except ValidationError as exc:
        bad = "height_cm" if "height" in str(exc.errors()[0].get("type", "")) else "weight_kg"
        return turn.refuse("lymphodepletion", _why(exc, turn.lang),
                           x.model_copy(update={"weights_kg": [] if bad == "weight_kg" else x.weights_kg,
                                                "heights_cm": [] if bad == "height_cm" else x.heights_cm}), [bad])
    turn.remember_weight(w)
    turn.memory["height_cm"] = h
    details = [_t(turn.lang, "ld.inputs", height=_fmt(h), weight=_fmt(w)),
               _t(turn.lang, "ld.bsa", formula=plan.bsa_formula_text, bsa=_fmt(plan.bsa_m2))]
    per_drug: dict[str, list] = {}
    for d in plan.doses:
        per_drug.setdefault(d.drug, []).append(d)
    summary = []
    for drug, doses in per_drug.items():
        days = ", ".join(str(d.day) for d in doses)
        amounts = sorted({d.amount_mg for d in doses})
        amount = "/".join(_fmt(a) for a in amounts)
        summary.append(_t(turn.lang, "ld.drug", drug=_t(turn.lang, f"drug.{drug}"), amount=amount, days=days))
        details.append(_t(turn.lang, "ld.formula", drug=_t(turn.lang, f"drug.{drug}"), formula=doses[0].formula))
    details.append(_t(turn.lang, "ld.route", route=caveats.route_text(turn.lang)))
    if plan.no_fludarabine:
        details.append(_t(turn.lang, "ld.no_flu"))
    else:
        # fludarabine is renally cleared: the label's line, as /dosing shows it (no clearance known here)
        details.append(caveats.renal_text(caveats.fludarabine_renal(None), turn.lang))
    details.append(caveats.trial_regimen_caveat(turn.lang))
    if plan.dates:
        details.append(_t(turn.lang, "ld.dates", first=plan.dates[0][1].isoformat(), infusion=infusion.isoformat()))
    headline = _t(turn.lang, "ld.headline", regimen=plan.regimen.product, bsa=_fmt(plan.bsa_m2),
                  doses="; ".join(summary))
    values = {"bsa_m2": plan.bsa_m2, "regimen": plan.regimen.product, "height_cm": h, "weight_kg": w,
              "route": caveats.LD_ROUTE, "frequency": caveats.LD_FREQUENCY,
              "doses": [{"drug": d.drug, "day": d.day, "amount_mg": d.amount_mg} for d in plan.doses]}
    return turn.reply("lymphodepletion", headline, values=values, details=details,
                      rec_ids=list(plan.recommendation_ids),
                      link=_dosing_link(drug="lymphodepletion", regimen=plan.regimen.product, height_cm=h,
                                        weight_kg=w, infusion=infusion, age=_age(turn)))


# --- washout ----------------------------------------------------------------------------------------

def _washout(turn: _Turn, x: Extracted) -> Answer:
    from logic import eligibility

    if not x.exposures:
        return turn.ask_for("washout", ["exposure"], x)
    dates = [d for d in x.dates if not (x.today_cue is not None and abs(d.start - x.today_cue) < 12)]
    if not dates:
        return turn.ask_for("washout", ["exposure_date"], x,
                            lead=_t(turn.lang, "washout.which", exposures=_exposure_names(turn.lang, x.exposures)))
    # A date written after "collect on" is the planned collection, when the exposures have their own.
    before = [d for d in dates if x.collect_pos is None or d.start < x.collect_pos]
    planned = [d for d in dates if before and x.collect_pos is not None and d.start > x.collect_pos]
    dates = before or dates
    # Each exposure takes the date written nearest after it (else before it); one date serves all.
    last: dict[str, date] = {}
    for key in x.exposures:
        pos = x.exposure_pos[key]
        after = [d for d in dates if d.start >= pos]
        chosen = after[0] if after else min(dates, key=lambda d: abs(d.start - pos))
        last[key] = turn.past(chosen)
    for d in [*dates, *planned]:
        turn.date_note(d)
    if x.chemo_generic:
        turn.notes.append(_t(turn.lang, "washout.chemo_generic", weeks=_fmt(float(content.value("washout_2_weeks", "weeks")))))
    if "therapeutic_corticosteroids" in x.exposures:
        turn.notes.append(_t(turn.lang, "washout.steroid_time", hours=_fmt(float(content.value("washout_72_hours", "hours")))))
    # A bare date counts from the end of that day, as on the eligibility page (the same call).
    now = datetime.combine(turn.today, turn.now.time()) if turn.today != turn.now.date() else turn.now
    try:
        window = eligibility.earliest_apheresis(dict(last), now=now, lang=turn.lang)
    except ValidationError as exc:
        return turn.refuse("washout", _why(exc, turn.lang), x.model_copy(update={"dates": []}), ["exposure_date"])
    earliest = window.earliest.date()
    details = [_t(turn.lang, "washout.item", name=_t(turn.lang, f"exposure.{w.exposure}"),
                  last=eligibility.last_text(w, turn.lang), window=_window(turn.lang, w.window_hours),
                  clear=f"{w.clear:%Y-%m-%d %H:%M}")
               for w in window.windows]
    details.append(_t(turn.lang, "washout.rule", w8=_fmt(float(content.value("washout_8_weeks", "weeks"))),
                       w2=_fmt(float(content.value("washout_2_weeks", "weeks"))),
                       w1=_fmt(float(content.value("washout_1_week", "weeks"))),
                       h72=_fmt(float(content.value("washout_72_hours", "hours")))))
    binding = window.binding
    headline = _t(turn.lang, "washout.headline", date=f"{window.earliest:%Y-%m-%d %H:%M}",
                  binding=_t(turn.lang, f"exposure.{binding}") if binding else "-")
    if earliest <= turn.today:
        details.insert(0, _t(turn.lang, "washout.already", today=turn.today.isoformat()))
    values: dict[str, object] = {"earliest": earliest.isoformat(), "binding": binding,
                                 "earliest_at": window.earliest.isoformat(timespec="minutes")}
    if planned:
        ok = datetime.combine(planned[0].value, datetime.min.time()) >= window.earliest
        values["planned"] = planned[0].value.isoformat()
        values["planned_ok"] = ok
        details.insert(0, _t(turn.lang, "washout.planned_ok" if ok else "washout.planned_early",
                             planned=planned[0].value.isoformat(), earliest=f"{window.earliest:%Y-%m-%d %H:%M}"))
    return turn.reply("washout", headline, values=values,
                      details=details, rec_ids=[w.recommendation_id for w in window.windows],
                      link=_link("/eligibility", **{k: v.isoformat() for k, v in last.items()}))


def _exposure_names(lang: Lang, keys: list[str]) -> str:
    return _t(lang, "and").join(_t(lang, f"exposure.{k}") for k in keys)


# --- follow-up --------------------------------------------------------------------------------------

def _followup(turn: _Turn, x: Extracted) -> Answer:
    from logic import followup

    infusion: date | None = None
    candidates = [d for d in x.dates if not (x.today_cue is not None and abs(d.start - x.today_cue) < 12)]
    if x.day_post is not None:
        candidates = [d for d in candidates if d.form != "relative"]
    if x.day_post is not None and not candidates:
        from datetime import timedelta
        infusion = turn.today - timedelta(days=x.day_post)
        turn.notes.append(_t(turn.lang, "note.day_post", day=x.day_post, date=infusion.isoformat()))
    elif candidates:
        chosen = (_nearest_mention(candidates, x.infusion_cue) if x.infusion_cue is not None else candidates[0])
        infusion = turn.past(chosen)
        turn.date_note(chosen)
    elif "infusion" in turn.memory:
        infusion = turn.memory["infusion"]
        turn.notes.append(_t(turn.lang, "note.infusion_from_memory", date=infusion.isoformat()))
    if infusion is None:
        return turn.ask_for("followup", ["infusion"], x)
    problem = followup.infusion_date_problem(infusion, turn.today)
    if problem:
        return turn.refuse("followup", _t(turn.lang, f"refuse.infusion_{problem}", date=infusion.isoformat()),
                           x.model_copy(update={"dates": []}), ["infusion"])
    try:
        visits = followup.schedule(infusion, today=turn.today)
    except ValidationError as exc:
        return turn.refuse("followup", _why(exc, turn.lang), x.model_copy(update={"dates": []}), ["infusion"])
    turn.memory["infusion"] = infusion
    where = followup.progress(visits, infusion, turn.today)
    if "today" not in turn.memory:
        turn.notes.append(_t(turn.lang, "note.today_device", today=turn.today.isoformat()))
    values: dict[str, object] = {"day": where.day, "infusion": infusion.isoformat(), "today": turn.today.isoformat()}
    details = [_t(turn.lang, "followup.inputs", infusion=infusion.isoformat(), today=turn.today.isoformat(),
                  day=where.day)]
    nxt = where.next_visit
    if nxt is None:
        headline = _t(turn.lang, "followup.none", day=where.day)
        values["next_visit"] = None
    else:
        values["next_visit"] = nxt.date.isoformat()
        values["next_label"] = nxt.label
        label = _visit_label(turn.lang, nxt)
        headline = _t(turn.lang, "followup.headline", date=nxt.date.isoformat(), label=label, day=where.day)
        if nxt.earliest and nxt.latest:
            details.append(_t(turn.lang, "followup.window", earliest=nxt.earliest.isoformat(),
                              latest=nxt.latest.isoformat(),
                              lo=_fmt(float(content.value("followup_schedule", "year3_min_months"))),
                              hi=_fmt(float(content.value("followup_schedule", "year3_max_months")))))
        details.append(_t(turn.lang, "followup.assess",
                          items=", ".join(_assessment(turn.lang, code) for code in nxt.assessments)))
    rule = content.recommendation("followup_schedule")
    details.append(_t(turn.lang, "followup.rule", **{k: _fmt(float(rule.value(v))) for k, v in (
        ("d1", "first_visit_day"), ("d2", "second_visit_day"), ("m2", "bimonthly_every_months"),
        ("y2", "year2_every_months"), ("y3lo", "year3_min_months"), ("y3hi", "year3_max_months"))}))
    rec_ids = [*(nxt.recommendation_ids if nxt else []), *where.recommendation_ids]
    return turn.reply("followup", headline, values=values, details=details, rec_ids=rec_ids,
                      link=_link("/followup", infusion=infusion, today=turn.today))


def _nearest_mention(dates: list[DateMention], pos: int) -> DateMention:
    return min(dates, key=lambda d: abs(d.start - pos))


def _visit_label(lang: Lang, visit: Any) -> str:
    if visit.month is None:
        return _t(lang, "visit.day", day=visit.day)
    return _t(lang, "visit.month", month=visit.month, day=visit.day)


def _assessment(lang: Lang, code: str) -> str:
    try:
        return catalog_text(lang, f"followup.assess.{code}")
    except KeyError:
        return code.replace("_", " ")


# --- IgG ----------------------------------------------------------------------------------------------

def _ivig(turn: _Turn, x: Extracted) -> Answer:
    from logic import followup

    if x.igg_other_unit:
        return turn.ask_for("ivig", ["igg_g_l"], x.model_copy(update={"igg_g_l": None, "igg_other_unit": None}),
                            lead=_t(turn.lang, "unit.igg", unit=x.igg_other_unit))
    if x.igg_g_l is None:
        return turn.ask_for("ivig", ["igg_g_l"], x)
    try:
        with_infection = followup.ivig_decision(x.igg_g_l, True)
        without_infection = followup.ivig_decision(x.igg_g_l, False)
    except ValidationError as exc:
        return turn.refuse("ivig", _why(exc, turn.lang), x.model_copy(update={"igg_g_l": None}), ["igg_g_l"])
    if x.infection is None and with_infection != without_infection:
        return turn.ask_for("ivig", ["infection"], x)
    decision = followup.ivig_decision(x.igg_g_l, bool(x.infection))
    rec = content.recommendation("ivig_replacement")
    below = _fmt(_number(rec, "replace_below_g_l"))
    upper = _fmt(_number(rec, "replace_with_infection_max_g_l"))
    infection = (_t(turn.lang, "infection.yes") if x.infection else _t(turn.lang, "infection.no")
                 if x.infection is False else _t(turn.lang, "infection.not_needed"))
    details = [_t(turn.lang, "ivig.inputs", igg=_fmt(x.igg_g_l), infection=infection),
               _t(turn.lang, "ivig.rule", below=below, upper=upper)]
    return turn.reply("ivig", _t(turn.lang, f"ivig.{decision}", igg=_fmt(x.igg_g_l)), values={"decision": decision},
                      details=details, rec_ids=[rec.id],
                      link=_link("/followup", igg=x.igg_g_l, infection={True: "1", False: "0"}.get(x.infection),
                                 infusion=turn.memory.get("infusion")))


# --- relapse ----------------------------------------------------------------------------------------

def _relapse(turn: _Turn, x: Extracted) -> Answer:
    from logic import relapse

    antigen = x.antigen or "unknown"
    ctx = relapse.RelapseContext(antigen=antigen, prior_car_origin=x.origin or "unknown",
                                 poor_persistence=x.poor_persistence, other_targets=x.targets)
    options = relapse.relapse_options(ctx)
    ids = [o.id for o in options]
    details = [_t(turn.lang, "relapse.inputs", antigen=_t(turn.lang, f"antigen.{antigen}"),
                  origin=_t(turn.lang, f"origin.{x.origin or 'unknown'}"),
                  targets=", ".join(x.targets) or _t(turn.lang, "not_given"),
                  persistence=_t(turn.lang, "yes") if x.poor_persistence else _t(turn.lang, "not_given"))]
    details += [f"• {_t(turn.lang, f'option.{o}')}" for o in ids]
    if antigen == "unknown":
        details.append(_t(turn.lang, "relapse.antigen_unknown"))
    if antigen == "negative":
        details.append(_t(turn.lang, "relapse.no_bcma"))
    rec_ids = list(dict.fromkeys(o.recommendation_id for o in options))
    return turn.reply("relapse", _t(turn.lang, f"relapse.headline_{antigen}", n=len(ids)), values={"option_ids": ids},
                      details=details, rec_ids=rec_ids,
                      link=_link("/relapse", antigen=antigen, origin=x.origin,
                                 poor_persistence="1" if x.poor_persistence else None,
                                 targets=",".join(x.targets) or None))


# --- eligibility ------------------------------------------------------------------------------------

def _eligibility(turn: _Turn, x: Extracted) -> Answer:
    from logic import eligibility

    try:
        report = eligibility.evaluate(eligibility.Baseline(**x.baseline), lang=turn.lang)
    except ValidationError as exc:
        return turn.refuse("eligibility", _why(exc, turn.lang), x.model_copy(update={"baseline": {}}), [])
    counts = {s: sum(1 for i in report.items if i.status == s) for s in ("met", "not_met", "caution", "unknown")}
    details = [_t(turn.lang, "elig.counts", **{k: str(v) for k, v in counts.items()})]
    shown = [i for i in report.items if i.status in ("not_met", "caution")] + \
            [i for i in report.items if i.status == "met" and i.id in _stated_items(x)]
    details += [f"• {_t(turn.lang, f'status.{i.status}')}: {i.message}" for i in shown]
    if counts["unknown"]:
        details.append(_t(turn.lang, "elig.unknown_hint"))
    rec_ids = [i.recommendation_id for i in shown] or [i.recommendation_id for i in report.items[:2]]
    return turn.reply("eligibility", _t(turn.lang, f"elig.{report.verdict}"), values={"verdict": report.verdict},
                      details=details, rec_ids=rec_ids, link=_link("/eligibility"))


def _stated_items(x: Extracted) -> set[str]:
    names = {"kps": "performance_status", "ecog": "performance_status", "lvef_pct": "lvef", "spo2_pct": "spo2",
             "alt_x_uln": "alt", "ast_x_uln": "ast", "bilirubin": "bilirubin"}
    out = {names.get(k, k) for k in x.baseline}
    return out | set(x.baseline)


# --- blood counts (beyond the 2022 consensus; logic.hematotox, as /cytopenia) -------------------

def _cyto_sources(lang: Lang, ids: tuple[str, ...]) -> str:
    from logic import hematotox

    return _t(lang, "cyto.sources", citations=" · ".join(hematotox.source(s).citation for s in dict.fromkeys(ids)))


def _icaht(turn: _Turn, text: str, found: list[Found]) -> Answer:
    from logic import hematotox

    beyond = catalog_text(turn.lang, "cytopenia.beyond")
    series = cytopenia.read_series(text)
    if not series.points:
        return turn.reply("icaht", _t(turn.lang, "icaht.ask"), kind="question", missing=["anc_series"],
                          details=[beyond], link="/cytopenia")
    for p in series.points:
        value = _t(turn.lang, "icaht.point", day=p.day, anc=_fmt(p.anc))
        found.append(Found(kind="anc", value=value, unit="×10⁹/L", start=p.start, end=p.end))
    table = hematotox.parse_lab_table(series.table_text())
    if table.problems:
        words = {i + 1: p for i, p in enumerate(series.points)}
        lines = []
        for prob in table.problems:
            column = catalog_text(turn.lang, f"cytopenia.column.{prob.column}") if prob.column else ""
            reason = catalog_text(turn.lang, f"cytopenia.problem.{prob.code}", line=prob.line, value=prob.value,
                                  converted=prob.converted, column=column)
            reason = re.sub(r"^[^:：]*[:：]\s*", "", reason, count=1)   # the page's "Line n: " prefix
            point = words.get(prob.line)
            shown = _point_words(text, point) if point else prob.value
            lines.append(_t(turn.lang, "icaht.problem", words=shown, reason=reason))
        return turn.reply("icaht", _t(turn.lang, "icaht.problems"), kind="refusal", missing=["anc_series"],
                          details=[*lines, beyond], link=_link("/cytopenia", series=series.url_param()))
    early, late = hematotox.icaht_both(table.anc_values())
    details = [_t(turn.lang, "icaht.inputs", n=len(table.rows), first=min(r.day for r in table.rows),
                  last=max(r.day for r in table.rows))]
    headlines = []
    for g in (early, late):
        heading, lines, warnings = hematotox.grade_lines(g, turn.lang)
        headlines.append(heading)
        details.append(heading)
        details += [f"• {line}" for line in lines] + warnings
    details.insert(0, beyond)
    details.append(catalog_text(turn.lang, "cytopenia.provenance_icaht"))
    details.append(_cyto_sources(turn.lang, early.source_ids))
    values = {"early_grade": early.grade, "early_at_least": early.at_least, "late_grade": late.grade,
              "late_at_least": late.at_least, "beyond_consensus": True, "source_ids": list(early.source_ids)}
    return turn.reply("icaht", " · ".join(headlines), values=values, details=details,
                      link=_link("/cytopenia", series=series.url_param()))


def _point_words(text: str, p: cytopenia.Point) -> str:
    return text[p.start:p.end].strip()


def _hematotox(turn: _Turn, text: str, found: list[Found]) -> Answer:
    from logic import hematotox

    beyond = catalog_text(turn.lang, "cytopenia.beyond")
    mcl = hematotox.source("european-mcl-car-hematotox")
    rule = _t(turn.lang, "hematotox.rule", verbatim=mcl.number("high_risk_min_score").verbatim)
    scope = _t(turn.lang, "hematotox.scope", verbatim=mcl.number("lbcl_only").verbatim)
    sources = _cyto_sources(turn.lang, hematotox.HEMATOTOX_SOURCE_IDS)
    asked = cytopenia.read_hematotox(text)
    for name, (value, start, end) in asked.markers.items():
        found.append(Found(kind=f"lab_{name}", value=value, start=start, end=end))
    if asked.score is not None and asked.score_span is not None:
        found.append(Found(kind="hematotox_score", value=asked.score, start=asked.score_span[0],
                           end=asked.score_span[1]))
        score = asked.score
        try:
            risk = hematotox.hematotox_risk(int(score)) if score == int(score) else None
        except ValueError:
            risk = None
        if risk is None:
            return turn.reply("hematotox", _t(turn.lang, "hematotox.bad_score", value=_fmt(score)), kind="refusal",
                              missing=["hematotox_score"], details=[beyond], link="/cytopenia")
        return turn.reply("hematotox", _t(turn.lang, "hematotox.risk_headline", score=int(score),
                                          risk=_t(turn.lang, f"hematotox.risk.{risk}")),
                          values={"score": int(score), "risk": risk, "computed": False, "beyond_consensus": True},
                          details=[_t(turn.lang, "hematotox.read_only"), rule, scope, beyond, sources],
                          link="/cytopenia")
    details = [catalog_text(turn.lang, "cytopenia.hematotox_not_shipped")]
    markers = {k: v for k, (v, _s, _e) in asked.markers.items()}
    if set(markers) == {"anc", "hb", "plt", "crp", "ferritin"}:
        try:
            hematotox.car_hematotox(markers["anc"], markers["hb"], markers["plt"], markers["crp"], markers["ferritin"])
        except hematotox.UnitError as exc:
            details += [_t(turn.lang, f"hematotox.unit.{p.code}", marker=p.marker.upper(), value=p.value,
                           converted=p.converted) for p in exc.problems]
        except hematotox.NotShipped:
            pass
    details += [rule, scope, beyond, sources]
    return turn.reply("hematotox", _t(turn.lang, "hematotox.not_shipped_headline"), kind="nothing",
                      values={"computed": False, "beyond_consensus": True}, details=details, link="/cytopenia")


HANDLERS = {
    "tocilizumab_dose": _tocilizumab, "steroid_dose": _steroid, "crs_grade": _crs, "icans_grade": _icans,
    "lymphodepletion": _lymphodepletion, "washout": _washout, "followup": _followup, "ivig": _ivig,
    "relapse": _relapse, "eligibility": _eligibility, "tocilizumab_next": _tocilizumab_next,
    "not_covered": _not_covered,
}
