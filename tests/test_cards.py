"""logic.cards: the result card's statement, as literals, in both languages (issue 15 item 1)."""

from __future__ import annotations

from datetime import datetime

import pytest

from logic import cards, crs, dosing, icans, plans

NOW = datetime(2026, 12, 2, 9, 22)


def crs_card(lang: str = "en", weight: float | None = 68.0, given: list[datetime] | None = None, **findings):
    f = crs.CRSFindings(**findings)
    a = crs.assess_crs(f)
    plan = plans.crs_management_plan(a.grade, weight, given or [], NOW) if a.grade.grade else None
    return cards.crs_card(f, a, plan, lang, "UTC")


NIGHT_NURSE = {"max_temp_c": 39.2, "hypotension": "one_vasopressor", "hypoxia": "low_flow"}


def test_night_nurse_crs_card_in_english():
    c = crs_card("en", **NIGHT_NURSE)
    assert (c.status, c.level, c.grade, c.at_least) == ("final", "severe", 3, False)
    assert c.label == "CRS grade 3"
    assert c.drivers == ["fever 39.2 °C", "hypotension needing one vasopressor"]
    assert c.missing_text is None
    toci = next(a for a in c.actions if a.action == "tocilizumab")
    assert (toci.dose_mg, toci.volume_ml, toci.route, toci.allowed) == (544.0, 27.2, "IV", True)
    assert toci.text == "Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now."
    assert toci.group_label == "Tocilizumab and/or corticosteroids (Table 4):"
    assert [a.text for a in c.actions if a.action == "dexamethasone"] == [
        "If hypotension persists after 1-2 tocilizumab infusions: dexamethasone 10 mg IV q6h (may be given)",
        "If refractory: dexamethasone 20 mg IV q6h (may be given)"]
    assert all(a.conditional for a in c.actions if a.action == "dexamethasone")
    assert c.recommendation_ids == ["crs_grade_3", "crs_mgmt_grade_3", "tocilizumab_dosing"]


def test_night_nurse_crs_card_in_chinese():
    c = crs_card("zh", **NIGHT_NURSE)
    assert c.label == "CRS 3级"
    assert c.drivers == ["发热 39.2 °C", "低血压,需一种升压药"]
    toci = next(a for a in c.actions if a.action == "tocilizumab")
    assert toci.text == "托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注。本疗程已用0次;现在可给药。"
    assert toci.group_label == "托珠单抗和(或)糖皮质激素(表4):"
    assert [a.text for a in c.actions if a.dose_mg is None] == ["密切监护", "支持治疗"]


@pytest.mark.parametrize(("lang", "label", "missing"), [
    ("en", "CRS at least grade 1", "Not assessed: hypotension, oxygen; the grade could be up to 4."),
    ("zh", "CRS至少1级", "未评估:低血压、吸氧;分级最高可能为4级。"),
])
def test_fever_alone_is_at_least_grade_1_never_a_plain_grade(lang, label, missing):
    c = crs_card(lang, max_temp_c=38.0)
    assert (c.status, c.level, c.grade, c.at_least, c.label, c.missing_text) == (
        "at_least", "mild", 1, True, label, missing)
    assert c.notes == [{"en": "Management for the grade reached so far; it may be higher once everything is "
                              "assessed.", "zh": "按目前已达到的分级给出处理;全部评估后分级可能更高。"}[lang]]


def test_band_edge_below_the_fever_threshold_is_grade_0_final():
    c = crs_card("en", max_temp_c=37.9, hypotension="none", hypoxia="none")
    assert (c.status, c.level, c.grade, c.label) == ("final", "none", 0, "No CRS (grade 0)")
    assert c.drivers == ["no fever: 37.9 °C < 38.0 °C"]
    assert c.actions == [] and c.notes == ["No Table 4 management at grade 0; keep monitoring."]
    assert crs_card("zh", max_temp_c=37.9).label == "无CRS(0级)"


def test_at_least_2_with_oxygen_and_hypotension_not_assessed():
    c = crs_card("en", max_temp_c=38.5, hypoxia="low_flow")
    assert (c.status, c.level, c.label) == ("at_least", "moderate", "CRS at least grade 2")
    assert c.drivers == ["fever 38.5 °C", "low-flow oxygen (≤6 L/min)"]
    assert c.missing_text == "Not assessed: hypotension; the grade could be up to 4."


def test_several_vasopressors_is_grade_4_red():
    c = crs_card("en", max_temp_c=39.0, hypotension="multiple_vasopressors", hypoxia="none")
    assert (c.level, c.label, c.at_least) == ("severe", "CRS grade 4", False)
    assert c.drivers == ["fever 39.0 °C", "hypotension needing several vasopressors"]


@pytest.mark.parametrize(("lang", "label"), [("en", "CRS incomplete"), ("zh", "CRS评估不完整")])
def test_temperature_not_assessed_is_incomplete_grey(lang, label):
    c = crs_card(lang, hypoxia="high_flow")
    assert (c.status, c.level, c.grade, c.label) == ("incomplete", "neutral", None, label)
    assert c.missing_text == {
        "en": "Temperature not assessed: with fever (≥38.0 °C, or masked) this is at least grade 3.",
        "zh": "体温未评估:若有发热(≥38.0 °C,或曾被掩盖),按已填写的表现至少为3级。"}[lang]
    assert c.actions == []


@pytest.mark.parametrize(("lang", "label"), [("en", "CRS not assessed"), ("zh", "CRS未评估")])
def test_nothing_entered_is_not_assessed(lang, label):
    c = crs_card(lang)
    assert (c.status, c.level, c.grade, c.label, c.drivers, c.actions) == (
        "not_assessed", "neutral", None, label, [], [])


def test_refused_input_is_not_graded():
    c = cards.crs_card(None, None, None, "zh")
    assert (c.status, c.level, c.label) == ("not_computed", "neutral", "CRS未分级")
    assert c.missing_text == "请先更正上方标出的输入项,更正前不分级。"


def test_without_weight_the_dose_is_not_guessed():
    c = crs_card("en", weight=None, **NIGHT_NURSE)
    toci = next(a for a in c.actions if a.action == "tocilizumab")
    assert (toci.dose_mg, toci.volume_ml) == (None, None)
    assert toci.text.startswith("Tocilizumab 8 mg/kg IV (enter the weight for the dose)")


def test_course_guard_on_the_card():
    given = [datetime(2026, 12, 1, 22, 0), datetime(2026, 12, 2, 6, 0), datetime(2026, 12, 2, 9, 0)]
    c = crs_card("en", given=given, **NIGHT_NURSE)
    toci = next(a for a in c.actions if a.action == "tocilizumab")
    assert toci.allowed is False
    assert toci.text == ("Repeat dose, if control is poor: tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. "
                         "Course: 3 dose(s) given; next dose no earlier than 2026-12-02 22:00 (UTC).")


def test_a_plan_from_another_assessment_is_refused():
    f = crs.CRSFindings(**NIGHT_NURSE)
    other = plans.crs_management_plan(crs.assess_crs(crs.CRSFindings(max_temp_c=38.5, hypoxia="low_flow",
                                                                     hypotension="none")).grade, 68)
    with pytest.raises(ValueError, match="one computation"):
        cards.crs_card(f, crs.assess_crs(f), other, "en")


# --- ICANS -------------------------------------------------------------------------------------------


def icans_card(lang: str = "en", crs_grade: int | None = 3, items: dict | None = None, **findings):
    f = icans.ICANSFindings(**findings)
    partial = icans.ICEPartial(**items) if items else None
    a = icans.assess_icans(f, partial)
    cg = None if crs_grade is None else crs.assess_crs(crs.CRSFindings(**NIGHT_NURSE)).grade \
        if crs_grade == 3 else crs.assess_crs(crs.CRSFindings(max_temp_c=37.0)).grade
    plan = plans.icans_management_plan(a.grade, cg, 68, [], NOW) if a.grade.grade else None
    return cards.icans_card(f, partial, a, plan, cg, lang, "UTC")


@pytest.mark.parametrize(("lang", "label"), [("en", "ICANS not assessed"), ("zh", "ICANS未评估")])
def test_icans_nothing_entered_is_not_assessed_never_at_least_0(lang, label):
    c = icans_card(lang)
    assert (c.status, c.level, c.grade, c.label) == ("not_assessed", "neutral", None, label)
    assert "0" not in c.label


def test_icans_ice_10_alone_is_incomplete():
    c = icans_card("en", ice_score=10)
    assert (c.status, c.level, c.label) == ("incomplete", "neutral", "ICANS incomplete")


def test_icans_grade_2_with_crs_in_both_languages():
    full = {"ice_score": 5, "consciousness": "normal", "seizure": "none", "motor_weakness": "none",
            "cerebral_edema": "none"}
    en, zh = icans_card("en", **full), icans_card("zh", **full)
    assert (en.status, en.level, en.label, zh.label) == ("final", "moderate", "ICANS grade 2", "ICANS 2级")
    assert (en.drivers, zh.drivers) == (["ICE 5/10"], ["ICE 5/10分"])
    assert en.context == "With concurrent CRS (grade 3): Table 5's with-CRS column."
    assert zh.context == "并发CRS(3级):按表5并发CRS一栏。"
    assert [a.text for a in en.actions] == [
        "Supportive care", "Dexamethasone 10 mg IV q6h", "Methylprednisolone 68 mg IV q12h",
        "Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. Course: 0 dose(s) given; a dose is allowed now.",
        "If concurrent CRS is grade 2 or higher: consider transfer to the ICU"]
    assert en.actions[1].group_label == "One of (Table 5):" and zh.actions[1].group_label == "二选一(表5):"


def test_icans_at_least_from_partial_ice_items():
    c = icans_card("en", items={"orientation": 2, "naming": 1})
    # 3 of 10 points so far, 3 items missing (3 more points): ICE 3-6 -> at least grade 2
    assert (c.status, c.label) == ("at_least", "ICANS at least grade 2")
    assert c.drivers == ["ICE 3-6/10 (items missing)"]


def test_icans_unarousable_is_grade_4_without_crs_not_assessed():
    c = icans_card("zh", crs_grade=None, consciousness="unarousable")
    assert (c.level, c.label, c.at_least) == ("severe", "ICANS 4级", False)
    assert c.drivers == ["不能唤醒"]
    assert c.context == "CRS未评估:按表5不并发CRS一栏;若并发CRS,另加托珠单抗(1~3级)。"


# --- lymphodepletion ---------------------------------------------------------------------------------


def test_cartitude_1_example_165_cm_60_kg():
    plan = dosing.lymphodepletion_plan("CARTITUDE-1", 165, 60)
    en, zh = cards.ld_card(plan, "en"), cards.ld_card(plan, "zh")
    assert (en.kind, en.level, en.label, zh.label) == ("lymphodepletion", "info", "BSA 1.66 m²", "体表面积 1.66 m²")
    assert en.drivers == ["CARTITUDE-1 · height 165 cm · weight 60 kg · Mosteller",
                          "BSA = √(165 cm × 60 kg / 3600) = 1.6583 → 1.66 m²"]
    assert [(a.action, a.dose_mg, a.route) for a in en.actions] == [
        ("fludarabine", 50.0, "IV"), ("cyclophosphamide", 498.0, "IV")]
    assert [a.text for a in en.actions] == [
        "Fludarabine 30 mg/m²/day → 50 mg IV, once daily, D-5 to D-3",
        "Cyclophosphamide 300 mg/m²/day → 498 mg IV, once daily, D-5 to D-3"]
    assert [a.text for a in zh.actions] == [
        "氟达拉滨 每日30 mg/m² → 50 mg 静脉输注,每日1次,D-5至D-3",
        "环磷酰胺 每日300 mg/m² → 498 mg 静脉输注,每日1次,D-5至D-3"]
    # the fludarabine renal line is always there (review M7 iii), here "not entered"
    assert en.notes[0].startswith("Fludarabine is renally cleared: creatinine clearance not entered")


@pytest.mark.parametrize(("lang", "inputs", "working", "flu", "cy"), [
    pytest.param("en", "CARTITUDE-1 · height 165 cm · weight 60 kg · Mosteller",
                 "BSA = √(165 cm × 60 kg / 3600) = 1.6583 → 1.66 m²",
                 "Fludarabine 30 mg/m²/day → 50 mg IV, once daily, D-5 to D-3",
                 "Cyclophosphamide 300 mg/m²/day → 498 mg IV, once daily, D-5 to D-3", id="en"),
    pytest.param("zh", "CARTITUDE-1 · 身高 165 cm · 体重 60 kg · Mosteller公式",
                 "体表面积 = √(165 cm × 60 kg / 3600) = 1.6583 → 1.66 m²",
                 "氟达拉滨 每日30 mg/m² → 50 mg 静脉输注,每日1次,D-5至D-3",
                 "环磷酰胺 每日300 mg/m² → 498 mg 静脉输注,每日1次,D-5至D-3", id="zh"),
])
def test_ld_working_line_is_in_the_cards_language(lang, inputs, working, flu, cy):
    """The working line was logic.dosing's English formula text in Chinese too; the plan's numbers
    and public fields are unchanged."""
    plan = dosing.lymphodepletion_plan("CARTITUDE-1", 165, 60)
    c = cards.ld_card(plan, lang)
    assert c.drivers == [inputs, working]
    assert [a.text for a in c.actions] == [flu, cy]
    assert [(a.dose_mg, a.route) for a in c.actions] == [(50.0, "IV"), (498.0, "IV")]
    assert (plan.bsa_unrounded, plan.bsa_m2) == (pytest.approx(1.6583, abs=5e-5), 1.66)
    assert plan.bsa_formula_text == "BSA = √(height cm × weight kg / 3600)"
    if lang == "zh":
        assert "height" not in working and "weight" not in working


@pytest.mark.parametrize(("lang", "mosteller", "dubois"), [
    ("en", "BSA = √(height cm × weight kg / 3600)", "BSA = 0.007184 × height cm^0.725 × weight kg^0.425"),
    ("zh", "体表面积 = √(身高 cm × 体重 kg / 3600)", "体表面积 = 0.007184 × 身高 cm^0.725 × 体重 kg^0.425"),
])
def test_bsa_formula_text_in_both_languages(lang, mosteller, dubois):
    assert (cards.bsa_formula_text("mosteller", lang), cards.bsa_formula_text("dubois", lang)) == (mosteller, dubois)
    if lang == "en":  # the English is logic.dosing's own text, word for word
        assert {"mosteller": mosteller, "dubois": dubois} == dosing.BSA_FORMULAS


def test_ld_dubois_working_line_in_chinese():
    plan = dosing.lymphodepletion_plan("CARTITUDE-1", 165, 60, "dubois")
    assert cards.ld_card(plan, "zh").drivers[1] == (
        "体表面积 = 0.007184 × 165 cm^0.725 × 60 kg^0.425 = 1.6587 → 1.66 m²")


def test_ld_per_kg_row_is_compared():
    c = cards.ld_card(dosing.lymphodepletion_plan("CT103A", 170, 70), "en")
    cy = next(a for a in c.actions if a.action == "cyclophosphamide")
    assert cy.dose_mg == 1400.0 and "20 mg/kg/day" in cy.text
    assert any("per kg" in n.lower() or "mg/kg" in n for n in c.notes)


def test_badge_levels_keep_red_for_grades_3_and_4():
    assert [cards.level_for(g) for g in range(5)] == ["none", "mild", "moderate", "severe", "severe"]


# --- the one-line strip a phone keeps in view (ResultCard.headline) ---------------------------------

@pytest.mark.parametrize(("lang", "line"), [
    ("en", "CRS grade 3 · Tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV"),
    ("zh", "CRS 3级 · 托珠单抗 544 mg / 27.2 mL (20 mg/mL) 静脉滴注"),
])
def test_headline_is_the_badge_and_the_dose_given_now(lang, line):
    assert crs_card(lang, **NIGHT_NURSE).headline() == line


def test_headline_never_shows_a_forbidden_dose_without_the_guards_verdict():
    given = [datetime(2026, 12, 1, 22, 0), datetime(2026, 12, 2, 6, 0), datetime(2026, 12, 2, 9, 0)]
    assert crs_card("en", given=given, **NIGHT_NURSE).headline() == (
        "CRS grade 3 · Repeat dose, if control is poor: tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV. "
        "Course: 3 dose(s) given; next dose no earlier than 2026-12-02 22:00 (UTC).")


def test_headline_without_weight_asks_for_it():
    assert crs_card("en", weight=None, **NIGHT_NURSE).headline() == (
        "CRS grade 3 · Tocilizumab 8 mg/kg IV (enter the weight for the dose). "
        "Course: 0 dose(s) given; a dose is allowed now.")


def test_headline_of_a_conditional_dose_keeps_its_condition():
    assert crs_card("en", max_temp_c=39.0, hypotension="no_vasopressor").headline() == (
        "CRS at least grade 2 · Elderly patient or comorbidities: tocilizumab 544 mg / 27.2 mL (20 mg/mL) IV "
        "(may be given)")


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "BSA 1.66 m² · Fludarabine 50 mg + Cyclophosphamide 498 mg IV, once daily, D-5 to D-3"),
    ("zh", "体表面积 1.66 m² · 氟达拉滨 50 mg + 环磷酰胺 498 mg 静脉输注,每日1次,D-5至D-3"),
])
def test_lymphodepletion_headline_gives_every_daily_dose(lang, line):
    """The pharmacist's strip: the BSA and both daily doses with route and days (it gave fludarabine only)."""
    assert cards.ld_card(dosing.lymphodepletion_plan("CARTITUDE-1", 165, 60), lang).headline() == line


def test_lymphodepletion_headline_without_fludarabine():
    assert cards.ld_card(dosing.lymphodepletion_plan("LCAR-B38M", 165, 60), "en").headline() == (
        "BSA 1.66 m² · Cyclophosphamide 498 mg IV, once daily, D-5 to D-3")


def test_headline_without_an_action_is_the_badge():
    assert crs_card("zh", max_temp_c=38.5).headline() == "CRS至少1级"
