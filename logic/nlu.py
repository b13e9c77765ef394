"""Understanding a bedside question: which calculation it asks for and the values it gives.

Deterministic rules over normalised text (Chinese, English, ward shorthand). Nothing here
computes a clinical number: it only reads what the user typed, and says how it read
anything that could be read two ways (a date like 10/01/2026, a height in metres).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from logic import content

Lang = Literal["en", "zh"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_NUM = r"(\d+(?:\.\d+)?)(?!\d|\.\d)"


def language(text: str) -> Lang:
    """The reply language: Chinese if the question has any Chinese character."""
    return "zh" if _CJK.search(text) else "en"


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, Chinese punctuation as ASCII, one space."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = s.replace("℃", "°c").replace("℉", "°f").replace("。", ". ").replace("、", ",")
    s = s.replace("~", "-").replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", s).strip()


class DateMention(BaseModel):
    """A date the user typed, what it was read as, and how (the reply states it)."""

    value: date
    raw: str
    form: Literal["iso", "zh", "day_first", "month_first", "month_name", "relative"]
    ambiguous: bool = False   # day and month could be swapped (both 12 or less)
    year_inferred: bool = False
    start: int = 0


class Extracted(BaseModel):
    """Everything read from one message. None / empty = not stated."""

    weights_kg: list[float] = Field(default_factory=list)
    weight_other_unit: str | None = None      # "lb" or "jin": asked again in kg
    heights_cm: list[float] = Field(default_factory=list)
    height_from_metres: bool = False
    temps_c: list[float] = Field(default_factory=list)
    temp_fahrenheit: float | None = None
    ice: int | None = None
    consciousness: str | None = None
    seizure: str | None = None                 # none / resolved_rapidly / prolonged_or_repetitive / unspecified
    motor_weakness: str | None = None
    cerebral_edema: str | None = None          # none / focal / diffuse / unspecified
    hypotension: str | None = None             # contract literal, or "unspecified"
    hypoxia: str | None = None                 # contract literal, or "unspecified"
    oxygen_l_min: float | None = None
    drugs: list[str] = Field(default_factory=list)
    steroid_generic: bool = False
    refractory: bool = False
    high_dose: bool = False
    exposures: list[str] = Field(default_factory=list)
    exposure_pos: dict[str, int] = Field(default_factory=dict)
    chemo_generic: bool = False
    dates: list[DateMention] = Field(default_factory=list)
    infusion_cue: int | None = None            # position of 回输/输注/infusion, if said
    today_cue: int | None = None
    bad_dates: list[str] = Field(default_factory=list)
    igg_g_l: float | None = None
    igg_other_unit: str | None = None
    infection: bool | None = None
    antigen: str | None = None
    origin: str | None = None
    poor_persistence: bool = False
    targets: list[str] = Field(default_factory=list)
    regimens: list[str] = Field(default_factory=list)
    crs_grade_stated: int | None = None
    icans_grade_stated: int | None = None
    baseline: dict[str, object] = Field(default_factory=dict)
    bare_numbers: list[float] = Field(default_factory=list)
    yes: bool | None = None
    cues: list[str] = Field(default_factory=list)   # topic words seen: "crs", "icans", "washout", ...


# --- vocabularies -----------------------------------------------------------------------

# (pattern, value), first match wins; \b only where an English word needs it.
_DRUGS: tuple[tuple[str, str], ...] = (
    (r"托珠|tocili?zumab|\btoci\w*|\btcz\b|actemra|雅美罗|tocilizuma|tocilizumba|tociluzumab", "tocilizumab"),
    (r"地塞米松|地米|dexamethason\w*|dexa\w*|\bdex\b|dexa?methasone|dexametasone", "dexamethasone"),
    (r"甲泼尼龙|甲强龙|甲基强的松龙|甲泼|methyl\s*pred\w*|methylprednisolon\w*|\bmp\b|\bmpa\b|solu-?medrol|\bmethylpred\b",
     "methylprednisolone"),
    (r"左乙拉西坦|开浦兰|levetiracetam\w*|leviteracetam|\blev\b|keppra|levetiracitam", "levetiracetam"),
)
_STEROID_GENERIC = r"激素|糖皮质|steroid|corticosteroid"
_EXPOSURES: tuple[tuple[str, str], ...] = (
    (r"供者淋巴细胞输注|\bdli\b|donor lymphocyte", "donor_lymphocyte_infusion"),
    (r"抗t细胞抗体|抗胸腺|\batg\b|anti-?thymocyte|anti-?t-?cell antibod\w*|alemtuzumab|阿仑单抗", "anti_t_cell_antibody"),
    (r"(中枢|颅脑|头颅|全脑|脑部|cns|cranial|brain)\s*(神经系统)?\s*(放疗|放射|radiotherapy|radiation|irradiation)",
     "cns_radiotherapy"),
    (r"来那度胺|来那|lenalidomide|lenalidomid|lenalinomide|\blen\b|\blena\b|revlimid|瑞复美", "lenalidomide"),
    (r"硼替佐米|硼替|bortezomib|bortezomid|bortezomb|\bbtz\b|\bbort\b|velcade|万珂", "bortezomib"),
    (r"长春新碱|vincristine|vincristin|\bvcr\b", "vincristine"),
    (r"联合化疗|combination chemo\w*|多药化疗", "combination_chemotherapy"),
    (r"治疗剂量(的)?(糖皮质)?激素|therapeutic(-dose)? (cortico)?steroids?|大剂量激素", "therapeutic_corticosteroids"),
)
_CONSCIOUSNESS: tuple[tuple[str, str], ...] = (
    (r"unarousable|unrousable|not rousable|cannot be (a)?roused|coma\b|comatose|不能唤醒|无法唤醒|唤不醒|叫不醒|昏迷|stupor|木僵",
     "unarousable"),
    (r"(awak\w*|wak\w*|rous\w*|arous\w*|respond\w*) (only )?to (touch|tactile|pain|physical)|tactile|触觉|触碰|触摸|拍打|"
     r"疼痛刺激|刺激(后|可|才)?(唤醒|醒|睁眼)|摇醒|推醒", "awakens_to_touch"),
    (r"(awak\w*|wak\w*|rous\w*|arous\w*|respond\w*|open\w* eyes) (only )?to (voice|verbal|speech|name)|to voice|"
     r"呼唤|声音唤醒|叫醒|呼之(能|可)?(应|醒|睁眼)|言语唤醒|对声音", "awakens_to_voice"),
    (r"spontaneous\w*|自行觉醒|自发觉醒|自行醒|自主觉醒|自然觉醒", "awakens_spontaneously"),
    (r"\balert\b|fully awake|意识清楚|神志清楚|意识清醒|神志清|清醒", "normal"),
)
_POSITIVE_PRESSURE = r"bipap|bi-pap|cpap|\bniv\b|无创(通气|呼吸机)?|呼吸机|机械通气|插管|intubat\w*|ventilat\w*|正压通气|positive pressure"
_HIGH_FLOW = (r"high[- ]?flow|\bhfnc\b|高流量|面罩|face ?mask|non-?rebreather|\bnrb\b|venturi|文丘里|储氧|"
              r"reservoir mask|\bhfno\b")
_LOW_FLOW = r"low[- ]?flow|低流量|鼻导管|鼻塞|nasal cannula|\bnc\b|blow-?by|\bnp\b"
_ROOM_AIR = r"room air|\bon ra\b|未吸氧|不吸氧|无需吸氧|不需(要)?吸氧|没有吸氧|no (supplemental )?oxygen|no o2|off oxygen"
_OXYGEN_GENERIC = r"吸氧|给氧|氧疗|oxygen|\bo2\b|\bsupplemental\b"
_PRESSOR = (r"升压药|升压|血管活性药|去甲肾|去甲|norepinephrine|noradrenaline|norepi|levophed|多巴胺|dopamine|"
            r"phenylephrine|vasopressin|血管加压素|vasopressors?|pressors?|间羟胺|肾上腺素|epinephrine")
_MULTI_PRESSOR = (r"(多种|两种|2种|二种|三种|联合|多个|两个|multiple|two|2|several|\d\s*x|double)\s*(个|种)?\s*"
                  r"(升压|血管活性|vasopressor|pressor)|(升压药|pressors|vasopressors)\s*(x|×)\s*[2-9]")
_NO_PRESSOR = (r"(不需要?|无需|未用|没用|不用|未使用|没有使用|无|no|without|not on|not needing|not requiring|off)\s*"
               r"(any )?(升压|血管活性|vasopressor|pressor)|fluid[- ]responsive|补液(后)?(可|能)?纠正|补液有效|补液后好转|"
               r"respon\w* to fluids?|fluids? only|仅补液|只需补液")
_HYPOTENSION = r"低血压|血压低|血压下降|hypotensi\w*|\bsbp\s*<?\s*[5-8]\d\b|收缩压\s*[5-8]\d|\blow bp\b|bp low"
_NO_HYPOTENSION = r"血压正常|无低血压|没有低血压|no hypotension|normotensive|bp normal|normal bp|血压稳定"
_SEIZURE = r"seizure|癫痫|抽搐|惊厥|convuls\w*|\bfits?\b|epilep\w*|status epilepticus|siezure|seizur"
_SEIZURE_NONE = r"(no|without|无|没有|未见|未出现|未)\s*(癫痫|抽搐|惊厥|seizures?|convulsions?)"
_SEIZURE_PROLONGED = (r"prolonged|repetit\w*|repeated|recurrent|status|持续状态|反复|持续|多次|>\s*5\s*min|超过5分钟|"
                      r"不能恢复|without return")
_SEIZURE_RESOLVED = r"resolv\w*|rapidly|brief|self-?limit\w*|stopped|快速缓解|很快缓解|很快停止|缓解了|自行缓解|迅速缓解|自行停止|很快停止|短暂|已缓解|已停止"
_MOTOR = (r"hemiparesis|paraparesis|hemiplegia|偏瘫|截瘫|肢体无力|偏侧无力|单侧无力|focal (motor )?weakness|"
          r"deep focal|motor weakness|肌力下降|肢体瘫痪")
_MOTOR_NONE = r"(no|without|无|没有)\s*(focal )?(motor )?(weakness|肢体无力|偏瘫|无力)"
_EDEMA = r"cerebral o?edema|brain o?edema|脑水肿|颅内压(增高|升高)|raised icp|increased icp|intracranial pressure|\bicp\b"
_EDEMA_DIFFUSE = (r"diffuse|弥漫|papill?o?edema|视乳头水肿|视盘水肿|posturing|去大脑|去皮层|cushing|库欣三联征|"
                  r"cn ?vi|展神经麻痹|第六对脑神经")
_EDEMA_FOCAL = r"focal|local(ized|ised)?|局灶|局部"
_EDEMA_NONE = r"(no|without|无|没有)\s*(cerebral |brain )?(o?edema|脑水肿)"
_REFRACTORY = r"refractory|难治|无效|不缓解|no response|not respond\w*|unresponsive|无改善|效果不佳|escalat\w*|升级"
_HIGH_DOSE = r"high[- ]dose|pulse|冲击|大剂量|1\s*g\b|1000\s*mg|1\s*g/d|grade 4|4级"
_INFUSION = r"回输|输注|输入|infus\w*|infused|\bcar-?t (day|date)|细胞治疗日"
_TODAY = r"今天是|今日是|today is|today's date|today:|今天:|today =|今天为"
_INFECTION_NO = r"(no|without|无|没有|未|不伴|未合并|未见|not)\s*(active )?(感染|infection|infected)|infection-?free"
_INFECTION_YES = r"感染|infection|infected|肺炎|pneumonia|sepsis|脓毒|菌血症|bacteremia"
_IVIG = r"\bivig\b|丙球|丙种球蛋白|免疫球蛋白替代|immunoglobulin replacement|免疫球蛋白|immunoglobulin|\bigg\b|低丙|hypogamma\w*"
_RELAPSE = r"复发|进展|relapse\w*|relaps\w*|progress\w*|\bpd\b|recurr\w*|relpase"
_ANTIGEN_NEG = r"阴性|negative|antigen-?neg\w*|bcma-(?!\w)|bcma ?neg\w*|丢失|缺失|antigen loss|loss of (bcma|antigen|target)|\bneg\b"
_ANTIGEN_LOW = r"低表达|表达降低|表达下降|弱阳|low[- ]?express\w*|antigen-?low|\blow\b|\bdim\b|decreased|reduced"
_ANTIGEN_POS = r"阳性|positive|antigen-?pos\w*|bcma\+|bcma ?pos\w*|\bpos\b|仍表达|still express\w*"
_ORIGIN = ((r"全人源|fully[- ]human", "fully_human"), (r"人源化|humani[sz]ed", "humanized"),
           (r"鼠源|murine|mouse", "murine"))
_POOR_PERSISTENCE = (r"持续时间短|持续(性)?差|扩增差|扩增不佳|扩增不良|未扩增|poor (persistence|expansion)|"
                     r"short persistence|(didn't|did not|failed to) (expand|persist)|low expansion|不持久")
_TARGETS = (("GPRC5D", r"gprc5d"), ("CS1", r"\bcs1\b|slamf7"), ("CD19", r"\bcd19\b"), ("CD38", r"\bcd38\b"),
            ("CD138", r"\bcd138\b"))
_LD = r"预处理|清淋|淋巴细胞清除|lymphodeplet\w*|lympho-?depletion|\bld\b|\bflu/?cy\b|\bfc\b|fc方案|flu-cy|体表面积|\bbsa\b|conditioning|氟达拉滨|fludarabine|环磷酰胺|cyclophosphamide"
_WASHOUT = (r"洗脱|washout|wash-out|wash out|单采|采集|apheresis|aphaeresis|collection|leukapheresis|最后一次|末次|"
            r"last (dose|given|exposure|treatment)|last\b|停药|stopped|停用|什么时候可以(单采|采集)|when can we collect")
_FOLLOWUP = r"随访|复查|follow-?up|follow up|visit|下次|下一次|next appointment|next check|回访|什么时候复诊|复诊|\bday\s*\+\s*\d+|\bd\+\d+"
_ELIGIBILITY = (r"适合|能否|能不能|可以做|入组|适应证|适应症|禁忌|eligib\w*|candidate|contraindicat\w*|fit for|qualif\w*|"
                r"\bkps\b|\becog\b|\blvef\b|射血分数|eligable|eligibilty")
_CRS = r"\bcrs\b|细胞因子释放|cytokine release|\bcrs\d"
_ICANS = r"\bicans\b|神经毒性|neurotox\w*|\bntx\b|icans\d|\bice\b|脑病|encephalopath\w*"
_MANAGEMENT = (r"需要|处理|怎么办|怎么治|治疗|管理|management|manage|treat\w*|need\w*|what to do|do for|用什么|怎么处理|"
               r"how to handle|handle|recommend\w*")
_GRADING_CUE = r"分级|几级|grade|grading|分度|级别|what grade|which grade"

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}


@lru_cache(maxsize=1)
def _regimen_names() -> tuple[tuple[str, str], ...]:
    """Table 2 product names (from content) with their squashed spelling, plus common aliases."""
    names = [str(r.values["product"]) for r in content.recommendations()
             if r.topic == "lymphodepletion" and "product" in r.values]
    out = [(_squash(n), n) for n in names]
    aliases = {"ciltacel": "CARTITUDE-1", "cartitude": "CARTITUDE-1", "idecel": "KarMMa", "bb2121": "KarMMa",
               "abecma": "KarMMa", "carvykti": "CARTITUDE-1", "karma": "KarMMa"}
    out += [(a, n) for a, n in aliases.items() if n in names]
    return tuple(sorted(out, key=lambda x: -len(x[0])))


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9\u3400-\u9fff]", "", s.lower())


def _has(pattern: str, s: str) -> bool:
    return re.search(pattern, s) is not None


def _first(pairs: tuple[tuple[str, str], ...], s: str) -> str | None:
    for pattern, value in pairs:
        if re.search(pattern, s):
            return value
    return None


# --- dates ------------------------------------------------------------------------------

def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dates(s: str, today: date, out: Extracted) -> str:
    """Read every date; return the text with them blanked so their digits are not read again."""
    found: list[DateMention] = []

    def take(m: re.Match, mention: DateMention | None) -> str:
        if mention is None:
            out.bad_dates.append(m.group(0).strip())
        else:
            found.append(mention.model_copy(update={"start": m.start(), "raw": m.group(0).strip()}))
        return " " * len(m.group(0))

    def iso(m: re.Match) -> str:
        d = _make_date(int(m[1]), int(m[2]), int(m[3]))
        return take(m, d and DateMention(value=d, raw="", form="iso"))

    s = re.sub(r"\b(20\d\d|19\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\b", iso, s)

    def zh(m: re.Match) -> str:
        year = int(m[1]) if m[1] else today.year
        d = _make_date(year, int(m[2]), int(m[3]))
        return take(m, d and DateMention(value=d, raw="", form="zh", year_inferred=not m[1]))

    s = re.sub(r"(?:(20\d\d)\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", zh, s)

    def numeric(m: re.Match) -> str:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        y = y + 2000 if y < 100 else y
        if a > 12 and b <= 12:
            d, form, amb = _make_date(y, b, a), "day_first", False
        elif b > 12 and a <= 12:
            d, form, amb = _make_date(y, a, b), "month_first", False
        else:  # both could be the month: read day first (as printed in the consensus's region), and say so
            d, form, amb = _make_date(y, b, a), "day_first", a != b
        return take(m, d and DateMention(value=d, raw="", form=form, ambiguous=amb))

    s = re.sub(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b", numeric, s)

    month_re = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"

    def named_dm(m: re.Match) -> str:
        year = int(m[3]) if m[3] else today.year
        d = _make_date(year, _MONTHS[m[2]], int(m[1]))
        return take(m, d and DateMention(value=d, raw="", form="month_name", year_inferred=not m[3]))

    def named_md(m: re.Match) -> str:
        year = int(m[3]) if m[3] else today.year
        d = _make_date(year, _MONTHS[m[1]], int(m[2]))
        return take(m, d and DateMention(value=d, raw="", form="month_name", year_inferred=not m[3]))

    s = re.sub(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? {month_re},? ?(20\d\d)?\b", named_dm, s)
    s = re.sub(rf"\b{month_re} (\d{{1,2}})(?:st|nd|rd|th)?,? ?(20\d\d)?\b", named_md, s)

    def rel(m: re.Match, days: int) -> str:
        return take(m, DateMention(value=today - timedelta(days=days), raw="", form="relative"))

    s = re.sub(r"(\d{1,3})\s*(天前|days? ago)", lambda m: rel(m, int(m[1])), s)
    s = re.sub(r"(\d{1,2})\s*(周前|weeks? ago)", lambda m: rel(m, 7 * int(m[1])), s)
    s = re.sub(r"昨天|yesterday", lambda m: rel(m, 1), s)
    s = re.sub(r"(?<!是)今天(?!是)|\btoday\b(?! is)", lambda m: rel(m, 0), s)
    out.dates = sorted(found, key=lambda d: d.start)
    return s


# --- the reader -------------------------------------------------------------------------

def extract(text: str, today: date) -> Extracted:
    out = Extracted()
    s = normalise(text)
    if m := re.search(_INFUSION, s):
        out.infusion_cue = m.start()
    if m := re.search(_TODAY, s):
        out.today_cue = m.start()
    s = _dates(s, today, out)

    # drugs and exposures (positions kept to pair dates with them)
    drug_pos = [(m.start(), drug) for pattern, drug in _DRUGS if (m := re.search(pattern, s))]
    out.drugs = [d for _, d in sorted(drug_pos)]
    out.steroid_generic = _has(_STEROID_GENERIC, s)
    for pattern, key in _EXPOSURES:
        if m := re.search(pattern, s):
            out.exposure_pos[key] = m.start()
    if not out.exposure_pos.get("combination_chemotherapy") and (m := re.search(r"化疗|chemo\w*", s)):
        out.exposure_pos["combination_chemotherapy"] = m.start()
        out.chemo_generic = True
    out.exposures = sorted(out.exposure_pos, key=out.exposure_pos.get)

    # stated grades: "grade 2 ICANS", "ICANS 2级", "2级CRS", "CRS G3", "III级"
    for kind, word in (("crs", r"(?:crs|细胞因子释放综合征)"), ("icans", r"(?:icans|神经毒性|ntx)")):
        g = r"(?:grade|gr\.?|g|级别)?\s*([0-4]|iv|iii|ii|i)(?![0-9a-z.])\s*(?:级|度)?"
        pats = (rf"{word}\s*{g}", rf"(?:grade|gr\.?|g)\s*([0-4]|iv|iii|ii|i)(?![0-9a-z.])\s*(?:级|度)?\s*(?:的)?\s*{word}",
                rf"([0-4]|iv|iii|ii|i)\s*(?:级|度)\s*(?:的)?\s*{word}")
        for p in pats:
            if m := re.search(p, s):
                raw = m.group(1)
                setattr(out, f"{kind}_grade_stated", _ROMAN.get(raw, int(raw) if raw.isdigit() else None))
                s = s[: m.start()] + " " * (m.end() - m.start()) + s[m.end():]
                break
    # ICE score (before numbers are read as anything else)
    if m := re.search(r"\bice\s*(?:score|评分|分数|总分)?\s*(?:[:=]|为|是)?\s*(\d{1,3})(?:\s*/\s*10)?\s*分?", s):
        out.ice = int(m[1])
        s = s[: m.start()] + " " * (m.end() - m.start()) + s[m.end():]

    # weights
    for m in re.finditer(rf"{_NUM}\s*(kg|公斤|千克|kgs)\b|{_NUM}\s*(公斤|千克)", s):
        out.weights_kg.append(float(m[1] or m[3]))
    for m in re.finditer(rf"(?:体重|\bweight|\bwt\b|\bbw\b|\bweighs|\bweighing)\s*(?:[:=]|为|是|约)?\s*{_NUM}(?!\s*(kg|公斤|千克|lb|磅|斤|cm))",
                         s):
        out.weights_kg.append(float(m[1]))
    if m := re.search(rf"{_NUM}\s*(lbs?|pounds?|磅)\b|{_NUM}\s*(磅)", s):
        out.weight_other_unit = "lb"
    elif re.search(rf"{_NUM}\s*斤", s):
        out.weight_other_unit = "jin"
    # heights
    for m in re.finditer(rf"{_NUM}\s*(cm|厘米|公分)", s):
        out.heights_cm.append(float(m[1]))
    for m in re.finditer(r"(?<![\d.])([12]\.\d{1,2})\s*(m|米)(?![a-z])", s):
        out.heights_cm.append(round(float(m[1]) * 100, 1))
        out.height_from_metres = True
    for m in re.finditer(rf"(?:身高|\bheight|\bht\b)\s*(?:[:=]|为|是)?\s*{_NUM}(?!\s*(cm|厘米|公分|m\b|米))", s):
        v = float(m[1])
        if v < 3:
            out.heights_cm.append(round(v * 100, 1))
            out.height_from_metres = True
        else:
            out.heights_cm.append(v)
    # temperatures (°F is read, then refused with its reason)
    temp_kw = r"(?:体温|temp(?:erature)?|tmax|t max|\bt\b|fever|发热|发烧|高热|febrile)"
    for m in re.finditer(rf"{_NUM}\s*(°\s*c|度|°|摄氏度|c\b)", s):
        v = float(m[1])
        if v >= 30 or m[2].startswith("°"):
            out.temps_c.append(v)
    for m in re.finditer(rf"{temp_kw}\s*(?:[:=]|为|是|到|达|高达|最高)?\s*{_NUM}(?!\s*(°|度|f\b|c\b|h\b|小时|天|d\b|days?))", s):
        v = float(m[1])
        if 90 <= v <= 115:
            out.temp_fahrenheit = v
        elif v >= 25:
            out.temps_c.append(v)
    if m := re.search(rf"{_NUM}\s*(°\s*f|华氏|fahrenheit|f\b)", s):
        out.temp_fahrenheit = float(m[1])
    out.temps_c = list(dict.fromkeys(out.temps_c))
    # oxygen flow
    if m := re.search(rf"{_NUM}\s*(l/min|l/m|升/分|l\b|升)", s):
        out.oxygen_l_min = float(m[1])
    # IgG
    if m := re.search(rf"igg\s*(?:[:=]|为|是|水平)?\s*{_NUM}\s*(g/l|mg/dl|g/dl|mg/l)?", s):
        out.igg_g_l = float(m[1])
        if m[2] and m[2] != "g/l":
            out.igg_other_unit = m[2]
    # eligibility numbers
    base = out.baseline
    if m := re.search(r"\bkps\s*(?:[:=]|评分)?\s*(\d{1,3})", s):
        base["kps"] = int(m[1])
    if m := re.search(r"\becog\s*(?:[:=]|评分)?\s*(\d)", s):
        base["ecog"] = int(m[1])
    if m := re.search(rf"(?:lvef|\bef\b|射血分数)\s*(?:[:=]|为)?\s*{_NUM}\s*%?", s):
        base["lvef_pct"] = float(m[1])
    if m := re.search(rf"(?:spo2|血氧饱和度|氧饱和度|sao2|血氧)\s*(?:[:=]|为)?\s*{_NUM}\s*%?", s):
        base["spo2_pct"] = float(m[1])
    if m := re.search(rf"\balt\s*(?:[:=])?\s*{_NUM}\s*(?:x|×|倍)", s):
        base["alt_x_uln"] = float(m[1])
    if m := re.search(rf"\bast\s*(?:[:=])?\s*{_NUM}\s*(?:x|×|倍)", s):
        base["ast_x_uln"] = float(m[1])
    if m := re.search(rf"(?:胆红素|bilirubin|tbil|\bbili\b)\s*(?:[:=])?\s*{_NUM}\s*(umol/l|µmol/l|μmol/l|mg/dl|g/l)?", s):
        base["bilirubin"] = float(m[1])
        unit = (m[2] or "umol/l").replace("µ", "u").replace("μ", "u")
        base["bilirubin_unit"] = {"umol/l": "umol/L", "mg/dl": "mg/dL", "g/l": "g/L"}[unit]
    for key, pattern in (("atrial_fibrillation", r"房颤|atrial fibrillation|\baf\b|\bafib\b"),
                         ("cardiac_amyloidosis", r"淀粉样变|amyloid\w*"),
                         ("renal_impairment", r"肾功能不全|肾功能异常|肾损|renal (impairment|insufficiency|failure)|\bckd\b|透析|dialysis"),
                         ("cns_disease", r"中枢(神经系统)?(受累|侵犯|病变|浸润)|cns (involvement|disease)"),
                         ("active_hbv", r"活动性乙肝|active hbv|乙肝活动"),
                         ("pregnant_or_lactating", r"妊娠|怀孕|哺乳|pregnan\w*|lactat\w*|breastfeed\w*"),
                         ("implanted_devices", r"起搏器|植入|pacemaker|implant\w*|port\b")):
        if _has(pattern, s):
            base[key] = True

    # CRS findings
    if _has(_POSITIVE_PRESSURE, s):
        out.hypoxia = "positive_pressure"
    elif _has(_HIGH_FLOW, s):
        out.hypoxia = "high_flow"
    elif out.oxygen_l_min is not None and (_has(_OXYGEN_GENERIC, s) or _has(_LOW_FLOW, s)):
        out.hypoxia = "low_flow" if out.oxygen_l_min <= 6 else "high_flow"
    elif _has(_LOW_FLOW, s):
        out.hypoxia = "low_flow"
    elif _has(_ROOM_AIR, s):
        out.hypoxia = "none"
    elif _has(_OXYGEN_GENERIC, s):
        out.hypoxia = "unspecified"
    if _has(_MULTI_PRESSOR, s):
        out.hypotension = "multiple_vasopressors"
    elif _has(_NO_PRESSOR, s):
        out.hypotension = "no_vasopressor" if _has(_HYPOTENSION, s) or _has(r"补液|fluid", s) else "unspecified"
    elif _has(_PRESSOR, s):
        out.hypotension = "one_vasopressor"
    elif _has(_NO_HYPOTENSION, s):
        out.hypotension = "none"
    elif _has(_HYPOTENSION, s):
        out.hypotension = "unspecified"

    # ICANS findings
    out.consciousness = _first(_CONSCIOUSNESS, s)
    if _has(_SEIZURE_NONE, s):
        out.seizure = "none"
    elif _has(_SEIZURE, s):
        out.seizure = ("prolonged_or_repetitive" if _has(_SEIZURE_PROLONGED, s)
                       else "resolved_rapidly" if _has(_SEIZURE_RESOLVED, s) else "unspecified")
    if _has(_MOTOR_NONE, s):
        out.motor_weakness = "none"
    elif _has(_MOTOR, s):
        out.motor_weakness = "deep_focal"
    if _has(_EDEMA_NONE, s):
        out.cerebral_edema = "none"
    elif _has(_EDEMA, s) or _has(r"papill?o?edema|视乳头水肿|视盘水肿|posturing|cushing|库欣", s):
        out.cerebral_edema = ("diffuse" if _has(_EDEMA_DIFFUSE, s) else "focal" if _has(_EDEMA_FOCAL, s)
                              else "unspecified")

    # treatment words
    out.refractory = _has(_REFRACTORY, s)
    out.high_dose = _has(_HIGH_DOSE, s)

    # infection, IgG context
    if _has(_INFECTION_NO, s):
        out.infection = False
    elif _has(_INFECTION_YES, s):
        out.infection = True

    # relapse context
    if _has(_ANTIGEN_NEG, s):
        out.antigen = "negative"
    elif _has(_ANTIGEN_LOW, s):
        out.antigen = "low"
    elif _has(_ANTIGEN_POS, s):
        out.antigen = "positive"
    elif _has(r"unknown|未知|未检测|不知道|not tested", s):
        out.antigen = "unknown"
    out.origin = _first(_ORIGIN, s)
    out.poor_persistence = _has(_POOR_PERSISTENCE, s)
    out.targets = [name for name, p in _TARGETS if _has(p, s)]

    # Table 2 regimens
    sq = _squash(s)
    for squashed, name in _regimen_names():
        if squashed in sq and name not in out.regimens:
            out.regimens.append(name)
            sq = sq.replace(squashed, " ")

    # yes / no (answers to the assistant's own question)
    if re.fullmatch(r"\s*(yes|y|yeah|yep|是|是的|有|对|需要|用了|有的|positive|阳性)\W*\s*", s):
        out.yes = True
    elif re.fullmatch(r"\s*(no|n|nope|否|没有|无|不|不是|不需要|没|negative|阴性)\W*\s*", s):
        out.yes = False

    # bare numbers (an answer like "72" to "what is the weight?")
    if m := re.fullmatch(rf"\s*{_NUM}\s*", s):
        out.bare_numbers.append(float(m[1]))

    # topic cues
    for cue, pattern in (("crs", _CRS), ("icans", _ICANS), ("washout", _WASHOUT), ("followup", _FOLLOWUP),
                         ("ivig", _IVIG), ("relapse", _RELAPSE), ("eligibility", _ELIGIBILITY),
                         ("lymphodepletion", _LD), ("management", _MANAGEMENT), ("grading", _GRADING_CUE),
                         ("infusion", _INFUSION), ("dose", r"剂量|用量|用多少|多少量|怎么用|dose|dosing|多少mg|how much|mg\b"),
                         ("hypotension", _HYPOTENSION)):
        if _has(pattern, s):
            out.cues.append(cue)
    return out


def detect_intent(x: Extracted) -> str | None:
    """The calculation the message asks for, or None if it asks for none (search or a follow-up)."""
    cues = set(x.cues)
    crs_findings = bool(x.temps_c or x.temp_fahrenheit is not None or x.hypoxia or x.hypotension)
    icans_findings = bool(x.ice is not None or x.consciousness not in (None, "normal") or x.seizure
                          or x.motor_weakness or x.cerebral_edema)
    washout_cue = "washout" in cues
    if x.exposures and (x.dates or washout_cue) and not (x.drugs and "dose" in cues and not x.dates):
        return "washout"
    if x.icans_grade_stated is not None and not icans_findings:
        return "icans_grade"
    if x.crs_grade_stated is not None and not crs_findings and not x.drugs:
        return "crs_grade"
    if x.drugs or (x.steroid_generic and "dose" in cues):
        return "tocilizumab_dose" if x.drugs[:1] == ["tocilizumab"] else "steroid_dose"
    if icans_findings:
        return "icans_grade"
    if crs_findings:
        return "crs_grade"
    if x.regimens or ("lymphodepletion" in cues and not x.exposures):
        return "lymphodepletion"
    if x.igg_g_l is not None or ("ivig" in cues and "relapse" not in cues):
        return "ivig"
    if "relapse" in cues and (x.antigen or "management" in cues or x.targets or x.poor_persistence or x.origin):
        return "relapse"
    if "followup" in cues:
        return "followup"
    if "relapse" in cues:
        return "relapse"
    if x.exposures and not x.drugs:
        return "washout"
    if x.dates and x.infusion_cue is not None:
        return "followup"
    if "eligibility" in cues or len(x.baseline) >= 2:
        return "eligibility"
    if "crs" in cues and "grading" in cues:
        return "crs_grade"
    if "icans" in cues and "grading" in cues:
        return "icans_grade"
    return None
