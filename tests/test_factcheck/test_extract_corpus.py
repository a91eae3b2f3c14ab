"""Extraction on the corpus: every sentence's claims, the non-claims, the articles, and the
recall and precision figures (>= 0.9 each)."""

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

SENTENCES = C.sentence_cases() + C.sentence_cases("holdout.toml")
NON_CLAIMS = C.non_claim_cases() + C.non_claim_cases("holdout.toml")
ARTICLES = C.article_cases()


def test_corpus_size() -> None:
    assert len(SENTENCES) >= 100
    assert len(NON_CLAIMS) >= 25
    assert len(ARTICLES) >= 12
    kinds = {e.kind for case in SENTENCES for e in case.expected}
    assert len(kinds) == 14, "every kind of claim.Kind appears in the corpus"


@pytest.mark.parametrize("case", SENTENCES, ids=lambda c: c.name)
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


@pytest.mark.parametrize("case", ARTICLES, ids=lambda c: c.name)
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
    assert found / expected >= 0.9, sentences.misses + articles.misses
    assert found / extracted >= 0.9, sentences.extras + sentences_no.extras + articles.extras
