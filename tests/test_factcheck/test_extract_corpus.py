"""Extraction on the corpus: every sentence's claims, the non-claims, the articles, and the
recall and precision figures (>= 0.95 each: the issue asked for 0.9, 0.978 is measured, so the
bar guards against regressions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from capsize.factcheck.extract import extract_claims, load_article

_name = "capsize_factcheck_corpus"
if _name not in sys.modules:  # tests/ is not a package: load the corpus helpers by path
    _spec = importlib.util.spec_from_file_location(
        _name, Path(__file__).parent / "corpus" / "corpus.py"
    )
    assert _spec is not None and _spec.loader is not None
    sys.modules[_name] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_name])
C = sys.modules[_name]

HELD_OUT = ("holdout.toml", "holdout2.toml")
SENTENCES = C.sentence_cases() + [c for f in HELD_OUT for c in C.sentence_cases(f)]
NON_CLAIMS = C.non_claim_cases() + [c for f in HELD_OUT for c in C.non_claim_cases(f)]
ARTICLES = C.article_cases()

# Known misses, kept visible (strict xfail: a fix makes the test fail until it is removed).
KNOWN_MISSES = {
    "15_rate_jitters": (
        "'over the five sessions to Friday' is read as a look-back from Friday Aug. 21 "
        "(start Aug. 14, the same base close) where the expectation names last week (start "
        "Aug. 16); 'rose 19.5 % through July 31' needs the paragraph's 'for the year'"
    ),
}


def _marked(cases: list[Any]) -> list[Any]:
    return [
        pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_MISSES[c.name], strict=True))
        if c.name in KNOWN_MISSES
        else c
        for c in cases
    ]


def test_corpus_size() -> None:
    assert len(SENTENCES) >= 100
    assert len(NON_CLAIMS) >= 25
    assert len(ARTICLES) >= 12
    kinds = {e.kind for case in SENTENCES for e in case.expected}
    assert len(kinds) == 14, "every kind of claim.Kind appears in the corpus"


@pytest.mark.parametrize("case", _marked(SENTENCES), ids=lambda c: c.name)
def test_sentence(case: Any) -> None:
    claims = extract_claims(case.text, case.date)
    got = [C.describe(c) for c in claims]
    assert len(claims) == len(case.expected), got
    for claim, expected in zip(claims, case.expected, strict=True):
        assert C.matches(claim, expected), (C.describe(claim), expected)
        start, end = claim.span
        assert case.text[start:end] == claim.text


@pytest.mark.parametrize("case", NON_CLAIMS, ids=lambda c: c.name)
def test_non_claim(case: Any) -> None:
    assert extract_claims(case.text, case.date) == (), case.text


@pytest.mark.parametrize("case", _marked(ARTICLES), ids=lambda c: c.name)
def test_article_recall(case: Any) -> None:
    score = C.Score()
    article = load_article(case.text)
    score.add(case, extract_claims(article.text, case.date))
    assert score.recall >= 0.8, score.misses


def test_recall_and_precision_on_the_corpus() -> None:
    sentences = C.score(SENTENCES, extract_claims)
    sentences_no = C.score(NON_CLAIMS, extract_claims)
    articles = C.score(ARTICLES, extract_claims, article=True)
    expected = sentences.expected + articles.expected
    found = sentences.matched_expected + articles.matched_expected
    extracted = sentences.extracted + sentences_no.extracted + articles.extracted
    assert found / expected >= 0.95, sentences.misses + articles.misses
    assert found / extracted >= 0.95, sentences.extras + sentences_no.extras + articles.extras
