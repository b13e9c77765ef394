"""The consensus as data: the cleaned document and its recommendations.

Loaded once, validated with pydantic, frozen. Every number logic/ computes with comes
from here (`value()`), beside the quote it rests on, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, validate_call

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
DOCUMENT_PATH = CONTENT_DIR / "consensus" / "consensus-2022.zh.md"

Scalar = int | float | str

TOPICS: tuple[str, ...] = (
    "overview", "eligibility", "apheresis", "washout", "lymphodepletion", "crs", "icans",
    "infection", "immunoglobulin", "cytopenia", "relapse", "followup", "evidence",
)


def _freeze(values: dict[str, Scalar] | None) -> MappingProxyType:
    return MappingProxyType(dict(values or {}))


class Note(BaseModel):
    """The app's own note beside a quote: never part of the quote."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    en: str
    zh: str
    # What the note rests on, as a reader would cite it (a consensus paragraph or table, ASTCT 2019,
    # a product label, or "the app's reading"), in each language. Internal references (the project's
    # reading notes, entry ids) stay in the developer docs, never here.
    basis: str = Field(description="what the note rests on, in English")
    basis_zh: str = Field(description="what the note rests on, in Chinese")
    values: MappingProxyType = Field(default_factory=lambda: MappingProxyType({}))

    _v = field_validator("values", mode="before")(lambda cls, v: _freeze(v))

    def basis_in(self, lang: str) -> str:
        return self.basis_zh if lang == "zh" else self.basis

    def text_in(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Recommendation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    topic: Literal[TOPICS]  # type: ignore[valid-type]
    quote_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    source: str = Field(pattern=r"^(P\d+|T\d+\.(\d+|note)|A\d+)$")
    values: MappingProxyType = Field(default_factory=lambda: MappingProxyType({}))
    # value key -> the exact text of quote_zh the value is printed as (e.g. "IgG<4 g/L"); a Table 2
    # row names each drug's cell instead (tests/test_content.py checks both)
    printed: MappingProxyType = Field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[Note, ...] = ()

    _v = field_validator("values", "printed", mode="before")(lambda cls, v: _freeze(v))

    def value(self, key: str) -> Scalar:
        """A number printed in this recommendation's quote (KeyError names it if absent)."""
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(f"recommendation {self.id!r} has no value {key!r}") from None

    def note_value(self, key: str) -> Scalar:
        """A number from one of the app's notes (e.g. a product label's stricter limit)."""
        for note in self.notes:
            if key in note.values:
                return note.values[key]
        raise KeyError(f"recommendation {self.id!r} has no note value {key!r}")


class Block(BaseModel):
    """One addressable block of the cleaned document: a paragraph, a table title, row or note."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["paragraph", "attribution", "table", "row", "table_note"]
    text: str
    cells: tuple[str, ...] = ()
    header: tuple[str, ...] = ()


class Document(BaseModel):
    model_config = ConfigDict(frozen=True)

    blocks: tuple[Block, ...]

    def block(self, block_id: str) -> Block:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise KeyError(f"no block {block_id!r} in the consensus document")

    def rows(self, table_id: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind == "row" and b.id.startswith(table_id + "."))


_BLOCK = re.compile(r"^\[(?P<id>[A-Z]\d*(?:\.(?:\d+|note))?)\] (?P<text>.*)$")
_ROW = re.compile(r"^\| (?P<id>T\d+\.\d+) \| (?P<cells>.*) \|$")


@lru_cache(maxsize=1)
def document() -> Document:
    blocks: list[Block] = []
    header: tuple[str, ...] = ()
    for line in DOCUMENT_PATH.read_text(encoding="utf-8").splitlines():
        if m := _BLOCK.match(line):
            bid, text = m["id"], m["text"]
            kind = ("attribution" if bid.startswith("A") else "table_note" if bid.endswith(".note")
                    else "table" if bid.startswith("T") else "paragraph")
            blocks.append(Block(id=bid, kind=kind, text=text))
        elif m := _ROW.match(line):
            cells = tuple(c.strip() for c in m["cells"].split(" | "))
            blocks.append(Block(id=m["id"], kind="row", text=" | ".join(cells), cells=cells, header=header))
        elif line.startswith("| 行 |"):
            header = tuple(c.strip() for c in line.strip("|").split("|"))[1:]
    return Document(blocks=tuple(blocks))


@lru_cache(maxsize=1)
def source() -> MappingProxyType:
    """The consensus's citation (content/source.yaml), read once."""
    return MappingProxyType(yaml.safe_load((CONTENT_DIR / "source.yaml").read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def fixes() -> tuple[MappingProxyType, ...]:
    """The extraction fixes F1-F12 (content/consensus/fixes.yaml), read once."""
    raw = yaml.safe_load((CONTENT_DIR / "consensus" / "fixes.yaml").read_text(encoding="utf-8"))
    return tuple(MappingProxyType(f) for f in raw)


@lru_cache(maxsize=1)
def _recommendations() -> tuple[Recommendation, ...]:
    entries: list[Recommendation] = []
    for path in sorted((CONTENT_DIR / "recommendations").glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entries.append(Recommendation.model_validate(raw))
    ids = [e.id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate recommendation ids: {dupes}")
    return tuple(entries)


@lru_cache(maxsize=1)
def _by_id() -> MappingProxyType:
    return MappingProxyType({r.id: r for r in _recommendations()})


def recommendations() -> list[Recommendation]:
    return list(_recommendations())


def recommendation(rec_id: str) -> Recommendation:
    try:
        return _by_id()[rec_id]
    except KeyError:
        raise KeyError(f"no recommendation with id {rec_id!r}") from None


def ref(rec_id: str) -> str:
    """Name a recommendation id in code. Fails at once if the id does not exist, and marks
    the literal for tests/test_content.py, which checks every id named in logic/ and pages/."""
    return recommendation(rec_id).id


def value(rec_id: str, key: str) -> Scalar:
    """Shorthand: a number from a recommendation's quote."""
    return recommendation(rec_id).value(key)


# --- search ---------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-/+.]*")


@lru_cache(maxsize=1)
def glossary() -> tuple[tuple[str, ...], ...]:
    """Groups of equivalent terms (Chinese, English, ward shorthand), lower-cased."""
    raw = yaml.safe_load((CONTENT_DIR / "glossary.yaml").read_text(encoding="utf-8"))
    return tuple(tuple(str(t).lower() for t in group["terms"]) for group in raw)


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


def _expand(term: str) -> set[str]:
    out = {term}
    for group in glossary():
        if any(term == g or (len(g) > 1 and _CJK.fullmatch(g) and g in term) for g in group):
            out.update(group)
    return out


@validate_call  # a wrong type is a ValidationError, never an AttributeError
def search(query: str, topic: str | None = None, limit: int | None = None) -> list[Recommendation]:
    """Entries matching Chinese or English words (and their glossary equivalents), best first."""
    q = query.lower().strip()
    terms = [w for w in _WORD.findall(q) if len(w) > 1] + _CJK.findall(q)
    if not terms:
        return []
    scored: list[tuple[float, int, Recommendation]] = []
    for order, rec in enumerate(_recommendations()):
        if topic and rec.topic != topic:
            continue
        hay = f"{rec.id} {rec.quote_zh} {rec.text_en}".lower()
        score = 0.0
        for term in terms:
            best = 0.0
            for alt in _expand(term):
                if alt in hay:
                    best = max(best, 1.0 if alt == term else 0.9)
                elif _CJK.fullmatch(alt) and len(alt) > 2:
                    grams = _bigrams(alt)
                    best = max(best, 0.8 * sum(g in hay for g in grams) / len(grams) - 0.3)
            score += max(best, 0.0)
        if score > 0:
            scored.append((score, order, rec))
    scored.sort(key=lambda x: (-x[0], x[1]))
    hits = [r for _, _, r in scored]
    return hits[:limit] if limit else hits
