"""Stage 1, normalise: what was typed -> one plain lower-case text the readers understand.

Full-width to half-width (NFKC), Chinese numerals to digits (cn2an), one-slip typos in drug and
device names to the lexicon's name (rapidfuzz), and units other than the consensus's to its own
(lb, 斤, °F, ft/in, IgG in mg/dL), each conversion kept so the reply can show it. Every character
of the result remembers the characters of the question it came from, so a finding can quote the
user's own words (`span`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import cn2an

from logic.assistant import lexicon

MAX_CHARS = 300  # the chat's input limit; ask() reads no more than this

_PUNCT = str.maketrans({"。": ".", "、": ",", "~": "-", "–": "-", "—": "-", "～": "-", "×": "x", "＊": "*",
                        "’": "'", "′": "'", "″": '"', "“": '"', "”": '"', "：": ":"})
# A run of Chinese numerals is read as a number only before a unit or counter, so 一般/统一 stay words.
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?(?=\s*(?:公斤|千克|斤|度|次|个|种|分|岁|"
                     r"天|周|月|号|日|小时|点|升|l\b|kg|mg|cm|厘米|剂|g/l))")


@dataclass(frozen=True)
class Conversion:
    kind: str          # "weight_lb", "weight_jin", "temperature_f", "height_ft_in", "igg_mg_dl", "typo", "numeral"
    raw: str           # the user's words
    result: str        # what they were read as


@dataclass
class Normalized:
    original: str
    text: str = ""
    starts: list[int] = field(default_factory=list)   # per character of text: first source index
    ends: list[int] = field(default_factory=list)     # per character of text: source end (exclusive)
    conversions: list[Conversion] = field(default_factory=list)

    def replace(self, start: int, end: int, new: str) -> None:
        s0 = self.starts[start] if start < len(self.starts) else len(self.original)
        e0 = self.ends[end - 1] if end > start else s0
        self.text = self.text[:start] + new + self.text[end:]
        self.starts[start:end] = [s0] * len(new)
        self.ends[start:end] = [e0] * len(new)

    def span(self, start: int, end: int) -> str:
        """The user's own words behind text[start:end] (a substring of the question)."""
        if end <= start or start >= len(self.starts):
            return ""
        return self.original[self.starts[start]:self.ends[min(end, len(self.ends)) - 1]]

    def source_pos(self, start: int) -> int:
        return self.starts[start] if start < len(self.starts) else len(self.original)


def _fmt(x: float) -> str:
    return f"{x:g}"


def normalise(question: str) -> Normalized:
    q = question[:MAX_CHARS]
    out = Normalized(original=q)
    chars: list[str] = []
    for i, ch in enumerate(q):
        piece = unicodedata.normalize("NFKC", ch).translate(_PUNCT).lower()
        if ch in "\n\t\r":
            piece = " "
        chars.append(piece)
        out.starts += [i] * len(piece)
        out.ends += [i + 1] * len(piece)
    out.text = "".join(chars)
    _numerals(out)
    _typos(out)
    _units(out)
    return out


def _sub(out: Normalized, pattern: re.Pattern[str] | str, fn) -> None:
    """Replace every match right to left (positions stay valid); fn(match) -> new text or None."""
    for m in reversed(list(re.finditer(pattern, out.text))):
        new = fn(m)
        if new is not None and new != m.group(0):
            out.replace(m.start(), m.end(), new)


def _numerals(out: Normalized) -> None:
    def fn(m: re.Match[str]) -> str | None:
        try:
            value = cn2an.cn2an(m.group(0), "smart")
        except (ValueError, KeyError, IndexError):
            return None
        return _fmt(float(value))

    _sub(out, _CN_NUM, fn)


def _typos(out: Normalized) -> None:
    for m in reversed(lexicon.find(out.text)):
        if m.fuzzy:
            raw = out.span(m.start, m.end)
            out.replace(m.start, m.end, m.term)
            out.conversions.append(Conversion("typo", raw, m.term))


_NUM = r"(?<![\d.])(\d+(?:\.\d+)?)"


def _units(out: Normalized) -> None:
    def lb(m: re.Match[str]) -> str:
        kg = round(float(m[1]) * 0.45359237, 1)
        out.conversions.append(Conversion("weight_lb", out.span(m.start(), m.end()), f"{_fmt(kg)} kg"))
        return f"{_fmt(kg)} kg"

    _sub(out, rf"(?<![\d.]){_NUM}\s*(?:lbs?|pounds?|磅)(?![a-z])", lb)

    def jin(m: re.Match[str]) -> str:
        kg = float(m[1]) / 2
        out.conversions.append(Conversion("weight_jin", out.span(m.start(), m.end()), f"{_fmt(kg)} kg"))
        return f"{_fmt(kg)} kg"

    _sub(out, rf"(?<![\d.]){_NUM}\s*斤", jin)

    def fahrenheit(m: re.Match[str]) -> str | None:
        f = float(m[1])
        if not 86 <= f <= 113:
            return None
        c = round((f - 32) * 5 / 9, 1)
        out.conversions.append(Conversion("temperature_f", out.span(m.start(), m.end()), f"{_fmt(c)} °c"))
        return f"{_fmt(c)} °c"

    _sub(out, rf"(?<![\d.]){_NUM}\s*(?:°\s*f|华氏度|degrees? f(?:ahrenheit)?|fahrenheit|f)(?![a-z])", fahrenheit)

    def ft_in(m: re.Match[str]) -> str:
        cm = round((int(m[1]) * 12 + float(m[2] or 0)) * 2.54, 1)
        out.conversions.append(Conversion("height_ft_in", out.span(m.start(), m.end()), f"{_fmt(cm)} cm"))
        return f"{_fmt(cm)} cm"

    _sub(out, r"(?<![\d.])([4-7])\s*(?:ft|feet|foot|')\s*(?:(\d{1,2}(?:\.\d)?)\s*(?:in|inches|\"|''))?(?![a-z])", ft_in)

    def igg(m: re.Match[str]) -> str:
        g_l = float(m[2]) / 100
        out.conversions.append(Conversion("igg_mg_dl", out.span(m.start(2), m.end()), f"{_fmt(g_l)} g/l"))
        return f"{m[1]}{_fmt(g_l)} g/l"

    _sub(out, rf"(igg\s*(?:[:=]|为|是|水平)?\s*){_NUM}\s*mg/dl", igg)
