"""logic.caveats: the app's labelled notes beside lymphodepletion and levetiracetam (review M7, M10).

Every band edge is tested on both sides. The numbers are the labels' (read with their citations in
the app's notes on `ld_recommended_flu_cy` and `cns_disease_prophylaxis`); these tests failed before
the fix because logic.caveats and the notes did not exist (the sheet's rows read "46 mg (45.5)").
"""

from __future__ import annotations

from datetime import date

import pytest

from logic import caveats, content, dose_sheet, dosing


@pytest.mark.parametrize("crcl, band", [
    pytest.param(None, "not_entered", id="not entered: said so, never 'normal'"),
    pytest.param(120, "full", id="120: full dose"),
    pytest.param(80, "full", id="FLUDARA label ≥80: full"),
    pytest.param(79.9, "band_50_79", id="79.9: 50-79 band (the lower, stricter)"),
    pytest.param(50, "band_50_79", id="50: 50-79"),
    pytest.param(49.9, "band_30_49", id="49.9: 30-49"),
    pytest.param(30, "band_30_49", id="30: 30-49"),
    pytest.param(29.9, "below_30", id="29.9: <30 do not give"),
    pytest.param(0, "below_30", id="0"),
])
def test_fludarabine_renal_bands(crcl, band):
    line = caveats.fludarabine_renal(crcl)
    assert line.band == band and line.recommendation_id == "ld_recommended_flu_cy"
    assert line.label_limits_dose == (band not in ("not_entered", "full"))


@pytest.mark.parametrize("crcl, band, limits", [
    pytest.param(None, "not_entered", False, id="not entered"),
    pytest.param(80.1, "normal", False, id="Keppra label >80: 500-1500 mg q12h"),
    pytest.param(80, "mild", False, id="80: 50-80 (the shared edge takes the stricter band)"),
    pytest.param(50.1, "mild", False, id="50.1: mild, 500-1000"),
    pytest.param(50, "moderate", False, id="50: 30-50 (stricter), 750 is the upper limit"),
    pytest.param(30, "moderate", False, id="30: moderate"),
    pytest.param(29.9, "severe", True, id="29.9: <30, 250-500: 750 exceeds the label"),
])
def test_levetiracetam_renal_bands(crcl, band, limits):
    line = caveats.levetiracetam_renal(crcl)
    assert (line.band, line.label_limits_dose) == (band, limits)


def test_label_numbers_come_from_the_apps_notes_with_their_citations():
    flu = content.recommendation("ld_recommended_flu_cy").notes[0]
    assert "FLUDARA" in flu.basis and "FLUDARA" in flu.basis_zh and "ABECMA" in flu.basis
    assert (flu.values["flu_full_crcl_min"], flu.values["flu_band1_crcl_min"], flu.values["flu_band2_crcl_min"]) == \
        (80, 50, 30)
    lev = next(n for n in content.recommendation("cns_disease_prophylaxis").notes if "lev_severe_max_mg" in n.values)
    assert "KEPPRA" in lev.basis and (lev.values["lev_severe_min_mg"], lev.values["lev_severe_max_mg"]) == (250, 500)


def test_renal_texts_in_both_languages():
    assert "do not give" in caveats.renal_text(caveats.fludarabine_renal(20), "en")
    assert "不应使用" in caveats.renal_text(caveats.fludarabine_renal(20), "zh")
    assert "not entered" in caveats.renal_text(caveats.fludarabine_renal(None), "en")
    assert "250-500 mg every 12 h" in caveats.renal_text(caveats.levetiracetam_renal(20), "en")


def test_bad_clearance_is_refused():
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            caveats.fludarabine_renal(bad)


def test_ct103a_per_kg_cyclophosphamide_is_compared_with_the_per_m2_rows():
    # Review M7 (iv): 20 mg/kg × 70 kg = 1400 mg/day ≈ 770 mg/m² at BSA 1.82, 2.6× the 300 mg/m² rows.
    plan = dosing.lymphodepletion_plan("CT103A", 170, 70)
    cmp = caveats.per_kg_comparison(plan)
    assert cmp is not None and cmp.daily_mg == 1400 and cmp.usual_per_m2 == 300
    assert round(cmp.ratio, 1) == 2.6
    assert "2.6×" in caveats.per_kg_text(cmp, plan, "en") and "per m²" in caveats.per_kg_text(cmp, plan, "en")
    assert caveats.per_kg_comparison(dosing.lymphodepletion_plan("CAR-BCMA", 170, 70)) is None


@pytest.mark.parametrize("lang, route, caveat", [
    ("en", "IV, once daily", "Trial regimen as printed in Table 2"), ("zh", "静脉输注,每日1次", "表2所列临床试验方案"),
])
def test_sheet_lymphodepletion_rows_carry_route_caveat_and_renal_line(lang, route, caveat):
    plan = dosing.lymphodepletion_plan("CT103A", 170, 72, infusion=date(2026, 3, 10))
    item = dose_sheet.item_from_plan(plan, lang)
    dose_rows = [r for r in item.table[1:] if r[0] != "D0"]
    assert dose_rows and all(route in cell for r in dose_rows for cell in r[2:] if cell != "—")
    assert any(caveat in d for d in item.details)
    assert any("2.6" in d for d in item.details)                    # the per-kg highlight
    renal = caveats.renal_text(caveats.fludarabine_renal(None), lang)
    assert renal in item.details                                      # "CrCl not entered", never silent
    with_crcl = dose_sheet.item_from_plan(plan, lang, crcl_ml_min=45)
    assert caveats.renal_text(caveats.fludarabine_renal(45), lang) in with_crcl.details


def test_no_fludarabine_no_renal_line():
    item = dose_sheet.item_from_plan(dosing.lymphodepletion_plan("LCAR-B38M", 170, 72), "en")
    assert not any("fludarabine label" in d.lower() for d in item.details)


def test_sheet_levetiracetam_carries_the_label_renal_line():
    item = dose_sheet.item_from_levetiracetam(dosing.levetiracetam(), "en", crcl_ml_min=25)
    assert item.dose.startswith("750 mg") and any("the stricter (the label) applies" in d for d in item.details)
    assert any("not entered" in d for d in dose_sheet.item_from_levetiracetam(dosing.levetiracetam(), "en").details)
