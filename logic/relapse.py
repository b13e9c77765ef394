"""Options after relapse following CAR-T therapy (P21), by antigen status and the first product.

`relapse_guideline_options`: always clinical trials, previously sensitive drugs, new drugs or
combinations (the 2022 Chinese MM guideline). A second CAR-T 「值得临床尝试,但需要基于以下考虑」
(`relapse_second_car_t`), items ①-⑤:
① antigen-positive: after a murine BCMA CAR-T, a humanized or fully human BCMA CAR-T or a
  dual-target product; or another detectable target (`relapse_antigen_positive`). 「如」 makes the
  murine case an example: after a humanized product the switch is offered with that caption;
② reduced antigen expression: add a γ-secretase inhibitor (`relapse_antigen_low`);
③ antigen-negative: ONLY another detectable target (`relapse_antigen_negative`) — so never a
  BCMA product, single or dual;
④ a different costimulatory domain (`relapse_costimulatory_domain`);
⑤ short persistence or poor expansion: assess T-cell and CAR-T function first, extend the
  washout, or try a non-autologous product (`relapse_poor_persistence`). The last two are a second
  CAR-T, so only where a CAR target exists (rule ③), captioned like ④ until it is established.
When the antigen status is unknown, no BCMA-directed option is offered until it is assessed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator, validate_call

from logic import content

OtherTarget = Literal["GPRC5D", "CS1", "CD19", "CD38", "CD138"]
OTHER_TARGETS: tuple[str, ...] = ("GPRC5D", "CS1", "CD19", "CD38", "CD138")
CostimulatoryDomain = Literal["4-1BB", "CD28", "other", "unknown"]
COSTIMULATORY_DOMAINS: tuple[str, ...] = ("4-1BB", "CD28", "other", "unknown")

OPTION_IDS: tuple[str, ...] = (
    "humanized_or_fully_human_bcma", "dual_target", "other_target", "gamma_secretase_inhibitor",
    "different_costimulatory_domain", "evaluate_t_cell_function", "extend_washout", "allogeneic_car_t",
    "clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations",
)
# Options that put a BCMA-directed CAR on the patient's cells: never for antigen-negative relapse.
BCMA_DIRECTED: frozenset[str] = frozenset({"humanized_or_fully_human_bcma", "dual_target", "gamma_secretase_inhibitor"})


class RelapseContext(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    antigen: Literal["positive", "low", "negative", "unknown"] = Field(
        description="target antigen (BCMA) on myeloma cells at relapse")
    prior_car_origin: Literal["murine", "humanized", "fully_human", "unknown"] = Field(
        default="unknown", description="origin of the first CAR's binding domain")
    poor_persistence: bool = Field(default=False, description="short persistence or poor expansion of the first product")
    other_targets: list[OtherTarget] = Field(default_factory=list, description="other targets detectable on myeloma cells")
    # Added around the contract (optional; None = not stated):
    prior_costimulatory_domain: CostimulatoryDomain | None = Field(
        default=None, description="costimulatory domain of the first CAR")
    other_targets_assessed: bool | None = Field(
        default=None, description="True when other targets were tested; with an empty list: none detectable")
    persistence: Literal["poor", "adequate"] | None = Field(
        default=None, description="persistence/expansion of the first product, when stated either way")

    @model_validator(mode="after")
    def _consistent(self) -> RelapseContext:
        if self.poor_persistence and self.persistence == "adequate":
            raise ValueError("poor_persistence=True contradicts persistence='adequate'")
        return self

    @property
    def persistence_poor(self) -> bool:
        return self.poor_persistence or self.persistence == "poor"


class RelapseOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    recommendation_id: str
    # Added around the contract:
    condition: str | None = Field(default=None, description="code of the condition the option rests on, if any")
    targets: list[str] = Field(default_factory=list, description="for other_target: the detectable targets")
    recommendation_ids: list[str] = Field(default_factory=list, description="every entry behind the option")
    second_car_t: bool = False


class NotOffered(BaseModel):
    """An option the consensus names that does not apply here, and why (shown, not hidden)."""

    model_config = ConfigDict(frozen=True)

    id: str
    reason: str  # code, translated by the page
    recommendation_id: str


class RelapseAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)

    options: list[RelapseOption]
    not_offered: list[NotOffered]
    incomplete: bool = Field(description="an input that changes the options was not stated")
    missing: list[str]
    recommendation_ids: list[str]


def _option(opt_id: str, rec: str, *, condition: str | None = None, targets: list[str] | None = None,
            extra: tuple[str, ...] = (), second: bool = True) -> RelapseOption:
    ids = [content.ref(rec), *(content.ref(e) for e in extra)]
    if second:
        ids.append(content.ref("relapse_second_car_t"))
    return RelapseOption(id=opt_id, recommendation_id=content.ref(rec), condition=condition,
                         targets=list(targets or []), recommendation_ids=ids, second_car_t=second)


def _target_condition(antigen: str, targets_detected: bool) -> str | None:
    """The caption a second CAR-T carries while its target rests on rule ③ or is not established."""
    if antigen == "negative":
        return "other_target_only" if targets_detected else "other_target_only_untested"
    if antigen == "unknown":
        return "target_pending"
    return None


@validate_call  # a wrong type (e.g. a plain dict with a bad field) is a ValidationError, never a crash
def assess(ctx: RelapseContext) -> RelapseAssessment:
    opts: list[RelapseOption] = []
    skip: list[NotOffered] = []
    missing: list[str] = []
    targets = [t for t in OTHER_TARGETS if t in ctx.other_targets]

    # Always (the 2022 Chinese MM guideline), in the consensus's order.
    for opt_id in ("clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"):
        opts.append(_option(opt_id, "relapse_guideline_options", second=False))

    # ① antigen-positive
    if ctx.antigen == "positive":
        if ctx.prior_car_origin == "murine":
            opts.append(_option("humanized_or_fully_human_bcma", "relapse_antigen_positive",
                                extra=("humanized_car_t",)))
            opts.append(_option("dual_target", "relapse_antigen_positive", extra=("dual_target_rationale",)))
        elif ctx.prior_car_origin == "unknown":
            missing.append("prior_car_origin")
            opts.append(_option("humanized_or_fully_human_bcma", "relapse_antigen_positive",
                                condition="if_prior_murine", extra=("humanized_car_t",)))
            opts.append(_option("dual_target", "relapse_antigen_positive", condition="if_prior_murine",
                                extra=("dual_target_rationale",)))
        else:
            # 「如首次接受鼠源性…」 is an example (如), not a rule: after a humanized or fully human
            # product the switch is still offered, with the caption that the example is after a murine one.
            opts.append(_option("humanized_or_fully_human_bcma", "relapse_antigen_positive",
                                condition="example_after_murine", extra=("humanized_car_t",)))
            opts.append(_option("dual_target", "relapse_antigen_positive", condition="example_after_murine",
                                extra=("dual_target_rationale",)))
    else:
        reason = {"low": "antigen_low", "negative": "antigen_negative", "unknown": "antigen_unknown"}[ctx.antigen]
        rec = {"low": "relapse_antigen_positive", "negative": "relapse_antigen_negative",
               "unknown": "relapse_antigen_positive"}[ctx.antigen]
        for opt_id in ("humanized_or_fully_human_bcma", "dual_target"):
            skip.append(NotOffered(id=opt_id, reason=reason, recommendation_id=content.ref(rec)))

    # ② reduced antigen expression
    if ctx.antigen == "low":
        opts.append(_option("gamma_secretase_inhibitor", "relapse_antigen_low"))
    else:
        reason = {"positive": "antigen_not_low", "negative": "antigen_negative",
                  "unknown": "antigen_unknown"}[ctx.antigen]
        rec = "relapse_antigen_negative" if ctx.antigen == "negative" else "relapse_antigen_low"
        skip.append(NotOffered(id="gamma_secretase_inhibitor", reason=reason, recommendation_id=content.ref(rec)))
    if ctx.antigen == "unknown":
        missing.insert(0, "antigen")

    # ①/③ another detectable target (for reduced expression and unknown status: the general
    # statement that other targets may serve after relapse, `dual_target_rationale`).
    target_rec = {"positive": "relapse_antigen_positive", "negative": "relapse_antigen_negative",
                  "low": "dual_target_rationale", "unknown": "dual_target_rationale"}[ctx.antigen]
    target_extra = ("dual_target_rationale",) if target_rec != "dual_target_rationale" else ()
    if targets:
        opts.append(_option("other_target", target_rec, targets=targets, extra=target_extra))
    elif ctx.other_targets_assessed:
        skip.append(NotOffered(id="other_target", reason="no_other_target_detected",
                               recommendation_id=content.ref(target_rec)))
    else:
        missing.append("other_targets")
        opts.append(_option("other_target", target_rec, condition="if_other_target_detectable", extra=target_extra))
    has_car_target = ctx.antigen in ("positive", "low") or any(o.id == "other_target" for o in opts)

    # ④ a different costimulatory domain
    if not has_car_target:
        skip.append(NotOffered(id="different_costimulatory_domain", reason="no_car_target",
                               recommendation_id=content.ref("relapse_costimulatory_domain")))
    else:
        if ctx.prior_costimulatory_domain in (None, "unknown"):
            missing.append("prior_costimulatory_domain")
            condition = "prior_domain_unknown"
        else:
            condition = "other_than_prior"
        if ctx.antigen == "negative":
            condition = f"{condition}_other_target"  # ③: only a product against another target
        elif ctx.antigen == "unknown":
            condition = f"{condition}_target_pending"
        opts.append(_option("different_costimulatory_domain", "relapse_costimulatory_domain", condition=condition))

    # ⑤ short persistence or poor expansion. Assessing T-cell function always applies; extending
    # the washout or a non-autologous product is a second CAR-T, so (rule ③) only where a CAR
    # target exists, and with the same condition as ④ while that target is not yet established.
    if ctx.persistence_poor:
        opts.append(_option("evaluate_t_cell_function", "relapse_poor_persistence"))
        if not has_car_target:
            for opt_id in ("extend_washout", "allogeneic_car_t"):
                skip.append(NotOffered(id=opt_id, reason="no_car_target",
                                       recommendation_id=content.ref("relapse_antigen_negative")))
        else:
            target_condition = _target_condition(ctx.antigen, bool(targets))
            opts.append(_option("extend_washout", "relapse_poor_persistence", condition=target_condition))
            extra = ("humanized_car_t",) if ctx.prior_car_origin == "murine" else ()
            opts.append(_option("allogeneic_car_t", "relapse_poor_persistence", condition=target_condition,
                                extra=extra))
    else:
        if ctx.persistence is None:
            missing.append("persistence")
        reason = "persistence_adequate" if ctx.persistence == "adequate" else "persistence_not_stated"
        for opt_id in ("evaluate_t_cell_function", "extend_washout", "allogeneic_car_t"):
            skip.append(NotOffered(id=opt_id, reason=reason,
                                   recommendation_id=content.ref("relapse_poor_persistence")))

    # Safety net for rule ③: whatever changes above, antigen-negative never gets a BCMA product.
    if ctx.antigen == "negative":
        opts = [o for o in opts if o.id not in BCMA_DIRECTED]

    rec_ids: list[str] = []
    for o in opts:
        rec_ids += [r for r in o.recommendation_ids if r not in rec_ids]
    return RelapseAssessment(options=opts, not_offered=skip, incomplete=bool(missing), missing=missing,
                             recommendation_ids=rec_ids)


@validate_call
def relapse_options(ctx: RelapseContext) -> list[RelapseOption]:
    """The options the consensus offers for this relapse (contract)."""
    return assess(ctx).options


def context_recommendations() -> list[str]:
    """What the consensus says about relapse in general: the challenge (with the app's note on its
    citation, READING-NOTES 18) and the absent evidence for maintenance."""
    return [content.ref("relapse_challenge"), content.ref("maintenance_no_evidence")]


__all__ = [
    "RelapseContext", "RelapseOption", "relapse_options", "assess", "RelapseAssessment", "NotOffered",
    "OPTION_IDS", "OTHER_TARGETS", "COSTIMULATORY_DOMAINS", "BCMA_DIRECTED", "context_recommendations",
]
