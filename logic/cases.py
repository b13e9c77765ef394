"""Teaching cases drawn from the logic itself, reproducible from a seed.

A seed fixes the case: `generate(seed)` is pure (random.Random(seed), a fixed calendar, no
clock), so `/practice?case=<seed>` shows every resident the same case. The template is
`TEMPLATES[seed % len(TEMPLATES)]`; the details come from the seeded generator.

Nothing here grades by a rule of its own: the expected answer is whatever the clinical logic
returns for the case's inputs (logic.crs, logic.icans, logic.dosing, logic.eligibility,
logic.relapse), and `grade_answer` asks that logic again. Texts are codes; the page words them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, validate_call

from logic import content, crs, dosing, eligibility, icans, relapse

Kind = Literal["crs", "icans", "tocilizumab_course", "tocilizumab_dose", "washout", "relapse"]
TEMPLATES: tuple[Kind, ...] = ("crs", "icans", "tocilizumab_course", "tocilizumab_dose", "washout", "relapse")
SEED_MAX = 999_999_999
Seed = Annotated[int, Field(ge=0, le=SEED_MAX, description="case number; the same seed gives the same case")]

# A fixed calendar keeps cases independent of today's date and every exposure in the past.
_ANCHOR = datetime(2025, 3, 3, 12, 0)
_TIME = "%Y-%m-%dT%H:%M"


class Case(BaseModel):
    """One case: what the resident sees (`facts`), the answer options and the logic's answer."""

    model_config = ConfigDict(frozen=True)

    seed: int
    kind: Kind
    facts: dict[str, Any] = Field(description="the logic's inputs, as plain values (times as ISO text)")
    choices: tuple[str, ...] = Field(description="answer keys, in display order")
    multi: bool = Field(False, description="True: choose every option that applies")
    expected: tuple[str, ...] = Field(description="the logic's answer: one key, or every key that applies")
    working: dict[str, Any] = Field(description="the logic's working, for the explanation")
    recommendation_ids: tuple[str, ...] = Field(description="the quotes behind the answer")


class Feedback(BaseModel):
    model_config = ConfigDict(frozen=True)

    correct: bool
    given: tuple[str, ...]
    expected: tuple[str, ...]
    missed: tuple[str, ...] = Field(description="expected keys not chosen")
    wrong: tuple[str, ...] = Field(description="chosen keys not expected")


def _iso(t: datetime) -> str:
    return t.strftime(_TIME)


def _time(s: str) -> datetime:
    return datetime.strptime(s, _TIME)


def _ids(*groups: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for group in groups:
        out += [content.ref(i) for i in group if i not in out]
    return tuple(out)


# --- CRS (ASTCT 2019, Table 3) -------------------------------------------------------------

_HYPOTENSION = ("none",) * 4 + ("no_vasopressor",) * 2 + ("one_vasopressor", "multiple_vasopressors")
_HYPOXIA = ("none",) * 4 + ("low_flow",) * 2 + ("high_flow", "positive_pressure")
_TEMPS = (37.2, 37.6, 37.9, 38.0, 38.0, 38.3, 38.7, 39.2, 39.6, 40.3)


def _crs_findings(facts: dict[str, Any]) -> crs.CRSFindings:
    return crs.CRSFindings(**facts["findings"])


def _crs_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    return (str(crs.grade_crs(_crs_findings(facts)).grade),)


def _crs(rng: random.Random) -> dict[str, Any]:
    temp = rng.choice(_TEMPS)
    findings = {
        "max_temp_c": temp,
        # Fever masked by an antipyretic or tocilizumab still counts once documented (ASTCT).
        "fever_before_masking": temp < crs.fever_threshold_c() and rng.random() < 0.4,
        "hypotension": rng.choice(_HYPOTENSION),
        "hypoxia": rng.choice(_HYPOXIA),
    }
    # Within the consensus's 3-week window for CRS after infusion (crs_diagnosis).
    facts = {"findings": findings, "day": rng.randint(1, 14)}
    grade = crs.grade_crs(crs.CRSFindings(**findings))
    # What each sign alone would set once fever is present: the working of "worse of the two".
    alone = {sign: crs.grade_crs(crs.CRSFindings(max_temp_c=40.0, **{sign: findings[sign]})).grade
             for sign in ("hypotension", "hypoxia")}
    fever = findings["max_temp_c"] >= crs.fever_threshold_c() or findings["fever_before_masking"]
    return dict(facts=facts, choices=tuple(str(g) for g in range(crs.MAX_GRADE + 1)),
                working={"grade": grade.grade, "drivers": list(grade.drivers), "fever": fever,
                         "fever_threshold_c": crs.fever_threshold_c(), "sign_grades": alone},
                recommendation_ids=_ids(["crs_astct_grading", "crs_diagnosis"], grade.recommendation_ids))


# --- ICANS (ASTCT 2019, ICE) ----------------------------------------------------------------

_ICE_ITEMS = ("orientation", "naming", "command", "writing", "attention")
_CONSCIOUSNESS = ("normal",) * 6 + ("awakens_spontaneously", "awakens_to_voice", "awakens_to_touch", "unarousable")
_SEIZURE = ("none",) * 12 + ("resolved_rapidly", "prolonged_or_repetitive")
_MOTOR = ("none",) * 16 + ("deep_focal",)
_EDEMA = ("none",) * 14 + ("focal", "diffuse")
_ICE_POINTS_LOST = (0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


def _icans_findings(facts: dict[str, Any]) -> icans.ICANSFindings:
    items = icans.ICEItems(**facts["ice_items"])
    return icans.ICANSFindings(ice_score=icans.ice_score(items), **facts["neuro"])


def _icans_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    return (str(icans.grade_icans(_icans_findings(facts)).grade),)


def _icans(rng: random.Random) -> dict[str, Any]:
    consciousness = rng.choice(_CONSCIOUSNESS)
    maxima = {k: icans.ICEItems.model_fields[k].metadata for k in _ICE_ITEMS}
    top = {k: next(m.le for m in maxima[k] if hasattr(m, "le")) for k in _ICE_ITEMS}
    items = dict(top)
    # An unarousable patient cannot be assessed: ICE 0 (ASTCT).
    lost = sum(top.values()) if consciousness == "unarousable" else rng.choice(_ICE_POINTS_LOST)
    pool = [k for k in _ICE_ITEMS for _ in range(top[k])]
    for k in rng.sample(pool, lost):
        items[k] -= 1
    neuro = {"consciousness": consciousness, "seizure": rng.choice(_SEIZURE),
             "motor_weakness": rng.choice(_MOTOR), "cerebral_edema": rng.choice(_EDEMA)}
    facts = {"ice_items": items, "neuro": neuro, "day": rng.randint(2, 21)}
    findings = _icans_findings(facts)
    grade = icans.grade_icans(findings)
    domains = {"ice_score": icans.grade_icans(icans.ICANSFindings(ice_score=findings.ice_score)).grade}
    domains |= {k: icans.grade_icans(icans.ICANSFindings(**{k: v})).grade for k, v in neuro.items()}
    return dict(facts=facts, choices=tuple(str(g) for g in range(icans.MAX_GRADE + 1)),
                working={"grade": grade.grade, "ice_score": findings.ice_score, "ice_max": icans.ICE_MAX,
                         "domain_grades": domains, "drivers": list(grade.drivers)},
                recommendation_ids=_ids(["icans_grading"], grade.recommendation_ids))


# --- tocilizumab: the course (8 h apart, 3 in 24 h by label, 4 in all) ---------------------

def _toci_times(facts: dict[str, Any]) -> tuple[list[datetime], datetime]:
    return [_time(s) for s in facts["given"]], _time(facts["now"])


def _toci_answer(check: dosing.TocilizumabCheck) -> str:
    if check.allowed:
        return "now"
    return "none" if check.earliest is None else _iso(check.earliest)


def _toci_course_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    return (_toci_answer(dosing.tocilizumab_next(*_toci_times(facts))),)


def _toci_course(rng: random.Random) -> dict[str, Any]:
    n = rng.choice((1, 2, 2, 3, 3, 3, 4))
    first = _ANCHOR + timedelta(days=rng.randrange(0, 300), hours=rng.choice((-10, -6, -2, 0, 4)))
    given = [first]
    for _ in range(n - 1):
        given.append(given[-1] + timedelta(hours=rng.choice((8, 8, 8, 9, 10, 12))))
    now = given[-1] + timedelta(hours=rng.choice((3, 5, 7, 8, 9, 12, 16)))
    check = dosing.tocilizumab_next(given, now)
    interval = timedelta(hours=check.min_interval_h)
    label_24h, printed_24h = check.max_doses_24h_label, check.max_doses_24h_printed
    # Distractors a resident might compute: the interval alone, the printed 4-in-24 h, a day on.
    candidates = {given[-1] + interval, given[-1] + timedelta(hours=24)}
    if n >= label_24h:
        candidates.add(given[-label_24h] + timedelta(hours=24))
    if n >= printed_24h:
        candidates.add(given[-printed_24h] + timedelta(hours=24))
    if check.earliest is not None and not check.allowed:
        candidates.add(check.earliest)
    times = sorted(t for t in candidates if t > now)[:3]
    answer = _toci_answer(check)
    if answer not in {"now", "none"} and answer not in {_iso(t) for t in times}:
        times = sorted([*times[:2], check.earliest])
    choices = ("now", *(_iso(t) for t in times), "none")
    facts = {"given": [_iso(t) for t in given], "now": _iso(now)}
    return dict(facts=facts, choices=choices,
                working={"rule": check.rule, "doses_total": check.doses_total,
                         "earliest": _iso(check.earliest) if check.earliest else None,
                         "by_interval": _iso(check.earliest_by_interval) if check.earliest_by_interval else None,
                         "by_label_24h": _iso(check.earliest_by_label_24h) if check.earliest_by_label_24h else None,
                         "min_interval_h": check.min_interval_h, "max_doses_total": check.max_doses_total,
                         "max_doses_24h_label": check.max_doses_24h_label,
                         "max_doses_24h_printed": check.max_doses_24h_printed},
                recommendation_ids=_ids(check.recommendation_ids))


# --- tocilizumab: the dose (8 mg/kg, at most 800 mg) ---------------------------------------

def _mg(x: float) -> str:
    return f"{x:g}"


def _toci_dose_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    return (_mg(dosing.tocilizumab_dose(facts["weight_kg"]).amount),)


def _toci_dose(rng: random.Random) -> dict[str, Any]:
    # Mostly below the cap; the cap's edge (100 kg -> 800 mg, 101 kg -> capped) now and then.
    weight = rng.choice((rng.randint(42, 99),) * 6 + (100, 101, rng.randint(102, 140), rng.randint(102, 140)))
    calc = dosing.tocilizumab(weight)
    per_kg, cap = float(content.value("tocilizumab_dosing", "mg_per_kg")), float(calc.cap)
    answer = _mg(calc.dose.amount)
    # Distractors: the uncapped figure, a mg/kg slip, the cap itself.
    pool = [_mg(dosing.round_mg(per_kg * weight)), _mg(dosing.round_mg(per_kg / 2 * weight)), _mg(cap),
            _mg(dosing.round_mg(min(12 * weight, 1200))), _mg(dosing.round_mg(per_kg * weight * 1.1))]
    distractors = [d for d in dict.fromkeys(pool) if d != answer][:3]
    choices = tuple(sorted([answer, *distractors], key=float))
    return dict(facts={"weight_kg": weight}, choices=choices,
                working={"formula": calc.formula, "capped": calc.dose.capped, "cap_mg": cap, "mg_per_kg": per_kg,
                         "volume_ml": calc.volume_ml, "infusion_min_h": calc.infusion_min_h},
                recommendation_ids=_ids(calc.recommendation_ids))


# --- washout before apheresis (P11) ----------------------------------------------------------

# Cases teach the exposures the consensus names; "other anti-myeloma therapy" is the app's reading
# of the 2-week group's 「等」 (eligibility.APP_READING_EXPOSURES), not a consensus item.
_CONSENSUS_EXPOSURES = tuple(k for k in eligibility.EXPOSURE_KEYS if k not in eligibility.APP_READING_EXPOSURES)


def _washout_exposures(facts: dict[str, Any]) -> dict[str, datetime]:
    return {k: _time(v) for k, v in facts["last_exposure"].items()}


def _washout_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    window = eligibility.earliest_apheresis(_washout_exposures(facts), now=_time(facts["now"]))
    return (_iso(window.earliest),)


def _washout(rng: random.Random) -> dict[str, Any]:
    now = _ANCHOR + timedelta(days=rng.randrange(0, 300))
    keys = rng.sample(list(_CONSENSUS_EXPOSURES), rng.choice((1, 2, 2, 3, 3)))
    exposures = {k: (now - timedelta(days=rng.randrange(0, 50))).replace(hour=8, minute=0) for k in keys}
    result = eligibility.earliest_apheresis(exposures, now=now)
    # Distractors: every other exposure's clearance (the most recent exposure is not always the
    # one that binds) and the binding exposure counted with another window.
    candidates = {w.clear for w in result.windows}
    windows = sorted({eligibility.washout_window(k)[0] for k in _CONSENSUS_EXPOSURES})
    binding_last = exposures[result.binding]
    candidates |= {binding_last + w for w in windows}
    others = sorted(c for c in candidates if c != result.earliest)
    picked = sorted(rng.sample(others, min(3, len(others))) + [result.earliest])
    facts = {"last_exposure": {k: _iso(v) for k, v in exposures.items()}, "now": _iso(now)}
    return dict(facts=facts, choices=tuple(_iso(t) for t in picked),
                working={"binding": result.binding,
                         "windows": [{"exposure": w.exposure, "last": _iso(w.last), "clear": _iso(w.clear),
                                      "window_hours": w.window_hours} for w in result.windows]},
                recommendation_ids=_ids([w.recommendation_id for w in result.windows]))


# --- relapse after CAR-T (P21) ---------------------------------------------------------------

def _relapse_context(facts: dict[str, Any]) -> relapse.RelapseContext:
    return relapse.RelapseContext(**facts["context"])


def _relapse_expected(facts: dict[str, Any]) -> tuple[str, ...]:
    ids = {o.id for o in relapse.relapse_options(_relapse_context(facts))}
    return tuple(i for i in relapse.OPTION_IDS if i in ids)


def _relapse(rng: random.Random) -> dict[str, Any]:
    targets = [t for t in relapse.OTHER_TARGETS if rng.random() < 0.3]
    persistence = rng.choice(("poor", "adequate"))
    context = {
        "antigen": rng.choice(("positive", "positive", "low", "negative")),
        "prior_car_origin": rng.choice(("murine", "murine", "humanized", "fully_human")),
        "poor_persistence": persistence == "poor",
        "persistence": persistence,
        "other_targets": targets,
        "other_targets_assessed": True,
        "prior_costimulatory_domain": rng.choice(("4-1BB", "CD28")),
    }
    assessment = relapse.assess(relapse.RelapseContext(**context))
    return dict(facts={"context": context}, choices=relapse.OPTION_IDS, multi=True,
                working={"not_offered": [{"id": n.id, "reason": n.reason} for n in assessment.not_offered]},
                recommendation_ids=_ids(assessment.recommendation_ids))


_BUILD: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "crs": _crs, "icans": _icans, "tocilizumab_course": _toci_course, "tocilizumab_dose": _toci_dose,
    "washout": _washout, "relapse": _relapse,
}
_EXPECTED: dict[str, Callable[[dict[str, Any]], tuple[str, ...]]] = {
    "crs": _crs_expected, "icans": _icans_expected, "tocilizumab_course": _toci_course_expected,
    "tocilizumab_dose": _toci_dose_expected, "washout": _washout_expected, "relapse": _relapse_expected,
}


# --- public API ------------------------------------------------------------------------------

def kind_of(seed: int) -> Kind:
    return TEMPLATES[seed % len(TEMPLATES)]


@validate_call
def generate(seed: Seed) -> Case:
    """The case for `seed`: the same seed always gives the same case."""
    kind = kind_of(seed)
    rng = random.Random(seed)
    built = _BUILD[kind](rng)
    return Case(seed=seed, kind=kind, expected=_EXPECTED[kind](built["facts"]), **built)


def expected_answer(case: Case) -> tuple[str, ...]:
    """The answer the clinical logic gives for this case's inputs, asked afresh."""
    return _EXPECTED[case.kind](case.facts)


def grade_answer(case: Case, answer: str | Sequence[str]) -> Feedback:
    """Compare an answer with what the logic returns (order does not matter for a multi-choice)."""
    given = (answer,) if isinstance(answer, str) else tuple(answer)
    unknown = [a for a in given if a not in case.choices]
    if unknown:
        raise ValueError(f"not an option of this case: {unknown}")
    if not case.multi and len(given) != 1:
        raise ValueError("choose exactly one option")
    expected = expected_answer(case)
    missed = tuple(e for e in expected if e not in given)
    wrong = tuple(g for g in given if g not in expected)
    return Feedback(correct=not missed and not wrong, given=given, expected=expected, missed=missed, wrong=wrong)


# New cases get a number below this, short enough to read out or type on a phone ("case 48213");
# every seed up to SEED_MAX still opens its case, so older links keep working.
NEW_SEED_MAX = 99_999


@validate_call
def seed_for(kind: Kind, draw: Annotated[int, Field(ge=0)], below: Annotated[int, Field(ge=len(TEMPLATES))] = SEED_MAX) -> Seed:
    """A seed whose case is of `kind`, spread by `draw` (e.g. a random number), below `below`."""
    base = (draw % (below // len(TEMPLATES))) * len(TEMPLATES)
    return base + TEMPLATES.index(kind)


def parse_seed(text: str) -> int:
    """A case number typed or linked (?case=): digits only, within 0..SEED_MAX; else ValueError."""
    s = str(text).strip()
    if not s.isdigit() or int(s) > SEED_MAX:
        raise ValueError(f"case number must be a whole number from 0 to {SEED_MAX}")
    return int(s)
