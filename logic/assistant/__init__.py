"""The conversational assistant: a bedside question in Chinese or English -> the computed answer.

One stage per module: normalize (full-width, numerals, typos, units) -> findings (what the
question states, with negation and spans) -> intent (what it asks) -> state (what the
conversation knows; follow-ups) -> reply (computed with the same logic functions as the pages,
read-back first). `ask` and `Answer` keep the contract's import path (logic.assistant).
"""

from logic.assistant.normalize import MAX_CHARS
from logic.assistant.reply import MEMORY_KEYS, Answer, Finding, ask

__all__ = ["MAX_CHARS", "MEMORY_KEYS", "Answer", "Finding", "ask"]
