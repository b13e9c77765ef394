"""The assistant's question table: free text in Chinese and English (typos, shorthand) ->
the expected intent and values. Every expected number is the consensus rule applied by hand
(cited in the id), so the chain text -> reading -> logic call is checked end to end."""

from __future__ import annotations

from datetime import date

import pytest

from logic.assistant import ask

TODAY = date(2026, 4, 20)
MEMORY = {"today": TODAY}
KNOWN = {"today": TODAY, "weight_kg": 60.0, "infusion": date(2026, 1, 10)}


def q(text, intent, values=None, missing=(), ctx=None, rec=None, id=None):  # noqa: A002 - pytest's name
    return pytest.param(text, intent, values or {}, list(missing), ctx or MEMORY, rec, id=id or text)


ZH = [
    q("托珠单抗 72kg", "tocilizumab_dose", {"dose_mg": 576.0, "weight_kg": 72.0}, id="zh 托珠 8 mg/kg × 72"),
    q("托珠 70公斤", "tocilizumab_dose", {"dose_mg": 560.0}, id="zh 托珠 shorthand 公斤"),
    q("托珠单抗用量 体重 65", "tocilizumab_dose", {"dose_mg": 520.0}, id="zh 体重 without unit"),
    q("托珠单抗 120kg", "tocilizumab_dose", {"dose_mg": 800.0, "capped": True}, id="zh cap 800 mg"),
    q("托珠单抗 100kg", "tocilizumab_dose", {"dose_mg": 800.0, "capped": False}, id="zh exactly 800 mg not capped"),
    q("托珠单抗 101kg", "tocilizumab_dose", {"dose_mg": 800.0, "capped": True}, id="zh 808 mg capped"),
    q("托珠单抗剂量", "tocilizumab_dose", missing=["weight_kg"], id="zh 托珠 weight missing"),
    q("托珠单抗 25kg", "tocilizumab_dose", missing=["weight_kg"], id="zh weight below 30 refused"),
    q("托珠单抗 30kg", "tocilizumab_dose", {"dose_mg": 240.0}, id="zh weight 30 accepted"),
    q("体重140斤 托珠", "tocilizumab_dose", {"dose_mg": 560.0, "weight_kg": 70.0}, id="zh 斤 converted: 140 斤 = 70 kg"),
    q("托珠单抗 72kg 80kg", "tocilizumab_dose", missing=["weight_kg"], id="zh two weights ask which"),
    q("托珠单抗剂量", "tocilizumab_dose", {"dose_mg": 480.0, "weight_kg": 60.0}, ctx=KNOWN, id="zh weight from memory"),
    q("地塞米松剂量", "steroid_dose", {"drug": "dexamethasone", "amount": 10.0, "frequency": "q6h"}, id="zh 地塞米松"),
    q("地米用量", "steroid_dose", {"drug": "dexamethasone", "amount": 10.0}, id="zh 地米 shorthand"),
    q("地塞米松 难治", "steroid_dose", {"drug": "dexamethasone", "amount": 20.0, "frequency": "q6h"},
      id="zh dex refractory 20 mg"),
    q("甲泼尼龙 60kg", "steroid_dose", {"drug": "methylprednisolone", "amount": 60.0, "frequency": "q12h"},
      id="zh MP 1 mg/kg"),
    q("甲强龙剂量", "steroid_dose", missing=["weight_kg"], id="zh 甲强龙 weight missing"),
    q("甲强龙冲击", "steroid_dose", {"drug": "methylprednisolone", "amount": 1000.0, "frequency": "daily"},
      id="zh MP pulse 1 g/d"),
    q("左乙拉西坦剂量", "steroid_dose", {"drug": "levetiracetam", "amount": 750.0, "frequency": "q12h"},
      id="zh LEV 750 q12h"),
    q("开浦兰怎么用", "steroid_dose", {"drug": "levetiracetam", "amount": 750.0}, id="zh 开浦兰 brand"),
    q("激素用多少", "steroid_dose", missing=["drug"], id="zh generic steroid asks which"),
    q("体温38.6 低流量吸氧", "crs_grade", {"grade": 2, "at_least": True}, id="zh ASTCT low flow grade 2"),
    q("体温39 高流量吸氧", "crs_grade", {"grade": 3, "at_least": True}, id="zh high flow grade 3"),
    q("发热38.5度 需要BiPAP", "crs_grade", {"grade": 4, "at_least": False}, id="zh BiPAP grade 4"),
    q("体温38 无低血压 未吸氧", "crs_grade", {"grade": 1, "at_least": False}, id="zh 38.0 fever grade 1"),
    q("体温37.9 无低血压 未吸氧", "crs_grade", {"grade": 0, "at_least": False}, id="zh 37.9 no fever grade 0"),
    q("体温39 用了升压药 鼻导管吸氧", "crs_grade", {"grade": 3, "at_least": False}, id="zh one pressor grade 3"),
    q("体温39.5 两种升压药", "crs_grade", {"grade": 4, "at_least": False}, id="zh multiple pressors grade 4"),
    q("发烧39 低血压", "crs_grade", missing=["vasopressor"], id="zh hypotension asks pressor"),
    q("体温38.8 吸氧", "crs_grade", missing=["oxygen"], id="zh oxygen unspecified asks"),
    # a flow without its device: nasal cannula ≤6 L/min is grade 2, a face mask grade 3 (ASTCT 2019 Table 3)
    q("体温39 吸氧4L/min", "crs_grade", missing=["oxygen_device"], id="zh ASTCT flow without device asks the device"),
    q("体温39.2 需要一种升压药 吸氧4L/min 体重68kg", "crs_grade", {"grade": 3, "at_least": False},
      id="zh ASTCT one pressor grade 3 whatever the device of 4 L/min"),
    q("体温101度", "crs_grade", missing=["temperature"], id="zh °F refused"),
    q("ICE 6", "icans_grade", {"grade": 2, "at_least": True}, id="zh ICE 3-6 grade 2"),
    q("ICE评分9分", "icans_grade", {"grade": 1, "at_least": True}, id="zh ICE 9 grade 1"),
    q("ICE 2分 呼唤可醒", "icans_grade", {"grade": 3}, id="zh ICE 0-2 grade 3"),
    q("ICE 10 意识清楚 无癫痫 无肢体无力 无脑水肿", "icans_grade", {"grade": 0, "at_least": False},
      id="zh all normal grade 0"),
    q("患者昏迷,不能唤醒", "icans_grade", {"grade": 4}, id="zh unarousable grade 4"),
    q("癫痫持续状态", "icans_grade", {"grade": 4}, id="zh status epilepticus grade 4"),
    q("抽搐 很快缓解", "icans_grade", {"grade": 3}, id="zh seizure resolved grade 3"),
    q("抽搐了", "icans_grade", missing=["seizure"], id="zh seizure unspecified asks"),
    q("弥漫性脑水肿", "icans_grade", {"grade": 4}, id="zh diffuse edema grade 4"),
    q("ICANS 2级怎么处理", "icans_grade", {"grade": 2, "stated": True}, id="zh stated ICANS grade 2"),
    q("3级CRS怎么治疗", "crs_grade", {"grade": 3, "stated": True}, id="zh stated CRS grade 3"),
    q("CT103A 160cm 55kg", "lymphodepletion", {"bsa_m2": 1.56, "regimen": "CT103A"},
      id="zh Mosteller sqrt(160×55/3600)=1.56"),
    q("预处理方案 身高170 体重70", "lymphodepletion", missing=["regimen"], id="zh regimen missing"),
    q("KarMMa 预处理 身高1.7米 体重70公斤", "lymphodepletion", {"bsa_m2": 1.82, "regimen": "KarMMa"},
      id="zh height in metres sqrt(170×70/3600)=1.82"),
    q("最后一次硼替佐米 2026-03-01", "washout", {"earliest": "2026-03-16", "binding": "bortezomib"},
      id="zh bortezomib 2 weeks"),
    q("来那度胺末次 3月1日", "washout", {"earliest": "2026-03-16", "binding": "lenalidomide"},
      id="zh lenalidomide 2 weeks, year inferred"),
    q("长春新碱 最后一次 2026/04/01", "washout", {"earliest": "2026-04-09", "binding": "vincristine"},
      id="zh vincristine 1 week"),
    q("来那度胺 2026-03-01 长春新碱 2026-03-10 什么时候可以单采", "washout",
      {"earliest": "2026-03-18", "binding": "vincristine"}, id="zh two exposures latest binds"),
    q("中枢放疗 末次 2026-02-01", "washout", {"earliest": "2026-03-30", "binding": "cns_radiotherapy"},
      id="zh CNS radiotherapy 8 weeks"),
    q("IgG 3 g/L", "ivig", {"decision": "replace"}, id="zh IgG <4 replace"),
    q("IgG 5 合并感染", "ivig", {"decision": "replace"}, id="zh IgG 4-6 with infection replace"),
    q("IgG 5 无感染", "ivig", {"decision": "monitor"}, id="zh IgG 4-6 no infection monitor"),
    q("IgG 7 伴感染", "ivig", {"decision": "assess_further"}, id="zh IgG >6 with infection assess"),
    q("IgG 5", "ivig", missing=["infection"], id="zh IgG 5 infection asked"),
    q("丙球要不要补", "ivig", missing=["igg_g_l"], id="zh IVIG without value asks IgG"),
    q("抗原阴性复发怎么办", "relapse", {"option_ids": ["clinical_trial", "previously_sensitive_drugs",
                                                  "new_drugs_or_combinations", "other_target",
                                                  "different_costimulatory_domain"]},
      id="zh antigen negative never BCMA"),
    q("BCMA低表达复发", "relapse", {}, id="zh antigen low"),
    q("下次随访", "followup", {"next_visit": "2026-05-10", "day": 100}, ctx=KNOWN, id="zh next visit month 4"),
    q("下次随访", "followup", missing=["infusion"], id="zh follow-up asks infusion"),
    q("1月10日回输,下次复查什么时候", "followup", {"next_visit": "2026-05-10", "day": 100},
      id="zh 1月10日 read with year"),
    q("卡氏肺囊虫预防多久", "search", rec="antibacterial_antifungal_pjp_prophylaxis", id="zh PJP search"),
    q("维持治疗有证据吗", "search", rec="maintenance_no_evidence", id="zh maintenance search"),
    q("帕金森样症状", "search", rec="icans_parkinsonism", id="zh parkinsonism search"),
    q("今天天气怎么样", "search", rec="NONE", id="zh nothing in consensus"),
]

EN = [
    q("tocilizumab 70 kg", "tocilizumab_dose", {"dose_mg": 560.0, "weight_kg": 70.0}, id="en toci 8 mg/kg × 70"),
    q("toci 72kg", "tocilizumab_dose", {"dose_mg": 576.0}, id="en toci shorthand"),
    q("tocilizumba dose for 80 kg", "tocilizumab_dose", {"dose_mg": 640.0}, id="en typo tocilizumba"),
    q("TCZ wt 90", "tocilizumab_dose", {"dose_mg": 720.0}, id="en TCZ wt"),
    q("actemra 150 kg", "tocilizumab_dose", {"dose_mg": 800.0, "capped": True}, id="en brand, capped"),
    q("toci", "tocilizumab_dose", missing=["weight_kg"], id="en toci weight missing"),
    q("toci 20 kg", "tocilizumab_dose", missing=["weight_kg"], id="en below adult refused"),
    q("toci 160 lb", "tocilizumab_dose", {"dose_mg": 581.0, "weight_kg": 72.6}, id="en pounds converted: 160 lb = 72.6 kg"),
    q("toci 350 kg", "tocilizumab_dose", missing=["weight_kg"], id="en above 300 refused"),
    q("tocilizumab dose?", "tocilizumab_dose", {"dose_mg": 480.0}, ctx=KNOWN, id="en weight from memory"),
    q("toci and dex?", "tocilizumab_dose", missing=["drug"], id="en two drugs ask which"),
    q("dexamethasone dose", "steroid_dose", {"drug": "dexamethasone", "amount": 10.0, "frequency": "q6h"},
      id="en dex 10 q6h"),
    q("dex refractory", "steroid_dose", {"drug": "dexamethasone", "amount": 20.0}, id="en dex refractory"),
    q("dexamethazone", "steroid_dose", {"drug": "dexamethasone"}, id="en typo dexamethazone"),
    q("MP 80kg", "steroid_dose", {"drug": "methylprednisolone", "amount": 80.0, "frequency": "q12h"},
      id="en MP 1 mg/kg"),
    q("and methylprednisolone?", "steroid_dose", {"drug": "methylprednisolone", "amount": 60.0}, ctx=KNOWN,
      id="en follow-up MP uses memory"),
    q("methylpred pulse", "steroid_dose", {"drug": "methylprednisolone", "amount": 1000.0}, id="en MP 1 g/d"),
    q("LEV dose", "steroid_dose", {"drug": "levetiracetam", "amount": 750.0}, id="en LEV"),
    q("keppra prophylaxis", "steroid_dose", {"drug": "levetiracetam"}, id="en keppra"),
    q("temp 38.6 on low flow", "crs_grade", {"grade": 2, "at_least": True}, id="en low flow grade 2"),
    q("T 39.2, hypotension needing one vasopressor, high-flow O2", "crs_grade", {"grade": 3, "at_least": False},
      id="en grade 3 both"),
    q("fever 38.3, on BiPAP", "crs_grade", {"grade": 4}, id="en BiPAP grade 4"),
    q("fever 39 intubated", "crs_grade", {"grade": 4}, id="en intubated grade 4"),
    q("tmax 38.1, no hypotension, room air", "crs_grade", {"grade": 1, "at_least": False}, id="en grade 1"),
    q("temp 37.5 room air, bp normal", "crs_grade", {"grade": 0, "at_least": False}, id="en afebrile grade 0"),
    q("temp 39, 3 L/min nasal cannula", "crs_grade", {"grade": 2}, id="en 3 L/min low flow"),
    q("temp 39 on 8 L/min oxygen", "crs_grade", {"grade": 3}, id="en 8 L/min high flow"),
    q("fever 39 with hypotension responsive to fluids", "crs_grade", {"grade": 2}, id="en fluids only grade 2"),
    q("temp 101.3F", "crs_grade", {"grade": 1, "at_least": True}, id="en Fahrenheit converted: 101.3 F = 38.5 C"),
    q("temp 39 and hypotension", "crs_grade", missing=["vasopressor"], id="en pressor asked"),
    q("ICE 6", "icans_grade", {"grade": 2, "at_least": True}, id="en ICE 6 grade 2"),
    q("ICE 6, awakens to voice", "icans_grade", {"grade": 2, "at_least": True}, id="en ICE 6 voice"),
    q("ice score 8/10", "icans_grade", {"grade": 1}, id="en ICE 8/10"),
    q("ICE 0, wakes to touch", "icans_grade", {"grade": 3}, id="en ICE 0 touch grade 3"),
    q("ICE 12", "icans_grade", missing=["ice"], id="en ICE above 10 refused"),
    q("patient unarousable", "icans_grade", {"grade": 4}, id="en unarousable"),
    q("siezure resolved rapidly", "icans_grade", {"grade": 3}, id="en typo siezure"),
    q("focal cerebral edema", "icans_grade", {"grade": 3}, id="en focal edema grade 3"),
    q("papilledema", "icans_grade", {"grade": 4}, id="en papilledema grade 4"),
    q("hemiparesis", "icans_grade", {"grade": 4}, id="en deep focal weakness grade 4"),
    q("what does grade 2 ICANS need?", "icans_grade", {"grade": 2, "stated": True}, id="en stated ICANS 2"),
    q("grade 4 CRS management", "crs_grade", {"grade": 4, "stated": True}, id="en stated CRS 4"),
    q("ICE 5 with temp 38.5 on low flow", "icans_grade", {"grade": 2, "crs_grade": 2}, id="en ICANS with CRS"),
    q("CT103A 160cm 55kg", "lymphodepletion", {"bsa_m2": 1.56, "regimen": "CT103A"}, id="en CT103A Mosteller"),
    q("lymphodepletion for cilta-cel, ht 175 wt 80", "lymphodepletion", {"bsa_m2": 1.97, "regimen": "CARTITUDE-1"},
      id="en cilta-cel alias sqrt(175×80/3600)=1.97"),
    q("CARTITUDE-1 conditioning", "lymphodepletion", missing=["height_cm", "weight_kg"], id="en LD needs h and w"),
    q("last bortezomib 2026-03-01", "washout", {"earliest": "2026-03-16", "binding": "bortezomib"},
      id="en bortezomib 2 weeks"),
    q("lenalidomide stopped 01/03/2026, when can we collect?", "washout",
      {"earliest": "2026-03-16", "binding": "lenalidomide"}, id="en 01/03/2026 read day first"),
    q("last dose of revlimid Mar 1, 2026", "washout", {"earliest": "2026-03-16"}, id="en month name date"),
    q("ATG last given 2026-01-01 washout", "washout", {"earliest": "2026-02-27", "binding": "anti_t_cell_antibody"},
      id="en ATG 8 weeks"),
    q("therapeutic steroids last 2026-04-10, apheresis?", "washout",
      {"earliest": "2026-04-14", "binding": "therapeutic_corticosteroids"}, id="en steroids 72 h"),
    q("last vincristine", "washout", missing=["exposure_date"], id="en washout date missing"),
    q("IgG 3 g/L", "ivig", {"decision": "replace"}, id="en IgG 3 replace"),
    q("IgG 6 with infection", "ivig", {"decision": "replace"}, id="en IgG 6.0 edge within 4-6"),
    q("IgG 6.5 with pneumonia", "ivig", {"decision": "assess_further"}, id="en IgG 6.5 assess"),
    q("IgG 4 no infection", "ivig", {"decision": "monitor"}, id="en IgG 4 no infection"),
    q("IgG 300 mg/dL", "ivig", {"decision": "replace"}, id="en IgG mg/dL converted: 300 mg/dL = 3 g/L"),
    q("antigen negative relapse", "relapse", {}, id="en antigen negative"),
    q("relapse after BCMA CAR-T, antigen low", "relapse", {}, id="en antigen low"),
    q("relapsed, bcma positive, murine CAR, GPRC5D detectable", "relapse", {}, id="en positive murine GPRC5D"),
    q("next follow-up visit", "followup", {"next_visit": "2026-05-10", "day": 100}, ctx=KNOWN, id="en next visit"),
    q("infused 2026-01-10, when is the next visit?", "followup", {"next_visit": "2026-05-10"}, id="en infusion date"),
    q("PJP prophylaxis how long", "search", rec="antibacterial_antifungal_pjp_prophylaxis", id="en PJP search"),
    q("HBV reactivation", "search", rec="elig_hbv", id="en HBV search"),
    q("how do I bake bread", "search", rec="NONE", id="en nothing in consensus"),
    q("fever 39, oxygen 4 L/min", "crs_grade", missing=["oxygen_device"], id="en ASTCT flow without device asks the device"),
    q("T 39.2 on norepi, O2 4 L/min", "crs_grade", {"grade": 3, "at_least": False},
      id="en ASTCT one pressor grade 3 whatever the device of 4 L/min"),
]

QUESTIONS = ZH + EN


def test_table_size_and_language_balance():
    assert len(QUESTIONS) >= 100
    assert abs(len(ZH) - len(EN)) <= 2


@pytest.mark.parametrize(("text", "intent", "values", "missing", "ctx", "rec"), QUESTIONS)
def test_question(text, intent, values, missing, ctx, rec):
    a = ask(text, dict(ctx))
    assert a.intent == intent, a.text
    assert a.missing == missing, a.text
    for key, expected in values.items():
        assert a.values.get(key) == expected, (key, a.values, a.text)
    assert a.lang == ("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en")
    if rec == "NONE":
        assert a.kind == "nothing" and a.recommendation_ids == [], a.recommendation_ids
    elif rec:
        assert a.recommendation_ids[0] == rec, a.recommendation_ids
    elif not missing:
        assert a.recommendation_ids, "every computed answer cites the consensus"
