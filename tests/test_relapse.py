"""logic.relapse: the options of P21 by antigen status, first product and persistence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic import content, relapse
from logic.relapse import RelapseContext, assess, relapse_options

# P21, typed from the text (not logic.relapse's own sets, which its safety net also uses):
# ① humanized/fully human BCMA CAR-T or dual target, ② a γ-secretase inhibitor with a BCMA CAR-T.
BCMA_DIRECTED = {"humanized_or_fully_human_bcma", "dual_target", "gamma_secretase_inhibitor"}
OPTION_IDS = ("humanized_or_fully_human_bcma", "dual_target", "other_target", "gamma_secretase_inhibitor",
              "different_costimulatory_domain", "evaluate_t_cell_function", "extend_washout", "allogeneic_car_t",
              "clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations")
OTHER_TARGETS = ("GPRC5D", "CS1", "CD19", "CD38", "CD138")
COSTIMULATORY_DOMAINS = ("4-1BB", "CD28", "other", "unknown")


@pytest.mark.oracle
def test_logic_sets_are_the_p21_sets():
    assert (relapse.BCMA_DIRECTED, relapse.OPTION_IDS) == (BCMA_DIRECTED, OPTION_IDS)
    assert (relapse.OTHER_TARGETS, relapse.COSTIMULATORY_DOMAINS) == (OTHER_TARGETS, COSTIMULATORY_DOMAINS)

GUIDELINE = {"clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"}
PERSISTENCE = {"evaluate_t_cell_function", "extend_washout", "allogeneic_car_t"}


def ids(ctx: RelapseContext) -> set[str]:
    return {o.id for o in relapse_options(ctx)}


def option(ctx: RelapseContext, opt_id: str) -> relapse.RelapseOption:
    return next(o for o in relapse_options(ctx) if o.id == opt_id)


def full(**kw) -> RelapseContext:
    """A context with every optional input stated, so only the tested one varies."""
    base = {"antigen": "positive", "prior_car_origin": "murine", "other_targets": ["GPRC5D"],
            "prior_costimulatory_domain": "4-1BB", "persistence": "adequate", "other_targets_assessed": True}
    base.update(kw)
    return RelapseContext(**base)


@pytest.mark.parametrize("ctx, expected", [
    pytest.param(full(), GUIDELINE | {"humanized_or_fully_human_bcma", "dual_target", "other_target",
                                      "different_costimulatory_domain"},
                 id="P21 ① antigen-positive after murine: humanized/fully human, dual target, other target"),
    pytest.param(full(antigen="low"), GUIDELINE | {"gamma_secretase_inhibitor", "other_target",
                                                   "different_costimulatory_domain"},
                 id="P21 ② reduced antigen: add a γ-secretase inhibitor"),
    pytest.param(full(antigen="negative"), GUIDELINE | {"other_target", "different_costimulatory_domain"},
                 id="P21 ③ antigen-negative: only another detectable target"),
    pytest.param(full(antigen="negative", other_targets=[]), GUIDELINE,
                 id="P21 ③ antigen-negative, no other target detectable: no CAR-T option"),
    pytest.param(full(antigen="unknown"), GUIDELINE | {"other_target", "different_costimulatory_domain"},
                 id="antigen not assessed: nothing BCMA-directed until it is"),
    pytest.param(full(persistence="poor"), GUIDELINE | PERSISTENCE | {
        "humanized_or_fully_human_bcma", "dual_target", "other_target", "different_costimulatory_domain"},
                 id="P21 ⑤ poor persistence: assess T cells, extend washout, non-autologous"),
])
def test_options_per_antigen_status(ctx, expected):
    assert ids(ctx) == expected


def test_guideline_options_are_always_offered_first_and_cite_the_guideline_entry():
    for antigen in ("positive", "low", "negative", "unknown"):
        opts = relapse_options(RelapseContext(antigen=antigen))
        assert [o.id for o in opts[:3]] == ["clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"]
        assert all(o.recommendation_id == "relapse_guideline_options" and not o.second_car_t for o in opts[:3])


@settings(max_examples=400, deadline=None)
@given(origin=st.sampled_from(["murine", "humanized", "fully_human", "unknown"]),
       poor=st.booleans(), targets=st.lists(st.sampled_from(OTHER_TARGETS), unique=True),
       costim=st.sampled_from([None, *COSTIMULATORY_DOMAINS]),
       assessed=st.sampled_from([None, True, False]))
def test_antigen_negative_never_offers_a_bcma_product(origin, poor, targets, costim, assessed):
    ctx = RelapseContext(antigen="negative", prior_car_origin=origin, poor_persistence=poor, other_targets=targets,
                         prior_costimulatory_domain=costim, other_targets_assessed=assessed)
    offered = ids(ctx)
    assert not offered & BCMA_DIRECTED
    assert "humanized_or_fully_human_bcma" not in offered and "dual_target" not in offered
    assert offered <= set(OPTION_IDS)
    target = [o for o in relapse_options(ctx) if o.id == "other_target"]
    if target:
        assert target[0].recommendation_id == "relapse_antigen_negative"


@settings(max_examples=300, deadline=None)
@given(antigen=st.sampled_from(["positive", "low", "negative", "unknown"]),
       origin=st.sampled_from(["murine", "humanized", "fully_human", "unknown"]), poor=st.booleans(),
       targets=st.lists(st.sampled_from(OTHER_TARGETS), unique=True))
def test_every_option_is_a_contract_id_citing_an_existing_entry(antigen, origin, poor, targets):
    ctx = RelapseContext(antigen=antigen, prior_car_origin=origin, poor_persistence=poor, other_targets=targets)
    result = assess(ctx)
    for o in result.options:
        assert o.id in OPTION_IDS
        assert o.recommendation_id in o.recommendation_ids
        for rec_id in o.recommendation_ids:
            assert content.recommendation(rec_id).topic == "relapse"
        assert o.second_car_t == ("relapse_second_car_t" in o.recommendation_ids)
    assert not {o.id for o in result.options} & {n.id for n in result.not_offered}
    if antigen != "positive":
        assert "humanized_or_fully_human_bcma" not in {o.id for o in result.options}


def test_bcma_options_cite_the_antigen_positive_entry_and_their_rationale():
    ctx = full()
    humanized, dual = option(ctx, "humanized_or_fully_human_bcma"), option(ctx, "dual_target")
    assert humanized.recommendation_id == dual.recommendation_id == "relapse_antigen_positive"
    assert "humanized_car_t" in humanized.recommendation_ids
    assert "dual_target_rationale" in dual.recommendation_ids
    assert humanized.condition is None and dual.condition is None


def test_after_a_humanized_or_fully_human_product_the_switch_is_offered_with_the_example_caption():
    # Review m4: 「如首次接受鼠源性…」 is an example (如), not a rule. Failed before the fix: the
    # switch was "not offered" with reason prior_already_humanized.
    for origin in ("humanized", "fully_human"):
        result = assess(full(prior_car_origin=origin))
        assert option(full(prior_car_origin=origin), "humanized_or_fully_human_bcma").condition == "example_after_murine"
        assert option(full(prior_car_origin=origin), "dual_target").condition == "example_after_murine"
        assert "humanized_or_fully_human_bcma" not in {n.id for n in result.not_offered}
    assert option(full(prior_car_origin="murine"), "humanized_or_fully_human_bcma").condition is None


SECOND_PERSISTENCE = {"extend_washout", "allogeneic_car_t"}


def test_antigen_negative_with_no_other_target_offers_no_second_car_t_at_all():
    # Review M1, rule ③「只能选择可检测到的其他靶抗原」: with no target, extending the washout or a
    # non-autologous CAR-T is still a CAR-T. Failed before the fix: both were offered.
    result = assess(full(antigen="negative", other_targets=[], persistence="poor"))
    offered = {o.id for o in result.options}
    assert not offered & SECOND_PERSISTENCE
    assert "evaluate_t_cell_function" in offered
    reasons = {n.id: n.reason for n in result.not_offered}
    assert reasons["extend_washout"] == reasons["allogeneic_car_t"] == "no_car_target"
    assert {o.id for o in result.options if o.second_car_t} == {"evaluate_t_cell_function"}


@pytest.mark.parametrize("ctx_kw, condition", [
    pytest.param({"antigen": "negative", "other_targets": ["GPRC5D"]}, "other_target_only",
                 id="③ a target detected: offered, for that target only"),
    pytest.param({"antigen": "negative", "other_targets": [], "other_targets_assessed": None}, "other_target_only_untested",
                 id="③ targets not tested: offered only if one is detectable (as ④)"),
    pytest.param({"antigen": "unknown", "other_targets": [], "other_targets_assessed": None}, "target_pending",
                 id="antigen not assessed: once a target is established"),
    pytest.param({"antigen": "positive"}, None, id="① antigen-positive: no condition"),
    pytest.param({"antigen": "low"}, None, id="② reduced expression: no condition"),
])
def test_poor_persistence_second_car_t_options_carry_the_target_condition(ctx_kw, condition):
    # Review M1: the same condition caption as ④. Failed before the fix: condition was None throughout.
    ctx = full(persistence="poor", **ctx_kw)
    for opt_id in SECOND_PERSISTENCE:
        assert option(ctx, opt_id).condition == condition, opt_id
    assert option(ctx, "evaluate_t_cell_function").condition is None


@settings(max_examples=300, deadline=None)
@given(antigen=st.sampled_from(["positive", "low", "negative", "unknown"]),
       origin=st.sampled_from(["murine", "humanized", "fully_human", "unknown"]),
       targets=st.lists(st.sampled_from(relapse.OTHER_TARGETS), unique=True),
       assessed=st.sampled_from([None, True]))
def test_no_second_car_t_option_stands_beside_no_car_target(antigen, origin, targets, assessed):
    result = assess(RelapseContext(antigen=antigen, prior_car_origin=origin, persistence="poor",
                                   other_targets=targets, other_targets_assessed=assessed))
    if any(n.reason == "no_car_target" for n in result.not_offered):
        assert {o.id for o in result.options if o.second_car_t} <= {"evaluate_t_cell_function"}


def test_unknown_origin_makes_the_bcma_switch_conditional_and_the_result_incomplete():
    result = assess(full(prior_car_origin="unknown"))
    assert option(full(prior_car_origin="unknown"), "humanized_or_fully_human_bcma").condition == "if_prior_murine"
    assert result.incomplete and "prior_car_origin" in result.missing


def test_gamma_secretase_inhibitor_only_for_reduced_expression():
    for antigen in ("positive", "negative", "unknown"):
        assert "gamma_secretase_inhibitor" not in ids(full(antigen=antigen))
    assert option(full(antigen="low"), "gamma_secretase_inhibitor").recommendation_id == "relapse_antigen_low"


def test_other_target_carries_the_detected_targets_in_canonical_order():
    ctx = full(other_targets=["CD38", "GPRC5D"])
    assert option(ctx, "other_target").targets == ["GPRC5D", "CD38"]


def test_other_targets_not_tested_is_conditional_not_absent():
    ctx = RelapseContext(antigen="negative")
    opt = option(ctx, "other_target")
    assert opt.condition == "if_other_target_detectable" and opt.targets == []
    assert "other_targets" in assess(ctx).missing


def test_other_targets_tested_and_none_detectable():
    result = assess(full(antigen="negative", other_targets=[]))
    reasons = {n.id: n.reason for n in result.not_offered}
    assert reasons["other_target"] == "no_other_target_detected"
    assert reasons["different_costimulatory_domain"] == "no_car_target"


@pytest.mark.parametrize("domain, condition", [
    pytest.param("4-1BB", "other_than_prior", id="P21 ④ first CAR 4-1BB: switch"),
    pytest.param("CD28", "other_than_prior", id="P21 ④ first CAR CD28: switch"),
    pytest.param("unknown", "prior_domain_unknown", id="P21 ④ domain not known"),
    pytest.param(None, "prior_domain_unknown", id="P21 ④ domain not stated"),
])
def test_different_costimulatory_domain(domain, condition):
    ctx = full(prior_costimulatory_domain=domain)
    opt = option(ctx, "different_costimulatory_domain")
    assert opt.condition == condition and opt.recommendation_id == "relapse_costimulatory_domain"
    assert ("prior_costimulatory_domain" in assess(ctx).missing) == (condition == "prior_domain_unknown")


def test_different_costimulatory_domain_for_antigen_negative_is_for_another_target_only():
    assert option(full(antigen="negative"), "different_costimulatory_domain").condition == "other_than_prior_other_target"


def test_persistence_not_stated_is_incomplete_and_adequate_is_not():
    not_stated = assess(RelapseContext(antigen="positive", prior_car_origin="murine"))
    assert "persistence" in not_stated.missing
    assert {n.reason for n in not_stated.not_offered if n.id in PERSISTENCE} == {"persistence_not_stated"}
    adequate = assess(full())
    assert {n.reason for n in adequate.not_offered if n.id in PERSISTENCE} == {"persistence_adequate"}
    assert not adequate.incomplete


def test_poor_persistence_by_the_contract_flag_alone():
    opts = relapse_options(RelapseContext(antigen="positive", poor_persistence=True))
    assert {o.id for o in opts} >= PERSISTENCE
    assert all(o.recommendation_id == "relapse_poor_persistence" for o in opts if o.id in PERSISTENCE)


def test_a_fully_stated_context_is_complete():
    assert not assess(full()).incomplete


@pytest.mark.parametrize("kwargs", [
    pytest.param({"antigen": "weak"}, id="unknown antigen status"),
    pytest.param({"antigen": "positive", "prior_car_origin": "chimeric"}, id="unknown origin"),
    pytest.param({"antigen": "positive", "other_targets": ["CD20"]}, id="target outside the list"),
    pytest.param({"antigen": "positive", "prior_costimulatory_domain": "OX40x"}, id="unknown domain"),
    pytest.param({"antigen": "positive", "poor_persistence": True, "persistence": "adequate"}, id="contradiction"),
    pytest.param({"antigen": "positive", "name": "x"}, id="no extra fields (no patient data)"),
    pytest.param({}, id="antigen is required"),
])
def test_bad_input_is_a_validation_error(kwargs):
    with pytest.raises(ValidationError):
        RelapseContext(**kwargs)


def test_context_recommendations_flag_the_table_1_citation():
    assert relapse.context_recommendations() == ["relapse_challenge", "maintenance_no_evidence"]
    assert any("Table 1" in n.basis and "表1" in n.basis_zh for n in content.recommendation("relapse_challenge").notes)
    assert content.value("relapse_challenge", "pfs_best_months") == 22.7
