"""BM25 search over the recommendations, in Chinese or English (the assistant's fallback).

Chinese is segmented with jieba, English split into words; every term of a glossary group
(content/glossary.yaml: Chinese, English, ward shorthand) also adds the group's token, so
「托珠」, "toci" and "tocilizumab" find the same entries. The index is built once and cached.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import bm25s
import jieba

from logic import content

_CJK = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-+/.]*[a-z0-9]|[a-z0-9]|[\u3400-\u9fffγ]+")
_EN_STOP = frozenset(["a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "may", "me", "my", "of", "on", "or", "our", "she", "should", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "patient", "patients", "please", "tell", "about", "need", "needs", "much", "many", "give", "given", "get"])
_ZH_STOP = frozenset(["的", "了", "和", "与", "及", "或", "是", "在", "有", "为", "对", "于", "时", "后", "前", "中", "等", "可", "应", "将", "被", "把", "也", "就", "都", "而", "并", "要", "需", "需要", "怎么", "怎么办", "怎样", "什么", "多少", "多久", "如何", "吗", "呢", "吧", "啊", "哪些", "哪个", "一下", "请问", "请", "我", "你", "他", "她", "患者", "病人", "个", "之", "以", "其", "该", "这", "那", "用", "给"])
# Minimum BM25 score for a hit: below it, the overlap is a stray common word and the
# honest answer is "not in the consensus".
MIN_SCORE = 1.0


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """A private, quiet jieba tokenizer, loaded once, knowing the glossary's Chinese terms.

    The dictionary is read directly instead of through `initialize()`, which would write a
    cache file to the temp directory (the app writes no file at run time).
    """
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total = tok.gen_pfdict(tok.get_dict_file())
    tok.initialized = True
    for group in content.glossary():
        for term in group:
            if _CJK.search(term):
                tok.add_word(term, freq=20000)
    return tok


@lru_cache(maxsize=1)
def _glossary_index() -> tuple[dict[str, int], tuple[tuple[str, int], ...]]:
    """Exact token -> group number, and the multi-word/Chinese terms matched as substrings."""
    exact: dict[str, int] = {}
    phrases: list[tuple[str, int]] = []
    for n, group in enumerate(content.glossary()):
        for term in group:
            exact[term] = n
            if " " in term or (_CJK.search(term) and len(term) > 1):
                phrases.append((term, n))
    return exact, tuple(phrases)


def tokenize(text: str) -> list[str]:
    """Words of the text (jieba for Chinese), stop words dropped, plus glossary group tokens."""
    low = text.lower()
    words: list[str] = []
    for piece in _TOKEN.findall(low):
        if _CJK.search(piece):
            words += [w for w in tokenizer().lcut(piece) if w.strip()]
        else:
            words.append(piece)
    words = [w for w in words if w not in _EN_STOP and w not in _ZH_STOP]
    exact, phrases = _glossary_index()
    groups = {exact[w] for w in words if w in exact}
    groups |= {n for term, n in phrases if term in low}
    return words + [f"@g{n}" for n in sorted(groups)]


@lru_cache(maxsize=1)
def _index() -> tuple[bm25s.BM25, tuple[str, ...]]:
    recs = content.recommendations()
    corpus = [tokenize(f"{r.quote_zh} {r.text_en}") for r in recs]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    return retriever, tuple(r.id for r in recs)


def search(query: str, k: int = 3, min_score: float = MIN_SCORE) -> list[tuple[str, float]]:
    """The best recommendation ids for a question with their BM25 scores, best first.

    An empty list means nothing in the consensus matches: the caller says so plainly.
    """
    retriever, ids = _index()
    vocab = retriever.vocab_dict
    terms = [w for w in tokenize(query) if w in vocab]
    if not terms:
        return []
    scores = retriever.get_scores(terms)
    ranked = sorted(range(len(ids)), key=lambda i: (-float(scores[i]), i))
    hits = [(ids[i], round(float(scores[i]), 3)) for i in ranked[:k] if scores[i] >= min_score]
    if not hits and _DOMAIN.search(query.lower()):
        # "What is CAR-T?": the therapy's own name is in nearly every entry, so BM25 cannot
        # rank it; the overview entries are the consensus's answer.
        overview = [i for i in ranked if _topics()[i] == "overview" and scores[i] > 0]
        hits = [(ids[i], round(float(scores[i]), 3)) for i in overview[:2]]
    return hits


_DOMAIN = re.compile(r"car-?t|嵌合抗原受体|骨髓瘤|myeloma|共识|consensus|bcma")


@lru_cache(maxsize=1)
def _topics() -> tuple[str, ...]:
    return tuple(r.topic for r in content.recommendations())
