"""Stage 2, findings: the clinical facts a normalised question states, each with its span.

Deterministic readers over the normalised text (logic.assistant.normalize), with the named
drugs, pressors, oxygen devices and uncovered drugs taken from the lexicon. Negation
(无/没有/未/不用/不需要/否认, no/not/without/denies/off) applies to the finding in its own scope.
Nothing here computes a clinical number: it only reads what the user typed, and records where
(`Extracted.found`, positions in the normalised text) so the reply can read it back.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from logic import content
from logic.assistant import lexicon
from logic.assistant.normalize import Normalized, normalise

Lang = Literal["en", "zh"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_NUM = r"(?<![\d.])(\d+(?:\.\d+)?)(?!\d|\.\d)"  # starts at a number's first digit (no quadratic backtracking)


def language(text: str) -> Lang:
    """The reply language: Chinese if the question has any Chinese character."""
    return "zh" if _CJK.search(text) else "en"


class Found(BaseModel):
    """One finding as read: what, its normalised value, and where (normalised-text positions)."""

    kind: str
    value: object = None
    unit: str | None = None
    start: int
    end: int
    negated: bool = False


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
    not_covered: list[str] = Field(default_factory=list)   # lexicon concepts the consensus does not name
    pressors: list[str] = Field(default_factory=list)      # named agents, counting ones (vasopressin apart)
    vasopressin: bool = False
    spo2_pct: float | None = None
    fever_before_masking: bool = False
    masked: bool = False
    age_years: float | None = None
    weight_range: bool = False
    today_date: date | None = None
    day_post: int | None = None
    toci_count: int | None = None
    toci_times: list[datetime] = Field(default_factory=list)
    toci_next: bool = False
    collect: bool = False
    no_pressor: bool = False                  # "no pressors" said: hypotension none or not needing one
    collect_pos: int | None = None
    what_if: bool = False
    found: list[Found] = Field(default_factory=list)


# --- vocabularies -----------------------------------------------------------------------

# (pattern, value), first match wins; (?![a-z0-9]) only where an English word needs it.
_DRUGS: tuple[tuple[str, str], ...] = (
    (r"托珠|tocili?zumab|(?<![a-z0-9])toci\w*|(?<![a-z0-9])tcz(?![a-z0-9])|actemra|雅美罗|tocilizuma|tocilizumba|tociluzumab", "tocilizumab"),
    (r"地塞米松|地米|dexamethason\w*|dexa\w*|(?<![a-z0-9])dex(?![a-z0-9])|dexa?methasone|dexametasone", "dexamethasone"),
    (r"甲泼尼龙|甲强龙|甲基强的松龙|甲泼|methyl\s*pred\w*|methylprednisolon\w*|(?<![a-z0-9])mp(?![a-z0-9])|(?<![a-z0-9])mpa(?![a-z0-9])|solu-?medrol|(?<![a-z0-9])methylpred(?![a-z0-9])",
     "methylprednisolone"),
    (r"左乙拉西坦|开浦兰|levetiracetam\w*|leviteracetam|(?<![a-z0-9])lev(?![a-z0-9])|keppra|levetiracitam", "levetiracetam"),
)
_STEROID_GENERIC = r"激素|糖皮质|steroid|corticosteroid"
_EXPOSURES: tuple[tuple[str, str], ...] = (
    (r"供者淋巴细胞输注|(?<![a-z0-9])dli(?![a-z0-9])|donor lymphocyte", "donor_lymphocyte_infusion"),
    (r"抗t细胞抗体|抗胸腺|(?<![a-z0-9])atg(?![a-z0-9])|anti-?thymocyte|anti-?t-?cell antibod\w*|alemtuzumab|阿仑单抗", "anti_t_cell_antibody"),
    (r"(中枢|颅脑|头颅|全脑|脑部|cns|cranial|brain)\s*(神经系统)?\s*(放疗|放射|radiotherapy|radiation|irradiation)",
     "cns_radiotherapy"),
    (r"来那度胺|来那|lenalidomide|lenalidomid|lenalinomide|(?<![a-z0-9])len(?![a-z0-9])|(?<![a-z0-9])lena(?![a-z0-9])|revlimid|瑞复美", "lenalidomide"),
    (r"硼替佐米|硼替|bortezomib|bortezomid|bortezomb|(?<![a-z0-9])btz(?![a-z0-9])|(?<![a-z0-9])bort(?![a-z0-9])|velcade|万珂", "bortezomib"),
    (r"长春新碱|vincristine|vincristin|(?<![a-z0-9])vcr(?![a-z0-9])", "vincristine"),
    (r"联合化疗|combination chemo\w*|多药化疗", "combination_chemotherapy"),
    (r"治疗剂量(的)?(糖皮质)?激素|therapeutic(-dose)? (cortico)?steroids?|大剂量激素", "therapeutic_corticosteroids"),
)
_CONSCIOUSNESS: tuple[tuple[str, str], ...] = (
    # ASTCT 2019 Table 6, grade 4: "unarousable or requires vigorous or repetitive tactile stimuli to arouse"
    # (read before "tactile", grade 3)
    (r"unarousable|unrousable|not rousable|cannot be (a)?roused|coma(?![a-z0-9])|comatose|不能唤醒|无法唤醒|唤不醒|叫不醒|昏迷|stupor|木僵|"
     r"(vigorous|repetitive|repeated|strong) (tactile |physical )?stimul\w*|"
     r"(强烈|反复|剧烈|用力|重复)刺激",
     "unarousable"),
    (r"(awak\w*|wak\w*|rous\w*|arous\w*|respond\w*) (only )?to (touch|tactile|pain|physical)|tactile|触觉|触碰|触摸|拍打|"
     r"疼痛刺激|刺激(后|可|才)?(唤醒|醒|睁眼)|摇醒|推醒", "awakens_to_touch"),
    (r"(awak\w*|wak\w*|rous\w*|arous\w*|respond\w*|open\w* eyes) (only )?to (voice|verbal|speech|name)|to voice|"
     r"呼唤|声音唤醒|叫醒|呼之(能|可)?(应|醒|睁眼)|言语唤醒|对声音", "awakens_to_voice"),
    (r"spontaneous\w*|自行觉醒|自发觉醒|自行醒|自主觉醒|自然觉醒", "awakens_spontaneously"),
    (r"(?<![a-z0-9])alert(?![a-z0-9])|(?<![a-z0-9])awake(?![a-z0-9])|oriented|a&o|神清|fully awake|意识清楚|神志清楚|意识清醒|神志清|清醒", "normal"),
)
_POSITIVE_PRESSURE = r"bipap|bi-pap|cpap|(?<![a-z0-9])niv(?![a-z0-9])|无创(通气|呼吸机)?|呼吸机|机械通气|插管|intubat\w*|ventilat\w*|正压通气|positive pressure"
_HIGH_FLOW = (r"high[- ]?flow|(?<![a-z0-9])hfnc(?![a-z0-9])|高流量|面罩|face ?mask|non-?rebreather|(?<![a-z0-9])nrb(?![a-z0-9])|venturi|文丘里|储氧|"
              r"reservoir mask|(?<![a-z0-9])hfno(?![a-z0-9])")
_LOW_FLOW = r"low[- ]?flow|低流量|鼻导管|鼻塞|nasal cannula|(?<![a-z0-9])nc(?![a-z0-9])|blow-?by|(?<![a-z0-9])np(?![a-z0-9])"
_ROOM_AIR = r"room air|(?<![a-z0-9])on ra(?![a-z0-9])|未吸氧|不吸氧|无需吸氧|不需(要)?吸氧|没有吸氧|no (supplemental )?oxygen|no o2|off oxygen"
_OXYGEN_GENERIC = r"吸氧|给氧|氧疗|oxygen|(?<![a-z0-9])o2(?![a-z0-9])|(?<![a-z0-9])supplemental(?![a-z0-9])"
_PRESSOR = (r"升压药|升压|血管活性药|去甲肾|去甲|norepinephrine|noradrenaline|norepi|levophed|多巴胺|dopamine|"
            r"phenylephrine|vasopressin|血管加压素|vasopressors?|pressors?|间羟胺|肾上腺素|epinephrine")
_MULTI_PRESSOR = (r"(多种|两种|2种|二种|三种|联合|多个|两个|multiple|two|2|several|\d\s*x|double)\s*(个|种)?\s*"
                  r"(升压|血管活性|vasopressor|pressor)|(升压药|pressors|vasopressors)\s*(x|×)\s*[2-9]")
_NO_PRESSOR = (r"(不需要?|无需|未用|没用|没有用|没有|不用|未使用|没有使用|无|no|without|not on|not needing|not requiring|off)\s*"
               r"(any )?(升压|血管活性|vasopressor|pressor)|fluid[- ]responsive|补液(后)?(可|能)?纠正|补液有效|补液后好转|"
               r"respon\w* to fluids?|fluids? only|仅补液|只需补液")
_HYPOTENSION = r"低血压|血压低|血压下降|hypotensi\w*|(?<![a-z0-9])sbp\s*<?\s*[5-8]\d(?![a-z0-9])|收缩压\s*[5-8]\d|(?<![a-z0-9])low bp(?![a-z0-9])|bp low"
_NO_HYPOTENSION = r"血压正常|无低血压|没有低血压|no hypotension|normotensive|bp normal|normal bp|blood pressure (is )?normal|normal blood pressure|血压稳定"
_SEIZURE = r"seizure|癫痫|抽搐|惊厥|convuls\w*|(?<![a-z0-9])fits?(?![a-z0-9])|epilep\w*|status epilepticus|siezure|seizur"
_SEIZURE_NONE = r"(no|without|无|没有|未见|未出现|未)\s*(癫痫|抽搐|惊厥|seizures?|convulsions?)"
_SEIZURE_PROLONGED = (r"(?:more than|over|longer than|>)\s*5\s*min\w*|lasting|prolonged|repetit\w*|repeated|recurrent|status|持续状态|反复|持续|多次|>\s*5\s*min|超过5分钟|"
                      r"不能恢复|without return")
_SEIZURE_RESOLVED = r"resolv\w*|rapidly|brief|self-?limit\w*|stopped|快速缓解|很快缓解|很快停止|缓解了|自行缓解|迅速缓解|自行停止|很快停止|短暂|已缓解|已停止"
_MOTOR = (r"hemiparesis|paraparesis|hemiplegia|偏瘫|截瘫|肢体无力|偏侧无力|单侧无力|focal (motor )?weakness|"
          r"deep focal|motor weakness|肌力下降|肢体瘫痪")
_MOTOR_NONE = (r"(no|without|无|没有)\s*(focal )?(motor )?(weakness|hemiparesis|paraparesis|hemiplegia|肢体无力|偏瘫|截瘫|无力)")
_EDEMA = r"cerebral o?edema|brain o?edema|脑水肿|颅内压(增高|升高)|raised icp|increased icp|intracranial pressure|(?<![a-z0-9])icp(?![a-z0-9])"
# ASTCT 2019 grade 4 (cerebral oedema row): posturing, cranial nerve VI palsy, papilloedema, Cushing's triad,
# each a finding of its own even without the word "oedema"
_EDEMA_GRADE4_SIGN = (r"papill?o?edema|视乳头水肿|视盘水肿|posturing|去大脑|去皮层|去皮质|cushing|库欣|"
                      r"(?<![a-z0-9])cn ?vi(?![a-z0-9])|cranial nerve (vi|6|six)(?![a-z0-9])|(sixth|6th) (cranial )?nerve|"
                      r"abducens|展神经|外展神经|第六对脑神经")
_EDEMA_DIFFUSE = rf"diffuse|弥漫|{_EDEMA_GRADE4_SIGN}"
_EDEMA_FOCAL = r"focal|local(ized|ised)?|局灶|局部"
_EDEMA_BARE = r"(?:focal|diffuse|局灶性?|弥漫性?)\s*(?:cerebral |brain )?o?edema|(?:局灶|弥漫)性?\S{0,2}水肿|(?<![a-z0-9])o?edema(?![a-z0-9]).{0,12}(?:mri|ct)|(?:mri|ct)(?![a-z0-9]).{0,20}(?<![a-z0-9])o?edema"
_EDEMA_NONE = r"(no|without|无|没有)\s*(cerebral |brain )?(o?edema|脑水肿)"
_REFRACTORY = r"refractory|难治|无效|不缓解|no response|not respond\w*|unresponsive|无改善|效果不佳|escalat\w*|升级"
_HIGH_DOSE = r"high[- ]dose|pulse|冲击|大剂量|1\s*g(?![a-z0-9])|1000\s*mg|1\s*g/d|grade 4|4级"
_INFUSION = r"回输|(?<!淋巴细胞)输注|输入|(?<!lymphocyte )infus\w*|(?<![a-z0-9])car-?t (day|date)|细胞治疗日"
_TODAY = r"今天是|今日是|today is|today's date|today:|今天:|today =|今天为"
_INFECTION_NO = r"(no|without|无|没有|未|不伴|未合并|未见|not)\s*(active )?(感染|infection|infected)|infection-?free"
_INFECTION_YES = r"感染|infection|infected|肺炎|pneumonia|sepsis|脓毒|菌血症|bacteremia"
_IVIG = r"(?<![a-z0-9])ivig(?![a-z0-9])|丙球|丙种球蛋白|免疫球蛋白替代|immunoglobulin replacement|免疫球蛋白|immunoglobulin|(?<![a-z0-9])igg(?![a-z0-9])|低丙|hypogamma\w*"
_RELAPSE = r"复发|进展|relapse\w*|relaps\w*|progress\w*|(?<![a-z0-9])pd(?![a-z0-9])|recurr\w*|relpase"
# The target antigen's status counts only when it is said of the antigen: a polarity word next to an antigen
# word ("BCMA 阴性", "BCMA expression low", "negative for BCMA", "抗原丢失"), a form that names the
# antigen itself ("antigen-low", "bcma-"), or the relapse itself ("阴性复发"). A bare "low", "negative"
# or "decreased" elsewhere ("low bp", "negative for infection", "platelets decreased") is not about the
# antigen: it was read as an antigen-low or antigen-negative relapse, and the latter removes the BCMA options.
_ANTIGEN_WORD = (r"(?:(?<![a-z0-9])(?:bcma|gprc5d|cd19|cd38|cd138|cs1|slamf7|fcrh5)(?![a-z0-9])|靶抗原|抗原|靶点|"
                 r"(?:target )?antigen|target)(?:\s*(?:的)?\s*(?:expression|表达))?\s*(?:is|was|still|仍为|仍是|仍|为|是|呈)?\s*")
_ANTIGEN_REL = r"\s*(?:的)?\s*(?:复发|进展|relapse|progression)"
# said of the antigen: after an antigen word, before one ("negative for BCMA") or before the relapse
# itself, or the whole message (a one-word answer); {p} is the polarity (not a function: these are built at
# import, where a mutated function would never run)
_ANTIGEN_SAID = (rf"{_ANTIGEN_WORD}(?:{{p}})|(?:{{p}})\s*(?:for\s+|of\s+)?{_ANTIGEN_WORD}|(?:{{p}}){_ANTIGEN_REL}"
                 r"|^\s*(?:{p})\s*$")
_ANTIGEN_NEG = (r"antigen-?neg\w*|bcma-(?!\w)|bcma ?neg\w*|antigen loss|loss of (?:bcma|antigen|target)|"
                + _ANTIGEN_SAID.replace("{p}", r"阴性|negative|(?<![a-z0-9])neg(?![a-z0-9])|丢失|缺失|loss|lost"))
_ANTIGEN_LOW = (r"低表达|表达降低|表达下降|弱阳|low[- ]?express\w*|antigen-?low|"
                + _ANTIGEN_SAID.replace("{p}", r"(?<![a-z0-9])low(?![a-z0-9])|(?<![a-z0-9])dim(?![a-z0-9])|decreased|reduced|降低|下降"))
_ANTIGEN_POS = (r"antigen-?pos\w*|bcma\+|bcma ?pos\w*|仍表达|still express\w*|"
                + _ANTIGEN_SAID.replace("{p}", r"阳性|positive|(?<![a-z0-9])pos(?![a-z0-9])"))
_ORIGIN = ((r"全人源|fully[- ]human", "fully_human"), (r"人源化|humani[sz]ed", "humanized"),
           (r"鼠源|murine|mouse", "murine"))
_POOR_PERSISTENCE = (r"持续时间短|持续(性)?差|扩增差|扩增不佳|扩增不良|未扩增|poor (persistence|expansion)|"
                     r"short persistence|(didn't|did not|failed to) (expand|persist)|low expansion|不持久")
_TARGETS = (("GPRC5D", r"gprc5d"), ("CS1", r"(?<![a-z0-9])cs1(?![a-z0-9])|slamf7"), ("CD19", r"(?<![a-z0-9])cd19(?![a-z0-9])"), ("CD38", r"(?<![a-z0-9])cd38(?![a-z0-9])"),
            ("CD138", r"(?<![a-z0-9])cd138(?![a-z0-9])"))
_LD = r"预处理|清淋|淋巴细胞清除|lymphodeplet\w*|lympho-?depletion|(?<![a-z0-9])ld(?![a-z0-9])|(?<![a-z0-9])flu/?cy(?![a-z0-9])|(?<![a-z0-9])fc(?![a-z0-9])|fc方案|flu-cy|体表面积|(?<![a-z0-9])bsa(?![a-z0-9])|conditioning|氟达拉滨|fludarabine|环磷酰胺|cyclophosphamide"
_WASHOUT = (r"洗脱|washout|wash-out|wash out|单采|采集|apheresis|aphaeresis|collection|leukapheresis|最后一次|末次|"
            r"last (dose|given|exposure|treatment)|last(?![a-z0-9])|停药|stopped|停用|什么时候可以(单采|采集)|when can we collect")
_FOLLOWUP = r"随访|复查|follow-?up|follow up|visit|下次|下一次|next appointment|next check|回访|什么时候复诊|复诊|(?<![a-z0-9])day\s*\+\s*\d+|(?<![a-z0-9])d\+\d+"
_ELIGIBILITY = (r"适合|能否|能不能|可以做|入组|适应证|适应症|禁忌|eligib\w*|candidate|contraindicat\w*|fit for|qualif\w*|"
                r"(?<![a-z0-9])kps(?![a-z0-9])|(?<![a-z0-9])ecog(?![a-z0-9])|(?<![a-z0-9])lvef(?![a-z0-9])|射血分数|eligable|eligibilty")
_CRS = r"(?<![a-z0-9])crs(?![a-z0-9])|细胞因子释放|cytokine release|(?<![a-z0-9])crs\d"
_ICANS = r"(?<![a-z0-9])icans(?![a-z0-9])|神经毒性|neurotox\w*|(?<![a-z0-9])ntx(?![a-z0-9])|icans\d|(?<![a-z0-9])ice(?![a-z0-9])|脑病|encephalopath\w*"
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


_MEDICINE_KINDS = ("drug", "pressor", "exposure", "not_covered")
# parts of the day before an hour (昨晚10点, 下午3点): the evening's make 0-4 the small hours after it
# (夜里2点 is 02:00) and 12 midnight; they and the afternoon's turn the other hours below 12 into 13-23
_EVENING = ("晚上", "夜里", "半夜", "晚", "夜")
_AFTERNOON = ("下午", "傍晚", *_EVENING)


# What may stand between a medicine and a dose count or time said of it: the medicine as subject
# (托珠打了2次, toci x2, toci at 10:00; the count's own 打了 is inside the count), and as object: in
# Chinese right after it (打了2次托珠, 10点打了托珠), in English only with "of" (2 doses of toci: "dex
# q6h for 2 doses toci 8 mg/kg" is two doses of dex). A comma ends the phrase: "地塞米松10mg, 打了2次托珠".
_SUBJECT_GAP = r"[ ]*(?:at|@|于|在|已)?[ ]*"
_OBJECT_GAP_ZH = r"[ ]*(?:打了|打的|打|用了|用的|用|给了|给的|给|输了|输|予以|予)?[ ]*(?:的)?[ ]*"
_OBJECT_GAP_EN = r"[ ]*of(?: the)?[ ]+"


def _said_of(at: int, end: int, medicines: list[tuple[int, int, str]], s: str) -> str | None:
    """The medicine a dose count or a time at s[at:end] is said of: the one its phrase is about, named
    right before it (托珠打了2次, "dex x2, toci x1") or right after it (打了2次托珠, 10点打了托珠); else the
    nearest one named before it, else, with none before, the first one named after it."""
    for _start, stop, name in reversed(medicines):
        if stop <= at and re.fullmatch(_SUBJECT_GAP, s[stop:at]):
            return name
    for start, _stop, name in medicines:
        # the medicine's own script tells the sentence's (a time is blanked by now: 10点 is spaces)
        gap = _OBJECT_GAP_ZH if re.match(r"[\u3400-\u9fff]", s[start:start + 1]) else _OBJECT_GAP_EN
        if start >= end and re.fullmatch(gap, s[end:start]):
            return name
    before = [name for start, _stop, name in medicines if start < at]
    if before:
        return before[-1]
    after = [name for start, _stop, name in medicines if start >= at]
    return after[0] if after else None


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

    s = re.sub(r"(?<!\d)(20\d\d|19\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", iso, s)

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

    def month_day(m: re.Match) -> str:
        d = _make_date(today.year, int(m[1]), int(m[2]))
        return take(m, d and DateMention(value=d, raw="", form="zh", year_inferred=True))

    s = re.sub(r"(?<![\d.\-/])(0[1-9]|1[0-2])[-/](0[1-9]|[12]\d|3[01])(?![\d.\-/])", month_day, s)

    # whole month names or their abbreviations only ("febrile 39" is not 39 February)
    month_re = (r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ember|ober)?"
                r"\.?(?![a-z])")

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

_NEG = (r"(?:无(?!创)|没有|没|未|(?<!是)不是|并非|不用|不需要|不需|无需|否认|停用|"
        r"(?<![a-z])(?:no|not|without|denies|denied|off|nil|negative for)(?![a-z]))"
        r"\s*(?:on\s+|any\s+|using\s+|use\s+|需要\s*|用\s*|使用\s*|用过\s*)?")
_MASK = (r"after (?:toci\w*|tocilizumab|dex\w*|dexamethasone|steroids?|methylpred\w*|antipyretics?|paracetamol|"
         r"acetaminophen|tylenol)|(?:托珠单抗|托珠|地塞米松|地米|激素|退热药|对乙酰氨基酚|布洛芬|甲强龙|甲泼尼龙)\s*(?:后|之后|以后)|"
         r"用了?(?:托珠单抗|托珠|地塞米松|激素|退热药)\s*后|退热后|masked|掩盖")
_BEFORE = r"before|之前|此前|先前|曾|earlier|previously|was\b|had\b|最高"
_TOCI_NEXT = (r"next (?:\w+ )?(?:dose|one|toci\w*|tcz)|再给|再用|再打|下一次|下次|还能|还可以|repeat|another (?:dose|one)?|"
              r"give (?:it )?again|again\b|多久(?:可以|能)?再|间隔多久|how often|when can (?:i|we) give")
_COLLECT = (r"采集|单采|什么时候采|能采|可以采|apheresis|aphaeresis|leukapheresis|collect\w*|harvest|洗脱|washout|wash-out|"
            r"wash out")
_WHAT_IF = r"如果|要是|假如|换成|改成|what if|and if|if (?:she|he|the patient|pt)|instead|那如果|那要是|变成"


def _blank(s: str, start: int, end: int) -> str:
    return s[:start] + " " * (end - start) + s[end:]


def _negated_at(s: str, start: int) -> bool:
    """A negation word right before the finding (within its clause) negates it."""
    clause = re.split(r"[,;.，；。+]|\band\b|但|但是|现在|加", s[max(0, start - 24):start])[-1]
    return re.search(rf"{_NEG}$", clause) is not None


def extract(text: str | Normalized, today: date, now: datetime | None = None) -> Extracted:
    norm = normalise(text) if isinstance(text, str) else text
    now = now or datetime.combine(today, time(12, 0))
    out = Extracted()
    s = norm.text
    found = out.found

    def add(kind: str, value: object, start: int, end: int, unit: str | None = None, negated: bool = False) -> None:
        found.append(Found(kind=kind, value=value, unit=unit, start=start, end=end, negated=negated))

    if m := re.search(_INFUSION, s):
        out.infusion_cue = m.start()
    if m := re.search(_TODAY, s):
        out.today_cue = m.start()
    out.what_if = _has(_WHAT_IF, s)
    # blood pressure before dates ("80/45" is not a date)
    for m in re.finditer(r"(?:\bbp|血压|\bsbp)\s*[:=]?\s*(\d{2,3})\s*/\s*(\d{2,3})", s):
        add("blood_pressure", f"{m[1]}/{m[2]}", m.start(), m.end(), "mmHg")
        if int(m[1]) < 90 and out.hypotension is None:
            out.hypotension = "unspecified"
        s = _blank(s, m.start(1), m.end())
    # times of day (before dates and numbers): 08:00, 2am, 凌晨2点
    times: list[tuple[int, int, time, bool]] = []   # (start, end, time of day, said to be yesterday's)
    for m in re.finditer(r"(?<![\d:])([01]?\d|2[0-3])[:：]([0-5]\d)(?![\d:])|(?<![\d.])(1[0-2]|0?[1-9])\s*(am|pm)\b|"
                         r"(昨|今)?(凌晨|早上|上午|中午|下午|傍晚|晚上|夜里|半夜|早|晨|晚|夜)?\s*(?<![\d.])(1[0-9]|2[0-3]|0?[0-9])\s*点(?!\d)(半)?", s):
        yesterday = False
        if m[1] is not None:
            t = time(int(m[1]), int(m[2]))
        elif m[3] is not None:
            h = int(m[3]) % 12 + (12 if m[4] == "pm" else 0)
            t = time(h, 0)
        else:
            h, part = int(m[7]), m[6]
            if h == 12 and part in (*_EVENING, "凌晨"):
                h = 0   # 晚上12点 / 夜里12点 / 凌晨12点 is midnight, not noon
            # 夜里2点 / 昨晚3点 / 晚上12点: the small hours after an evening, not the afternoon
            small_hours = part in _EVENING and h <= 4
            if part in _AFTERNOON and h < 12 and not small_hours:
                h += 12
            t = time(h, 30 if m[8] else 0)
            # 昨晚10点 is yesterday's 22:00 and 昨凌晨2点 yesterday's 02:00; 昨晚2点 is the small hours
            # after yesterday evening: today's (the latest 02:00, as a bare time)
            yesterday = m[5] == "昨" and not small_hours
        times.append((m.start(), m.end(), t, yesterday))
        add("time", t.strftime("%H:%M"), m.start(), m.end())
        s = _blank(s, m.start(), m.end())
    # ICE score (before dates: "ICE 10/10" is not 10 October; before numbers are read as anything else)
    if m := re.search(r"\bice\s*(?:score|评分|分数|总分)?\s*(?:[:=]|为|是)?\s*(\d{1,3})(?:\s*/\s*10)?\s*分?", s):
        out.ice = int(m[1])
        add("ice", out.ice, m.start(), m.end(), "/10")
        s = _blank(s, m.start(), m.end())
    # "today is 2026-02-01" / "今天2026-02-01": the user's own today, not another date
    cues = [(c.start(), c.end()) for c in re.finditer(r"今天|今日|\btoday\b", s)]
    s = _dates(s, today, out)
    for a, b in cues:
        for d in out.dates:
            if 0 <= d.start - b <= 5 and d.form != "relative":
                out.today_date = d.value
                add("today", d.value.isoformat(), a, d.start + len(d.raw))
                out.dates = [e for e in out.dates if e is not d and not (e.form == "relative" and e.start == a)]
                break
    if out.today_date is not None:
        today = out.today_date
        out.dates = [d.model_copy(update={"value": today - (now.date() - d.value)}) if d.form == "relative" else d
                     for d in out.dates]
    for d in out.dates:
        cue = out.infusion_cue
        kind = "infusion" if cue is not None and 0 <= d.start - cue <= 12 else "date"
        add(kind, d.value.isoformat(), d.start, d.start + len(d.raw))
    # D+5, day +20, POD 5, 回输后第5天
    if m := re.search(r"\bd\s*\+\s*(\d{1,3})\b|\bday\s*\+\s*(\d{1,3})\b|\bpod\s*(\d{1,3})\b|(?:回输|输注|infusion)\S{0,3}第\s*(\d{1,3})\s*天"
                      r"|\bday\s+(\d{1,3})\s+(?:post|after)", s):
        out.day_post = int(next(g for g in m.groups() if g is not None))
        add("day_post", out.day_post, m.start(), m.end(), "days")
        s = _blank(s, m.start(), m.end())

    # lexicon: drugs, exposures, pressors, oxygen devices, drugs the consensus does not name
    oxygen_levels: list[tuple[str, int, int]] = []
    room_air_negated = False   # "not on room air" / 不是未吸氧: on oxygen, its support not said
    drug_pos: dict[str, int] = {}
    medicines: list[tuple[int, int, str]] = []   # every medicine named (start, end, id): whose a dose count or time is
    for lm in lexicon.find(s):
        c = lexicon.concept(lm.concept)
        neg = _negated_at(s, lm.start)
        if c.kind in _MEDICINE_KINDS:
            medicines.append((lm.start, lm.end, c.id))
        if c.kind == "drug":
            drug_pos.setdefault(c.id, lm.start)
            add("drug", c.id, lm.start, lm.end)
        elif c.kind == "exposure":
            out.exposure_pos.setdefault(c.id, lm.start)
            add("exposure", c.id, lm.start, lm.end)
        elif c.kind == "pressor":
            add("vasopressor", c.id, lm.start, lm.end, negated=neg)
            if neg:
                continue
            if not c.counts:
                out.vasopressin = True
            elif c.id not in out.pressors:
                out.pressors.append(c.id)
        elif c.kind == "oxygen":
            level = c.support   # every oxygen concept names its ASTCT level (logic.assistant.lexicon)
            if neg:
                add("oxygen", level, lm.start, lm.end, negated=True)
                room_air_negated = room_air_negated or level == "none"
                continue
            oxygen_levels.append((level, lm.start, lm.end))
        elif c.kind == "not_covered" and c.id not in out.not_covered:
            out.not_covered.append(c.id)
            add("not_covered", c.id, lm.start, lm.end)
    out.drugs = sorted(drug_pos, key=drug_pos.get)
    out.steroid_generic = _has(_STEROID_GENERIC, s)
    for pattern, key in _EXPOSURES:
        if key not in out.exposure_pos and (m := re.search(pattern, s)):
            out.exposure_pos[key] = m.start()
            add("exposure", key, m.start(), m.end())
    # "in", not .get(): 联合化疗 at the start of the message sits at position 0
    if "combination_chemotherapy" not in out.exposure_pos and (m := re.search(r"化疗|chemo\w*", s)):
        out.exposure_pos["combination_chemotherapy"] = m.start()
        out.chemo_generic = True
    if m := re.search(_COLLECT, s):
        out.collect, out.collect_pos = True, m.start()
    if out.collect and (out.drugs or out.steroid_generic) and "therapeutic_corticosteroids" not in out.exposure_pos:
        # a steroid named in a collection question is an exposure with its 72 h washout
        for d in out.drugs:
            if d in ("dexamethasone", "methylprednisolone"):
                out.exposure_pos["therapeutic_corticosteroids"] = drug_pos[d]
        if not out.drugs and (m := re.search(_STEROID_GENERIC, s)):
            out.exposure_pos["therapeutic_corticosteroids"] = m.start()
    out.exposures = sorted(out.exposure_pos, key=out.exposure_pos.get)

    # stated grades: "grade 2 ICANS", "ICANS 2级", "2级CRS", "CRS G3", "III级"
    for kind, word in (("crs", r"(?:crs|细胞因子释放综合征)"), ("icans", r"(?:icans|神经毒性|ntx)")):
        g = r"(?:grade|gr\.?|g|级别)?\s*([0-4]|iv|iii|ii|i)(?![0-9a-z.])\s*(?:级|度)?"
        # "CRS 两种升压药" normalises to "crs 2种升压药": a count of pressors, not "CRS 2"
        count_next = r"(?!\s*(?:种|个|(?:vaso)?pressors?|升压|血管活性))"
        pats = (rf"{word}\s*{g}{count_next}", rf"(?:grade|gr\.?|g)\s*([0-4]|iv|iii|ii|i)(?![0-9a-z.])\s*(?:级|度)?\s*(?:的)?\s*{word}",
                rf"([0-4]|iv|iii|ii|i)\s*(?:级|度)\s*(?:的)?\s*{word}")
        for p in pats:
            if m := re.search(p, s):
                raw = m.group(1)
                grade = _ROMAN.get(raw, int(raw) if raw.isdigit() else None)
                setattr(out, f"{kind}_grade_stated", grade)
                add(f"{kind}_grade", grade, m.start(), m.end())
                s = _blank(s, m.start(), m.end())
                break
    # age
    for m in re.finditer(r"(?<![\d.])(\d{1,3})\s*(?:岁|周岁|yo\b|y/o|y\.o\.|years? old|-year-old|yr old|yrs old)|"
                         r"(?:\bage[d]?|年龄)\s*[:=]?\s*(\d{1,3})(?!\d)", s):
        out.age_years = float(m[1] or m[2])
        add("age_years", out.age_years, m.start(), m.end(), "years")
        s = _blank(s, m.start(), m.end())
    # tocilizumab doses already given: 打了4次, x2, given 4 doses, 用了一次
    medicines.sort()
    for m in re.finditer(r"(?:打了|打过|用了|用过|给了|给过|已打|已用|已给|共|总共)\s*(\d{1,2})\s*(?:次|剂)|(?<![a-z\d])[x×]\s*(\d)(?!\d)|"
                         r"(\d{1,2})\s*(?:doses?|次|剂)(?:\s*(?:given|already|so far))?|(?:given|had|received)\s*(\d)\s*(?:doses?|times)", s):
        n = int(next(g for g in m.groups() if g is not None))
        # a count is tocilizumab's only when said of it: "toci given once, dex 10 mg x4" is one dose, and
        # "oxytocin 2 doses" none (oxytocin is not tocilizumab, though it spells "toci")
        if _said_of(m.start(), m.end(), medicines, s) == "tocilizumab":
            out.toci_count = n
            add("tocilizumab_doses", n, m.start(), m.end())
            s = _blank(s, m.start(), m.end())
            break
    # a time is a tocilizumab dose's only when said of it: "toci at 10:00, dex at 14:00" is one dose at 10:00
    times = [t for t in times if _said_of(t[0], t[1], medicines, s) == "tocilizumab"]
    if times:   # each one said of tocilizumab (so tocilizumab was named)
        for start, _end, t, yesterday in times:
            before = [d for d in out.dates if d.start < start]
            day = before[-1].value if before else now.date() - timedelta(days=1 if yesterday else 0)
            moment = datetime.combine(day, t)
            if not before and not yesterday and moment > now:
                moment -= timedelta(days=1)   # a dose time later than now, without a day, was yesterday's
            out.toci_times.append(moment)
        out.toci_times.sort()
        if len(times) > 1 and (out.toci_count is None or _has(r"各|each", s)):
            found[:] = [f for f in found if f.kind != "tocilizumab_doses"]
            out.toci_count = len(times)
            add("tocilizumab_doses", len(times), times[0][0], times[-1][1])
    out.toci_next = _has(_TOCI_NEXT, s)

    # weights
    if m := re.search(rf"{_NUM}\s*-\s*{_NUM}\s*(kg|公斤|千克)", s):
        out.weight_range = True
        add("weight_kg", f"{m[1]}-{m[2]}", m.start(), m.end(), "kg")
        s = _blank(s, m.start(), m.end())
    for m in re.finditer(rf"{_NUM}\s*(kg|公斤|千克|kgs)(?![a-z])", s):
        out.weights_kg.append(float(m[1]))
        add("weight_kg", float(m[1]), m.start(), m.end(), "kg")
    for m in re.finditer(rf"(?:体重|\bweight|\bwt\b|\bbw\b|\bweighs|\bweighing)\s*(?:[:=]|为|是|约|is)?\s*{_NUM}"
                         rf"(?!\s*(kg|公斤|千克|lb|磅|斤|cm|\.\d))", s):
        out.weights_kg.append(float(m[1]))
        add("weight_kg", float(m[1]), m.start(), m.end(), "kg")
    # heights
    for m in re.finditer(rf"{_NUM}\s*(cm|厘米|公分)", s):
        out.heights_cm.append(float(m[1]))
        add("height_cm", float(m[1]), m.start(), m.end(), "cm")
    for m in re.finditer(r"(?<![\d.])([12]\.\d{1,2})\s*(m|米)(?![a-z])", s):
        out.heights_cm.append(round(float(m[1]) * 100, 1))
        out.height_from_metres = True
        add("height_cm", round(float(m[1]) * 100, 1), m.start(), m.end(), "cm")
    for m in re.finditer(rf"(?:身高|\bheight|\bht\b)\s*(?:[:=]|为|是)?\s*{_NUM}(?!\s*(cm|厘米|公分|m\b|米))", s):
        v = float(m[1])
        if v < 3:
            out.heights_cm.append(round(v * 100, 1))
            out.height_from_metres = True
        else:
            out.heights_cm.append(v)
        add("height_cm", out.heights_cm[-1], m.start(), m.end(), "cm")
    # SpO2 (read before temperatures and eligibility: a sign of hypoxia)
    if m := re.search(rf"(?:spo2|血氧饱和度|氧饱和度|sao2|血氧|sats?|氧饱|o2 sat\w*)\s*(?:[:=]|为|是)?\s*{_NUM}\s*%?", s):
        out.spo2_pct = float(m[1])
        add("spo2_pct", out.spo2_pct, m.start(), m.end(), "%")
        s = _blank(s, m.start(), m.end())
    elif m := re.search(r"(?<![\d.])(\d{2}(?:\.\d)?)\s*%\s*(?:on ra|on room air|ra\b|室内空气|未吸氧)", s):
        out.spo2_pct = float(m[1])
        add("spo2_pct", out.spo2_pct, m.start(), m.end(), "%")
    # temperatures (°F was converted by normalise; a bare 90-115 is still refused as °F)
    temp_kw = r"(?:体温|temp(?:erature)?|tmax|t max|(?<![a-z])t(?=\s*\d)|(?<![a-z])t\b|fever|发热|发烧|高热|febrile|热峰)"
    temp_spans: list[tuple[float, int, int]] = []
    for m in re.finditer(rf"{_NUM}\s*(°\s*c|度|°|摄氏度|c\b|degrees?(?: c(?:elsius)?)?(?![a-z]))", s):
        v = float(m[1])
        if v >= 30 or m[2].startswith("°"):
            temp_spans.append((v, m.start(), m.end()))
    for m in re.finditer(rf"{temp_kw}\s*(?:[:=]|为|是|到|达|高达|最高|of)?\s*{_NUM}(?:\s*-\s*{_NUM})?"
                         r"(?!\s*(°|度|f\b|c\b|h\b|小时|天|d\b|days?|kg|公斤|%|mg|次|l\b))", s):
        for g in (m[1], m[2]):
            if g is None:
                continue
            v = float(g)
            if 90 <= v <= 115:
                out.temp_fahrenheit = v
            elif v >= 25:
                temp_spans.append((v, m.start(), m.end()))
    for m in re.finditer(rf"{_NUM}\s*-\s*{_NUM}\s*(°\s*c|度|°)", s):
        temp_spans.append((float(m[1]), m.start(), m.end()))
    seen_t: set[float] = set()
    for v, a, b in sorted(temp_spans, key=lambda x: x[1]):
        if v not in seen_t:
            seen_t.add(v)
            out.temps_c.append(v)
            add("temperature_c", v, a, b, "°C")
    # masked fever: a temperature after tocilizumab/steroid/antipyretic, with fever documented before
    if (mm := re.search(_MASK, s)) is not None:
        out.masked = True
        # each form in its own pass: in "37.8 之前 39" the first form must not swallow the second's word
        for pattern in (rf"(?:{_BEFORE})\s*(?:发热|发烧|fever(?: of)?|t)?\s*{_NUM}", rf"{_NUM}\s*(?:before|之前|earlier)"):
            for m in re.finditer(pattern, s):
                v = float(m[1])
                if 38 <= v <= 45 and v not in out.temps_c:
                    out.temps_c.append(v)
                    add("temperature_c", v, m.start(), m.end(), "°C")
        before = [t for t in out.temps_c if t >= 38.0]
        if before and _has(_BEFORE, s) or (before and len(out.temps_c) > 1):
            out.fever_before_masking = True
        add("masked_fever", out.fever_before_masking, mm.start(), mm.end())
    # oxygen flow
    flow_per_minute = False   # "4 L/min" is a flow; "4L" alone may be a litre of fluid
    if m := re.search(rf"{_NUM}\s*(l/min|l/m|lpm|升/分|l(?![a-z])|升)", s):
        out.oxygen_l_min = float(m[1])
        flow_per_minute = m[2] in ("l/min", "l/m", "lpm", "升/分")
        add("oxygen_flow", out.oxygen_l_min, m.start(), m.end(), "L/min")
    # IgG
    if m := re.search(rf"igg\s*(?:[:=]|为|是|水平)?\s*{_NUM}\s*(g/l|mg/dl|g/dl|mg/l)?", s):
        out.igg_g_l = float(m[1])
        add("igg_g_l", out.igg_g_l, m.start(), m.end(), "g/L")
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
    if m := re.search(rf"\balt\s*(?:[:=])?\s*{_NUM}\s*(?:x|×|倍)", s):
        base["alt_x_uln"] = float(m[1])
    if m := re.search(rf"\bast\s*(?:[:=])?\s*{_NUM}\s*(?:x|×|倍)", s):
        base["ast_x_uln"] = float(m[1])
    if m := re.search(rf"(?:胆红素|bilirubin|tbil|\bbili\b)\s*(?:[:=])?\s*{_NUM}\s*(umol/l|µmol/l|μmol/l|mg/dl|g/l)?", s):
        base["bilirubin"] = float(m[1])
        unit = (m[2] or "umol/l").replace("μ", "u")   # NFKC (normalise) has made a micro sign µ a Greek μ
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

    # CRS findings: the highest oxygen support named wins; a flow over 6 L/min is high flow. A flow is
    # oxygen's when oxygen or a device is named, when its unit is per minute, or beside a saturation
    # ("SpO2 85% 4L"), not a litre of fluid ("补液 2升"). Up to 6 L/min it is low flow only through a
    # nasal cannula: "Low-flow nasal cannula is defined as oxygen delivered at ≤6 L/minute", while a
    # face mask at any flow is grade 3 (ASTCT 2019), so a flow without its device leaves the support
    # unspecified (the reply asks, where the device could change the grade).
    levels = [lv for lv, _, _ in oxygen_levels]
    flow_level = None
    flow_is_oxygen = bool(levels) or _has(_OXYGEN_GENERIC, s) or out.spo2_pct is not None or flow_per_minute
    if out.oxygen_l_min is not None and flow_is_oxygen:
        # over 6 L/min is high flow by any device; up to 6 it is low flow only with a nasal cannula named
        flow_level = "high_flow" if out.oxygen_l_min > 6 else "device_not_said"
    if "positive_pressure" in levels:
        out.hypoxia = "positive_pressure"
    elif "high_flow" in levels or flow_level == "high_flow":
        out.hypoxia = "high_flow"
    elif "low_flow" in levels:
        out.hypoxia = "low_flow"
    elif room_air_negated or flow_level == "device_not_said":
        out.hypoxia = "unspecified"   # on some oxygen: ask which, never "none"
    elif "none" in levels or _has(_ROOM_AIR, s):
        out.hypoxia = "none"
    elif _has(_OXYGEN_GENERIC, s):
        out.hypoxia = "unspecified"
    if out.hypoxia in ("none", None) and out.spo2_pct is not None:
        # the eligibility criterion is SpO2 on room air (P4): a saturation on oxygen (a device, or a flow,
        # which a saturation makes oxygen's) is not it
        out.baseline["spo2_pct"] = out.spo2_pct
    if out.hypoxia in ("none", None) and out.spo2_pct is not None and out.spo2_pct < 90:
        # below 90 % is hypoxia whose support is not yet known: ask, never "none"
        out.hypoxia = "unspecified"
    if out.hypoxia and out.hypoxia != "unspecified":
        spans = [(a, b) for lv, a, b in oxygen_levels if lv == out.hypoxia]
        spans += [(f.start, f.end) for f in found if f.kind == "oxygen_flow"]
        if spans:
            add("oxygen", out.hypoxia, min(a for a, _ in spans), max(b for _, b in spans))
    n_named = len(out.pressors)
    # a named pressor that was negated ("no norepinephrine", "off levophed", 没有用去甲肾) is not one given:
    # its words are blanked before the generic pressor words are read
    negated_pressors = [f for f in found if f.kind == "vasopressor" and f.negated]
    s_given = s
    for f in negated_pressors:
        s_given = _blank(s_given, f.start, f.end)
    only_negated = bool(negated_pressors) and n_named == 0 and not out.vasopressin
    if _has(_MULTI_PRESSOR, s_given) or n_named >= 2:
        out.hypotension = "multiple_vasopressors"
    elif n_named == 1 or out.vasopressin:
        # vasopressin given (its own negation is read by the lexicon) is "a vasopressor with or without
        # vasopressin" (ASTCT 2019 grade 3), as a named pressor is, whatever else was said: "initially
        # fluid responsive, now on vasopressin" is grade 3, not grade 2's "not requiring vasopressors"
        out.hypotension = "one_vasopressor"
    elif _has(_NO_PRESSOR, s) or only_negated:
        # hypotension that needed fluids, or a low BP, without a pressor: ASTCT grade 2's "not requiring
        # vasopressors"; "BP normal" said with it: no hypotension; neither said: ask
        if _has(r"补液|fluid", s) or out.hypotension == "unspecified":
            out.hypotension = "no_vasopressor"
        elif _has(_NO_HYPOTENSION, s):
            out.hypotension = "none"
        elif _has(_HYPOTENSION, s):
            out.hypotension = "no_vasopressor"
        else:
            out.hypotension = "unspecified"
        out.no_pressor = True
        if m := re.search(_NO_PRESSOR, s):
            add("vasopressors", 0, m.start(), m.end(), negated=True)
        else:
            add("vasopressors", 0, negated_pressors[0].start, negated_pressors[0].end, negated=True)
    elif _has(_PRESSOR, s_given):
        out.hypotension = "one_vasopressor"
    elif _has(_NO_HYPOTENSION, s):
        out.hypotension = "none"
    elif _has(_HYPOTENSION, s):
        out.hypotension = "unspecified"
    if out.hypotension in ("one_vasopressor", "multiple_vasopressors"):
        named = [f for f in found if f.kind == "vasopressor" and not f.negated]
        m = re.search(_MULTI_PRESSOR, s_given) or re.search(_PRESSOR, s_given)
        a = min([f.start for f in named] + ([m.start()] if m else []))
        b = max([f.end for f in named] + ([m.end()] if m else []))
        count = 2 if out.hypotension == "multiple_vasopressors" else 1
        add("vasopressors", count, a, b)

    # ICANS findings, each with the words it came from
    for pattern, value in _CONSCIOUSNESS:
        if m := re.search(pattern, s):
            out.consciousness = value
            add("consciousness", value, m.start(), m.end())
            break
    if m := re.search(_SEIZURE_NONE, s):
        out.seizure = "none"
        add("seizure", "none", m.start(), m.end(), negated=True)
    elif m := re.search(_SEIZURE, s):
        out.seizure = ("prolonged_or_repetitive" if _has(_SEIZURE_PROLONGED, s)
                       else "resolved_rapidly" if _has(_SEIZURE_RESOLVED, s) else "unspecified")
        add("seizure", out.seizure, m.start(), m.end())
    if m := re.search(_MOTOR_NONE, s):
        out.motor_weakness = "none"
        add("motor_weakness", "none", m.start(), m.end(), negated=True)
    elif m := re.search(_MOTOR, s):
        out.motor_weakness = "deep_focal"
        add("motor_weakness", "deep_focal", m.start(), m.end())
    if m := re.search(_EDEMA_NONE, s):
        out.cerebral_edema = "none"
        add("cerebral_edema", "none", m.start(), m.end(), negated=True)
    elif m := (re.search(_EDEMA, s) or re.search(_EDEMA_GRADE4_SIGN, s) or re.search(_EDEMA_BARE, s)):
        out.cerebral_edema = ("diffuse" if _has(_EDEMA_DIFFUSE, s) else "focal" if _has(_EDEMA_FOCAL, s)
                              else "unspecified")
        add("cerebral_edema", out.cerebral_edema, m.start(), m.end())

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
        add("number", float(m[1]), m.start(1), m.end(1))

    # topic cues
    for cue, pattern in (("crs", _CRS), ("icans", _ICANS), ("washout", _WASHOUT), ("followup", _FOLLOWUP),
                         ("ivig", _IVIG), ("relapse", _RELAPSE), ("eligibility", _ELIGIBILITY),
                         ("lymphodepletion", _LD), ("management", _MANAGEMENT), ("grading", _GRADING_CUE),
                         ("infusion", _INFUSION), ("dose", r"剂量|用量|用多少|多少量|怎么用|dose|dosing|多少mg|how much|mg\b"),
                         ("hypotension", _HYPOTENSION)):
        if _has(pattern, s):
            out.cues.append(cue)
    return out


