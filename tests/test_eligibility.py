"""logic.eligibility: every criterion on both sides of its threshold, the verdict order, apheresis
readiness, the washout at its exact edges, the refusals, and the printable summary.

Sources cited in the ids: P4 = the consensus's general requirements, P9/P13 its comments on them,
P10 apheresis, P11 washout; RN17 = READING-NOTES item 17 (bilirubin misprint).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, model_validator

from logic import content
from logic import eligibility as elig
from logic.eligibility import ApheresisLabs, Baseline, apheresis_check, earliest_apheresis, evaluate
from logic.eligibility_summary import item_label, not_assessed, render_summary
from logic.models import CriterionResult
from tests import print_samples

NOW = datetime(2026, 3, 20, 12, 0)

# Every Baseline field answered so that each criterion is met: the reference "eligible" patient.
COMPLETE = dict(
    kps=80, ecog=1, lvef_pct=60, alt_x_uln=1, ast_x_uln=1, bilirubin=10, bilirubin_unit="umol/L", spo2_pct=97,
    active_infection=False, life_expectancy_weeks=52, pregnant_or_lactating=False, active_hbv=False,
    active_hcv=False, active_tuberculosis=False, unstable_vital_signs=False, psychiatric_barrier=False,
    product_allergy=False, major_organ_dysfunction=False, cardiac_amyloidosis=False, atrial_fibrillation=False,
    renal_impairment=False, cns_disease=False, implanted_devices=False,
)


def item(report, item_id: str) -> CriterionResult:
    return next(i for i in report.items if i.id == item_id)


def judge(**fields) -> dict[str, CriterionResult]:
    return {i.id: i for i in evaluate(Baseline(**fields)).items}


# --- thresholds come from content --------------------------------------------------------------


def test_thresholds_are_the_numbers_printed_in_the_quotes():
    assert content.value("elig_performance_status", "kps_min") == 50
    assert content.value("elig_performance_status", "ecog_max") == 2
    assert content.value("elig_lvef", "lvef_min_pct") == 50
    assert content.value("elig_lvef_cardiac_risk", "lvef_bb2121_min_pct") == 45
    assert content.value("elig_transaminases", "x_uln_max") == 3
    assert content.value("elig_bilirubin", "bilirubin_max_g_l") == 0.2
    assert content.value("elig_spo2", "spo2_min_pct") == 92
    assert content.value("elig_life_expectancy", "life_expectancy_min_weeks") == 12


# --- each criterion on both sides of its threshold --------------------------------------------


@pytest.mark.parametrize("fields, status, rec", [
    pytest.param({"kps": 50}, "met", "elig_performance_status", id="P4 KPS 50 (limit) met"),
    pytest.param({"kps": 40}, "caution", "elig_performance_not_absolute", id="P4/P9 KPS 40 caution, not exclusion"),
    pytest.param({"ecog": 2}, "met", "elig_performance_status", id="P4 ECOG 2 (limit) met"),
    pytest.param({"ecog": 3}, "caution", "elig_performance_not_absolute", id="P4/P9 ECOG 3 caution"),
    pytest.param({"kps": 0, "ecog": 5}, "caution", "elig_performance_not_absolute", id="P9 KPS 0 ECOG 5 caution"),
    pytest.param({"kps": 40, "ecog": 2}, "caution", "elig_performance_not_absolute",
                 id="contract: scales disagree, stricter applies"),
    pytest.param({"kps": 100, "ecog": 0}, "met", "elig_performance_status", id="P4 both within"),
    pytest.param({}, "unknown", "elig_performance_status", id="neither given: unknown"),
])
def test_performance_status(fields, status, rec):
    got = judge(**fields)["performance_status"]
    assert (got.status, got.recommendation_id) == (status, rec)


@pytest.mark.parametrize(("fields", "lang", "message"), [
    pytest.param({}, "en", "Neither KPS nor ECOG entered (the consensus asks for KPS ≥50 or ECOG ≤2).",
                 id="P4 neither given-en"),
    pytest.param({}, "zh", "未填写KPS或ECOG(共识要求KPS≥50或ECOG≤2)。", id="P4 neither given-zh"),
    pytest.param({"ecog": 3}, "en", "ECOG 3: outside KPS ≥50 or ECOG ≤2. Not an absolute contraindication for a "
                 "patient with no better option (ABECMA has no performance-status requirement): review.",
                 id="P9 ECOG 3 alone-en"),
    pytest.param({"kps": 80}, "en", "KPS 80: within KPS ≥50 or ECOG ≤2.", id="P4 KPS 80 alone-en"),
    pytest.param({"kps": 40, "ecog": 3}, "en", "KPS 40, ECOG 3: outside KPS ≥50 or ECOG ≤2. Not an absolute "
                 "contraindication for a patient with no better option (ABECMA has no performance-status "
                 "requirement): review.", id="P9 both outside: not the mixed-scales text-en"),
    pytest.param({"kps": 40, "ecog": 3}, "zh", "KPS 40, ECOG 3:未达KPS≥50或ECOG≤2。对无更好治疗选择的患者并非绝对禁忌"
                 "(ABECMA对体能状态无特殊要求):需复核。", id="P9 both outside-zh"),
])
def test_performance_status_message_word_for_word(fields, lang, message):
    assert item(evaluate(Baseline(**fields), lang), "performance_status").message == message


@pytest.mark.parametrize("lvef, status, rec", [
    pytest.param(50, "met", "elig_lvef", id="P4 LVEF 50 (limit) met"),
    pytest.param(49.9, "caution", "elig_lvef_cardiac_risk", id="P4 LVEF 49.9 below 50: caution (bb2121 took 45)"),
    pytest.param(45, "caution", "elig_lvef_cardiac_risk", id="P9 LVEF 45 (bb2121 limit) caution"),
    pytest.param(44.9, "not_met", "elig_lvef", id="P9 LVEF 44.9 below bb2121 too: not met"),
    pytest.param(None, "unknown", "elig_lvef", id="LVEF not given"),
])
def test_lvef(lvef, status, rec):
    got = judge(lvef_pct=lvef)["lvef"]
    assert (got.status, got.recommendation_id) == (status, rec)


@pytest.mark.parametrize("field, item_id", [("alt_x_uln", "alt"), ("ast_x_uln", "ast")])
@pytest.mark.parametrize("value, status", [
    pytest.param(2.99, "met", id="P4 2.99x ULN below 3x: met"),
    pytest.param(3, "not_met", id="P4 3x ULN (<3 required): not met"),
    pytest.param(0, "met", id="0x ULN met"),
    pytest.param(None, "unknown", id="not given"),
])
def test_transaminases(field, item_id, value, status):
    got = judge(**{field: value})[item_id]
    assert (got.status, got.recommendation_id) == (status, "elig_transaminases")


def test_transaminase_messages_name_alt_and_ast():
    report = evaluate(Baseline(alt_x_uln=1, ast_x_uln=3.5))
    assert (item(report, "alt").message, item(report, "ast").message) == (
        "ALT 1× ULN is below 3× ULN.", "AST 3.5× ULN is not below 3× ULN.")


@pytest.mark.parametrize("value, unit, status", [
    # Review M5: above the usual trial limit, requirement ② (good hepatic function) is not met by the
    # app's reading. Failed before the fix: every value from 34.3 to 341.9 µmol/L was only "caution".
    pytest.param(34.2, "umol/L", "met", id="RN17 usual limit 34.2 umol/L: met"),
    pytest.param(34.3, "umol/L", "not_met", id="M5 34.3 umol/L above usual limit: not met (app's reading of ②)"),
    pytest.param(2.0, "mg/dL", "met", id="RN17 2.0 mg/dL = 34.2 umol/L: met"),
    pytest.param(2.01, "mg/dL", "not_met", id="M5 2.01 mg/dL: not met (app's reading of ②)"),
    pytest.param(300, "umol/L", "not_met", id="M5 300 umol/L (17.5 mg/dL): not met, never 'no exclusion'"),
    pytest.param(341.9, "umol/L", "not_met", id="P4 341.9 umol/L just below printed 0.2 g/L: not met (②)"),
    pytest.param(342, "umol/L", "not_met", id="P4 342 umol/L = 0.2 g/L (printed limit): not met"),
    pytest.param(19.99, "mg/dL", "not_met", id="P4 19.99 mg/dL below 20 mg/dL: not met (②)"),
    pytest.param(20, "mg/dL", "not_met", id="P4 20 mg/dL = 0.2 g/L: not met"),
    pytest.param(0.1999, "g/L", "not_met", id="P4 0.1999 g/L: not met (②)"),
    pytest.param(0.2, "g/L", "not_met", id="P4 printed <0.2 g/L: 0.2 not met"),
    pytest.param(0.02, "g/L", "met", id="RN17 0.02 g/L = 2 mg/dL: met"),
    pytest.param(None, "umol/L", "unknown", id="not given"),
])
def test_bilirubin_in_every_unit(value, unit, status):
    got = judge(bilirubin=value, bilirubin_unit=unit)["bilirubin"]
    assert (got.status, got.recommendation_id) == (status, "elig_bilirubin")


def test_bilirubin_is_converted_and_shown_side_by_side_with_the_printed_limit():
    v = elig.bilirubin_units(2.5, "mg/dL")
    assert v.umol_l == pytest.approx(42.75) and v.g_l == pytest.approx(0.025)
    printed = elig.printed_bilirubin_limit()
    assert (printed.g_l, printed.mg_dl, printed.umol_l) == (pytest.approx(0.2), pytest.approx(20), pytest.approx(342))
    msg = judge(bilirubin=2.5, bilirubin_unit="mg/dL")["bilirubin"].message
    for shown in ("42.8 µmol/L", "2.5 mg/dL", "0.025 g/L", "<0.2 g/L", "342 µmol/L", "misprint"):
        assert shown in msg
    assert "疑为印刷错误" in evaluate(Baseline(bilirubin=50), "zh").items[6].message


@pytest.mark.parametrize("lang, labelled", [("en", "by the app's reading"), ("zh", "按本应用的理解")])
def test_bilirubin_above_the_usual_limit_is_labelled_and_never_reads_no_exclusion(lang, labelled):
    report = evaluate(Baseline(bilirubin=300), lang)
    item = next(i for i in report.items if i.id == "bilirubin")
    assert item.status == "not_met" and labelled in item.message
    assert report.verdict == "not_eligible"
    assert "elig_lvef" in elig.item_recommendations(report, item)  # ② 「具有良好的心、肺、肝功能」
    below = next(i for i in evaluate(Baseline(bilirubin=34.2), lang).items if i.id == "bilirubin")
    assert below.status == "met" and labelled not in below.message


def test_bilirubin_float_noise_below_a_millionth_is_removed_before_comparing():
    # 34.2000004 µmol/L is 34.2 to 6 decimals: at the usual limit (met), not above it.
    got = item(evaluate(Baseline(bilirubin=34.2000004)), "bilirubin")
    assert (got.status, got.message) == ("met", "Total bilirubin 34.2 µmol/L (2 mg/dL, 0.02 g/L): at or below the "
                                                "usual trial limit of about 34.2 µmol/L, and below the printed <0.2 g/L.")


def test_see_also_lists_the_further_recommendations_of_each_item():
    assert evaluate(Baseline()).see_also == {
        "performance_status": ["elig_performance_status", "elig_performance_not_absolute"],
        "lvef": ["elig_lvef", "elig_lvef_cardiac_risk"],
        "bilirubin": ["elig_bilirubin", "elig_lvef"],
        "active_hbv": ["excl_transmissible_disease", "elig_hbv"],
        "prior_bcma_therapy": ["assess_bcma_and_other_targets"],
    }


@pytest.mark.consistency
def test_usual_bilirubin_limit_comes_from_the_apps_note():
    assert elig.usual_bilirubin_limit_umol_l() == content.recommendation("elig_bilirubin").note_value(
        "usual_limit_umol_l")


@pytest.mark.parametrize("spo2, status", [
    pytest.param(92, "met", id="P4 SpO2 92 (limit) met"),
    pytest.param(91.9, "not_met", id="P4 SpO2 91.9 not met"),
])
def test_spo2(spo2, status):
    assert judge(spo2_pct=spo2)["spo2"].status == status


@pytest.mark.parametrize("weeks, status", [
    pytest.param(12, "not_met", id="P4 survival >12 weeks: 12 not met"),
    pytest.param(12.1, "met", id="P4 12.1 weeks met"),
])
def test_life_expectancy(weeks, status):
    got = judge(life_expectancy_weeks=weeks)["life_expectancy"]
    assert (got.status, got.recommendation_id) == (status, "elig_life_expectancy")


@pytest.mark.parametrize(("weeks", "lang", "message"), [
    pytest.param(52, "en", "Expected survival 52 weeks > 12 weeks.", id="P4 52 weeks-en"),
    pytest.param(12, "en", "Expected survival 12 weeks is not more than 12 weeks.", id="P4 12 weeks-en"),
    pytest.param(12.5, "zh", "预计生存期12.5周 > 12周。", id="P4 12.5 weeks-zh"),
])
def test_life_expectancy_in_weeks_message_word_for_word(weeks, lang, message):
    assert item(evaluate(Baseline(life_expectancy_weeks=weeks), lang), "life_expectancy").message == message


EXCLUSIONS = [
    ("active_infection", "elig_no_active_infection"),
    ("pregnant_or_lactating", "excl_pregnancy"),
    ("active_hbv", "excl_transmissible_disease"),
    ("active_hcv", "excl_transmissible_disease"),
    ("active_tuberculosis", "excl_transmissible_disease"),
    ("unstable_vital_signs", "excl_vital_signs"),
    ("psychiatric_barrier", "excl_psychiatric"),
    ("product_allergy", "excl_product_allergy"),
    ("major_organ_dysfunction", "excl_organ_dysfunction"),
]


@pytest.mark.parametrize("field, rec", EXCLUSIONS, ids=[f"P4 {f}" for f, _ in EXCLUSIONS])
def test_exclusions_yes_no_not_assessed(field, rec):
    assert judge(**{field: True})[field].status == "not_met"
    assert judge(**{field: False})[field].status == "met"
    assert judge(**{field: None})[field].status == "unknown"
    assert judge(**{field: True})[field].recommendation_id == rec


CAUTIONS = [
    ("cardiac_amyloidosis", "elig_lvef_cardiac_risk"),
    ("atrial_fibrillation", "elig_lvef_cardiac_risk"),
    ("cns_disease", "cns_disease_prophylaxis"),
    ("implanted_devices", "elig_implanted_devices"),
]


@pytest.mark.parametrize("field, rec", CAUTIONS, ids=[f"P9/P13 {f}" for f, _ in CAUTIONS])
def test_risks_are_caution_not_exclusion(field, rec):
    got = judge(**{field: True})[field]
    assert (got.status, got.recommendation_id) == ("caution", rec)
    assert judge(**{field: False})[field].status == "met"
    assert judge(**{field: None})[field].status == "unknown"


def test_amyloidosis_is_caution_even_with_a_normal_lvef():
    report = evaluate(Baseline(**{**COMPLETE, "cardiac_amyloidosis": True}))
    assert item(report, "lvef").status == "met"
    assert report.verdict == "needs_review"


def test_renal_impairment_is_not_a_contraindication():
    got = judge(renal_impairment=True)["renal_impairment"]
    assert (got.status, got.recommendation_id) == ("met", "elig_renal_not_contraindication")
    assert "not a contraindication" in got.message
    assert judge(renal_impairment=None)["renal_impairment"].status == "unknown"
    assert evaluate(Baseline(**{**COMPLETE, "renal_impairment": True})).verdict == "eligible"


@pytest.mark.parametrize(("answer", "lang", "message"), [
    (False, "en", "No renal impairment."),
    (False, "zh", "无肾功能异常。"),
    (True, "en", "Renal impairment is not a contraindication: renal function improved in almost all patients in two "
     "Chinese trials. The lowest tolerable GFR and highest creatinine are not yet defined."),
])
def test_renal_impairment_message_word_for_word(answer, lang, message):
    got = item(evaluate(Baseline(renal_impairment=answer), lang), "renal_impairment")
    assert (got.status, got.message) == ("met", message)


def test_cns_disease_names_the_levetiracetam_prophylaxis_of_the_consensus():
    msg = judge(cns_disease=True)["cns_disease"].message
    mg = content.value("cns_disease_prophylaxis", "levetiracetam_mg")
    hours = content.value("cns_disease_prophylaxis", "interval_h")
    assert f"oral levetiracetam {mg} mg every {hours} h or a similar drug may be given" in msg  # review §2 modality
    assert (mg, hours) == (750, 12)


@pytest.mark.consistency
def test_cns_prophylaxis_agrees_with_the_dosing_module():
    from logic import dosing

    dose = dosing.levetiracetam_dose()
    assert (dose.amount, dose.unit, dose.frequency) == (content.value("cns_disease_prophylaxis", "levetiracetam_mg"),
                                                        "mg", "q12h")


def test_hbv_points_to_the_2021_hbv_consensus():
    report = evaluate(Baseline(active_hbv=False))
    assert "elig_hbv" in elig.item_recommendations(report, item(report, "active_hbv"))
    assert "2021" in item(report, "active_hbv").message


def test_prior_bcma_therapy_asks_for_target_assessment_and_is_optional():
    got = judge(prior_bcma_therapy=True)["prior_bcma_therapy"]
    assert (got.status, got.recommendation_id) == ("caution", "assess_bcma_and_other_targets")
    assert all(t in got.message for t in ("GPRC5D", "CS1", "CD19"))
    assert "prior_bcma_therapy" not in judge()  # not asked -> no item, so the contract's verdict stands
    assert evaluate(Baseline(**COMPLETE)).verdict == "eligible"


def test_every_item_cites_an_existing_recommendation():
    report = evaluate(Baseline(**{**COMPLETE, "prior_bcma_therapy": True}))
    for it in report.items:
        for rec_id in elig.item_recommendations(report, it):
            content.recommendation(rec_id)
    assert len(report.items) == 22


# --- verdict ------------------------------------------------------------------------------------


def test_verdict_order():
    assert evaluate(Baseline(**COMPLETE)).verdict == "eligible"
    assert evaluate(Baseline(**{**COMPLETE, "kps": 40})).verdict == "needs_review"
    assert evaluate(Baseline(**{**COMPLETE, "kps": 40, "lvef_pct": None})).verdict == "incomplete"
    assert evaluate(Baseline(**{**COMPLETE, "kps": 40, "lvef_pct": None, "active_hcv": True})).verdict == \
        "not_eligible"
    assert evaluate(Baseline()).verdict == "incomplete"


def _result(status: str) -> CriterionResult:
    return CriterionResult(id="x", status=status, message="", recommendation_id="elig_lvef")


@given(st.lists(st.sampled_from(["met", "not_met", "caution", "unknown"]), max_size=8))
def test_verdict_rule_property(statuses):
    v = elig.verdict([_result(s) for s in statuses])
    expected = ("not_eligible" if "not_met" in statuses else "incomplete" if "unknown" in statuses
                else "needs_review" if "caution" in statuses else "eligible")
    assert v == expected


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({}, optional={f: st.one_of(st.none(), st.booleans())
                                           for f in Baseline.model_fields
                                           if Baseline.model_fields[f].annotation == bool | None}))
def test_stating_a_finding_never_turns_not_eligible_into_something_better(answers):
    base = evaluate(Baseline(**answers))
    if base.verdict == "not_eligible":
        for field in answers:
            if answers[field] is None:
                for value in (True, False):
                    assert evaluate(Baseline(**{**answers, field: value})).verdict == "not_eligible"
    assert base.verdict != "eligible" or all(i.status in ("met", "caution") for i in base.items)


# --- refusals: the limit accepted, just past it refused with a reason --------------------------------


@pytest.mark.parametrize("field, ok, bad, kind", [
    pytest.param("kps", 0, -10, "out_of_range", id="KPS 0 accepted, -10 refused"),
    pytest.param("kps", 100, 110, "out_of_range", id="KPS 100 accepted, 110 refused"),
    pytest.param("kps", 60, 75, "kps_step", id="KPS 60 accepted, 75 refused (steps of 10)"),
    pytest.param("kps", 10, 3, "kps_looks_like_ecog", id="KPS 3 looks like ECOG"),
    pytest.param("ecog", 0, -1, "out_of_range", id="ECOG 0 accepted, -1 refused"),
    pytest.param("ecog", 5, 6, "out_of_range", id="ECOG 5 accepted, 6 refused"),
    pytest.param("ecog", 1, 70, "ecog_looks_like_kps", id="ECOG 70 looks like KPS"),
    pytest.param("ecog", 1, 1.5, "ecog_whole", id="ECOG 1.5 refused"),
    pytest.param("lvef_pct", 5, 4.9, "out_of_range", id="LVEF 5 accepted, 4.9 refused"),
    pytest.param("lvef_pct", 90, 90.1, "out_of_range", id="LVEF 90 accepted, 90.1 refused"),
    pytest.param("lvef_pct", 55, 0.55, "looks_like_fraction", id="LVEF 0.55 looks like a fraction"),
    pytest.param("spo2_pct", 50, 49.9, "out_of_range", id="SpO2 50 accepted, 49.9 refused"),
    pytest.param("spo2_pct", 100, 100.1, "out_of_range", id="SpO2 100 accepted, 100.1 refused"),
    pytest.param("spo2_pct", 95, 0.95, "looks_like_fraction", id="SpO2 0.95 looks like a fraction"),
    pytest.param("alt_x_uln", 0, -0.1, "out_of_range", id="ALT 0 accepted, -0.1 refused"),
    pytest.param("alt_x_uln", 100, 100.1, "looks_like_u_l", id="ALT 100x accepted, 100.1 refused as U/L"),
    pytest.param("ast_x_uln", 100, 120, "looks_like_u_l", id="AST 120 looks like U/L"),
    pytest.param("life_expectancy_weeks", 0, -1, "survival_out_of_range", id="survival 0 accepted, -1 refused"),
])
def test_boundary_pairs(field, ok, bad, kind):
    Baseline(**{field: ok})
    with pytest.raises(ValidationError) as exc:
        Baseline(**{field: bad})
    assert exc.value.errors()[0]["type"] == kind
    assert elig.input_errors(Baseline, {field: bad})[field]


def test_refusal_messages_are_specific_and_in_the_chosen_language():
    assert elig.input_errors(Baseline, {"lvef_pct": 0.55}) == {
        "lvef_pct": "LVEF 0.55 looks like a fraction; enter percent (55)."}
    assert "像是小数" in elig.input_errors(Baseline, {"lvef_pct": 0.55}, "zh")["lvef_pct"]
    assert "steps of 10" in elig.input_errors(Baseline, {"kps": 75})["kps"]
    assert elig.input_errors(Baseline, {"kps": 70}) == {}


def test_range_refusal_keeps_its_own_english_text_for_callers_outside_the_pages():
    with pytest.raises(ValidationError) as exc:
        Baseline(kps=150)
    err = exc.value.errors()[0]
    assert (err["type"], err["msg"]) == ("out_of_range", "KPS 150 is outside 0-100")


def test_errors_by_field_defaults_to_english_and_to_no_field_for_a_whole_form_error():
    # Two survival estimates that disagree: a model-level refusal (no field in its location).
    with pytest.raises(ValidationError) as exc:
        Baseline(life_expectancy_months=6, life_expectancy_weeks=10)
    assert elig.errors_by_field(exc.value) == {"": "Expected survival was given as 10 weeks and as 6 months; give one."}


def test_input_errors_puts_a_whole_form_error_beside_the_first_field_given():
    assert elig.input_errors(Baseline, {"life_expectancy_months": 6, "life_expectancy_weeks": 10}) == {
        "life_expectancy_months": "Expected survival was given as 10 weeks and as 6 months; give one."}
    assert elig.input_errors(Baseline, {"life_expectancy_weeks": 10, "life_expectancy_months": 6}) == {
        "life_expectancy_weeks": "Expected survival was given as 10 weeks and as 6 months; give one."}


class _NeedsAField(BaseModel):
    hgb: float


class _RefusesEverything(BaseModel):
    @model_validator(mode="after")
    def _no(self) -> _RefusesEverything:
        raise ValueError("nothing to check")


def test_input_errors_with_no_data_given():
    # No field to put a whole-form error beside: the key is "" (the page shows it above the form).
    assert elig.input_errors(_RefusesEverything, {}) == {"": "Not accepted: Value error, nothing to check"}
    assert elig.input_errors(_NeedsAField, {}) == {"hgb": "Not accepted: Field required"}


def test_implausible_bilirubin_goes_beside_the_bilirubin_field_whatever_was_given_first():
    assert elig.input_errors(Baseline, {"bilirubin_unit": "mg/dL", "bilirubin": 100}) == {
        "bilirubin": "100 mg/dL would be 1710 µmol/L, which is not plausible; check the unit."}


def test_bilirubin_at_the_printed_limit_is_at_or_above_it():
    got = item(evaluate(Baseline(bilirubin=342)), "bilirubin")
    assert (got.status, got.message) == ("not_met", "Total bilirubin 342 µmol/L (20 mg/dL, 0.2 g/L) is at or above "
                                                    "even the printed limit <0.2 g/L (342 µmol/L).")


def test_implausible_bilirubin_for_its_unit_is_refused_naming_the_unit():
    errors = elig.input_errors(Baseline, {"bilirubin": 20, "bilirubin_unit": "g/L"})
    assert "20 g/L would be 34200 µmol/L" in errors["bilirubin"]
    Baseline(bilirubin=1000, bilirubin_unit="umol/L")
    with pytest.raises(ValidationError):
        Baseline(bilirubin=-1)
    with pytest.raises(ValidationError):
        Baseline(bilirubin=10, bilirubin_unit="mmol/L")


def test_unknown_fields_and_nan_are_refused():
    with pytest.raises(ValidationError):
        Baseline(kps_score=80)
    with pytest.raises(ValidationError):
        Baseline(lvef_pct=float("nan"))


NUMERIC_BASELINE = ["kps", "ecog", "lvef_pct", "alt_x_uln", "ast_x_uln", "bilirubin", "spo2_pct",
                    "life_expectancy_weeks"]
NUMERIC_LABS = ["hgb_g_l", "plt_10e9_l", "alc_per_ul", "cd3_per_ul"]


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1e308, -1e308, "abc", ""])
def test_non_finite_and_non_numbers_are_refused_with_a_message(value):
    for field in NUMERIC_BASELINE:
        assert elig.input_errors(Baseline, {field: value}, "zh")[field], field
    for field in NUMERIC_LABS:
        assert elig.input_errors(ApheresisLabs, {field: value})[field], field


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["kps", "ecog", "lvef_pct", "alt_x_uln", "ast_x_uln", "bilirubin",
                                        "spo2_pct", "life_expectancy_weeks"]),
                       st.one_of(st.none(), st.integers(-1000, 100000),
                                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4))))
def test_any_numeric_input_validates_or_is_refused_cleanly(data):
    try:
        baseline = Baseline(**data)
    except ValidationError:
        assert elig.input_errors(Baseline, data)
        return
    report = evaluate(baseline)
    assert report.verdict in ("eligible", "needs_review", "not_eligible", "incomplete")


# --- apheresis readiness ------------------------------------------------------------------------------


def aph(**labs) -> dict[str, CriterionResult]:
    return {i.id: i for i in apheresis_check(ApheresisLabs(**labs))}


@pytest.mark.parametrize("labs, item_id, status", [
    pytest.param({"hgb_g_l": 80}, "hgb", "not_met", id="P10 HGB >80: 80 not met"),
    pytest.param({"hgb_g_l": 80.1}, "hgb", "met", id="P10 HGB 80.1 met"),
    pytest.param({"hgb_g_l": 80, "cytopenia_from_progression": True}, "hgb", "caution",
                 id="P10 HGB 80 from progression: caution"),
    pytest.param({"plt_10e9_l": 50}, "plt", "not_met", id="P10 PLT >50: 50 not met"),
    pytest.param({"plt_10e9_l": 51}, "plt", "met", id="P10 PLT 51 met"),
    pytest.param({"plt_10e9_l": 20, "cytopenia_from_progression": True}, "plt", "caution",
                 id="P10 PLT 20 from progression: caution"),
    pytest.param({"alc_per_ul": 500, "cd3_per_ul": 150}, "lymphocytes", "not_met", id="P10 ALC 500, CD3 150: not met"),
    pytest.param({"alc_per_ul": 501}, "lymphocytes", "met", id="P10 ALC 501 met"),
    pytest.param({"cd3_per_ul": 151}, "lymphocytes", "met", id="P10 CD3 151 met"),
    pytest.param({"alc_per_ul": 400, "cd3_per_ul": 151}, "lymphocytes", "met", id="P10 either suffices"),
    pytest.param({"alc_per_ul": 400}, "lymphocytes", "unknown", id="P10 ALC low, CD3 not given: unknown"),
    pytest.param({}, "hgb", "unknown", id="HGB not given"),
])
def test_apheresis_thresholds(labs, item_id, status):
    assert aph(**labs)[item_id].status == status


def test_apheresis_thresholds_cite_their_recommendations():
    got = aph(hgb_g_l=90, plt_10e9_l=90, alc_per_ul=900)
    assert got["hgb"].recommendation_id == got["plt"].recommendation_id == "apheresis_hgb_plt"
    assert got["lymphocytes"].recommendation_id == "apheresis_lymphocytes"
    assert elig.verdict(list(got.values())) == "eligible"
    target = elig.collection_target()
    assert (target.min_1e6_per_kg, target.max_1e6_per_kg) == (60, 600)


@pytest.mark.parametrize("field, bad, kind", [
    pytest.param("hgb_g_l", 8.5, "hgb_looks_like_g_dl", id="HGB 8.5 looks like g/dL"),
    pytest.param("hgb_g_l", 251, "out_of_range", id="HGB 251 refused"),
    pytest.param("plt_10e9_l", -1, "out_of_range", id="PLT -1 refused"),
    pytest.param("alc_per_ul", 0.8, "looks_like_10e9_l", id="ALC 0.8 looks like 10^9/L"),
])
def test_apheresis_refusals(field, bad, kind):
    with pytest.raises(ValidationError) as exc:
        ApheresisLabs(**{field: bad})
    assert exc.value.errors()[0]["type"] == kind


# --- washout ----------------------------------------------------------------------------------------------

WINDOWS = [
    pytest.param("anti_t_cell_antibody", timedelta(weeks=8), "washout_8_weeks", id="P11 anti-T-cell antibody 8 weeks"),
    pytest.param("donor_lymphocyte_infusion", timedelta(weeks=8), "washout_8_weeks", id="P11 DLI 8 weeks"),
    pytest.param("cns_radiotherapy", timedelta(weeks=8), "washout_8_weeks", id="P11 CNS radiotherapy 8 weeks"),
    pytest.param("combination_chemotherapy", timedelta(weeks=2), "washout_2_weeks", id="P11 chemotherapy 2 weeks"),
    pytest.param("lenalidomide", timedelta(weeks=2), "washout_2_weeks", id="P11 lenalidomide 2 weeks"),
    pytest.param("bortezomib", timedelta(weeks=2), "washout_2_weeks", id="P11 bortezomib 2 weeks"),
    pytest.param("vincristine", timedelta(weeks=1), "washout_1_week", id="P11 vincristine 1 week"),
    pytest.param("therapeutic_corticosteroids", timedelta(hours=72), "washout_72_hours", id="P11 steroids 72 h"),
    # Review M9 (contract key): the app's reading of the 2-week group's 「等治疗」. Failed before the fix
    # (an unknown key was a ValidationError, so pomalidomide etc. could not be entered at all).
    pytest.param("other_antimyeloma_therapy", timedelta(weeks=2), "washout_2_weeks",
                 id="P11 「等」 other anti-myeloma therapy 2 weeks (app's reading)"),
]


@pytest.mark.parametrize("key, window, rec", WINDOWS)
def test_washout_window_exact_edges(key, window, rec):
    last = datetime(2026, 1, 5, 9, 30)
    w = earliest_apheresis({key: last}, now=NOW)
    assert w.earliest == last + window and w.binding == key
    assert w.items[0].recommendation_id == rec
    # Planned exactly at the edge: clear. One minute earlier: not yet.
    assert earliest_apheresis({key: last}, now=NOW, planned=last + window).items[0].status == "met"
    assert earliest_apheresis({key: last}, now=NOW, planned=last + window - timedelta(minutes=1)).items[0].status \
        == "not_met"


@pytest.mark.consistency
def test_washout_windows_are_read_from_content():
    assert elig.washout_window("lenalidomide")[0] == timedelta(weeks=content.value("washout_2_weeks", "weeks"))
    assert elig.washout_window("therapeutic_corticosteroids")[0] == timedelta(
        hours=content.value("washout_72_hours", "hours"))
    assert elig.washout_window("vincristine")[0] == timedelta(weeks=content.value("washout_1_week", "weeks"))
    assert elig.washout_window("cns_radiotherapy")[0] == timedelta(weeks=content.value("washout_8_weeks", "weeks"))


def test_earliest_is_the_latest_window_and_names_the_exposure_that_sets_it():
    w = earliest_apheresis({"lenalidomide": datetime(2026, 3, 1, 8), "therapeutic_corticosteroids":
                            datetime(2026, 3, 19, 8), "vincristine": datetime(2026, 3, 2)}, now=NOW)
    assert w.earliest == datetime(2026, 3, 22, 8) and w.binding == "therapeutic_corticosteroids"
    assert [i.id for i in w.items] == ["therapeutic_corticosteroids", "lenalidomide", "vincristine"]
    assert {i.id: i.status for i in w.items} == {"therapeutic_corticosteroids": "not_met", "lenalidomide": "met",
                                                 "vincristine": "met"}


def test_a_date_without_time_counts_from_the_end_of_that_day():
    w = earliest_apheresis({"lenalidomide": date(2026, 3, 1)}, now=NOW)
    assert w.earliest == datetime(2026, 3, 16, 0, 0)
    assert "end of that day" in w.items[0].message
    today = earliest_apheresis({"therapeutic_corticosteroids": NOW.date()}, now=NOW)
    assert today.earliest == NOW + timedelta(hours=72)  # today: from now, not from a future midnight


@pytest.mark.parametrize("lang, labelled", [("en", "the app's reading of 「等治疗」"), ("zh", "本应用对2周一组末尾「等治疗」的理解")])
def test_other_antimyeloma_therapy_is_labelled_as_the_apps_reading(lang, labelled):
    w = earliest_apheresis({"other_antimyeloma_therapy": datetime(2026, 3, 1, 8),
                            "lenalidomide": datetime(2026, 3, 1, 8)}, now=NOW, lang=lang)
    msgs = {i.id: i.message for i in w.items}
    assert labelled in msgs["other_antimyeloma_therapy"] and labelled not in msgs["lenalidomide"]
    assert "other_antimyeloma_therapy" in elig.EXPOSURE_KEYS and "other_antimyeloma_therapy" in elig.APP_READING_EXPOSURES


def test_washout_window_of_an_unknown_key_names_the_known_ones():
    with pytest.raises(KeyError) as exc:
        elig.washout_window("daratumumab")
    assert exc.value.args == ("unknown exposure 'daratumumab'; expected one of ('anti_t_cell_antibody', "
                              "'donor_lymphocyte_infusion', 'cns_radiotherapy', 'combination_chemotherapy', "
                              "'lenalidomide', 'bortezomib', 'vincristine', 'therapeutic_corticosteroids', "
                              "'other_antimyeloma_therapy')",)


def test_unknown_exposure_key_is_refused():
    with pytest.raises(ValidationError) as exc:
        earliest_apheresis({"daratumumab": datetime(2026, 3, 1)}, now=NOW)
    assert exc.value.errors()[0]["type"] == "literal_error"


def test_exposure_in_the_future_is_refused_and_now_is_accepted():
    earliest_apheresis({"bortezomib": NOW}, now=NOW)
    with pytest.raises(ValidationError) as exc:
        earliest_apheresis({"bortezomib": NOW + timedelta(minutes=1)}, now=NOW)
    assert exc.value.errors()[0]["type"] == "exposure_in_future"
    msg = elig.errors_by_field(exc.value, "zh")["bortezomib"]
    assert "硼替佐米" in msg and "将来" in msg


def test_no_exposures_means_no_wait():
    w = earliest_apheresis({}, now=NOW)
    assert (w.earliest, w.binding, w.items) == (NOW, None, [])


def test_time_zones_are_all_or_none():
    aware = datetime(2026, 3, 1, tzinfo=UTC)
    w = earliest_apheresis({"lenalidomide": aware}, now=NOW.replace(tzinfo=UTC))
    assert w.earliest == aware + timedelta(weeks=2)
    with pytest.raises(ValidationError):
        earliest_apheresis({"lenalidomide": aware}, now=NOW)


# P11, typed from the text: 8 weeks, 2 weeks, 1 week, 72 h (not logic's washout_window).
P11_WINDOW = {"anti_t_cell_antibody": timedelta(weeks=8), "donor_lymphocyte_infusion": timedelta(weeks=8),
              "cns_radiotherapy": timedelta(weeks=8), "combination_chemotherapy": timedelta(weeks=2),
              "lenalidomide": timedelta(weeks=2), "bortezomib": timedelta(weeks=2),
              "vincristine": timedelta(weeks=1), "therapeutic_corticosteroids": timedelta(hours=72)}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(P11_WINDOW)),
                       st.datetimes(min_value=datetime(2000, 1, 1), max_value=NOW), max_size=8))
def test_earliest_is_never_before_any_exposure_plus_its_window(exposures):
    w = earliest_apheresis(exposures, now=NOW)
    for key, last in exposures.items():
        assert w.earliest >= last + P11_WINDOW[key]
    if exposures:
        assert w.earliest == max(last + P11_WINDOW[k] for k, last in exposures.items())


def test_collection_notes():
    notes = {i.id: i for i in elig.collection_notes(True, True)}
    assert notes["prior_bendamustine_or_fludarabine"].recommendation_id == "apheresis_manufacturing_failure"
    assert notes["prior_bendamustine_or_fludarabine"].status == "caution"
    assert notes["high_risk_or_needs_lenalidomide"].recommendation_id == "apheresis_early_collection"
    assert elig.collection_notes(None, None) == []


def test_exposure_moment():
    assert elig.exposure_moment(date(2026, 3, 1), time(8, 0), NOW) == datetime(2026, 3, 1, 8, 0)
    assert elig.exposure_moment(date(2026, 3, 1), None, NOW) == datetime(2026, 3, 2, 0, 0)
    assert elig.exposure_moment(NOW.date(), None, NOW) == NOW


# --- every message renders in both languages --------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_status_message_exists_in_both_languages(lang):
    cases = [Baseline(), Baseline(**COMPLETE), Baseline(**{f: True for f in COMPLETE if isinstance(COMPLETE[f], bool)},
                                                       prior_bcma_therapy=True),
             Baseline(kps=10, ecog=4, lvef_pct=30, alt_x_uln=5, ast_x_uln=5, bilirubin=400, spo2_pct=80,
                      life_expectancy_weeks=4), Baseline(kps=10, ecog=1, lvef_pct=46, bilirubin=100)]
    for b in cases:
        assert all(i.message for i in evaluate(b, lang).items)
    for labs in (ApheresisLabs(), ApheresisLabs(hgb_g_l=70, plt_10e9_l=20, alc_per_ul=100, cd3_per_ul=100),
                 ApheresisLabs(hgb_g_l=70, plt_10e9_l=20, cytopenia_from_progression=True, alc_per_ul=900)):
        assert all(i.message for i in apheresis_check(labs, lang))
    assert all(i.message for i in elig.collection_notes(True, False, lang) + elig.collection_notes(False, True, lang))


# --- summary ------------------------------------------------------------------------------------------


def test_summary_lists_every_item_with_its_status_and_quote_and_escapes_everything():
    report = evaluate(Baseline(kps=40, bilirubin=20, cns_disease=True))
    labs = apheresis_check(ApheresisLabs(hgb_g_l=90))
    wash = earliest_apheresis({"lenalidomide": datetime(2026, 3, 1, 8)}, now=NOW)
    html = render_summary(report, labs, wash, elig.collection_notes(True, None), "en", NOW)
    assert html.startswith("<!DOCTYPE html>") and "Needs review" not in html  # incomplete here
    assert "Incomplete" in html
    for it in [*report.items, *labs, *wash.items]:
        assert f"Consensus {content.recommendation(it.recommendation_id).source}" in html
    # Review item 9: no internal id (elig_*, washout_*) and no reading-note reference reaches the reader.
    # Failed before the fix (the source column showed elig_performance_not_absolute etc.).
    assert not re.search(r"\b(elig|excl|washout|apheresis|cns)_[a-z_]+", html) and "READING-NOTES" not in html
    assert "only for a patient with no better treatment option" in html  # review m6: P9's condition
    assert "总胆红素&lt;0.2 g/L" in html and "总胆红素<0.2" not in html  # the quote is escaped
    assert "Our English rendering" in html and "App&#x27;s note" in html
    assert "2026-03-15 08:00" in html
    zh = render_summary(report, labs, None, [], "zh", NOW)
    assert 'lang="zh-CN"' in zh and "基线核查" in zh and "未填写任何暴露" in zh
    assert "<script" not in html and "<script" not in zh


# --- review m6, m12 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, label", [("en", "the app's reading of P9"), ("zh", "本应用对P9的理解")])
def test_lvef_45_to_49_band_is_labelled_as_the_apps_reading(lang, label):
    # Failed before the fix: the caution message did not say the 45-49% band is the app's construction.
    assert label in next(i for i in evaluate(Baseline(lvef_pct=45), lang).items if i.id == "lvef").message
    assert label in next(i for i in evaluate(Baseline(lvef_pct=49.9), lang).items if i.id == "lvef").message
    for lvef in (44.9, 50):
        assert label not in next(i for i in evaluate(Baseline(lvef_pct=lvef), lang).items if i.id == "lvef").message


@pytest.mark.parametrize("kw, conditions", [
    pytest.param({"kps": 40}, ["no_better_option"], id="KPS 40 (<50): P9's condition on the verdict"),
    pytest.param({"kps": 50}, [], id="KPS 50: none"),
    pytest.param({"ecog": 3}, ["no_better_option"], id="ECOG 3 (>2): P9's condition"),
    pytest.param({"ecog": 2}, [], id="ECOG 2: none"),
    pytest.param({"kps": 20, "ecog": 4}, ["no_better_option"], id="KPS 20 ECOG 4"),
])
def test_performance_outside_the_limits_puts_p9s_condition_on_the_verdict(kw, conditions):
    # Failed before the fix (no verdict_conditions).
    assert elig.verdict_conditions(evaluate(Baseline(**kw))) == conditions


def test_mixed_performance_scales_are_labelled_as_the_apps_reading():
    msg = next(i for i in evaluate(Baseline(kps=40, ecog=2)).items if i.id == "performance_status").message
    assert "the app's reading" in msg and "「或」" in msg


@pytest.mark.parametrize("answer, status", [(True, "not_met"), (False, "met")])
def test_other_transmissible_disease_such_as_hiv(answer, status):
    # Review m12: 「传染性疾病(如…等)」 is open-ended. Failed before the fix (no such field).
    item = judge(other_transmissible_disease=answer)["other_transmissible_disease"]
    assert (item.status, item.recommendation_id) == (status, "excl_transmissible_disease")
    assert "HIV" in item.message


def test_other_transmissible_disease_not_asked_adds_no_item():
    assert "other_transmissible_disease" not in {i.id for i in evaluate(Baseline()).items}


# --- the printed summary (issue 15 item 6) ------------------------------------------------------


@pytest.mark.parametrize(("lang", "warning"), [("en", "Not assessed ("), ("zh", "未评估(")])
def test_printed_summary_has_handwritten_lines_10_pt_zone_version_and_warns_iff_items_not_assessed(lang, warning):
    report = evaluate(Baseline(kps=90), lang)
    page = render_summary(report, [], None, [], lang, NOW, zone="UTC+8", version="9.9.9")
    for label in ("患者姓名 / Name", "病历号 / MRN", "床号 / Bed"):
        assert f"<span>{label} <i></i></span>" in page
    sizes = print_samples.font_sizes_pt(page)
    assert sizes and min(sizes) >= 10, sizes
    assert "2026-03-20 12:00" in page and "UTC+8" in page and "9.9.9" in page and "2022;43(4)" in page
    assert warning in page
    unknown = [i for i in report.items if i.status == "unknown"]
    assert unknown and all(item_label(i.id, lang) in page for i in unknown)
    done = report.model_copy(update={"items": [i.model_copy(update={"status": "met"}) for i in report.items]})
    assert warning not in render_summary(done, [], None, [], lang, NOW, zone="UTC+8", version="9.9.9")
    assert not_assessed(done, [], lang) == []
    labs = apheresis_check(ApheresisLabs(hgb_g_l=90), lang)  # the other labs not entered
    assert not_assessed(done, labs, lang)


def test_printed_summary_escapes_the_zone_and_version():
    page = render_summary(evaluate(Baseline()), [], None, [], "en", NOW, zone="<b>z</b>", version="<script>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;z&lt;/b&gt;" in page


def test_washout_without_a_clock_matches_the_exposures_zone():
    """now=None: an aware exposure is compared with an aware now, a naive one with a naive now."""
    aware = elig.earliest_apheresis({"lenalidomide": datetime(2020, 1, 1, 8, 0, tzinfo=UTC)})
    assert aware.earliest == datetime(2020, 1, 15, 8, 0, tzinfo=UTC)
    assert aware.reference.tzinfo is not None and aware.items[0].status == "met"
    naive = elig.earliest_apheresis({"lenalidomide": datetime(2020, 1, 1, 8, 0)})
    assert naive.earliest == datetime(2020, 1, 15, 8, 0) and naive.reference.tzinfo is None


def test_washout_with_no_exposure_keeps_the_reference():
    now = datetime(2026, 12, 2, 9, 22)
    w = elig.earliest_apheresis({}, now=now)
    assert (w.earliest, w.binding, w.items, w.windows, w.reference) == (now, None, [], [], now)
    planned = datetime(2026, 12, 20, 8, 0)
    assert elig.earliest_apheresis({}, now=now, planned=planned).reference == planned


def test_washout_message_defaults_to_english():
    w = elig.earliest_apheresis({"lenalidomide": datetime(2020, 1, 1, 8, 0)}, now=datetime(2026, 12, 2, 9, 22))
    assert w.items[0].message.startswith("Lenalidomide")


def test_exposure_moment_with_a_time_and_no_clock_is_that_wall_time():
    assert elig.exposure_moment(date(2026, 11, 20), time(8, 0)) == datetime(2026, 11, 20, 8, 0)
    aware_now = datetime(2026, 12, 2, 9, 22, tzinfo=UTC)
    assert elig.exposure_moment(date(2026, 11, 20), time(8, 0), aware_now) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("data", "lang", "errors"), [
    ({"kps": 150}, "en", {"kps": "KPS 150 is outside 0–100."}),
    ({"kps": 150}, "zh", {"kps": "KPS 150超出范围0–100。"}),
    ({"ecog": 7}, "en", {"ecog": "ECOG 7 is outside 0–5."}),
    ({"ecog": 2.5, "kps": 80}, "en", {"ecog": "ECOG is a whole number 0–5; 2.5 is not."}),
    ({"kps": 80}, "en", {}),
])
def test_range_refusal_names_field_value_and_range(data, lang, errors):
    assert elig.input_errors(Baseline, data, lang) == errors


@pytest.mark.parametrize(("window", "en", "zh"), [
    (timedelta(weeks=1), "1-week", "1周"), (timedelta(weeks=2), "2-week", "2周"),
    (timedelta(hours=72), "72 h", "72 h"), (timedelta(hours=36.5), "36.5 h", "36.5 h"),
])
def test_window_text_literal(window, en, zh):
    assert (elig.window_text(window, "en"), elig.window_text(window, "zh")) == (en, zh)


@pytest.mark.parametrize(("x", "shown"), [
    (0, "0"), (-0.5, "-0.5"), (47, "47"), (34.2, "34.2"), (0.0292, "0.0292"), (100, "100"),
    (150.6, "151"), (-150.6, "-151"), (0.000123, "0.000123"),
    (99.99999999999999, "100"), (-99.99999999999999, "-100"), (99.96, "100"), (9.9999, "10"), (0.5, "0.5"),
])
def test_fmt_number_three_significant_figures_below_100(x, shown):
    assert elig.fmt_number(x) == shown


def test_a_value_just_below_100_is_shown_as_100_not_1():
    # Failed before the fix: "LVEF 1 is outside 5–90." (fmt_number stripped the zeros of "100").
    assert elig.input_errors(Baseline, {"lvef_pct": 99.99999999999999}) == {"lvef_pct": "LVEF 100 is outside 5–90."}
    assert elig.bilirubin_units(1710, "umol/L").mg_dl == 99.99999999999999
    assert elig.fmt_number(elig.bilirubin_units(1710, "umol/L").mg_dl) == "100"


@pytest.mark.oracle
@pytest.mark.parametrize(("umol", "lang", "message"), [
    pytest.param(50, "en", "Total bilirubin 50 µmol/L (2.92 mg/dL, 0.0292 g/L) is above the usual trial limit (about "
                 "34.2 µmol/L, 2 mg/dL): requirement ② (good hepatic function) is not met, by the app's reading. It is "
                 "below the printed <0.2 g/L (342 µmol/L), which is likely a misprint and is not guessed at.",
                 id="consensus-P4-bilirubin-50umol-2.92mgdl-usual-2mgdl-en"),
    pytest.param(50, "zh", "总胆红素50 µmol/L(2.92 mg/dL,0.0292 g/L)高于临床试验常用上限(约34.2 µmol/L,2 mg/dL):按本应用的理解,"
                 "第②条(良好的肝功能)不符合。该值低于原文<0.2 g/L(342 µmol/L),后者疑为印刷错误,本应用不推测其原意。",
                 id="consensus-P4-bilirubin-50umol-zh"),
    pytest.param(400, "en", "Total bilirubin 400 µmol/L (23.4 mg/dL, 0.234 g/L) is at or above even the printed limit "
                 "<0.2 g/L (342 µmol/L).", id="consensus-P4-bilirubin-400umol-above-printed-0.2gL-en"),
])
def test_bilirubin_message_units_worked_by_hand(umol, lang, message):
    """17.1 µmol/L per mg/dL, 584.66 g/mol: 50 µmol/L = 2.92 mg/dL = 0.0292 g/L; 0.2 g/L = 342 µmol/L."""
    item = next(i for i in evaluate(Baseline(bilirubin=umol), lang).items if i.id == "bilirubin")
    assert (item.status, item.message) == ("not_met", message)


@pytest.mark.parametrize(("lang", "running", "elapsed"), [("en", "… Not yet", "✓ Met"), ("zh", "… 洗脱期未满", "✓ 符合")])
def test_printed_summary_says_not_yet_for_a_running_washout_as_the_page_does(lang, running, elapsed):
    # Lenalidomide's washout is 2 weeks (P12). Last dose 1 day before NOW: still running, so the
    # sheet says "not yet", never "not met" (it printed "✗ Not met" before). 15 days before: met.
    report = evaluate(Baseline(kps=90))
    wash = earliest_apheresis({"lenalidomide": NOW - timedelta(days=1)}, now=NOW, lang=lang)
    sheet = render_summary(report, [], wash, [], lang, NOW)
    assert running in sheet and "✗" not in sheet
    wash = earliest_apheresis({"lenalidomide": NOW - timedelta(days=15)}, now=NOW, lang=lang)
    assert running not in render_summary(report, [], wash, [], lang, NOW)
    assert elapsed in render_summary(report, [], wash, [], lang, NOW)
