"""Independent oracles: every expected value here is a literal read off the consensus (its
paragraph or table row in the id), ASTCT 2019 (Lee DW et al., Biol Blood Marrow Transplant
2019;25:625-638) or a published formula worked by hand. Nothing is computed from logic/'s own
tables, so a wrong table, threshold or YAML number fails here (rcpchgrowth style: the source is
in the test id; a pair of tests at each boundary).
"""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from logic import content, crs, dosing, followup, icans, relapse
from logic import eligibility as elig

pytestmark = pytest.mark.oracle
ROOT = Path(__file__).resolve().parent.parent


def P(*values, id):  # noqa: A002 - pytest's own name
    return pytest.param(*values, id=id)


# --- every number logic reads from content, as a literal ---------------------------------------

# (recommendation, key) -> the number as printed in the consensus (or, for notes, the app's note).
CONTENT_LITERALS: dict[tuple[str, str], float | int] = {
    ("tocilizumab_dosing", "mg_per_kg"): 8,                        # T4.note 「8 mg/kg」
    ("tocilizumab_dosing", "max_single_dose_mg"): 800,             # T4.note 「不超过800 mg」
    ("tocilizumab_dosing", "infusion_min_h"): 1,                   # T4.note 「大于1 h」
    ("tocilizumab_dosing", "min_interval_h"): 8,                   # T4.note 「8 h后再次使用」
    ("tocilizumab_dosing", "max_doses_24h_printed"): 4,            # T4.note 「24 h内不超过4次」
    ("tocilizumab_dosing", "max_doses_total"): 4,                  # T4.note 「总次数不得超过4次」
    ("tocilizumab_dosing", "max_doses_24h_label"): 3,              # note: product labels, 3 in 24 h
    ("tocilizumab_dosing", "concentration_mg_per_ml"): 20,         # note: 20 mg/mL vial
    ("crs_grade_1", "fever_c_applied"): 38.0,                      # note: ≥38.0 °C (ASTCT; P14 「≥38 ℃」)
    ("crs_escalation_alert", "hours"): 12,                         # P15 「一线干预后12 h内」
    ("crs_mgmt_grade_3", "dexamethasone_mg"): 10,                  # T4.3 「每6 h 10 mg」
    ("crs_mgmt_grade_3", "dexamethasone_refractory_mg"): 20,       # T4.3 「每6 h 20 mg」
    ("crs_mgmt_grade_3", "interval_h"): 6,                         # T4.3 「每6 h」
    ("crs_mgmt_grade_4", "methylprednisolone_g_per_day"): 1,       # T4.4 「甲泼尼龙1 g/d」
    ("icans_g2_no_crs", "dexamethasone_interval_h"): 6,            # T5.2 「地塞米松10 mg,每6 h 1次」 (printed token 「mg,每6 h」)
    ("icans_g1_with_crs", "tocilizumab_mg_per_kg"): 8,             # T5.1 「托珠单抗8 mg/kg」
    ("icans_g2_no_crs", "methylprednisolone_mg_per_kg"): 1,        # T5.2 「甲泼尼龙1 mg/kg」
    ("icans_g2_no_crs", "methylprednisolone_interval_h"): 12,      # T5.2 「每12 h 1次」
    ("icans_g2_with_crs", "icu_if_crs_grade_at_least"): 2,         # T5.2 「若并发≥2级CRS」
    ("cns_disease_prophylaxis", "levetiracetam_mg"): 750,          # P13 「750 mg」
    ("cns_disease_prophylaxis", "interval_h"): 12,                 # P13 「每12 h 1次」
    ("apheresis_collection_target", "collection_min_1e6_per_kg"): 60,   # P10 「(60~600)×10⁶/kg」
    ("apheresis_collection_target", "collection_max_1e6_per_kg"): 600,  # P10
    ("apheresis_hgb_plt", "hgb_min_g_l"): 80,                      # P10 「HGB>80 g/L」
    ("apheresis_hgb_plt", "plt_min_10e9_l"): 50,                   # P10 「PLT>50×10⁹/L」
    ("apheresis_lymphocytes", "alc_min_per_ul"): 500,              # P10 「>500/μl」
    ("apheresis_lymphocytes", "cd3_min_per_ul"): 150,              # P10 「CD3+淋巴细胞>150/μl」
    ("elig_performance_status", "kps_min"): 50,                    # P4 「KPS≥50分」
    ("elig_performance_status", "ecog_max"): 2,                    # P4 「ECOG评分≤2分」
    ("elig_lvef", "lvef_min_pct"): 50,                             # P4 「LVEF≥50%」
    ("elig_lvef_cardiac_risk", "lvef_bb2121_min_pct"): 45,         # P9 「LVEF≥45%」
    ("elig_transaminases", "x_uln_max"): 3,                        # P4 「<3倍正常范围上限」
    ("elig_bilirubin", "bilirubin_max_g_l"): 0.2,                  # P4 「总胆红素<0.2 g/L」
    ("elig_bilirubin", "usual_limit_umol_l"): 34.2,                # note: 2 mg/dL = 34.2 µmol/L
    ("elig_spo2", "spo2_min_pct"): 92,                             # P4 「≥92%」
    ("elig_life_expectancy", "life_expectancy_min_weeks"): 12,     # P4 「>12周」
    ("washout_8_weeks", "weeks"): 8,                               # P11 「8周内」
    ("washout_2_weeks", "weeks"): 2,                               # P11 「2周内」
    ("washout_1_week", "weeks"): 1,                                # P11 「1周内」
    ("washout_72_hours", "hours"): 72,                             # P11 「72 h内」
    ("followup_schedule", "first_visit_day"): 14,                  # P22 「14 d」
    ("followup_schedule", "second_visit_day"): 28,                 # P22 「28 d」
    ("followup_schedule", "bimonthly_every_months"): 2,            # P22 「6~12个月每2个月」
    ("followup_schedule", "year2_every_months"): 3,                # P22 「第二年每3个月」
    ("followup_schedule", "year3_min_months"): 3,                  # P22 「每3~6个月」
    ("followup_schedule", "year3_max_months"): 6,                  # P22
    ("followup_extramedullary", "imaging_month"): 1,               # P22 「1个月后评估髓外病变」
    ("followup_extramedullary", "pet_ct_from_month"): 3,           # P22 「3个月后可考虑PET-CT」
    ("ivig_replacement", "monitor_months"): 3,                     # P18 「3个月内应每月监测」
    ("ivig_replacement", "replace_below_g_l"): 4,                  # P18 「IgG<4 g/L」
    ("ivig_replacement", "replace_with_infection_max_g_l"): 6,     # P18 「4~6 g/L且并发感染」
    ("antibacterial_antifungal_pjp_prophylaxis", "pjp_min_months"): 3,  # P17 「至少3个月」
    ("overview_first_bcma_report", "first_report_year"): 2016,     # P1 「2016年」
}


def _content_number(rec_id: str, key: str):
    rec = content.recommendation(rec_id)
    return rec.values[key] if key in rec.values else rec.note_value(key)


@pytest.mark.parametrize(("rec_id", "key"), list(CONTENT_LITERALS), ids=[f"{r}.{k}" for r, k in CONTENT_LITERALS])
def test_content_number_is_the_printed_literal(rec_id, key):
    assert _content_number(rec_id, key) == CONTENT_LITERALS[(rec_id, key)]


def _keys_logic_reads() -> tuple[set[tuple[str, str]], set[str]]:
    """(rec, key) pairs named literally in logic/, and keys read through a variable recommendation."""
    pairs, keys = set(), set()
    for path in sorted((ROOT / "logic").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name not in ("value", "note_value", "_note"):
                continue
            found = [c.value for c in ast.walk(node.args[-1]) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            first = node.args[0]
            if name == "value" and len(node.args) == 2 and isinstance(first, ast.Constant):
                pairs |= {(first.value, k) for k in found}
            elif not isinstance(node.args[-1], ast.JoinedStr):  # f"{drug}_dose": Table 2, pinned below
                keys |= set(found)
    return pairs, keys


def test_every_number_logic_reads_from_content_has_a_literal_here():
    pairs, keys = _keys_logic_reads()
    assert pairs - set(CONTENT_LITERALS) == set(), "pin these in CONTENT_LITERALS"
    assert keys - {k for _, k in CONTENT_LITERALS} - {"product"} == set(), "pin these in CONTENT_LITERALS"


# --- CRS: ASTCT 2019 (Table 3 of the consensus) ---------------------------------------------------

def crs_grade(temp=None, hypotension=None, hypoxia=None, masked=False):
    g = crs.grade_crs(crs.CRSFindings(max_temp_c=temp, hypotension=hypotension, hypoxia=hypoxia,
                                      fever_before_masking=masked))
    return g.grade, g.at_least


@pytest.mark.parametrize(("temp", "hypotension", "hypoxia", "expected"), [
    P(38.0, "none", "none", (1, False), id="ASTCT2019 G1: fever >=38.0 C alone"),
    P(37.99, "none", "none", (0, False), id="ASTCT2019: 37.99 C is no fever -> no CRS"),
    P(37.99, "one_vasopressor", "high_flow", (0, False), id="ASTCT2019: no fever, no CRS whatever the organs"),
    P(38.0, "no_vasopressor", "none", (2, False), id="ASTCT2019 G2: hypotension not requiring vasopressors"),
    P(38.0, "none", "low_flow", (2, False), id="ASTCT2019 G2: low-flow nasal cannula <=6 L/min"),
    P(38.0, "one_vasopressor", "none", (3, False), id="ASTCT2019 G3: one vasopressor with or without vasopressin"),
    P(38.0, "none", "high_flow", (3, False), id="ASTCT2019 G3: high-flow >6 L/min, facemask, Venturi"),
    P(38.0, "multiple_vasopressors", "none", (4, False), id="ASTCT2019 G4: multiple vasopressors (not vasopressin)"),
    P(38.0, "none", "positive_pressure", (4, False), id="ASTCT2019 G4: CPAP, BiPAP, intubation"),
    P(39.5, "no_vasopressor", "high_flow", (3, False), id="ASTCT2019: the more severe of hypotension and hypoxia"),
    P(40.1, "multiple_vasopressors", "low_flow", (4, False), id="ASTCT2019: G4 hypotension beats G2 hypoxia"),
    P(38.0, None, None, (1, True), id="P14 fever, organs not assessed: at least G1"),
    P(38.0, "one_vasopressor", None, (3, True), id="P14 hypoxia not assessed: at least G3"),
    P(38.0, None, "positive_pressure", (4, False), id="P14 G4 is final"),
    P(None, "one_vasopressor", "none", (0, True), id="P14 temperature not assessed: at least G0"),
])
def test_crs_grade_astct2019(temp, hypotension, hypoxia, expected):
    assert crs_grade(temp, hypotension, hypoxia) == expected


def test_crs_masked_fever_counts_astct2019():
    # ASTCT 2019: fever masked by antipyretics or anti-cytokine therapy still counts.
    assert crs_grade(37.0, "none", "low_flow", masked=True) == (2, False)
    assert crs_grade(None, "none", "none", masked=True) == (1, False)


@pytest.mark.parametrize(("temp", "fever"), [
    P(37.99, "absent", id="P14 37.99 C below 38"), P(38.0, "present", id="P14 38.0 C fever"),
    P(38.01, "present", id="P14 38.01 C fever"), P(None, "not_assessed", id="P14 not assessed"),
])
def test_crs_fever_edge(temp, fever):
    assert crs.assess_crs(crs.CRSFindings(max_temp_c=temp)).fever == fever


@pytest.mark.parametrize(("grade", "tocilizumab", "dexamethasone", "methylprednisolone"), [
    P(0, "not_listed", False, False, id="T4 no CRS"),
    P(1, "not_listed", False, False, id="T4.1 grade 1 supportive only"),
    P(2, "elderly_or_comorbid", False, False, id="T4.2 tocilizumab for the elderly or comorbid"),
    P(3, "listed", True, False, id="T4.3 tocilizumab, dexamethasone 10 mg q6h"),
    P(4, "listed", False, True, id="T4.4 tocilizumab, methylprednisolone 1 g/d"),
])
def test_crs_management_table4(grade, tocilizumab, dexamethasone, methylprednisolone):
    m = crs.crs_management(grade)
    assert (m.tocilizumab, m.dexamethasone, m.methylprednisolone_high_dose) == (
        tocilizumab, dexamethasone, methylprednisolone)


@pytest.mark.parametrize(("hours", "improved", "alert"), [
    P(11.99, False, False, id="P15 11 h 59 min: not yet"), P(12, False, True, id="P15 12 h without improvement"),
    P(30, False, True, id="P15 30 h"), P(12, True, False, id="P15 improved: no alert"),
])
def test_hlh_mas_alert_after_12_h_p15(hours, improved, alert):
    start = datetime(2026, 3, 1, 8, 0)
    s = crs.crs_escalation_status(start, start + timedelta(hours=hours), improved)
    assert s.alert is alert and s.alert_from == datetime(2026, 3, 1, 20, 0) and s.threshold_h == 12


# --- ICANS: ASTCT 2019 -----------------------------------------------------------------------------

ICE_TO_GRADE = {10: 0, 9: 1, 8: 1, 7: 1, 6: 2, 5: 2, 4: 2, 3: 2, 2: 3, 1: 3, 0: 3}  # ASTCT 2019 ICANS table


@pytest.mark.parametrize("score", range(11), ids=[f"ASTCT2019 ICE {s}" for s in range(11)])
def test_ice_band_astct2019(score):
    assert icans.ice_grade(score) == ICE_TO_GRADE[score]
    assert icans.grade_icans(icans.ICANSFindings(ice_score=score, consciousness="normal", seizure="none",
                                                 motor_weakness="none", cerebral_edema="none")).grade == ICE_TO_GRADE[score]


@pytest.mark.parametrize(("domain", "level", "grade"), [
    P("consciousness", "awakens_spontaneously", 1, id="ASTCT2019 LOC awakens spontaneously G1"),
    P("consciousness", "awakens_to_voice", 2, id="ASTCT2019 LOC awakens to voice G2"),
    P("consciousness", "awakens_to_touch", 3, id="ASTCT2019 LOC awakens only to tactile stimulus G3"),
    P("consciousness", "unarousable", 4, id="ASTCT2019 LOC unarousable G4"),
    P("seizure", "resolved_rapidly", 3, id="ASTCT2019 seizure resolving rapidly G3"),
    P("seizure", "prolonged_or_repetitive", 4, id="ASTCT2019 seizure >5 min or repetitive G4"),
    P("motor_weakness", "deep_focal", 4, id="ASTCT2019 deep focal motor weakness G4"),
    P("cerebral_edema", "focal", 3, id="ASTCT2019 focal oedema G3"),
    P("cerebral_edema", "diffuse", 4, id="ASTCT2019 diffuse oedema G4"),
])
def test_icans_domain_astct2019(domain, level, grade):
    normal = {"ice_score": 10, "consciousness": "normal", "seizure": "none", "motor_weakness": "none",
              "cerebral_edema": "none"}
    g = icans.grade_icans(icans.ICANSFindings(**{**normal, domain: level}))
    assert (g.grade, g.at_least, g.drivers) == (grade, False, [domain])


# (ICE, consciousness, seizure, motor, oedema) -> grade: the worst domain (ASTCT 2019), by hand.
WORST_DOMAIN = [
    P(8, "awakens_to_voice", "none", "none", "none", 2, id="ASTCT2019 ICE 8 (G1) + voice (G2) -> 2"),
    P(5, "awakens_spontaneously", "none", "none", "none", 2, id="ASTCT2019 ICE 5 (G2) + spontaneous (G1) -> 2"),
    P(7, "normal", "resolved_rapidly", "none", "none", 3, id="ASTCT2019 ICE 7 (G1) + seizure resolved (G3) -> 3"),
    P(2, "awakens_to_voice", "none", "none", "none", 3, id="ASTCT2019 ICE 2 (G3) + voice (G2) -> 3"),
    P(3, "normal", "none", "none", "focal", 3, id="ASTCT2019 ICE 3 (G2) + focal oedema (G3) -> 3"),
    P(6, "normal", "none", "deep_focal", "none", 4, id="ASTCT2019 ICE 6 (G2) + hemiparesis (G4) -> 4"),
    P(9, "awakens_to_touch", "prolonged_or_repetitive", "none", "focal", 4, id="ASTCT2019 status (G4) -> 4"),
    P(0, "unarousable", "none", "none", "none", 4, id="ASTCT2019 ICE 0 unarousable -> 4"),
    P(10, "normal", "none", "none", "diffuse", 4, id="ASTCT2019 diffuse oedema alone -> 4"),
    P(10, "normal", "none", "none", "none", 0, id="ASTCT2019 all normal -> 0"),
]


@pytest.mark.parametrize(("ice", "c", "s", "m", "e", "grade"), WORST_DOMAIN)
def test_icans_worst_domain_astct2019(ice, c, s, m, e, grade):
    g = icans.grade_icans(icans.ICANSFindings(ice_score=ice, consciousness=c, seizure=s, motor_weakness=m,
                                              cerebral_edema=e))
    assert (g.grade, g.at_least) == (grade, False)


def test_ice_items_astct2019():
    # Orientation 4 (year, month, city, hospital), naming 3, commands 1, writing 1, attention 1 = 10.
    assert icans.ice_score(icans.ICEItems(orientation=4, naming=3, command=1, writing=1, attention=1)) == 10
    assert icans.ice_score(icans.ICEItems(orientation=2, naming=1, command=0, writing=0, attention=0)) == 3
    with pytest.raises(ValidationError):
        icans.ICEItems(orientation=5, naming=3, command=1, writing=1, attention=1)
    with pytest.raises(ValidationError):
        icans.ICEItems(orientation=4, naming=4, command=1, writing=1, attention=1)
    # Items not yet tested: orientation 2 + naming 0 so far, 3 items open (at most 3 more) -> 2..5.
    assert icans.ice_range(icans.ICEPartial(orientation=2, naming=0)) == (2, 5)


@pytest.mark.parametrize(("ice", "grade", "at_least"), [
    P(None, 0, True, id="ASTCT2019 nothing assessed: at least 0"),
    P(8, 1, True, id="ASTCT2019 only ICE 8: at least 1"),
])
def test_icans_unassessed_domains_give_at_least(ice, grade, at_least):
    g = icans.grade_icans(icans.ICANSFindings(ice_score=ice))
    assert (g.grade, g.at_least) == (grade, at_least)


def test_icans_grade_3_from_consciousness_with_only_ice_missing_is_final():
    # ASTCT 2019: an unassessed ICE can set grade 3 at most (ICE 0-2), so a G3 from another domain is final.
    g = icans.grade_icans(icans.ICANSFindings(consciousness="awakens_to_touch", seizure="none",
                                              motor_weakness="none", cerebral_edema="none"))
    assert (g.grade, g.at_least) == (3, False)


@pytest.mark.parametrize(("icans_g", "crs_g", "icu", "steroid", "tocilizumab", "imaging", "status_epilepticus"), [
    P(1, 0, "none", "none", False, False, False, id="T5.1 G1 without CRS: supportive"),
    P(1, 1, "none", "none", True, False, False, id="T5.1 G1 with CRS: tocilizumab 8 mg/kg"),
    P(2, 0, "none", "dexamethasone_or_methylprednisolone", False, False, False, id="T5.2 G2: dex 10 mg q6h or MP 1 mg/kg"),
    P(2, 1, "none", "dexamethasone_or_methylprednisolone", True, False, False, id="T5.2 G2 with CRS 1: no ICU"),
    P(2, 2, "consider", "dexamethasone_or_methylprednisolone", True, False, False, id="T5.2 G2 with CRS>=2: ICU"),
    P(3, 0, "advised", "dexamethasone_or_methylprednisolone", False, True, False, id="T5.3 G3: ICU, imaging q2-3d"),
    P(3, 3, "advised", "dexamethasone_or_methylprednisolone", True, True, False, id="T5.3 G3 with CRS: tocilizumab"),
    P(4, 0, "icu_care_ventilation_advised", "methylprednisolone_high_dose", False, True, True, id="T5.4 G4: MP 1 g/d"),
    P(4, 2, "icu_care_ventilation_advised", "methylprednisolone_high_dose", False, True, True,
      id="T5.4 G4 with CRS: no tocilizumab printed"),
])
def test_icans_plan_table5(icans_g, crs_g, icu, steroid, tocilizumab, imaging, status_epilepticus):
    p = icans.icans_plan(icans_g, crs_g)
    assert (p.icu, p.steroid, p.tocilizumab, p.neuroimaging_every_2_3_days_while_ge3,
            p.status_epilepticus_per_guideline) == (icu, steroid, tocilizumab, imaging, status_epilepticus)


# --- doses -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kg", "mg", "capped", "ml"), [
    P(72, 576, False, 28.8, id="T4.note 8 mg/kg x 72 kg = 576 mg (28.8 mL of 20 mg/mL)"),
    P(57, 456, False, 22.8, id="T4.note 8 x 57 = 456 mg"),
    P(99.9, 799, False, 40.0, id="T4.note 8 x 99.9 = 799.2 -> 799 mg, below the cap"),
    P(100, 800, False, 40.0, id="T4.note 8 x 100 = 800 mg, exactly the cap"),
    P(100.1, 800, True, 40.0, id="T4.note 8 x 100.1 = 800.8 -> capped at 800 mg"),
    P(150, 800, True, 40.0, id="T4.note 8 x 150 = 1200 -> 800 mg"),
    P(30, 240, False, 12.0, id="T4.note adult minimum 30 kg: 240 mg"),
    P(62.5625, 501, False, 25.1, id="T4.note 500.5 mg rounds half up to 501"),
])
def test_tocilizumab_dose_t4_note(kg, mg, capped, ml):
    c = dosing.tocilizumab(kg)
    assert (c.dose.amount, c.dose.capped, c.volume_ml, c.cap) == (mg, capped, ml, 800)
    assert c.infusion_min_h == 1 and c.dose.route == "IV"


T0 = datetime(2026, 3, 1, 0, 0)


def h(x: float) -> datetime:
    return T0 + timedelta(hours=x)


@pytest.mark.parametrize(("given", "now", "allowed", "earliest"), [
    P([], 0, True, 0, id="T4.note first dose now"),
    P([0], 7.99, False, 8, id="T4.note 7 h 59 min after: wait for 8 h"),
    P([0], 8, True, 8, id="T4.note 8 h after the last: allowed"),
    P([0, 8], 16, True, 16, id="T4.note third dose at 16 h"),
    P([0, 8, 16], 23.99, False, 24, id="label 3 in 24 h: the 4th waits until 24 h after the 1st"),
    P([0, 8, 16], 24, True, 24, id="label 3 in 24 h: 4th at 24 h"),
    P([0, 8, 20], 28, True, 28, id="label 3 in 24 h: 24 h after the first of the last 3 (0) vs 8 h after 20"),
    P([0, 2, 4], 16, False, 24, id="label: 3 doses in 4 h (ignoring 8 h) still bind 24 h after the 1st"),
    P([0, 8, 16, 24], 100, False, None, id="T4.note at most 4 doses in total"),
])
def test_tocilizumab_course_t4_note(given, now, allowed, earliest):
    c = dosing.tocilizumab_next([h(x) for x in given], h(now))
    assert c.allowed is allowed
    assert c.earliest == (None if earliest is None else h(earliest))


def test_steroids_and_levetiracetam_t4_t5_p13():
    assert (dosing.dexamethasone_dose().amount, dosing.dexamethasone_dose().frequency) == (10, "q6h")
    assert (dosing.dexamethasone_dose(refractory=True).amount, dosing.dexamethasone_dose(True).frequency) == (20, "q6h")
    mp = dosing.methylprednisolone_dose(72)
    assert (mp.amount, mp.frequency, mp.route) == (72, "q12h", "IV")  # T5.2 1 mg/kg q12h
    assert dosing.methylprednisolone_dose(62.5).amount == 63  # half up
    hd = dosing.methylprednisolone_dose(None, high_dose=True)
    assert (hd.amount, hd.frequency) == (1000, "daily")  # T4.4 / T5.4 1 g/d
    lev = dosing.levetiracetam_dose()
    assert (lev.amount, lev.frequency, lev.route) == (750, "q12h", "PO")  # P13
    with pytest.raises(ValidationError):
        dosing.methylprednisolone_dose(None)


@pytest.mark.parametrize(("height", "weight", "formula", "bsa"), [
    P(180, 80, "mosteller", 2.0, id="Mosteller NEJM 1987: sqrt(180 x 80 / 3600) = 2.00"),
    P(170, 70, "mosteller", 1.8181, id="Mosteller: sqrt(170 x 70 / 3600) = 1.8181"),
    P(160, 90, "mosteller", 2.0, id="Mosteller: sqrt(160 x 90 / 3600) = 2.00"),
    P(170, 70, "dubois", 1.8097, id="Du Bois 1916: 0.007184 x 170^0.725 x 70^0.425 = 1.8097"),
])
def test_body_surface_area_published_formulas(height, weight, formula, bsa):
    assert dosing.body_surface_area(height, weight, formula) == pytest.approx(bsa, abs=5e-5)


# Table 2 at 170 cm / 70 kg (Mosteller 1.8181 -> 1.82 m²), worked by hand: (drug, day) -> mg.
TABLE2_170_70 = {
    "CARTITUDE-1": {("fludarabine", d): 55 for d in (-5, -4, -3)}  # 30 x 1.82 = 54.6
    | {("cyclophosphamide", d): 546 for d in (-5, -4, -3)},        # 300 x 1.82
    "LCAR-B38M": {("cyclophosphamide", d): 546 for d in (-5, -4, -3)},  # no fludarabine (无)
    "CT103A": {("fludarabine", d): 46 for d in (-4, -3, -2)}        # 25 x 1.82 = 45.5 -> 46
    | {("cyclophosphamide", d): 1400 for d in (-4, -3, -2)},       # 20 mg/kg x 70 kg
    "anti-BCMA/anti-CD19": {("fludarabine", d): 55 for d in (-5, -4, -3)}
    | {("cyclophosphamide", -5): 1365},                            # 750 x 1.82, day -5 only
    "Tandem CAR T(BCMA-CD38)": {("fludarabine", d): 46 for d in (-5, -4, -3)}
    | {("cyclophosphamide", d): 455 for d in (-5, -4, -3)},        # 250 x 1.82
}


@pytest.mark.parametrize("product", list(TABLE2_170_70), ids=[f"T2 {p} 170 cm 70 kg" for p in TABLE2_170_70])
def test_lymphodepletion_table2_by_hand(product):
    plan = dosing.lymphodepletion_plan(product, 170, 70)
    assert plan.bsa_m2 == 1.82
    assert {(d.drug, d.day): d.amount_mg for d in plan.doses} == TABLE2_170_70[product]
    assert plan.days[-1] == 0 and plan.no_fludarabine is (product == "LCAR-B38M")


def test_lymphodepletion_multiplier_is_bsa_or_weight_by_hand():
    # CT103A: fludarabine per m² (x 1.82), cyclophosphamide per kg (x 70 kg).
    doses = dosing.lymphodepletion_plan("CT103A", 170, 70).doses
    assert {(d.drug, d.multiplier) for d in doses} == {("fludarabine", 1.82), ("cyclophosphamide", 70)}
    assert {d.unrounded_mg for d in doses} == {45.5, 1400}


@pytest.mark.parametrize(("age", "kg", "sex", "cr", "unit", "ml_min"), [
    P(60, 72, "male", 1.0, "mg/dL", 80.0, id="Cockcroft-Gault 1976: (140-60) x 72 / (72 x 1.0) = 80"),
    P(60, 72, "female", 1.0, "mg/dL", 68.0, id="Cockcroft-Gault x 0.85 for women = 68"),
    P(60, 72, "male", 88.4, "umol/L", 80.0, id="Cockcroft-Gault 88.4 umol/L = 1 mg/dL"),
    P(40, 60, "male", 2.0, "mg/dL", 41.6667, id="Cockcroft-Gault (100 x 60) / 144 = 41.67"),
])
def test_creatinine_clearance_cockcroft_gault(age, kg, sex, cr, unit, ml_min):
    assert dosing.creatinine_clearance(age, kg, sex, cr, unit) == pytest.approx(ml_min, abs=1e-3)


def test_collection_target_p10():
    t = dosing.collection_target(70)
    assert (t.total_low_1e6, t.total_high_1e6) == (4200, 42000)  # (60~600)x10⁶/kg x 70 kg
    assert (elig.collection_target().min_1e6_per_kg, elig.collection_target().max_1e6_per_kg) == (60, 600)


# --- eligibility (P4, P9, P10) ----------------------------------------------------------------

def item(field: str, value, item_id: str | None = None) -> str:
    report = elig.evaluate(elig.Baseline(**{field: value}))
    return next(i.status for i in report.items if i.id == (item_id or field))


@pytest.mark.parametrize(("field", "value", "item_id", "status"), [
    P("kps", 50, "performance_status", "met", id="P4 KPS 50 (>=50) met"),
    P("kps", 40, "performance_status", "caution", id="P4/P9 KPS 40: not absolute, caution"),
    P("ecog", 2, "performance_status", "met", id="P4 ECOG 2 (<=2) met"),
    P("ecog", 3, "performance_status", "caution", id="P4/P9 ECOG 3 caution"),
    P("lvef_pct", 50, "lvef", "met", id="P4 LVEF 50% met"),
    P("lvef_pct", 49.9, "lvef", "caution", id="P9 LVEF 49.9% (>=45 bb2121) caution"),
    P("lvef_pct", 45, "lvef", "caution", id="P9 LVEF 45% caution"),
    P("lvef_pct", 44.9, "lvef", "not_met", id="P9 LVEF 44.9% not met"),
    P("alt_x_uln", 2.99, "alt", "met", id="P4 ALT 2.99 x ULN (<3) met"),
    P("alt_x_uln", 3, "alt", "not_met", id="P4 ALT 3 x ULN not met"),
    P("ast_x_uln", 3.01, "ast", "not_met", id="P4 AST 3.01 x ULN not met"),
    P("spo2_pct", 92, "spo2", "met", id="P4 SpO2 92% (>=92) met"),
    P("spo2_pct", 91.9, "spo2", "not_met", id="P4 SpO2 91.9% not met"),
    P("life_expectancy_weeks", 12, "life_expectancy", "not_met", id="P4 12 weeks (>12) not met"),
    P("life_expectancy_weeks", 12.1, "life_expectancy", "met", id="P4 12.1 weeks met"),
    P("active_infection", True, "active_infection", "not_met", id="P4 active infection excludes"),
    P("active_infection", False, "active_infection", "met", id="P4 no active infection"),
    P("renal_impairment", True, "renal_impairment", "met", id="P5 renal impairment no contraindication"),
    P("cns_disease", True, "cns_disease", "caution", id="P13 CNS disease: caution, levetiracetam"),
    P("cardiac_amyloidosis", True, "cardiac_amyloidosis", "caution", id="P9 cardiac amyloidosis caution"),
    P("pregnant_or_lactating", True, "pregnant_or_lactating", "not_met", id="P5 pregnancy excludes"),
    P("kps", None, "performance_status", "unknown", id="never guess: KPS not assessed"),
])
def test_eligibility_threshold_p4(field, value, item_id, status):
    assert item(field, value, item_id) == status


@pytest.mark.parametrize(("value", "unit", "status"), [
    P(342, "umol/L", "not_met", id="P4 bilirubin 0.2 g/L = 342 umol/L: not met"),
    P(0.2, "g/L", "not_met", id="P4 bilirubin 0.2 g/L as printed: not met"),
    # Review M5: above the usual 34.2 umol/L (2 mg/dL) and below the printed 342, P4 ② 「具有良好的…肝功能」
    # is not met by the app's reading (the printed limit is not guessed at), so never "no exclusion".
    P(341.9, "umol/L", "not_met", id="RN17/M5 below 342, above the usual 34.2: not met by the app's reading"),
    P(34.3, "umol/L", "not_met", id="RN17/M5 34.3 umol/L: not met by the app's reading"),
    P(34.2, "umol/L", "met", id="RN17 34.2 umol/L (2 mg/dL) met"),
    P(2.0, "mg/dL", "met", id="RN17 2.0 mg/dL = 34.2 umol/L met"),
    P(2.1, "mg/dL", "not_met", id="RN17/M5 2.1 mg/dL: not met by the app's reading"),
])
def test_bilirubin_p4_and_reading_note_17(value, unit, status):
    report = elig.evaluate(elig.Baseline(bilirubin=value, bilirubin_unit=unit))
    assert next(i.status for i in report.items if i.id == "bilirubin") == status
    if status == "not_met":  # M5: never "needs review: no exclusion"
        assert report.verdict == "not_eligible"


@pytest.mark.parametrize(("labs", "hgb", "plt", "lymphocytes"), [
    P({"hgb_g_l": 80, "plt_10e9_l": 50, "alc_per_ul": 500, "cd3_per_ul": 150}, "not_met", "not_met", "not_met",
      id="P10 HGB 80, PLT 50, ALC 500, CD3 150: all at the limit, none above"),
    P({"hgb_g_l": 80.1, "plt_10e9_l": 51, "alc_per_ul": 501, "cd3_per_ul": 150}, "met", "met", "met",
      id="P10 just above each: ALC 501 suffices"),
    P({"alc_per_ul": 400, "cd3_per_ul": 151}, "unknown", "unknown", "met", id="P10 CD3 151 alone suffices"),
    P({"alc_per_ul": 500}, "unknown", "unknown", "unknown", id="P10 ALC 500 with CD3 unknown: unknown"),
    P({"hgb_g_l": 70, "plt_10e9_l": 40, "cytopenia_from_progression": True}, "caution", "caution", "unknown",
      id="P10 cytopenia from progression: not absolute"),
])
def test_apheresis_p10(labs, hgb, plt, lymphocytes):
    got = {i.id: i.status for i in elig.apheresis_check(elig.ApheresisLabs(**labs))}
    assert got == {"hgb": hgb, "plt": plt, "lymphocytes": lymphocytes}


def test_verdict_order():
    def ci(status):
        return elig.CriterionResult(id="x", status=status, message="", recommendation_id="elig_lvef")
    assert elig.verdict([ci("met"), ci("caution"), ci("unknown"), ci("not_met")]) == "not_eligible"
    assert elig.verdict([ci("met"), ci("caution"), ci("unknown")]) == "incomplete"
    assert elig.verdict([ci("met"), ci("caution")]) == "needs_review"
    assert elig.verdict([ci("met")]) == "eligible"


# --- washout (P11): every window, one minute either side ---------------------------------------

LAST = datetime(2026, 3, 1, 12, 0)
WASHOUT_CLEAR = {  # P11, by hand from 2026-03-01 12:00
    "anti_t_cell_antibody": datetime(2026, 4, 26, 12, 0),      # 8 weeks
    "donor_lymphocyte_infusion": datetime(2026, 4, 26, 12, 0),  # 8 weeks
    "cns_radiotherapy": datetime(2026, 4, 26, 12, 0),           # 8 weeks
    "combination_chemotherapy": datetime(2026, 3, 15, 12, 0),   # 2 weeks
    "lenalidomide": datetime(2026, 3, 15, 12, 0),               # 2 weeks
    "bortezomib": datetime(2026, 3, 15, 12, 0),                 # 2 weeks
    "vincristine": datetime(2026, 3, 8, 12, 0),                 # 1 week
    "therapeutic_corticosteroids": datetime(2026, 3, 4, 12, 0),  # 72 h
}
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(("key", "offset", "status"), [
    P(k, off, st, id=f"P11 {k} {label}")
    for k in WASHOUT_CLEAR for off, st, label in ((-MINUTE, "not_met", "-1 min"), (timedelta(0), "met", "at the end"),
                                                   (MINUTE, "met", "+1 min"))
])
def test_washout_window_p11(key, offset, status):
    w = elig.earliest_apheresis({key: LAST}, now=WASHOUT_CLEAR[key] + offset)
    assert w.earliest == WASHOUT_CLEAR[key] and w.binding == key
    assert [i.status for i in w.items] == [status]


def test_washout_latest_window_binds_p11():
    exposures = {"therapeutic_corticosteroids": datetime(2026, 3, 20, 9, 0), "lenalidomide": datetime(2026, 3, 10, 9, 0),
                 "vincristine": datetime(2026, 3, 16, 9, 0)}
    # 72 h -> 03-23 09:00; 2 weeks -> 03-24 09:00; 1 week -> 03-23 09:00: lenalidomide binds.
    w = elig.earliest_apheresis(exposures, now=datetime(2026, 3, 21, 9, 0))
    assert (w.earliest, w.binding) == (datetime(2026, 3, 24, 9, 0), "lenalidomide")
    planned = elig.earliest_apheresis(exposures, now=datetime(2026, 3, 21), planned=datetime(2026, 3, 23, 9, 0))
    assert {i.id: i.status for i in planned.items} == {"lenalidomide": "not_met", "vincristine": "met",
                                                       "therapeutic_corticosteroids": "met"}


def test_washout_a_bare_date_counts_from_the_end_of_that_day_p11():
    # Dexamethasone "on 1 March", no time: 72 h from 2 March 00:00 = 5 March 00:00.
    w = elig.earliest_apheresis({"therapeutic_corticosteroids": date(2026, 3, 1)}, now=datetime(2026, 3, 10, 8, 0))
    assert w.earliest == datetime(2026, 3, 5, 0, 0)


# --- relapse (P21) -----------------------------------------------------------------------------

BCMA_PRODUCTS = {"humanized_or_fully_human_bcma", "dual_target", "gamma_secretase_inhibitor"}  # P21 ①②: BCMA


def offered(**ctx) -> list[str]:
    return [o.id for o in relapse.relapse_options(relapse.RelapseContext(**ctx))]


GUIDELINE = ["clinical_trial", "previously_sensitive_drugs", "new_drugs_or_combinations"]  # P21 (2022 MM guideline)


@pytest.mark.parametrize(("ctx", "expected"), [
    P(dict(antigen="positive", prior_car_origin="murine", other_targets=[], other_targets_assessed=True,
           persistence="adequate", prior_costimulatory_domain="4-1BB"),
      [*GUIDELINE, "humanized_or_fully_human_bcma", "dual_target", "different_costimulatory_domain"],
      id="P21-1 antigen+, after murine: humanized/fully human BCMA, dual target; P21-4 other costim"),
    P(dict(antigen="positive", prior_car_origin="humanized", other_targets=["GPRC5D"], persistence="adequate",
           prior_costimulatory_domain="CD28"),
      [*GUIDELINE, "humanized_or_fully_human_bcma", "dual_target", "other_target", "different_costimulatory_domain"],
      id="P21-1 antigen+, after humanized: the murine case is an example (m4), switch still offered; another detectable target"),
    P(dict(antigen="low", other_targets=[], other_targets_assessed=True, persistence="adequate",
           prior_costimulatory_domain="4-1BB"),
      [*GUIDELINE, "gamma_secretase_inhibitor", "different_costimulatory_domain"],
      id="P21-2 reduced expression: add a gamma-secretase inhibitor"),
    P(dict(antigen="negative", other_targets=["GPRC5D", "CD38"], persistence="adequate",
           prior_costimulatory_domain="4-1BB"),
      [*GUIDELINE, "other_target", "different_costimulatory_domain"],
      id="P21-3 antigen-negative: ONLY another detectable target"),
    P(dict(antigen="negative", other_targets=[], other_targets_assessed=True, persistence="adequate"),
      GUIDELINE, id="P21-3 antigen-negative, no other target detected: no second CAR-T"),
    P(dict(antigen="unknown", other_targets=[], other_targets_assessed=True, persistence="adequate"),
      GUIDELINE, id="P21 antigen unknown, no other target detectable: nothing CAR-directed"),
    P(dict(antigen="negative", other_targets=[], other_targets_assessed=True, persistence="poor"),
      [*GUIDELINE, "evaluate_t_cell_function"],
      id="P21-5 with P21-3 (M1): antigen-negative, no other target, poor persistence: assess T cells only"),
    P(dict(antigen="negative", other_targets=["GPRC5D"], persistence="poor", prior_costimulatory_domain="4-1BB"),
      [*GUIDELINE, "other_target", "different_costimulatory_domain", "evaluate_t_cell_function", "extend_washout",
       "allogeneic_car_t"],
      id="P21-5 poor persistence with another target: evaluate T cells, longer washout, non-autologous"),
])
def test_relapse_options_p21(ctx, expected):
    assert offered(**ctx) == expected


@pytest.mark.parametrize("antigen", ["negative"])
@pytest.mark.parametrize("origin", ["murine", "humanized", "fully_human", "unknown"])
@pytest.mark.parametrize("persistence", ["poor", "adequate", None])
def test_relapse_antigen_negative_never_gets_a_bcma_product_p21_3(antigen, origin, persistence):
    got = set(offered(antigen=antigen, prior_car_origin=origin, persistence=persistence, other_targets=["CD19"]))
    assert not got & BCMA_PRODUCTS and "other_target" in got


def test_relapse_other_target_names_the_detected_targets_p21_3():
    opt = next(o for o in relapse.relapse_options(relapse.RelapseContext(antigen="negative", other_targets=["CD38", "GPRC5D"]))
               if o.id == "other_target")
    assert opt.targets == ["GPRC5D", "CD38"] and opt.recommendation_id == "relapse_antigen_negative"


# --- follow-up (P22) and IgG (P18) --------------------------------------------------------------

# P22 「评估的指标包括M蛋白定量、血清蛋白电泳、免疫固定电泳及游离轻链检测、骨髓细胞学、MRD」 lists what to
# assess, not a marrow at each visit (review M2): the four blood tests at every visit, marrow
# cytology and MRD when indicated (the app's reading of P22).
P22_RESPONSE = ("m_protein", "serum_protein_electrophoresis", "immunofixation", "free_light_chains")
P22_WHEN_INDICATED = ("bone_marrow_cytology", "mrd")

# Infusion 2026-01-31 (short months test the calendar): P22 by hand, default year 3 every 3 months.
SCHEDULE_2026_01_31 = [
    ("Day 14", date(2026, 2, 14)), ("Day 28 (month 1)", date(2026, 2, 28)), ("Month 2", date(2026, 3, 31)),
    ("Month 3", date(2026, 4, 30)), ("Month 4", date(2026, 5, 31)), ("Month 5", date(2026, 6, 30)),
    ("Month 6", date(2026, 7, 31)), ("Month 8", date(2026, 9, 30)), ("Month 10", date(2026, 11, 30)),
    ("Month 12", date(2027, 1, 31)), ("Month 15", date(2027, 4, 30)), ("Month 18", date(2027, 7, 31)),
    ("Month 21", date(2027, 10, 31)), ("Month 24", date(2028, 1, 31)), ("Month 27", date(2028, 4, 30)),
    ("Month 30", date(2028, 7, 31)), ("Month 33", date(2028, 10, 31)), ("Month 36", date(2029, 1, 31)),
]


def test_schedule_p22_by_hand():
    visits = followup.schedule(date(2026, 1, 31), today=date(2026, 1, 31))
    assert [(v.label, v.date) for v in visits] == SCHEDULE_2026_01_31
    m27 = visits[14]
    assert (m27.earliest, m27.latest) == (date(2028, 4, 30), date(2028, 7, 31))  # 3-6 months after month 24


def test_every_visit_assesses_the_p22_list():
    for v in followup.schedule(date(2026, 1, 31), today=date(2026, 1, 31)):
        assert tuple(v.assessments[:4]) == P22_RESPONSE, v.label
        assert {"adverse_effects", "infection", "long_term_biosafety"} <= set(v.assessments)
        assert not set(P22_WHEN_INDICATED) & set(v.assessments), v.label  # M2: no marrow at every visit
        assert tuple(v.when_indicated) == P22_WHEN_INDICATED, v.label


def test_igg_monthly_for_3_months_and_pjp_for_at_least_3_p18_p17():
    visits = {v.label: v.assessments for v in followup.schedule(date(2026, 1, 31), today=date(2026, 1, 31))}
    assert [k for k, a in visits.items() if "igg" in a] == ["Day 28 (month 1)", "Month 2", "Month 3"]
    assert [k for k, a in visits.items() if "pjp_prophylaxis" in a] == ["Day 14", "Day 28 (month 1)", "Month 2"]
    assert [k for k, a in visits.items() if "pjp_review" in a] == ["Month 3"]
    assert followup.pjp_prophylaxis_until(date(2026, 1, 31)) == date(2026, 4, 30)


def test_extramedullary_imaging_p22():
    visits = {v.label: v.assessments for v in followup.schedule(date(2026, 1, 31), extramedullary=True,
                                                                 today=date(2026, 1, 31))}
    assert "emd_imaging" not in visits["Day 14"] and "emd_imaging_or_pet_ct" not in visits["Day 14"]
    assert "emd_imaging" in visits["Day 28 (month 1)"] and "emd_imaging" in visits["Month 2"]  # after 1 month
    assert "emd_imaging_or_pet_ct" in visits["Month 3"]  # PET-CT from 3 months


@pytest.mark.parametrize(("igg", "infection", "decision", "band"), [
    P(3.99, False, "replace", "below_4", id="P18 IgG 3.99 <4: replace"),
    P(4.0, False, "monitor", "4_to_6", id="P18 IgG 4.0, no infection: monitor"),
    P(4.01, False, "monitor", "4_to_6", id="P18 IgG 4.01, no infection: monitor"),
    P(3.99, True, "replace", "below_4", id="P18 IgG 3.99 with infection: replace"),
    P(4.0, True, "replace", "4_to_6", id="P18 IgG 4.0 with infection: replace"),
    P(5.99, True, "replace", "4_to_6", id="P18 IgG 5.99 with infection: replace"),
    P(6.0, True, "replace", "4_to_6", id="P18 note: IgG 6.0 with infection counts as 4-6"),
    P(6.01, True, "assess_further", "above_6", id="P18 IgG 6.01 (>6) with infection: assess IgG IgA IgM B cells"),
    P(6.01, False, "monitor", "above_6", id="P18 IgG 6.01 no infection: monitor"),
    P(0.0, False, "replace", "below_4", id="P18 IgG 0"),
])
def test_ivig_p18(igg, infection, decision, band):
    assert followup.ivig_decision(igg, infection) == decision
    a = followup.ivig_assessment(igg, infection)
    assert (a.decision, a.band) == (decision, band)


@pytest.mark.parametrize(("igg", "decision"), [
    P(3.99, "replace", id="P18 IgG 3.99, infection unknown: replace either way"),
    P(5.0, None, id="P18 IgG 5, infection unknown: incomplete"),
    P(6.01, None, id="P18 IgG 6.01, infection unknown: assess further or monitor, so incomplete"),
])
def test_ivig_infection_not_assessed(igg, decision):
    a = followup.ivig_assessment(igg, None)
    assert a.decision == decision and a.incomplete is (decision is None)


def test_ivig_6_01_infection_unknown_shows_both_branches_p18():
    a = followup.ivig_assessment(6.01, None)
    assert (a.if_infection, a.if_no_infection) == ("assess_further", "monitor")


# --- mutation survivors killed with literals (issue 18) -------------------------------------------

@pytest.mark.parametrize(("infusion", "until"), [
    P(date(2026, 1, 15), date(2026, 4, 15), id="consensus-P17-IgG-monthly-for-3-months"),
    P(date(2026, 1, 31), date(2026, 4, 30), id="consensus-P17-IgG-3-months-month-end"),
])
def test_igg_monitoring_lasts_three_months(infusion, until):
    # 「治疗后3个月内应每月监测」
    assert followup.igg_monitoring_until(infusion) == until


@pytest.mark.parametrize(("antigen", "ids"), [
    P("positive", ["relapse_antigen_positive", "dual_target_rationale", "relapse_second_car_t"],
      id="consensus-P19-antigen-positive-other-target-untested"),
    P("negative", ["relapse_antigen_negative", "dual_target_rationale", "relapse_second_car_t"],
      id="consensus-P19-antigen-negative-other-target-untested"),
])
def test_other_target_option_cites_the_dual_target_statement(antigen, ids):
    """Another target not yet tested: the option is conditional and rests on the antigen row, the
    dual-target statement and the second-CAR-T row."""
    opt = next(o for o in relapse.assess(relapse.RelapseContext(antigen=antigen)).options if o.id == "other_target")
    assert (opt.condition, opt.recommendation_ids) == ("if_other_target_detectable", ids)
