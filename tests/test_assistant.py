"""The assistant: conversation memory, refusals, dates, search, and its numbers equal the calculators'."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic import content, crs, dosing, followup, icans
from logic.assistant import MEMORY_KEYS, Answer, ask, retrieval
from logic.assistant.findings import extract

TODAY = date(2026, 4, 20)


def chat(*messages: str, context: dict | None = None) -> list[Answer]:
    """Play a conversation the way the home page does: each reply's context feeds the next."""
    ctx = dict(context or {"today": TODAY})
    out = []
    for m in messages:
        a = ask(m, ctx)
        out.append(a)
        ctx = {**a.context, "today": TODAY}
    return out


# --- conversation -------------------------------------------------------------------------

def test_missing_weight_is_asked_then_filled():
    first, second = chat("托珠单抗剂量", "72")
    assert first.missing == ["weight_kg"] and first.kind == "question"
    assert first.headline.startswith("患者体重是多少") and first.text.startswith(first.readback)
    assert second.intent == "tocilizumab_dose" and second.missing == []
    assert second.values["dose_mg"] == dosing.tocilizumab_dose(72).amount
    assert second.context["weight_kg"] == 72


def test_english_question_asks_in_english():
    a = ask("toci", {"today": TODAY})
    assert a.headline == "What is the patient's weight in kg?" and a.lang == "en"


def test_follow_up_drug_uses_the_remembered_weight():
    _, mp = chat("tocilizumab 70 kg", "and methylprednisolone?")
    assert mp.values == {"drug": "methylprednisolone", "amount": 70.0, "unit": "mg", "frequency": "q12h",
                         "route": "IV", "weight_kg": 70.0}
    assert "70 kg" in mp.text  # every dose reply repeats the weight
    assert "1 mg/kg" in mp.text  # and the rule


def test_lymphodepletion_asks_for_each_missing_value_in_turn():
    a, b, c = chat("CT103A", "160cm", "55kg")
    assert a.missing == ["height_cm", "weight_kg"]
    assert b.missing == ["weight_kg"]
    plan = dosing.lymphodepletion_plan("CT103A", 160, 55)
    assert c.values["bsa_m2"] == plan.bsa_m2 and c.values["regimen"] == "CT103A"


def test_two_weights_ask_which_then_the_answer_resolves_it():
    a, b = chat("toci 72kg 80kg", "80 kg")
    assert a.missing == ["weight_kg"] and "72 kg" in a.text and "80 kg" in a.text
    assert b.values["dose_mg"] == dosing.tocilizumab_dose(80).amount


def test_two_drugs_ask_which():
    a, b = chat("dex or MP?", "dex")
    assert a.missing == ["drug"]
    assert b.values["drug"] == "dexamethasone"


def test_a_later_weight_completes_a_grade_that_could_not_give_the_dose():
    a, b = chat("fever 39, on one pressor", "weight 80kg")
    assert a.intent == "crs_grade" and "tocilizumab_mg" not in a.values
    assert b.intent == "crs_grade" and b.values["tocilizumab_mg"] == dosing.tocilizumab_dose(80).amount


def test_a_new_topic_does_not_fill_the_waiting_question():
    a, b = chat("toci", "PJP prophylaxis how long?")
    assert a.missing == ["weight_kg"]
    assert b.intent == "search"
    assert b.recommendation_ids[0] == "antibacterial_antifungal_pjp_prophylaxis"


def test_followup_with_the_remembered_infusion_date():
    a, b = chat("1月10日回输", "下次随访")
    assert a.context["infusion"] == date(2026, 1, 10)
    visits = followup.schedule(date(2026, 1, 10), today=TODAY)
    where = followup.progress(visits, date(2026, 1, 10), TODAY)
    assert b.values["next_visit"] == where.next_visit.date.isoformat()
    assert b.values["day"] == where.day == 100


def test_memory_holds_only_the_patient_values_and_the_waiting_question():
    a = ask("toci 70 kg", {"today": TODAY})
    assert set(a.context) <= {*MEMORY_KEYS, "pending", "last", "tocilizumab_given", "crs_grade"}


# --- refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "fragment"), [
    pytest.param("toci 29.9 kg", "below 30 kg", id="tocilizumab_dosing adult range: 29.9 refused"),
    pytest.param("toci 301 kg", "above 300 kg", id="adult range: 301 refused"),
    pytest.param("toci 72000 kg", "grams", id="grams named"),
    pytest.param("托珠单抗 25kg", "超出本成人共识范围", id="zh refusal in Chinese"),
    pytest.param("temp 98.6", "°F", id="Fahrenheit without a unit named"),
    pytest.param("体温386度", "小数点", id="missing decimal point named"),
    pytest.param("ICE 11", "at most 10", id="ICE above 10"),
    pytest.param("IgG 70 g/L", "at most 60", id="IgG above 60"),
])
def test_out_of_range_values_are_refused_with_the_reason(text, fragment):
    a = ask(text, {"today": TODAY})
    assert a.kind == "refusal" and a.values == {}
    assert fragment in a.text, a.text


def test_refused_weight_keeps_the_question_and_a_good_weight_answers_it():
    bad, good = chat("toci 25 kg", "60")
    assert bad.missing == ["weight_kg"]
    assert good.values["dose_mg"] == dosing.tocilizumab_dose(60).amount


def test_edge_weights_are_accepted():
    assert ask("toci 30 kg", {"today": TODAY}).values["dose_mg"] == dosing.tocilizumab_dose(30).amount
    assert ask("toci 300 kg", {"today": TODAY}).values["dose_mg"] == 800


# --- dates --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "iso", "said"), [
    pytest.param("last bortezomib 2026-03-01", "2026-03-01", "read as 2026-03-01", id="ISO"),
    pytest.param("last bortezomib 01/03/2026", "2026-03-01", "read day first", id="ambiguous day/month said"),
    pytest.param("last bortezomib 13/03/2026", "2026-03-13", "cannot be a month", id="day first forced"),
    pytest.param("last bortezomib 03/13/2026", "2026-03-13", "month first", id="month first forced"),
    pytest.param("最后一次硼替佐米 3月1日", "2026-03-01", "未写年份", id="zh no year: year stated"),
    pytest.param("last bortezomib 1 March 2026", "2026-03-01", "read as 2026-03-01", id="month name"),
])
def test_dates_are_read_and_the_reading_is_stated(text, iso, said):
    a = ask(text, {"today": TODAY})
    assert a.intent == "washout"
    assert iso in a.text and said in a.text, a.text


def test_a_yearless_date_in_the_future_is_last_years():
    a = ask("最后一次硼替佐米 12月1日", {"today": TODAY})
    assert "2025-12-01" in a.text and a.values["earliest"] == "2025-12-16"  # from the end of 12-01


def test_invalid_date_is_not_invented():
    x = extract("last bortezomib 2026-02-30", TODAY)
    assert x.dates == [] and x.bad_dates == ["2026-02-30"]


# --- search ---------------------------------------------------------------------------------

def test_search_in_either_language_finds_the_same_entry():
    zh = ask("卡氏肺囊虫预防多久", {}).recommendation_ids
    en = ask("how long is PJP prophylaxis?", {}).recommendation_ids
    assert zh[0] == en[0] == "antibacterial_antifungal_pjp_prophylaxis"


@pytest.mark.parametrize("text", ["how do I bake bread", "今天天气怎么样", "capital of France", "高血压怎么治疗"])
def test_a_question_about_nothing_in_the_consensus_says_so(text):
    a = ask(text, {})
    assert a.intent == "search" and a.kind == "nothing" and a.recommendation_ids == []
    assert ("nothing" in a.text) or ("没有涉及" in a.text)


def test_search_hits_are_real_recommendations_and_link_to_the_library():
    a = ask("maintenance after CAR-T", {})
    assert a.recommendation_ids and all(content.recommendation(i) for i in a.recommendation_ids)
    assert a.link.startswith("/library?q=")


def test_jieba_writes_no_cache_file():
    before = set(Path(tempfile.gettempdir()).glob("jieba*.cache"))
    retrieval.tokenizer.cache_clear()
    retrieval.tokenize("卡氏肺囊虫预防多久")
    assert set(Path(tempfile.gettempdir()).glob("jieba*.cache")) == before


# --- links --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "link"), [
    ("tocilizumab 72 kg", "/dosing?weight_kg=72&drug=tocilizumab&from=tocilizumab"),
    ("CT103A 160cm 55kg", "/dosing?drug=lymphodepletion&regimen=CT103A&height_cm=160&weight_kg=55&from=lymphodepletion"),
    ("temp 38.6 on low flow", "/toxicity?temp_c=38.6&hypoxia=low_flow"),
    ("ICE 6, awakens to voice", "/toxicity?ice=6&consciousness=awakens_to_voice"),
    ("last bortezomib 2026-03-01", "/eligibility?bortezomib=2026-03-01"),
    ("antigen negative relapse", "/relapse?antigen=negative"),
])
def test_each_answer_links_to_its_tool_with_the_values(text, link):
    assert ask(text, {"today": TODAY}).link == link


# --- the assistant's numbers are the calculators' -------------------------------------------

@settings(max_examples=60, deadline=None)
@given(w=st.integers(min_value=3000, max_value=30000).map(lambda n: n / 100))
def test_tocilizumab_equals_the_calculator(w):
    a = ask(f"toci {w:g} kg", {"today": TODAY})
    assert a.values["dose_mg"] == dosing.tocilizumab_dose(w).amount
    assert a.values["dose_mg"] <= 800
    assert f"{w:g} kg" in a.text


@settings(max_examples=60, deadline=None)
@given(w=st.integers(min_value=300, max_value=3000).map(lambda n: n / 10))
def test_methylprednisolone_equals_the_calculator(w):
    a = ask(f"MP {w:g} kg", {"today": TODAY})
    assert a.values["amount"] == dosing.methylprednisolone_dose(w).amount


OXYGEN = {"room air": "none", "low flow": "low_flow", "high flow": "high_flow", "BiPAP": "positive_pressure"}


@settings(max_examples=80, deadline=None)
@given(t=st.integers(min_value=350, max_value=420).map(lambda n: n / 10), oxygen=st.sampled_from(sorted(OXYGEN)))
def test_crs_grade_equals_the_grader(t, oxygen):
    a = ask(f"temp {t:g} on {oxygen}", {"today": TODAY})
    g = crs.grade_crs(crs.CRSFindings(max_temp_c=t, hypoxia=OXYGEN[oxygen]))
    assert (a.values["grade"], a.values["at_least"]) == (g.grade, g.at_least)


CONSCIOUSNESS = {"": None, "awakens spontaneously": "awakens_spontaneously", "awakens to voice": "awakens_to_voice",
                 "awakens to touch": "awakens_to_touch", "unarousable": "unarousable"}


@settings(max_examples=80, deadline=None)
@given(ice=st.integers(min_value=0, max_value=10), words=st.sampled_from(sorted(CONSCIOUSNESS)))
def test_icans_grade_equals_the_grader(ice, words):
    a = ask(f"ICE {ice} {words}".strip(), {"today": TODAY})
    g = icans.grade_icans(icans.ICANSFindings(ice_score=ice, consciousness=CONSCIOUSNESS[words]))
    assert (a.values["grade"], a.values["at_least"]) == (g.grade, g.at_least)


@settings(max_examples=60, deadline=None)
@given(igg=st.integers(min_value=0, max_value=200).map(lambda n: n / 10), infection=st.booleans())
def test_ivig_equals_the_rule(igg, infection):
    a = ask(f"IgG {igg:g} {'with infection' if infection else 'no infection'}", {"today": TODAY})
    assert a.values["decision"] == followup.ivig_decision(igg, infection)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_gets_an_answer_never_an_exception(text):
    a = ask(text, {"today": TODAY})
    assert a.intent in Answer.model_fields["intent"].annotation.__args__
    assert isinstance(a.text, str) and a.text
