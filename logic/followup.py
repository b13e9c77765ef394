"""Follow-up after CAR-T infusion: the visit schedule and the IgG replacement rule.

The schedule follows `followup_schedule` (P22): day 14 and day 28, monthly within the first
half year, every 2 months from month 6 to 12, every 3 months in year 2, every 3-6 months
from year 3 (clinical judgement: each such visit carries its window). Months are calendar
months: 31 January + 1 month is the last day of February.

The IgG rule is `ivig_replacement` (P18). Every number comes from content; only calendar
definitions (a half year is 6 months, year 2 ends at month 24) and the app's own
plausibility bounds live here.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator, validate_call

from logic import content

# Calendar definitions of the consensus's words, not clinical numbers:
# 「半年内每月」 = months 1-6; 「第二年」 = months 13-24; 「第三年(及以后)」 = from month 25.
HALF_YEAR_MONTHS = 6
YEAR_MONTHS = 12

# The app's plausibility bounds (not consensus numbers).
IGG_MIN_G_L = 0.0
IGG_MAX_G_L = 60.0
EARLIEST_INFUSION = date(2016, 1, 1)  # the first BCMA CAR-T report in patients (Ali et al., Blood 2016)
MAX_DAYS_AHEAD = 366  # a planned infusion may be entered up to a year ahead
MAX_MONTHS = 120
LATEST_TODAY = date(2200, 12, 31)  # keeps every planned date inside the calendar

Phase = Literal["early", "first_half_year", "months_6_to_12", "year_2", "year_3_on"]

# Per-visit assessment codes (the page and exports translate them; see content/i18n/*/followup.yaml).
RESPONSE_ASSESSMENTS: tuple[str, ...] = (
    "m_protein", "serum_protein_electrophoresis", "immunofixation", "free_light_chains",
)
# P22 lists what to assess (「评估的指标包括…骨髓细胞学、MRD」), not a marrow at every visit: the
# app's reading is that marrow cytology and MRD are done when indicated (e.g. to confirm CR or MRD
# negativity), so they are listed apart from each visit's assessments and out of the calendar text.
WHEN_INDICATED: tuple[str, ...] = ("bone_marrow_cytology", "mrd")
SAFETY_ASSESSMENTS: tuple[str, ...] = ("adverse_effects", "infection")


def add_months(start: date, months: int) -> date:
    """Calendar months: the same day of the month, or the month's last day if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class Visit(BaseModel):
    """One follow-up visit. `date` is the planned date; from year 3 on, `earliest`/`latest`
    give the consensus's 3-6 month window counted from the previous visit."""

    model_config = ConfigDict(frozen=True)

    date: date
    label: str
    assessments: list[str]
    recommendation_id: str
    when_indicated: list[str] = Field(default_factory=lambda: list(WHEN_INDICATED),
                                      description="only when indicated (e.g. marrow and MRD to confirm CR)")
    # Added around the contract:
    day: int = Field(description="days since infusion (day 0)")
    month: int | None = Field(default=None, description="calendar month after infusion; None for day 14")
    phase: Phase = "early"
    earliest: date | None = None
    latest: date | None = None
    recommendation_ids: list[str] = Field(default_factory=list)

    @property
    def is_window(self) -> bool:
        return self.earliest is not None

    @property
    def last_day(self) -> date:
        """The last day the visit is still on time."""
        return self.latest or self.date


def infusion_date_problem(infusion: date, today: date) -> Literal["before_2016", "too_far_ahead"] | None:
    """Why an infusion date is refused, or None if it is plausible."""
    if infusion < EARLIEST_INFUSION:
        return "before_2016"
    if infusion > today + timedelta(days=MAX_DAYS_AHEAD):
        return "too_far_ahead"
    return None


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    infusion: date = Field(description="CAR-T infusion date (day 0)")
    extramedullary: bool = Field(default=False, description="extramedullary disease before CAR-T")
    months: int = Field(default=36, ge=1, le=MAX_MONTHS, description="how far ahead to plan, in months")
    year3_every_months: int = Field(default=3, description="clinician's choice within the 3-6 month range")
    today: date = Field(default_factory=date.today, ge=EARLIEST_INFUSION, le=LATEST_TODAY,
                        description="only used to refuse implausible dates")

    @model_validator(mode="after")
    def _plausible(self) -> ScheduleRequest:
        problem = infusion_date_problem(self.infusion, self.today)
        if problem == "before_2016":
            raise ValueError(f"infusion date {self.infusion} is before 2016, the year of the first BCMA "
                             "CAR-T report; check the year")
        if problem == "too_far_ahead":
            raise ValueError(f"infusion date {self.infusion} is more than {MAX_DAYS_AHEAD} days after "
                             f"today ({self.today}); check the year")
        lo = int(content.value("followup_schedule", "year3_min_months"))
        hi = int(content.value("followup_schedule", "year3_max_months"))
        if not lo <= self.year3_every_months <= hi:
            raise ValueError(f"from year 3 the consensus says every {lo}-{hi} months; "
                             f"{self.year3_every_months} is outside that range")
        return self


def _month_visits(req: ScheduleRequest) -> list[tuple[int, Phase, int | None, int | None]]:
    """(month, phase, window start, window end) for every month-anchored visit up to req.months."""
    bimonthly = int(content.value("followup_schedule", "bimonthly_every_months"))
    year2 = int(content.value("followup_schedule", "year2_every_months"))
    lo = int(content.value("followup_schedule", "year3_min_months"))
    hi = int(content.value("followup_schedule", "year3_max_months"))
    out: list[tuple[int, Phase, int | None, int | None]] = []
    out += [(m, "first_half_year", None, None) for m in range(1, HALF_YEAR_MONTHS + 1)]
    out += [(m, "months_6_to_12", None, None)
            for m in range(HALF_YEAR_MONTHS + bimonthly, YEAR_MONTHS + 1, bimonthly)]
    out += [(m, "year_2", None, None) for m in range(YEAR_MONTHS + year2, 2 * YEAR_MONTHS + 1, year2)]
    previous = 2 * YEAR_MONTHS
    while previous + req.year3_every_months <= req.months:
        out.append((previous + req.year3_every_months, "year_3_on", previous + lo, previous + hi))
        previous += req.year3_every_months
    return [v for v in out if v[0] <= req.months]


def emd_imaging_from(infusion: date) -> date:
    """「建议在CAR-T细胞治疗1个月后评估髓外病变」: imaging from 1 calendar month after infusion."""
    return add_months(infusion, int(content.value("followup_extramedullary", "imaging_month")))


def _assessments(month: int | None, req: ScheduleRequest, when: date | None = None) -> tuple[list[str], list[str]]:
    """What to assess at a visit (codes) and the recommendations they rest on. `when` is the
    visit's date: the day-28 visit comes before 「1个月后」, so it carries no extramedullary imaging."""
    codes = [*RESPONSE_ASSESSMENTS, *SAFETY_ASSESSMENTS]
    recs = [content.ref("followup_assessments")]
    igg_months = int(content.value("ivig_replacement", "monitor_months"))
    pjp_months = int(content.value("antibacterial_antifungal_pjp_prophylaxis", "pjp_min_months"))
    if month is not None and month <= igg_months:
        codes.append("igg")
        recs.append(content.ref("ivig_replacement"))
    if month is None or month < pjp_months:
        codes.append("pjp_prophylaxis")
        recs.append(content.ref("antibacterial_antifungal_pjp_prophylaxis"))
    elif month == pjp_months:
        codes.append("pjp_review")
        recs.append(content.ref("antibacterial_antifungal_pjp_prophylaxis"))
    if req.extramedullary and month is not None and (when is None or when >= emd_imaging_from(req.infusion)):
        imaging = int(content.value("followup_extramedullary", "imaging_month"))
        pet_ct = int(content.value("followup_extramedullary", "pet_ct_from_month"))
        if month >= pet_ct:
            codes.append("emd_imaging_or_pet_ct")
        elif month >= imaging:
            codes.append("emd_imaging")
        if month >= imaging:
            recs.append(content.ref("followup_extramedullary"))
    codes.append("long_term_biosafety")
    recs.append(content.ref("followup_long_term_biosafety"))
    return codes, recs


def build_schedule(req: ScheduleRequest) -> list[Visit]:
    schedule_id = content.ref("followup_schedule")
    first_day = int(content.value("followup_schedule", "first_visit_day"))
    second_day = int(content.value("followup_schedule", "second_visit_day"))
    visits: list[Visit] = []

    codes, recs = _assessments(None, req)
    visits.append(Visit(date=req.infusion + timedelta(days=first_day), label=f"Day {first_day}",
                        assessments=codes, recommendation_id=schedule_id, day=first_day, month=None,
                        phase="early", recommendation_ids=[schedule_id, *recs]))
    for month, phase, win_lo, win_hi in _month_visits(req):
        if month == 1:
            # The day-28 visit is the first of the monthly visits of the first half year
            # (「14 d和28 d,半年内每月评估一次」): one visit, not two a few days apart.
            when = req.infusion + timedelta(days=second_day)
            label, phase = f"Day {second_day} (month 1)", "early"
        else:
            when = add_months(req.infusion, month)
            label = f"Month {month}"
        codes, recs = _assessments(month, req, when)
        visits.append(Visit(
            date=when, label=label, assessments=codes, recommendation_id=schedule_id,
            day=(when - req.infusion).days, month=month, phase=phase,
            earliest=add_months(req.infusion, win_lo) if win_lo is not None else None,
            latest=add_months(req.infusion, win_hi) if win_hi is not None else None,
            recommendation_ids=[schedule_id, *recs],
        ))
    return visits


def schedule(infusion: date, extramedullary: bool = False, months: int = 36, *,
             year3_every_months: int = 3, today: date | None = None) -> list[Visit]:
    """The visit schedule from the infusion date (contract). Raises ValidationError for an
    infusion before 2016 or more than a year ahead of `today` (default: the real today)."""
    kwargs = {"today": today} if today is not None else {}
    req = ScheduleRequest(infusion=infusion, extramedullary=extramedullary, months=months,
                          year3_every_months=year3_every_months, **kwargs)
    return build_schedule(req)


def pjp_prophylaxis_until(infusion: date) -> date:
    """The earliest date PJP prophylaxis may stop: at least 3 calendar months after infusion."""
    return add_months(infusion, int(content.value("antibacterial_antifungal_pjp_prophylaxis", "pjp_min_months")))


def igg_monitoring_until(infusion: date) -> date:
    return add_months(infusion, int(content.value("ivig_replacement", "monitor_months")))


# --- where the patient is today -----------------------------------------------------------


class FollowupProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: int = Field(description="days since infusion; negative before a planned infusion")
    next_visit: Visit | None
    due_today: list[Visit]
    overdue: list[Visit] = Field(description="past their last on-time day and not marked done")
    done: list[Visit]
    recommendation_ids: list[str]


def progress(visits: list[Visit], infusion: date, today: date, done: frozenset[str] = frozenset()) -> FollowupProgress:
    """Day +N, the next visit, what is overdue. A visit is overdue once its last on-time day
    (the window's end from year 3) has passed and it is not marked done: the app does not
    assume an unrecorded visit took place."""
    done_visits = [v for v in visits if v.label in done]
    open_visits = [v for v in visits if v.label not in done]
    overdue = [v for v in open_visits if v.last_day < today]
    due_today = [v for v in open_visits if (v.earliest or v.date) <= today <= v.last_day]
    upcoming = [v for v in open_visits if v.date >= today]
    return FollowupProgress(
        day=(today - infusion).days,
        next_visit=upcoming[0] if upcoming else None,
        due_today=due_today,
        overdue=overdue,
        done=done_visits,
        recommendation_ids=[content.ref("followup_schedule"), content.ref("followup_suspected_progression")],
    )


# --- IgG replacement ----------------------------------------------------------------------

IgG = Annotated[float, Field(ge=IGG_MIN_G_L, le=IGG_MAX_G_L, allow_inf_nan=False,
                             description="serum IgG in g/L")]
Decision = Literal["replace", "assess_further", "monitor"]
# The myeloma's heavy-chain isotype (optional). In IgG-isotype myeloma total serum IgG includes the
# monoclonal protein, so the polyclonal IgG can be far lower than the value the rule reads.
Isotype = Literal["IgG", "IgA", "IgM", "IgD", "light_chain_only", "non_secretory"]
ISOTYPES: tuple[str, ...] = Isotype.__args__  # type: ignore[attr-defined]


@validate_call
def ivig_decision(igg_g_l: IgG, infection: bool) -> Decision:
    """`ivig_replacement`: IgG <4 g/L, or 4-6 g/L with infection -> replace; >6 g/L with
    infection -> assess further (IgG, IgA, IgM and B cells); otherwise monitor.
    Exactly 6.0 g/L with infection counts as within 4-6 (the app's note on the entry)."""
    below = float(content.value("ivig_replacement", "replace_below_g_l"))
    upper = float(content.value("ivig_replacement", "replace_with_infection_max_g_l"))
    if igg_g_l < below:
        return "replace"
    if infection:
        return "replace" if igg_g_l <= upper else "assess_further"
    return "monitor"


class IVIGAssessment(BaseModel):
    """The decision with its working; `decision` is None when it depends on an unassessed infection."""

    model_config = ConfigDict(frozen=True)

    igg_g_l: float
    infection: bool | None
    band: Literal["below_4", "4_to_6", "above_6"]
    decision: Decision | None
    if_infection: Decision
    if_no_infection: Decision
    incomplete: bool
    recommendation_id: str
    isotype: Isotype | None = None
    # The app's note (not the consensus's): "igg_isotype" when the myeloma is IgG-isotype (total IgG
    # includes the M-protein: use the polyclonal IgG, i.e. total IgG minus the M-spike, or IgA/IgM);
    # "isotype_not_stated" when the isotype was not given, so the caveat may apply.
    isotype_caveat: Literal["igg_isotype", "isotype_not_stated"] | None = None


@validate_call
def ivig_assessment(igg_g_l: IgG, infection: bool | None = None, isotype: Isotype | None = None) -> IVIGAssessment:
    below = float(content.value("ivig_replacement", "replace_below_g_l"))
    upper = float(content.value("ivig_replacement", "replace_with_infection_max_g_l"))
    band = "below_4" if igg_g_l < below else "4_to_6" if igg_g_l <= upper else "above_6"
    with_inf, without = ivig_decision(igg_g_l, True), ivig_decision(igg_g_l, False)
    if infection is None:
        decision = with_inf if with_inf == without else None
    else:
        decision = with_inf if infection else without
    caveat = "igg_isotype" if isotype == "IgG" else "isotype_not_stated" if isotype is None else None
    return IVIGAssessment(igg_g_l=igg_g_l, infection=infection, band=band, decision=decision,
                          if_infection=with_inf, if_no_infection=without, incomplete=decision is None,
                          recommendation_id=content.ref("ivig_replacement"), isotype=isotype,
                          isotype_caveat=caveat)


IGG_MG_DL_FROM = 100.0  # from here up to 6000 a value reads as mg/dL (100 mg/dL = 1 g/L); 60-100 is ambiguous


def igg_unit_hint(value: float) -> Literal["mg_dl"] | None:
    """A value refused in g/L that is plainly a mg/dL value (100 mg/dL = 1 g/L)."""
    return "mg_dl" if IGG_MG_DL_FROM <= value <= IGG_MAX_G_L * 100 else None


__all__ = [
    "Visit", "schedule", "ivig_decision", "ivig_assessment", "IVIGAssessment", "add_months",
    "progress", "FollowupProgress", "infusion_date_problem", "igg_unit_hint", "pjp_prophylaxis_until",
    "igg_monitoring_until", "ScheduleRequest", "build_schedule", "WHEN_INDICATED", "emd_imaging_from",
    "ISOTYPES",
]
