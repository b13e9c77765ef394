"""AppTest flows for /eligibility: checklist verdicts, refusals beside the field, link seeding,
the washout planner, language switching without losing inputs, and the summary download."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import TODAY, fix_clock

ROOT = Path(__file__).resolve().parent.parent
TRI_FIELDS = ("cardiac_amyloidosis", "atrial_fibrillation", "active_infection", "pregnant_or_lactating", "active_hbv",
              "active_hcv", "active_tuberculosis", "unstable_vital_signs", "psychiatric_barrier", "product_allergy",
              "major_organ_dysfunction", "renal_impairment", "cns_disease", "implanted_devices")
NUMBERS = {"kps": 80, "ecog": 1, "lvef": 60.0, "alt": 1.0, "ast": 1.0, "bilirubin": 10.0, "spo2": 97.0,
           "life_expectancy": 52.0}


def open_page(lang: str = "en", **params: str) -> AppTest:
    at = fix_clock(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60))
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/eligibility.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.label for e in at.expander]
    parts += [b.value for kind in ("success", "warning", "error", "info") for b in getattr(at, kind)]
    return "\n".join(parts)


def fill_complete(at: AppTest) -> AppTest:
    for key, value in NUMBERS.items():
        at.number_input(key=f"eligibility_{key}").set_value(value)
    for field in TRI_FIELDS:
        at.segmented_control(key=f"eligibility_{field}").set_value("no")
    return at.run()


@pytest.mark.parametrize("lang, title", [("en", "Eligibility and apheresis"), ("zh", "入组评估与淋巴细胞采集")])
def test_renders_in_both_languages_with_every_item_not_assessed(lang, title):
    at = open_page(lang)
    assert at.title[0].value == title
    assert len(at.tabs) == 4
    assert at.info[0].value.endswith(("not assessed.", "未评估。"))  # the verdict: incomplete, never "normal"
    assert all(at.segmented_control(key=f"eligibility_{f}").value == "not_assessed" for f in TRI_FIELDS)


def test_complete_checklist_is_eligible_and_one_exclusion_makes_it_not_eligible():
    at = fill_complete(open_page())
    assert any("Eligible: every criterion is met." in s.value for s in at.success)
    at.segmented_control(key="eligibility_active_hcv").set_value("yes").run()
    assert any("Not eligible" in e.value for e in at.error)
    assert "Hepatitis C: Not met" in shown(at)


def test_low_kps_is_caution_and_needs_review():
    at = fill_complete(open_page())
    at.number_input(key="eligibility_kps").set_value(40)
    at.number_input(key="eligibility_ecog").set_value(3).run()
    assert any("Needs review" in w.value for w in at.warning)
    assert "Not an absolute contraindication" in shown(at)


def test_refused_value_shows_why_beside_the_field_and_keeps_everything_else():
    at = fill_complete(open_page())
    at.number_input(key="eligibility_kps").set_value(75).run()
    errors = [e.value for e in at.error]
    assert any("KPS goes in steps of 10" in e for e in errors)
    assert any("1 input(s) refused" in e for e in errors)
    assert at.number_input(key="eligibility_kps").value == 75  # the typed value stays for correction
    assert at.number_input(key="eligibility_lvef").value == 60.0
    assert at.segmented_control(key="eligibility_active_hcv").value == "no"
    at.number_input(key="eligibility_lvef").set_value(0.55).run()
    assert any("looks like a fraction; enter percent (55)" in e.value for e in at.error)


def test_bilirubin_above_the_usual_limit_is_not_met_by_the_apps_reading_with_conversion():
    # Review M5: failed before the fix ("Total bilirubin: Caution", verdict "no exclusion").
    at = fill_complete(open_page())
    at.number_input(key="eligibility_bilirubin").set_value(2.5)
    at.segmented_control(key="eligibility_bilirubin_unit").set_value("mg/dL").run()
    text = shown(at) + "\n".join(c.value for c in at.caption)
    assert "= 42.8 µmol/L · 2.5 mg/dL · 0.025 g/L" in text
    assert "Total bilirubin: Not met" in text and "likely a misprint" in text and "by the app's reading" in text
    assert any("Not eligible" in e.value for e in at.error) and "no exclusion" not in shown(at)
    at.number_input(key="eligibility_bilirubin").set_value(2.0).run()  # = 34.2 µmol/L, the usual limit
    assert any("Eligible" in s.value for s in at.success)


def test_washout_offers_other_antimyeloma_therapy_and_says_what_is_not_covered():
    # Review M9: failed before the fix (8 fields; pomalidomide etc. could not be entered).
    at = open_page()
    labels = [d.label for d in at.date_input]
    assert any(label.startswith("Other anti-myeloma therapy of the same class") for label in labels)
    captions = "\n".join(c.value for c in at.caption)
    assert "bispecific T-cell engagers" in captions and "app's reading of 「等治疗」" in captions


def test_other_transmissible_disease_is_asked():
    # Review m12: failed before the fix (no HIV item).
    at = fill_complete(open_page())
    at.segmented_control(key="eligibility_other_transmissible_disease").set_value("yes").run()
    assert "Other transmissible disease (e.g. HIV): Not met" in shown(at)


def test_low_performance_status_puts_p9s_condition_on_the_verdict():
    at = fill_complete(open_page())
    at.number_input(key="eligibility_ecog").set_value(4)
    at.number_input(key="eligibility_kps").set_value(20).run()
    assert "only for a patient with no better treatment option" in shown(at)


def test_cns_disease_shows_levetiracetam_prophylaxis():
    at = open_page()
    at.segmented_control(key="eligibility_cns_disease").set_value("yes").run()
    assert "oral levetiracetam 750 mg every 12 h or a similar drug may be given" in shown(at)


def test_language_switch_keeps_the_inputs():
    at = open_page("en")
    at.number_input(key="eligibility_kps").set_value(40)
    at.segmented_control(key="eligibility_cns_disease").set_value("yes").run()
    # What the language switch's callback does (the switch itself is clicked in the browser test).
    at.session_state["app_lang"] = "zh"
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    assert at.title[0].value == "入组评估与淋巴细胞采集"
    assert at.number_input(key="eligibility_kps").value == 40
    assert at.segmented_control(key="eligibility_cns_disease").value == "yes"
    assert "左乙拉西坦750 mg" in shown(at)


def test_link_seeds_the_washout_and_gives_the_earliest_date():
    last = TODAY - timedelta(days=3)
    at = open_page(lenalidomide=last.isoformat())
    assert at.date_input(key="eligibility_exp_lenalidomide").value == last
    # A bare date counts from the end of that day: +1 day, then the 2-week window.
    assert at.metric[0].value == f"{last + timedelta(days=15):%Y-%m-%d} 00:00"
    assert "Lenalidomide: Not yet" in shown(at)  # a running washout: "not yet", never "not met"


def test_link_with_time_sets_the_time_and_the_72_hour_edge():
    last = TODAY - timedelta(days=1)
    at = open_page(therapeutic_corticosteroids=f"{last.isoformat()}T08:00")
    assert at.toggle(key="eligibility_know_times").value is True
    assert at.metric[0].value == f"{last + timedelta(days=3):%Y-%m-%d} 08:00"


def test_bad_link_values_are_ignored_with_a_visible_reason():
    future = (TODAY + timedelta(days=5)).isoformat()
    at = open_page(bortezomib="yesterday", vincristine=future)
    warnings = " ".join(w.value for w in at.warning)
    assert "bortezomib=yesterday: not a date" in warnings
    assert f"vincristine={future}: the date is in the future" in warnings
    assert at.date_input(key="eligibility_exp_vincristine").value is None
    assert any("No exposures entered" in i.value for i in at.info)


def test_planned_date_is_checked_against_every_window():
    last = TODAY - timedelta(days=20)
    at = open_page(vincristine=last.isoformat(), lenalidomide=(TODAY - timedelta(days=2)).isoformat())
    at.date_input(key="eligibility_planned").set_value(TODAY + timedelta(days=30)).run()
    text = shown(at)
    assert "Vincristine: Met" in text and "Lenalidomide: Met" in text
    assert len(at.get("plotly_chart")) == 1


def test_apheresis_labs_and_refusal():
    at = open_page()
    at.number_input(key="eligibility_hgb").set_value(8.5).run()
    assert any("HGB 8.5 looks like g/dL; enter g/L (85)" in e.value for e in at.error)
    at.number_input(key="eligibility_hgb").set_value(75)
    at.number_input(key="eligibility_plt").set_value(40)
    at.number_input(key="eligibility_alc").set_value(600.0).run()
    assert "HGB: Not met" in shown(at)
    at.toggle(key="eligibility_cytopenia_progression").set_value(True).run()
    text = shown(at)
    assert "HGB: Caution" in text and "PLT: Caution" in text and "Lymphocytes: Met" in text


def test_summary_offers_the_download():
    at = fill_complete(open_page("zh"))
    buttons = at.get("download_button")
    assert len(buttons) == 1
    assert "下载汇总" in buttons[0].proto.label


def test_summary_table_cites_the_consensus_paragraph_not_an_internal_id():
    # Review item 9: failed before the fix (the 原文 column showed elig_performance_status and so on).
    at = fill_complete(open_page("zh"))
    column = at.dataframe[-1].value["原文"].tolist()
    assert column and all(c.startswith("共识P") or c.startswith("共识T") for c in column)
    assert not any("_" in c for c in column)


def test_summary_has_a_print_button_and_names_what_is_not_assessed():
    at = open_page("en")
    frames = [e.proto.srcdoc for e in at.get("iframe") if 'data-sheet="eligibility-summary"' in e.proto.srcdoc]
    assert len(frames) == 1 and "CAR-T eligibility assessment" in frames[0]
    before = [str(w.value) for w in at.warning if str(w.value).startswith("Not assessed (")]
    assert len(before) == 1 and "Performance status" in before[0] and "LVEF" in before[0]
    at = fill_complete(at)  # the checklist complete; the apheresis labs still not entered
    after = [str(w.value) for w in at.warning if str(w.value).startswith("Not assessed (")]
    assert len(after) == 1 and "Performance status" not in after[0] and "LVEF" not in after[0]


def test_running_washout_reads_not_yet_in_chinese():
    """Review U12: a washout still running says 洗脱期未满,至 … 满足, not 不符合."""
    last = TODAY - timedelta(days=3)
    at = open_page("zh", lenalidomide=last.isoformat())
    text = shown(at)
    end = f"{last + timedelta(days=15):%Y-%m-%d} 00:00"
    assert "来那度胺: 洗脱期未满" in text
    assert f"洗脱期未满,至{end}" in text and "满足" in text
    assert "来那度胺: 不符合" not in text


@pytest.mark.parametrize(("value", "unit", "status"), [(3.0, "months", "Met"), (2.7, "months", "Not met"),
                                                       (12.0, "weeks", "Not met"), (13.0, "weeks", "Met")])
def test_survival_unit_switch(value, unit, status):
    at = open_page()
    at.segmented_control(key="eligibility_survival_unit").set_value(unit).run()
    at.number_input(key="eligibility_life_expectancy").set_value(value).run()
    assert not at.exception
    label = next(e.label for e in at.expander if "Expected survival" in e.label)
    assert f"Expected survival: {status}**" in label, label
    if unit == "months":
        assert "weeks" in label and "30.4375" in label


def test_survival_unit_kept_across_pages():
    at = open_page()
    at.segmented_control(key="eligibility_survival_unit").set_value("months").run()
    at.switch_page("pages/dosing.py").run()
    at.switch_page("pages/eligibility.py").run()
    assert at.segmented_control(key="eligibility_survival_unit").value == "months"
