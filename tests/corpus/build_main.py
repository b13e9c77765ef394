"""Writes tests/corpus/main.yaml: the main (development) corpus of the assistant.

Hand-written items (HAND) plus grids over the ward's phrasings, each expectation worked out
here by the consensus's rule by hand (never by calling logic): tocilizumab 8 mg/kg capped at
800 mg (whole mg, halves up); ASTCT 2019 CRS grade = max(hypotension, hypoxia) once fever
>= 38.0 °C (no fever: 0); washout = the end of the last day + 8 weeks / 2 weeks / 1 week / 72 h;
follow-up day 14 and day 28. Run `python -m tests.corpus.build_main` after editing; the
held-out file (heldout.yaml) is separate and never regenerated.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

TODAY = date(2026, 11, 30)
OUT = Path(__file__).with_name("main.yaml")


def toci(w: float) -> float:
    return min(float(Decimal(str(8 * w)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)), 800.0)


def grid_tocilizumab() -> list[dict]:
    forms = [("zh", "托珠单抗 {w}kg"), ("zh", "托珠 体重{w}公斤 用多少"), ("en", "toci {w} kg"),
             ("en", "tocilizumab dose for {w}kg"), ("zh", "托株单抗 {w}kg"), ("en", "TCZ {w}kg?")]
    items = []
    for i, w in enumerate([30, 45, 52, 60, 64.5, 68, 72, 75, 80, 88, 100, 101, 120]):
        for j, (lang, f) in enumerate(forms):
            if (i + j) % 2:
                continue
            q = f.format(w=f"{w:g}")
            items.append({"id": f"toci-{w:g}-{j}", "lang": lang, "q": q, "intent": "tocilizumab_dose",
                          "values": {"dose_mg": toci(w), "capped": 8 * w > 800}, "understood": [f"weight_kg={w:g}"],
                          "quotes": ["tocilizumab_dosing"]})
    return items


HYP = [("none", 0, "BP normal", "血压正常"), ("no_vasopressor", 2, "hypotension responsive to fluids", "低血压 补液后纠正"),
       ("one", 3, "on norepi", "用去甲肾上腺素"), ("one_vp", 3, "norepi + vasopressin", "去甲+血管加压素"),
       ("multiple", 4, "norepinephrine and dopamine", "去甲肾上腺素加多巴胺")]
OXY = [("none", 0, "room air", "未吸氧"), ("low", 2, "3L NC", "鼻导管3L"), ("high_flow_rate", 3, "10 L/min NC", "鼻导管10L/min"),
       ("mask", 3, "face mask", "面罩吸氧"), ("pp", 4, "BiPAP", "无创通气")]


def grid_crs() -> list[dict]:
    items = []
    for t in (37.6, 38.3, 39.5):
        for hi, (hk, hg, hen, hzh) in enumerate(HYP):
            for oi, (ok, og, oen, ozh) in enumerate(OXY):
                zh = (hi + oi) % 2 == 0
                q = f"体温{t} {hzh} {ozh}" if zh else f"T {t}, {hen}, {oen}"
                grade = 0 if t < 38 else max(1, hg, og)
                items.append({"id": f"crs-{t}-{hk}-{ok}", "lang": "zh" if zh else "en", "q": q,
                              "intent": "crs_grade", "values": {"grade": grade, "at_least": False},
                              "understood": [f"temperature_c={t}"]})
    return items


WASH = [("lenalidomide", 14, ["来那度胺", "lenalidomide", "revlimid", "len"]),
        ("bortezomib", 14, ["硼替佐米", "bortezomib", "velcade", "btz"]),
        ("vincristine", 7, ["长春新碱", "vincristine", "vcr"]),
        ("therapeutic_corticosteroids", 3, ["地塞米松", "dexamethasone", "dex"]),
        ("anti_t_cell_antibody", 56, ["ATG", "alemtuzumab"]),
        ("donor_lymphocyte_infusion", 56, ["供者淋巴细胞输注", "DLI"])]


def grid_washout() -> list[dict]:
    items = []
    days = [date(2026, 11, 20), date(2026, 11, 25), date(2026, 10, 20)]
    for key, window, names in WASH:
        for n, name in enumerate(names):
            last = days[n % len(days)]
            earliest = last + timedelta(days=1 + window)
            zh = any("\u4e00" <= ch <= "\u9fff" for ch in name)
            q = (f"{name}最后一次{last.month}月{last.day}日 什么时候能采集" if zh
                 else f"{name} last {last.isoformat()}, when can we collect?")
            items.append({"id": f"wash-{key}-{n}", "lang": "zh" if zh else "en", "q": q, "intent": "washout",
                          "values": {"earliest": earliest.isoformat(), "binding": key}, "understood": [f"date={last}"]})
    return items


def grid_followup() -> list[dict]:
    items = []
    for k in (3, 10, 13, 14, 20, 27):
        inf = TODAY - timedelta(days=k)
        nxt = inf + timedelta(days=14 if k <= 14 else 28)
        items.append({"id": f"fu-{k}-en", "lang": "en", "q": f"infused {inf.isoformat()}, when is the next visit?",
                      "intent": "followup", "values": {"next_visit": nxt.isoformat(), "day": k}})
        items.append({"id": f"fu-{k}-zh", "lang": "zh", "q": f"{inf.month}月{inf.day}日回输 下次随访什么时候",
                      "intent": "followup", "values": {"next_visit": nxt.isoformat(), "day": k}})
        items.append({"id": f"fu-{k}-dplus", "lang": "en", "q": f"D+{k}, next follow-up?",
                      "intent": "followup", "values": {"next_visit": nxt.isoformat(), "day": k}})
    return items


def grid_not_covered() -> list[dict]:
    lex = yaml.safe_load((Path(__file__).parents[2] / "content" / "assistant" / "lexicon.yaml").read_text("utf-8"))
    items = []
    for cid, c in lex["concepts"].items():
        if c["kind"] != "not_covered":
            continue
        zh, en = c.get("zh", [None])[0], c.get("en", [None])[0]
        if en:
            items.append({"id": f"nc-{cid}-en", "lang": "en", "q": f"{en} dose for 70 kg?", "intent": "not_covered",
                          "kind": "nothing", "values": {"term": cid}, "absent": ["dose_mg", "amount", "earliest"]})
        if zh:
            items.append({"id": f"nc-{cid}-zh", "lang": "zh", "q": f"{zh}最后一次11月20日 什么时候能采集",
                          "intent": "not_covered", "kind": "nothing", "values": {"term": cid},
                          "absent": ["dose_mg", "earliest"], "quotes": ["washout_2_weeks"]})
    return items


ICE = [(10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3)]


def grid_icans() -> list[dict]:
    items = []
    for ice, g in ICE:
        items.append({"id": f"ice-{ice}-en", "lang": "en", "q": f"ICE {ice}, awake, no seizure, no weakness, no edema",
                      "intent": "icans_grade", "values": {"grade": g, "at_least": False}, "understood": [f"ice={ice}"]})
        items.append({"id": f"ice-{ice}-zh", "lang": "zh", "q": f"ICE评分{ice}分 意识清楚 无抽搐 无肢体无力 无脑水肿",
                      "intent": "icans_grade", "values": {"grade": g, "at_least": False}, "understood": [f"ice={ice}"]})
    return items


HAND = yaml.safe_load(Path(__file__).with_name("main_hand.yaml").read_text(encoding="utf-8"))["items"]


def main() -> None:
    items = [*HAND, *grid_tocilizumab(), *grid_crs(), *grid_washout(), *grid_followup(), *grid_not_covered(),
             *grid_icans()]
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "duplicate ids"
    header = "# Generated by tests/corpus/build_main.py from main_hand.yaml and its grids; edit those, not this.\n"
    OUT.write_text(header + yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False, width=200),
                   encoding="utf-8")
    print(len(items), "items")


if __name__ == "__main__":
    main()
