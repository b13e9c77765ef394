"""Shared result types of the logic package (fixed by shared/contract/logic-api.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Grade(BaseModel):
    model_config = ConfigDict(frozen=True)

    grade: int  # 0 = criteria not met, 1..4 (5 = death is not computed)
    at_least: bool  # True if some input was None and could raise the grade
    drivers: list[str]  # field names that set the grade, e.g. ["hypoxia"]
    recommendation_ids: list[str]  # management recommendations for this grade

    # Around the contract (no new field): "at least grade 0" says nothing, so a front end shows
    # "not assessed" (nothing entered) or "incomplete" (something entered, nothing that grades).
    @property
    def assessed(self) -> bool:
        """False for grade 0 with inputs missing (at_least): no statement of a grade can be made."""
        return not (self.grade == 0 and self.at_least)


class Dose(BaseModel):
    model_config = ConfigDict(frozen=True)

    drug: str
    amount: float
    unit: str
    route: str
    frequency: str | None
    capped: bool
    recommendation_id: str


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    status: Literal["met", "not_met", "caution", "unknown"]
    message: str
    recommendation_id: str
