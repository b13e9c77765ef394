"""The lexicon (content/assistant/lexicon.yaml): every ward name of a concept, matched exactly
or with one slip (rapidfuzz), in Chinese and English. Loaded once, frozen."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, model_validator
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from logic.crs import Hypoxia

LEXICON_FILE = Path(__file__).resolve().parents[2] / "content" / "assistant" / "lexicon.yaml"
Kind = Literal["drug", "exposure", "pressor", "oxygen", "not_covered"]
# the ASTCT 2019 hypoxia levels a device can mean: the CRS grader's own
HYPOXIA_SUPPORT: tuple[str, ...] = get_args(Hypoxia)
_CJK = re.compile(r"[\u3400-\u9fff]")


class Concept(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: Kind
    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    abbr: tuple[str, ...] = ()
    counts: bool = True                 # pressors: vasopressin never counts as a second one
    support: str | None = None          # oxygen: the ASTCT hypoxia level
    fuzzy: bool = True
    # not_covered: an anti-myeloma agent the eligibility page's "other anti-myeloma therapy (same
    # class)" row is meant for (the app's reading of 「等治疗」 in the 2-week washout group)
    antimyeloma: bool = False

    @model_validator(mode="after")
    def _oxygen_has_its_level(self) -> Concept:
        # an oxygen device without its ASTCT level would grade as if none were given (rule 2)
        if (self.kind == "oxygen") != (self.support in HYPOXIA_SUPPORT):
            raise ValueError(f"{self.id}: only an oxygen concept names an ASTCT hypoxia level, and it must: one of {HYPOXIA_SUPPORT}")
        return self

    @property
    def terms(self) -> tuple[str, ...]:
        return (*self.zh, *self.en, *self.abbr)

    @property
    def canonical(self) -> str:
        return (self.en or self.zh)[0]


class Match(BaseModel):
    model_config = ConfigDict(frozen=True)

    concept: str
    kind: Kind
    start: int
    end: int
    term: str            # the canonical name it was matched to
    fuzzy: bool = False


@lru_cache(maxsize=1)
def concepts() -> dict[str, Concept]:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))["concepts"]
    return {cid: Concept(id=cid, **{k: tuple(v) if isinstance(v, list) else v for k, v in body.items()})
            for cid, body in raw.items()}


def concept(cid: str) -> Concept:
    return concepts()[cid]


@lru_cache(maxsize=1)
def _exact() -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for c in concepts().values():
        for t in c.terms:
            owner.setdefault(t.lower(), c.id)
    alts = []
    for t in sorted(owner, key=len, reverse=True):
        esc = re.escape(t).replace(r"\ ", r"[\s-]?")
        alts.append(esc if _CJK.search(t) else rf"(?<![a-z]){esc}(?![a-z])")
    return re.compile("|".join(alts)), owner


@lru_cache(maxsize=1)
def _fuzzy_names() -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    """Chinese names (4+ characters) by length; English names (6+ letters)."""
    zh: dict[int, dict[str, str]] = {}
    en: dict[str, str] = {}
    for c in concepts().values():
        if not c.fuzzy:
            continue
        for t in c.zh:
            if len(t) >= 4:
                zh.setdefault(len(t), {})[t] = c.id
        for t in c.en:
            if len(t) >= 6 and " " not in t:
                en[t.lower()] = c.id
    return zh, en


@lru_cache(maxsize=1)
def _first_chars() -> frozenset[str]:
    """A slip is never in the first character: only windows starting like a name are compared."""
    zh, _ = _fuzzy_names()
    return frozenset(name[0] for names in zh.values() for name in names)


def find(text: str) -> list[Match]:
    """Every concept named in (lower-case, NFKC) text, left to right, longest first, no overlaps."""
    pattern, owner = _exact()
    out: list[Match] = []
    taken = [False] * len(text)
    for m in pattern.finditer(text):
        cid = owner.get(m.group(0)) or _owner_loose(m.group(0))
        if cid is None:
            continue
        out.append(Match(concept=cid, kind=concepts()[cid].kind, start=m.start(), end=m.end(), term=m.group(0)))
        for i in range(m.start(), m.end()):
            taken[i] = True
    out += _fuzzy(text, taken)
    return sorted(out, key=lambda x: x.start)


def _owner_loose(s: str) -> str | None:
    _, owner = _exact()
    squashed = re.sub(r"[\s-]", "", s)
    for t, cid in owner.items():
        if re.sub(r"[\s-]", "", t) == squashed:
            return cid
    return None


def _fuzzy(text: str, taken: list[bool]) -> list[Match]:
    zh, en = _fuzzy_names()
    out: list[Match] = []
    for m in re.finditer(r"[a-z]{6,}", text):
        if any(taken[m.start():m.end()]):
            continue
        word = m.group(0)
        limit = 2 if len(word) >= 10 else 1
        hit = process.extractOne(word, list(en), scorer=Levenshtein.distance, score_cutoff=limit)
        if hit is not None:
            cid = en[hit[0]]
            out.append(Match(concept=cid, kind=concepts()[cid].kind, start=m.start(), end=m.end(), term=hit[0],
                             fuzzy=True))
    for run in re.finditer(r"[\u3400-\u9fff]{4,}", text):
        i = run.start()
        while i < run.end():
            found = None
            if text[i] not in _first_chars():
                i += 1
                continue
            for n in sorted(zh, reverse=True):
                if i + n > run.end() or any(taken[i:i + n]):
                    continue
                window = text[i:i + n]
                hit = process.extractOne(window, list(zh[n]), scorer=Levenshtein.distance, score_cutoff=1)
                # one slip, never in the first character (托株单抗, 托珠单杭; not 伊沙佐米 -> 卡非佐米)
                if hit is not None and window[0] == hit[0][0]:
                    found = (n, hit[0])
                    break
            if found:
                n, name = found
                cid = zh[n][name]
                out.append(Match(concept=cid, kind=concepts()[cid].kind, start=i, end=i + n, term=name, fuzzy=True))
                i += n
            else:
                i += 1
    return out
