"""The clinical logic of the app: pure Python, pydantic v2, no Streamlit.

Public API: shared/contract/logic-api.md. Submodules: content, crs, icans, dosing,
eligibility, relapse, followup, assistant, trials, cases.
"""

from logic.models import CriterionResult, Dose, Grade

__all__ = ["CriterionResult", "Dose", "Grade"]
