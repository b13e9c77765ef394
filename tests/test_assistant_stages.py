"""Each stage of logic/assistant/ on its own: normalize, lexicon, findings, intent, state, reply."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from logic.assistant import ask, lexicon
from logic.assistant.findings import extract
from logic.assistant.intent import detect_intent
from logic.assistant.normalize import normalise
from logic.assistant.state import follow_up

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0)


def x_of(text: str):
    return extract(normalise(text), TODAY, NOW)


# --- normalize ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "read"), [
    ("体重７２ｋｇ", "体重72kg"), ("ＩＣＥ　６", "ice 6"), ("体重七十公斤", "体重70公斤"), ("三十九点五度", "39.5度"),
    ("打了四次", "打了4次"), ("两种升压药", "2种升压药"), ("一般情况好", "一般情况好"),   # 一般 stays a word
])
def test_normalise_full_width_and_chinese_numerals(typed, read):
    assert normalise(typed).text == read


@pytest.mark.parametrize(("typed", "kind", "result"), [
    ("154 lb", "weight_lb", "69.9 kg"), ("140斤", "weight_jin", "70 kg"), ("101.3F", "temperature_f", "38.5 °c"),
    ("98.6 °F", "temperature_f", "37 °c"), ("5ft 7in", "height_ft_in", "170.2 cm"), ("IgG 450 mg/dL", "igg_mg_dl", "4.5 g/l"),
    ("托株单抗", "typo", "托珠单抗"), ("tocilizumb", "typo", "tocilizumab"),
])
def test_normalise_shows_each_conversion(typed, kind, result):
    n = normalise(typed)
    assert [(c.kind, c.result) for c in n.conversions] == [(kind, result)]
    assert n.conversions[0].raw in typed


def test_normalise_keeps_the_users_words_for_every_span():
    n = normalise("托株单抗 体重七十公斤")
    i = n.text.index("70")
    assert n.span(i, i + 4) == "七十公斤"
    assert n.span(0, 4) == "托株单抗"


def test_normalise_reads_at_most_300_characters():
    assert len(normalise("9" * 5000).original) == 300


# --- lexicon -------------------------------------------------------------------------------------

def test_every_lexicon_term_finds_its_concept():
    for c in lexicon.concepts().values():
        for term in c.terms:
            hits = lexicon.find(f" {term.lower()} ")
            assert hits and hits[0].concept == c.id, (term, hits)



def test_every_oxygen_device_names_its_astct_level():
    # literal: the four ASTCT 2019 hypoxia levels (Table 3), and which device means which
    support = {c.id: c.support for c in lexicon.concepts().values() if c.kind == "oxygen"}
    assert support == {"room_air": "none", "nasal_cannula": "low_flow", "high_flow": "high_flow",
                       "positive_pressure": "positive_pressure"}
    assert lexicon.HYPOXIA_SUPPORT == ("none", "low_flow", "high_flow", "positive_pressure")


@pytest.mark.parametrize(("body", "refused"), [
    pytest.param({"kind": "oxygen"}, True, id="oxygen-without-level-refused"),
    pytest.param({"kind": "oxygen", "support": "nasal"}, True, id="oxygen-unknown-level-refused"),
    pytest.param({"kind": "drug", "support": "none"}, True, id="a-drug-with-a-level-refused"),
    pytest.param({"kind": "oxygen", "support": "low_flow"}, False, id="oxygen-with-level-accepted"),
    pytest.param({"kind": "drug"}, False, id="a-drug-without-level-accepted"),
])
def test_an_oxygen_concept_must_name_its_level(body, refused):
    # without it the reader would grade the device as no oxygen (findings: `c.support or "none"`)
    from pydantic import ValidationError
    try:
        lexicon.Concept(id="x", **body)
    except ValidationError:
        assert refused
    else:
        assert not refused

@pytest.mark.parametrize(("typo", "concept"), [("托株单抗", "tocilizumab"), ("托珠单杭", "tocilizumab"),
                                               ("tocilizumb", "tocilizumab"), ("dexamethazone", "dexamethasone"),
                                               ("norepinephrin", "norepinephrine"), ("anakinera", "anakinra")])
def test_one_slip_is_matched(typo, concept):
    hits = lexicon.find(typo)
    assert hits and hits[0].concept == concept
    assert hits[0].fuzzy or typo.startswith("托珠")   # 托珠单杭 holds the exact shorthand 托珠


def test_a_different_first_character_is_not_a_slip():
    assert lexicon.find("伊沙佐米") == [] or lexicon.find("伊沙佐米")[0].concept == "ixazomib"
    assert all(m.concept != "tocilizumab" for m in lexicon.find("拓珠单抗"))


# --- findings --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "temp"), [("T39.4", 39.4), ("39.4℃", 39.4), ("体温39度", 39.0), ("38 degrees", 38.0),
                                           ("发热39", 39.0), ("Tmax 38.1", 38.1), ("体温38.2-39.1", 39.1)])
def test_temperature_in_any_form(text, temp):
    assert max(x_of(text).temps_c) == temp


@pytest.mark.parametrize(("text", "hypotension"), [
    ("norepinephrine plus dopamine", "multiple_vasopressors"), ("去甲肾上腺素加多巴胺", "multiple_vasopressors"),
    ("norepi + vasopressin", "one_vasopressor"), ("vasopressin", "one_vasopressor"), ("on 2 pressors", "multiple_vasopressors"),
    ("两种升压药", "multiple_vasopressors"), ("需要一种升压药", "one_vasopressor"), ("on levo", "one_vasopressor"),
    ("norepi, no dopamine", "one_vasopressor"), ("hypotension, not on pressors", "no_vasopressor"),
])
def test_each_named_pressor_is_counted_and_vasopressin_never_second(text, hypotension):
    assert x_of(text).hypotension == hypotension


@pytest.mark.parametrize(("text", "hypoxia"), [
    ("6 L/min nasal cannula", "low_flow"), ("6.5 L/min nasal cannula", "high_flow"), ("7L NC", "high_flow"),
    ("face mask", "high_flow"), ("HFNC", "high_flow"), ("高流量", "high_flow"), ("面罩", "high_flow"),
    ("BiPAP", "positive_pressure"), ("无创", "positive_pressure"), ("插管", "positive_pressure"),
    ("RA", "none"), ("room air", "none"), ("未吸氧", "none"),
])
def test_oxygen_device_and_flow(text, hypoxia):
    assert x_of(f"T 39 {text}").hypoxia == hypoxia


@pytest.mark.parametrize(("spo2", "hypoxia"), [(89, "unspecified"), (90, "none")])
def test_spo2_below_90_on_room_air_is_asked_not_none(spo2, hypoxia):
    assert x_of(f"T 39, SpO2 {spo2}% on RA").hypoxia == hypoxia


def test_negation_applies_in_its_scope_only():
    x = x_of("无抽搐, 呼唤能醒, 有肢体无力")
    assert x.seizure == "none" and x.consciousness == "awakens_to_voice" and x.motor_weakness == "deep_focal"
    y = x_of("no seizure but diffuse cerebral edema")
    assert y.seizure == "none" and y.cerebral_edema == "diffuse"


@pytest.mark.parametrize(("text", "seizure"), [("seizure stopped by itself", "resolved_rapidly"),
                                              ("seizure lasting more than 5 min", "prolonged_or_repetitive"),
                                              ("反复抽搐", "prolonged_or_repetitive"), ("抽搐", "unspecified")])
def test_seizure_kinds(text, seizure):
    assert x_of(text).seizure == seizure


def test_tocilizumab_history_times_and_counts():
    x = x_of("托珠单抗今天02:00和10:00各用了一次")
    assert x.toci_count == 2 and x.toci_times == [datetime(2026, 11, 30, 2), datetime(2026, 11, 30, 10)]
    assert x_of("toci x3").toci_count == 3 and x_of("托珠已打4次").toci_count == 4
    # a time later than now without a day was yesterday's
    assert x_of("toci last at 22:00").toci_times == [datetime(2026, 11, 29, 22)]


def test_today_and_day_post():
    assert x_of("今天2026-02-01").today_date == date(2026, 2, 1)
    assert x_of("today 2026-01-15").today_date == date(2026, 1, 15)
    assert x_of("D+5").day_post == 5 and x_of("回输后第12天").day_post == 12


def test_age_and_weight_range():
    assert x_of("12岁").age_years == 12 and x_of("45 yo").age_years == 45
    assert x_of("体重60-70kg").weight_range


# --- intent ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "intent"), [
    ("last dex 40mg on 03-10, can we collect on 03-12?", "washout"),
    ("托珠已经打了4次了 还能再给吗", "tocilizumab_next"),
    ("temp 37.2 after dexamethasone, one vasopressor, room air", "crs_grade"),   # findings outrank the drug
    ("anakinra dose", "not_covered"), ("toci 70 kg", "tocilizumab_dose"), ("ICE 5, CRS grade 3", "icans_grade"),
])
def test_intent_is_decided_by_the_question(text, intent):
    assert detect_intent(x_of(text)) == intent


# --- state -----------------------------------------------------------------------------------------

def test_what_if_reruns_the_last_question_with_the_new_value():
    last = {"intent": "tocilizumab_dose", "x": x_of("托珠单抗 72kg").model_dump(exclude={"found"})}
    new = x_of("那如果体重是90呢?")
    merged, intent = follow_up(last, new, detect_intent(new))
    assert intent == "tocilizumab_dose" and merged.weights_kg == [90.0]


def test_a_new_drug_is_a_new_question():
    last = {"intent": "tocilizumab_dose", "x": x_of("toci").model_dump(exclude={"found"})}
    new = x_of("anakinra dose for refractory ICANS")
    assert follow_up(last, new, detect_intent(new)) is None


def test_a_pending_weight_question_is_cancelled_by_a_new_topic():
    first = ask("toci for 8000 kg", {"today": TODAY, "now": NOW, "lang": "en"})
    assert first.missing == ["weight_kg"]
    second = ask("anakinra dose for refractory ICANS", {**first.context, "lang": "en", "now": NOW})
    assert second.intent == "not_covered" and "dose_mg" not in second.values


def test_the_weight_question_does_not_loop():
    first = ask("tocilizumab dose", {"today": TODAY, "now": NOW, "lang": "en"})
    second = ask("68 kg", {**first.context, "lang": "en", "now": NOW})
    assert second.values["dose_mg"] == 544 and second.missing == []


@pytest.mark.parametrize(("device", "grade"), [
    pytest.param("鼻导管", 2, id="ASTCT2019-T3-nasal-cannula-4L-grade-2-zh"),
    pytest.param("面罩", 3, id="ASTCT2019-T3-face-mask-4L-grade-3-zh"),
])
def test_the_device_of_a_flow_is_asked_and_its_answer_grades(device, grade):
    first = ask("体温39 吸氧4L/min", {"today": TODAY, "now": NOW, "lang": "zh"})
    assert first.missing == ["oxygen_device"] and "grade" not in first.values
    assert "鼻导管" in first.text and "面罩" in first.text
    second = ask(device, {**first.context, "lang": "zh", "now": NOW})
    assert second.intent == "crs_grade" and second.missing == []
    assert (second.values["grade"], second.values["at_least"]) == (grade, True)


def test_a_flow_whose_device_cannot_change_the_grade_is_not_asked_and_says_so():
    a = ask("体温39.2 需要一种升压药 吸氧4L/min 体重68kg", {"today": TODAY, "now": NOW, "lang": "zh"})
    assert a.missing == [] and a.values["grade"] == 3
    assert "未说明装置" in a.text and "分级相同(3级)" in a.text


# --- reply -----------------------------------------------------------------------------------------

def test_reply_reads_back_first_in_the_interface_language():
    zh = ask("TOCI 72kg", {"today": TODAY, "now": NOW, "lang": "zh"})
    assert zh.lang == "zh" and zh.text.startswith("已读取") and "体重 72 kg" in zh.readback
    en = ask("托珠单抗 72kg", {"today": TODAY, "now": NOW, "lang": "en"})
    assert en.lang == "en" and en.text.startswith("Read:")


def test_read_back_names_each_pressor_and_ties_it_to_the_words():
    a = ask("temp 38.5 norepinephrine plus dopamine, room air", {"today": TODAY, "now": NOW, "lang": "en"})
    assert "norepinephrine + dopamine = 2 vasopressor(s)" in a.readback
    pressors = next(f for f in a.understood if f.kind == "vasopressors")
    assert pressors.value == 2 and pressors.text == "norepinephrine plus dopamine"


def test_the_dexamethasone_line_keeps_its_condition_and_route():
    a = ask("T 39, one pressor, 2L NC, 70 kg", {"today": TODAY, "now": NOW, "lang": "en"})
    line = next(d for d in a.details if "dexamethasone 10 mg" in d.lower())
    assert "1-2 tocilizumab" in line and "IV" in line


def test_the_link_carries_the_tocilizumab_times():
    given = [datetime(2026, 11, 30, 2), datetime(2026, 11, 30, 10)]
    a = ask("T 39, one pressor, room air, 70 kg", {"today": TODAY, "now": NOW, "lang": "en", "tocilizumab_given": given})
    assert "toci=2026-11-30T02%3A00%2C2026-11-30T10%3A00" in a.link and "given=" not in a.link
    assert a.values["tocilizumab_allowed"] is False and "tocilizumab_mg" not in a.values


@pytest.mark.parametrize(("text", "dates"), [("febrile 39.6C", []), ("decrease 12", []), ("mar 1, 2026", [date(2026, 3, 1)]),
                                            ("1 October 2026", [date(2026, 10, 1)])])
def test_month_names_are_whole_words(text, dates):
    assert [d.value for d in x_of(text).dates] == dates


def test_no_pressor_is_not_asked_when_both_readings_give_the_same_grade():
    ctx = {"today": TODAY, "now": NOW, "lang": "en"}
    same = ask("T 39.6, not on pressors, 2L nasal cannula", ctx)     # none or no_vasopressor: both grade 2
    assert same.values["grade"] == 2 and same.values["at_least"] is False and same.missing == []
    differ = ask("T 39.6, not on pressors, room air", ctx)          # grade 1 or 2: asked
    assert differ.missing == ["vasopressor"]


# --- blood counts (logic/assistant/cytopenia.py) ---------------------------------------------

@pytest.mark.parametrize(("text", "pairs"), [
    ("icaht d0 1.8, d2 0.9, d5 0.08", [(0, 1.8), (2, 0.9), (5, 0.08)]),
    ("icaht day -5: 2.1 day 0=1.8", [(-5, 2.1), (0, 1.8)]),
    ("icaht 第0天 1.8 第35天 0.4", [(0, 1.8), (35, 0.4)]),
    ("icaht d+5 anc 0.3", [(5, 0.3)]),
    ("icaht 0: 1.8, 5: 0.3", [(0, 1.8), (5, 0.3)]),
    ("icaht 0, 1.8 5, 0.3 35, 0.4", [(0, 1.8), (5, 0.3), (35, 0.4)]),
    ("icaht", []),
])
def test_icaht_series_is_read_in_order_without_invented_values(text, pairs):
    from logic.assistant import cytopenia

    series = cytopenia.read_series(text)
    assert [(p.day, p.anc) for p in series.points] == pairs
    for p in series.points:
        assert str(p.day) in text[p.start:p.end]


def test_hematotox_reads_a_score_or_the_markers_never_both():
    from logic.assistant import cytopenia

    assert cytopenia.read_hematotox("hematotox score 3").score == 3
    asked = cytopenia.read_hematotox("hematotox anc 1.2 hb 90 plt 100 crp 5 ferritin 800")
    assert asked.score is None
    assert {k: v for k, (v, *_) in asked.markers.items()} == {"anc": 1.2, "hb": 90, "plt": 100, "crp": 5,
                                                              "ferritin": 800}


def test_icaht_numbers_are_not_weights_or_temperatures():
    a = ask("ICAHT d0 38.5, d2 70", {"today": TODAY, "lang": "en"})
    assert a.intent == "icaht"
    assert {f.kind for f in a.understood} == {"anc"}
    assert "weight_kg" not in a.context


@pytest.mark.parametrize(("text", "lang", "needle"), [
    # the times after the tocilizumab words (a time after norepi would be said of norepi: _said_of)
    ("T39.4 norepi 托株单抗 08:00 08:00", "zh", "输入了两次"),
    ("tocilizumab 70 kg given 08:00 and 08:00, next dose?", "en", "entered twice"),
])
def test_the_same_dose_time_twice_is_asked_again_not_a_traceback(text, lang, needle):
    a = ask(text, {"today": TODAY, "now": NOW, "lang": lang})
    assert a.kind == "question" and "tocilizumab_times" in a.missing
    assert needle in a.text and "dose_mg" not in a.values and "tocilizumab_mg" not in a.values
