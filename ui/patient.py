"""One patient across pages: the patient strip.

Weight, height, age, sex, infusion date, product/regimen, the tocilizumab doses given (with
their times) and the current CRS grade are entered once and used by every page and by the
assistant's context. They live in session state under `patient_*` keys that are never widget
keys (Streamlit drops a widget's state when a run does not render it, e.g. after a visit to
another page), and are mirrored in the URL's query parameters, so a reload, a shared link or
a server restart brings them back. No name or record number is asked; nothing is written to
disk or logged. "New patient" clears everything, the URL included.

A page that shows one of these fields itself (the weight on /dosing) renders it with
`number_field(...)` etc. under its own widget key, bound to the same patient value; the
strip then leaves that field out of its own editor (`inline=`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import streamlit as st
from pydantic import TypeAdapter, ValidationError

from logic import dosing, episode
from ui import browser_copy, clock
from ui.components import md_escape
from ui.i18n import SESSION_KEY, lang, t

FIELDS: tuple[str, ...] = ("weight_kg", "height_cm", "age", "sex", "infusion", "regimen", "crs")
TOCI = "toci"
KEEP_ON_NEW = (SESSION_KEY, "app_lang_switch")
SEXES = ("male", "female")
CRS_OPTIONS = ("not_assessed", "0", "1", "2", "3", "4")
WRITTEN = "patient_url_written"   # what this session last wrote to the URL, per parameter
PROBLEMS = "patient_url_problems"
MAX_TOCI = 8   # more rows than a course allows, so the guard can say "no further dose"


def key(name: str) -> str:
    return f"patient_{name}"


# --- values <-> URL text -----------------------------------------------------------------------


def _g(x: float) -> str:
    return f"{x:.10g}"


def _encode(name: str, value: object) -> str | None:
    if value is None:
        return None
    if name in ("weight_kg", "height_cm"):
        return _g(float(value))
    if name == "age":
        return str(int(value))
    if name == "infusion":
        return value.isoformat()
    if name == "crs":
        grade, at_least = value
        return f"ge{grade}" if at_least else str(grade)
    if name == TOCI:
        return ",".join(f"{at:%Y-%m-%dT%H:%M}" + (f"_{_g(mg)}" if mg is not None else "") for at, mg in value) or None
    return str(value)


def _decode(name: str, raw: str) -> object:
    """The value for a URL parameter; ValueError (with the reason's i18n key) if unusable."""
    raw = raw.strip()[:400]
    if name in ("weight_kg", "height_cm", "age"):
        try:
            x = float(raw)
        except ValueError:
            raise ValueError("bad_number") from None
        if not math.isfinite(x) or (name == "age" and x != int(x)):
            raise ValueError("bad_number")
        return int(x) if name == "age" else x
    if name == "sex":
        if raw not in SEXES:
            raise ValueError("bad_choice")
        return raw
    if name == "infusion":
        return date.fromisoformat(raw)
    if name == "regimen":
        if raw not in dosing.lymphodepletion_regimens():
            raise ValueError("bad_choice")
        return raw
    if name == "crs":
        at_least = raw.startswith("ge")
        grade = int(raw.removeprefix("ge"))
        if not 0 <= grade <= 4:
            raise ValueError("bad_choice")
        return grade, at_least
    if name == TOCI:
        doses = []
        for part in filter(None, raw.split(",")):
            at, _, mg = part.partition("_")
            doses.append((datetime.fromisoformat(at).replace(tzinfo=None, second=0, microsecond=0),
                          float(mg) if mg else None))
        if len(doses) > MAX_TOCI:
            raise ValueError("bad_choice")
        return tuple(sorted(doses))
    raise ValueError("bad_choice")


def sync_url() -> None:
    """A parameter that differs from what this session last wrote came from a link or a reload:
    take it. Then write every value back (a page change drops the URL's parameters)."""
    ss, qp = st.session_state, st.query_params
    written: dict[str, str | None] = ss.setdefault(WRITTEN, {})
    ss.setdefault(key(TOCI), ())
    problems: list[tuple[str, str, str]] = []
    for name in (*FIELDS, TOCI):
        raw = qp.get(name)
        if raw is None or raw == written.get(name):
            continue
        try:
            ss[key(name)] = _decode(name, raw)
        except ValueError as exc:
            reason = exc.args[0] if exc.args and exc.args[0] in ("bad_number", "bad_choice") else "bad_value"
            problems.append((name, raw[:60], reason))
    if problems:
        ss[PROBLEMS] = problems
    for name in (*FIELDS, TOCI):
        value = ss.get(key(name))
        text = _encode(name, value or None)
        if text is None:
            if name in qp:
                del qp[name]
        elif qp.get(name) != text:
            qp[name] = text
        written[name] = text


RESET = "patient_reset_values"


def reset_values(defaults: dict[str, object]) -> None:
    """A page names the empty value of those of its widgets that cannot be None (a radio's "not
    assessed"), so "New patient" can show them empty again."""
    st.session_state.setdefault(RESET, {}).update(defaults)


def new_patient() -> None:
    """Everything cleared: every page's inputs, the chat, the dose log and the URL (but the language).

    A widget's key is set to its empty value rather than deleted: a deleted key leaves the browser
    showing the old entry while the app computes with none."""
    ss = st.session_state
    defaults = dict(ss.get(RESET, {}))
    for k in list(ss.keys()):
        if k in KEEP_ON_NEW:
            continue
        value = ss[k]
        if k in defaults:
            ss[k] = defaults[k]
        elif isinstance(value, int | float | date | datetime | time) and not isinstance(value, bool):
            ss[k] = None   # number, date and time fields (a button's value is a bool: never set)
        else:
            del ss[k]
    for k in [k for k in ss if isinstance(k, str) and k.startswith("kept.")]:
        del ss[k]
    for k in (*(key(n) for n in (*FIELDS, TOCI)), WRITTEN):
        ss.pop(k, None)
    chosen = lang()
    st.query_params.clear()
    st.query_params["lang"] = chosen
    st.session_state[WRITTEN] = {}
    st.session_state["patient_cleared"] = True
    browser_copy.cleared()


# --- the values, checked ---------------------------------------------------------------------


_AGE = TypeAdapter(dosing.AgeYears)


def error_text(exc: ValidationError) -> str:
    """A refusal from logic.dosing in the page's language."""
    first = exc.errors()[0]
    kind, ctx = first.get("type", ""), dict(first.get("ctx") or {})
    if kind in dosing.ERROR_TYPES:
        if "field" in ctx:
            ctx["field"] = t(f"dosing.input.{ctx['field']}")
        if "drug" in ctx:
            ctx["drug"] = t(f"dosing.drug.{ctx['drug']}")
        return t(f"dosing.err.{kind}", **ctx)
    return t("patient.err.generic", value=first.get("input", ""))


_CHECKS: dict[str, Callable[[object], object]] = {
    "weight_kg": lambda v: dosing.check_weight(float(v)),
    "height_cm": lambda v: dosing.check_height(float(v)),
    "age": lambda v: _AGE.validate_python(v),
}


def problem(name: str) -> str | None:
    """The message for the patient's `name` value as entered, or None if it is usable (or empty)."""
    raw = st.session_state.get(key(name))
    if raw is None or name not in _CHECKS:
        return None
    try:
        _CHECKS[name](raw)
    except ValidationError as exc:
        return error_text(exc)
    return None


@dataclass(frozen=True)
class Patient:
    """The usable values (an entry refused by logic is None here; `problems` says why)."""

    weight_kg: float | None = None
    height_cm: float | None = None
    age: int | None = None
    sex: str | None = None
    infusion: date | None = None
    regimen: str | None = None
    crs_grade: int | None = None
    crs_at_least: bool = False
    toci: tuple[tuple[datetime, float | None], ...] = ()
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def toci_given(self) -> list[datetime]:
        return [at for at, _ in self.toci]

    def context(self) -> dict[str, object]:
        """What the assistant may know without asking again (its `context`)."""
        out: dict[str, object] = {"now": clock.wall_now(), "today": clock.today()}
        for name in ("weight_kg", "height_cm", "age", "sex", "infusion", "regimen"):
            value = getattr(self, name)
            if value is not None:
                out["age_years" if name == "age" else name] = value
        if self.crs_grade is not None:
            out["crs_grade"], out["crs_at_least"] = self.crs_grade, self.crs_at_least
        if self.toci:
            out["tocilizumab_given"] = self.toci_given
        return out


def current() -> Patient:
    ss = st.session_state
    problems = {n: p for n in _CHECKS if (p := problem(n)) is not None}

    def ok(name: str) -> object:
        return None if name in problems else ss.get(key(name))

    crs = ss.get(key("crs"))
    return Patient(
        weight_kg=None if ok("weight_kg") is None else float(ok("weight_kg")),
        height_cm=None if ok("height_cm") is None else float(ok("height_cm")),
        age=ok("age"), sex=ss.get(key("sex")), infusion=ss.get(key("infusion")), regimen=ss.get(key("regimen")),
        crs_grade=crs[0] if crs else None, crs_at_least=bool(crs and crs[1]),
        toci=tuple(ss.get(key(TOCI)) or ()), problems=problems)


def set_crs(grade: int | None, at_least: bool = False) -> None:
    """The grade /toxicity computed (None: not graded); the strip and the chat show it."""
    st.session_state[key("crs")] = None if grade is None else (grade, at_least)


# --- the tocilizumab dose log (one list for the course guard everywhere) ------------------------


def toci_log() -> tuple[tuple[datetime, float | None], ...]:
    return tuple(st.session_state.get(key(TOCI)) or ())


def add_toci(at: datetime, mg: float | None = None, check_future: bool = True) -> str | None:
    """Add a dose given at `at` (the user's wall clock); returns the reason it was refused, or None."""
    at = at.replace(second=0, microsecond=0, tzinfo=None)
    log = toci_log()
    if any(x == at for x, _ in log):
        return t("patient.toci.duplicate", time=f"{at:%Y-%m-%d %H:%M}")
    top = episode.max_recorded_dose_mg("tocilizumab")
    if mg is not None and not (math.isfinite(mg) and 0 < mg <= top):
        return t("patient.toci.mg_invalid", mg=f"{mg:g}", max=f"{top:g}")
    if check_future and at > clock.wall_now():
        return t("patient.toci.future", time=f"{at:%Y-%m-%d %H:%M}", now=clock.fmt(clock.wall_now()))
    if len(log) >= MAX_TOCI:
        return t("patient.toci.too_many", n=MAX_TOCI)
    st.session_state[key(TOCI)] = tuple(sorted((*log, (at, mg))))
    return None


def remove_toci(index: int) -> None:
    log = list(toci_log())
    if 0 <= index < len(log):
        del log[index]
    st.session_state[key(TOCI)] = tuple(log)


def clear_toci() -> None:
    st.session_state[key(TOCI)] = ()


def _on_add_toci(prefix: str) -> None:
    at = st.session_state.get(f"{prefix}_toci_at")
    mg = st.session_state.get(f"{prefix}_toci_mg")
    if at is None:
        st.session_state[f"{prefix}_toci_msg"] = t("patient.toci.need_time")
        return
    st.session_state[f"{prefix}_toci_msg"] = add_toci(at, mg)


def toci_editor(prefix: str) -> None:
    """The dose log: each dose given, with its time; add one (default: now, the user's clock)."""
    log = toci_log()
    st.markdown(f"**{md_escape(t('patient.toci.heading', n=len(log)))}**")
    for i, (at, mg) in enumerate(log):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(md_escape(t("patient.toci.row", n=i + 1, time=clock.fmt(at),
                                    mg=f" · {mg:g} mg" if mg is not None else "")))
            st.button(t("patient.toci.remove"), key=f"{prefix}_toci_remove_{i}", type="tertiary",
                      icon=":material/delete:", on_click=remove_toci, args=(i,))
    if f"{prefix}_toci_at" not in st.session_state:
        st.session_state[f"{prefix}_toci_at"] = clock.wall_now()
    st.datetime_input(t("patient.toci.at_label", zone=clock.zone_label()), key=f"{prefix}_toci_at",
                      step=timedelta(minutes=5), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31))
    mg = st.number_input(t("patient.toci.mg_label"), key=f"{prefix}_toci_mg", step=1.0, value=None)
    top = episode.max_recorded_dose_mg("tocilizumab")
    if mg is not None and not (math.isfinite(mg) and 0 < mg <= top):
        st.error(md_escape(t("patient.toci.mg_invalid", mg=f"{mg:g}", max=f"{top:g}")), icon=":material/error:")
    st.button(t("patient.toci.add"), key=f"{prefix}_toci_add", icon=":material/add:", on_click=_on_add_toci,
              args=(prefix,), disabled=len(log) >= MAX_TOCI)
    msg = st.session_state.get(f"{prefix}_toci_msg")
    if msg:
        st.error(md_escape(msg), icon=":material/error:")


# --- fields bound to the patient's values --------------------------------------------------------


def _copy(widget_key: str, name: str, convert: Callable[[object], object] = lambda v: v) -> None:
    value = st.session_state.get(widget_key)
    st.session_state[key(name)] = None if value is None else convert(value)
    st.session_state.pop("patient_cleared", None)


def _bind(widget_key: str, name: str, convert_in: Callable[[object], object] = lambda v: v) -> None:
    value = st.session_state.get(key(name))
    st.session_state[widget_key] = None if value is None else convert_in(value)


def number_field(name: str, label: str, widget_key: str, *, step: float = 0.1, fmt: str = "%g",
                 help: str | None = None, show_problem: bool = True) -> float | None:
    """A number field for the patient's `name`, without widget bounds: what a hand types reaches
    logic, whose refusal shows right under the field. Returns the usable value (None if refused)."""
    _bind(widget_key, name)
    whole = name == "age"
    st.number_input(label, key=widget_key, step=1 if whole else step, format="%d" if whole else fmt, help=help,
                    on_change=_copy, args=(widget_key, name), placeholder=t("patient.placeholder"))
    msg = problem(name)
    if msg and show_problem:
        st.error(md_escape(msg), icon=":material/error:")
    return None if msg else st.session_state.get(key(name))


def date_field(name: str, label: str, widget_key: str, help: str | None = None) -> date | None:
    _bind(widget_key, name)
    st.date_input(label, key=widget_key, format="YYYY-MM-DD", min_value=date(1900, 1, 1),
                  max_value=date(2100, 12, 31), help=help, on_change=_copy, args=(widget_key, name))
    return st.session_state.get(key(name))


def choice_field(name: str, label: str, widget_key: str, options: Iterable[str],
                 format_func: Callable[[str], str], kind: str = "segmented") -> str | None:
    _bind(widget_key, name)
    opts = list(options)
    if st.session_state.get(widget_key) not in (None, *opts):
        st.session_state[widget_key] = None
    if kind == "select":
        st.selectbox(label, opts, key=widget_key, format_func=format_func, on_change=_copy, args=(widget_key, name),
                     index=None, placeholder=t("patient.placeholder"))
    else:
        st.segmented_control(label, opts, key=widget_key, format_func=format_func, on_change=_copy,
                             args=(widget_key, name))
    return st.session_state.get(key(name))


def _crs_field(widget_key: str) -> None:
    crs = st.session_state.get(key("crs"))
    st.session_state[widget_key] = "not_assessed" if crs is None else (f"ge{crs[0]}" if crs[1] else str(crs[0]))
    options = [*CRS_OPTIONS, *(f"ge{g}" for g in range(1, 5))]
    if st.session_state[widget_key] not in options:
        st.session_state[widget_key] = "not_assessed"

    def label(o: str) -> str:  # the same in both languages (the field's label says what it is)
        return "–" if o == "not_assessed" else f"≥{o[2:]}" if o.startswith("ge") else o

    def copy() -> None:
        v = st.session_state.get(widget_key)
        set_crs(None if v in (None, "not_assessed") else int(v.removeprefix("ge")), str(v).startswith("ge"))

    st.selectbox(t("patient.field.crs"), options, key=widget_key, format_func=label, on_change=copy)


# --- the strip ---------------------------------------------------------------------------------


def _summary(p: Patient) -> str:
    parts = []
    if p.weight_kg is not None:
        parts.append(f"{p.weight_kg:g} kg")
    if p.height_cm is not None:
        parts.append(f"{p.height_cm:g} cm")
    if p.age is not None:
        parts.append(t("patient.summary.age", age=p.age))
    if p.sex:
        parts.append(t(f"patient.sex.{p.sex}"))
    if p.infusion is not None:
        day = (clock.today() - p.infusion).days
        parts.append(t("patient.summary.infusion", date=p.infusion.isoformat(), day=f"{day:+d}"))
    if p.regimen:
        parts.append(p.regimen)
    if p.toci:
        parts.append(t("patient.summary.toci", n=len(p.toci), last=clock.fmt(p.toci[-1][0])))
    if p.crs_grade is not None:
        parts.append(t("patient.crs_at_least", grade=p.crs_grade) if p.crs_at_least
                     else t("patient.crs_grade", grade=p.crs_grade))
    if p.problems:
        parts.append(t("patient.summary.refused", n=len(p.problems)))
    return " · ".join(parts) if parts else t("patient.summary.empty")


@dataclass
class Strip:
    """The rendered strip; `refresh()` rewrites its summary after the page changed a value
    (e.g. /toxicity's CRS grade), so the summary never shows an earlier value."""

    slot: object
    patient: Patient

    def refresh(self) -> Patient:
        self.patient = current()
        self.slot.markdown(_summary_md(self.patient))
        sync_url()
        return self.patient


def _summary_md(p: Patient) -> str:
    return f"**{md_escape(t('patient.heading'))}** · {md_escape(_summary(p))}"


def strip(inline: Iterable[str] = ()) -> Strip:
    """The strip at the top of a page: a one-line summary, an editor for the fields the page does
    not show itself, and "New patient". `.patient` is the patient as entered (usable values only)."""
    inline = set(inline)
    sync_url()
    for name, raw, reason in st.session_state.pop(PROBLEMS, ()):
        st.warning(md_escape(t("patient.url_ignored", name=name, value=raw, reason=t(f"patient.url_reason.{reason}"))),
                   icon=":material/link_off:")
    p = current()
    with st.container(border=True, key="patient_strip"):
        slot = st.empty()
        slot.markdown(_summary_md(p))
        if st.session_state.get("patient_cleared"):
            st.caption(md_escape(t("patient.cleared")))
        with st.expander(t("patient.edit"), icon=":material/person:"):
            st.caption(md_escape(t("patient.privacy")))
            c1, c2 = st.columns(2)
            with c1:
                if "weight_kg" not in inline:
                    number_field("weight_kg", t("patient.field.weight_kg"), "patient_w_weight_kg")
                if "age" not in inline:
                    number_field("age", t("patient.field.age"), "patient_w_age")
                if "infusion" not in inline:
                    date_field("infusion", t("patient.field.infusion"), "patient_w_infusion")
            with c2:
                if "height_cm" not in inline:
                    number_field("height_cm", t("patient.field.height_cm"), "patient_w_height_cm", step=0.5)
                if "sex" not in inline:
                    choice_field("sex", t("patient.field.sex"), "patient_w_sex", SEXES,
                                 lambda s: t(f"patient.sex.{s}"))
                if "crs" not in inline:
                    _crs_field("patient_w_crs")
            if "regimen" not in inline:
                choice_field("regimen", t("patient.field.regimen"), "patient_w_regimen",
                             dosing.lymphodepletion_regimens(), str, kind="select")
            if TOCI not in inline:
                toci_editor("patient_w")
            st.button(t("patient.new"), key="patient_new", icon=":material/person_add:", on_click=new_patient,
                      type="secondary")
    return Strip(slot=slot, patient=current())
