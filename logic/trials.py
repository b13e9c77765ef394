"""The consensus's trial tables as data frames: Table 1 (trials) and Table 2 (lymphodepletion).

Table 1 is parsed from the cleaned document's own rows (content.document().rows("T1")), so
the explorer can never drift from the text it quotes. Not reported (N/A, NR) is a missing
value, never 0; 未达到 ("not reached") is kept apart from numbers (READING-NOTES items 6-8).
Table 2 is built from logic.dosing.table2_regimens(): the same regimens the dosing page's
lymphodepletion computes with, one source for both.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pandas as pd

from logic import content, dosing

# Printed header of Table 1 -> column name. Columns are found by header, not by position.
T1_COLUMNS: dict[str, str] = {
    "作者": "author",
    "时间": "year",
    "临床注册号": "registry",
    "例数": "patients",
    "产品名称": "product",
    "共刺激分子": "costim",
    "CAR-T细胞剂量": "dose_text",
    "CRS发生率(%)": "crs_pct",
    "≥3级CRS发生率(%)": "crs_ge3_pct",
    "NTX(%)": "ntx_pct",
    "≥3级NTX(%)": "ntx_ge3_pct",
    "ORR(%)": "orr_pct",
    "sCR/CR(%)": "scr_cr_pct",
    "中位EFS时间(月)": "efs_months",
    "中位PFS时间(月)": "pfs_months",
}
NUMERIC_COLUMNS: tuple[str, ...] = (
    "crs_pct", "crs_ge3_pct", "ntx_pct", "ntx_ge3_pct", "orr_pct", "scr_cr_pct", "efs_months", "pfs_months",
)
# The columns, in order; then what the explorer adds around them.
TABLE1_COLUMNS: tuple[str, ...] = (
    "ref", "author", "year", "registry", "patients", "product", "costim", "dose_text", "dose_per_kg",
    *NUMERIC_COLUMNS, "pfs_not_reached",
)
EXTRA_COLUMNS: tuple[str, ...] = ("row_id", "recommendation_id", "dual_target")

NOT_REPORTED = frozenset({"N/A", "NR"})  # T1.note: N/A:未报告; NR in Fu [6] is the same here (item 7)
NOT_REACHED = "未达到"

_AUTHOR = re.compile(r"^(?P<name>.+?)等\[(?P<ref>\d+)\]$")
_REF = re.compile(r"\[(\d+)\]")


def parse_number(cell: str) -> float:
    """A printed figure as a float; not reported (and not reached) is NaN, never 0."""
    cell = cell.strip()
    if cell in NOT_REPORTED or cell == NOT_REACHED:
        return math.nan
    return float(cell)


@lru_cache(maxsize=1)
def _dual_target_refs() -> frozenset[int]:
    # The consensus names the dual-target trials of Table 1 by reference number:
    # 「两个抗原靶点联合的CAR-T细胞临床试验有BCMA/CD19[7]、BCMA/ CD38[10]、BCMA/CD138等」.
    quote = content.recommendation("evidence_dual_target_trials").quote_zh
    return frozenset(int(n) for n in _REF.findall(quote))


def _trial_recommendations() -> dict[str, str]:
    """Row id (T1.n) -> the recommendation entry that quotes it (trial_n)."""
    return {r.source: r.id for r in content.recommendations() if r.source.startswith("T1.")}


def _row(block, rec_by_row: dict[str, str]) -> dict[str, object]:
    if len(block.cells) != len(block.header):
        raise ValueError(f"{block.id}: {len(block.cells)} cells under {len(block.header)} headers")
    raw = {T1_COLUMNS[h]: c for h, c in zip(block.header, block.cells, strict=True)}
    m = _AUTHOR.match(raw["author"])
    if not m:
        raise ValueError(f"{block.id}: author cell {raw['author']!r} is not 'Name等[n]'")
    ref = int(m["ref"])
    row: dict[str, object] = {
        "ref": ref,
        "author": m["name"],
        "year": int(raw["year"]),
        "registry": raw["registry"],
        "patients": int(raw["patients"]),
        "product": raw["product"],
        "costim": raw["costim"],
        "dose_text": raw["dose_text"],
        # (50~180)×10⁶ is a flat dose; ×10⁶/kg is per kg (READING-NOTES items 1 and 8).
        "dose_per_kg": raw["dose_text"].endswith("/kg"),
    }
    for col in NUMERIC_COLUMNS:
        row[col] = parse_number(raw[col])
    row["pfs_not_reached"] = raw["pfs_months"].strip() == NOT_REACHED
    row["row_id"] = block.id
    row["recommendation_id"] = rec_by_row.get(block.id)
    row["dual_target"] = ref in _dual_target_refs()
    return row


@lru_cache(maxsize=1)
def _table1() -> pd.DataFrame:
    rec_by_row = _trial_recommendations()
    rows = [_row(b, rec_by_row) for b in content.document().rows("T1")]
    frame = pd.DataFrame(rows, columns=[*TABLE1_COLUMNS, *EXTRA_COLUMNS])
    return frame.astype({c: "float64" for c in NUMERIC_COLUMNS} | {"dose_per_kg": bool, "pfs_not_reached": bool,
                                                                   "dual_target": bool})


def table1() -> pd.DataFrame:
    """Table 1 of the consensus, one row per study; a copy, so callers cannot change the cache."""
    return _table1().copy()


def summary_ranges() -> dict[str, float]:
    """The ranges across Table 1 that the consensus summarises in P1 (e.g. ORR 73%~100%)."""
    t = _table1()
    return {"orr_min_pct": float(t["orr_pct"].min()), "orr_max_pct": float(t["orr_pct"].max()),
            "scr_cr_max_pct": float(t["scr_cr_pct"].max()),
            "studies": len(t), "patients": int(t["patients"].sum())}


TABLE2_COLUMNS: tuple[str, ...] = ("product", "drug", "dose", "basis", "days", "day_list", "recommendation_id", "ref")


@lru_cache(maxsize=1)
def _table2() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for reg in dosing.table2_regimens():
        # A drug the row prints as 无 (LCAR-B38M's fludarabine) is absent, not a dose of 0.
        for d in reg.drugs:
            rows.append({
                "product": reg.product,
                "drug": d.drug,
                "dose": float(d.dose),
                "basis": d.basis,
                "days": d.days_printed,
                "day_list": tuple(d.days),
                "recommendation_id": reg.recommendation_id,
                "ref": _table2_ref(reg.recommendation_id),
            })
    return pd.DataFrame(rows, columns=list(TABLE2_COLUMNS))


def _table2_ref(rec_id: str) -> int | None:
    # Table 2 names each study by the bracket number Table 1 uses (e.g. CT053[9]), which
    # links a regimen to its trial row.
    m = _REF.search(content.recommendation(rec_id).quote_zh.split("|")[0])
    return int(m[1]) if m else None


def table2() -> pd.DataFrame:
    """Table 2: one row per regimen and drug (product, drug, dose, basis, days); a copy."""
    return _table2().copy()
