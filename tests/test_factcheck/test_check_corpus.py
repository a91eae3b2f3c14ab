"""Verdict accuracy on the corpus articles, and the reads of an earlier-day session.

The expected verdict of each claim is computed from the shared CSV files with pandas
(``corpus/truth.py``, which does not import capsize) and listed in ``corpus/verdicts.toml``;
capsize's verdicts must agree on at least 98 % of the claims extracted as expected (the issue
asked for 90 %; 100 % (189/189) is measured, so the bar guards against regressions).
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

CORPUS = Path(__file__).parent / "corpus"


def _load(name: str, file: str) -> Any:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, CORPUS / file)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_verdict_accuracy_on_the_corpus_articles(store: Any, shared_data: Path) -> None:
    corpus = _load("capsize_factcheck_corpus", "corpus.py")
    truth = _load("capsize_factcheck_truth", "truth.py")
    truth.SHARED = shared_data
    cases = corpus.article_cases()
    assert len(cases) >= 12
    score = truth.score_verdicts(store, corpus, cases)
    assert score.expected >= 150 and score.matched >= 0.9 * score.expected
    assert score.accuracy >= 0.98, "\n".join(score.disagreements)
    # the expected verdicts mix every outcome (true, off by definition, stale, false, missing)
    kinds = {truth.verdict(e, c.date)[0] for c in cases for e in c.expected}
    assert kinds == {"supported", "close", "contradicted", "not checkable"}


def test_the_expected_verdicts_file_is_what_the_csv_files_give(shared_data: Path) -> None:
    """Every listed verdict is what the CSV files give; the list covers the corpus articles.

    Rows are matched by (article, quote, kind) in order, so an article added to the corpus
    later only lowers the coverage until ``verdicts.toml`` is regenerated.
    """
    corpus = _load("capsize_factcheck_corpus", "corpus.py")
    truth = _load("capsize_factcheck_truth", "truth.py")
    truth.SHARED = shared_data
    listed: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in tomllib.loads((CORPUS / "verdicts.toml").read_text(encoding="utf-8"))["verdict"]:
        listed.setdefault((row["article"], row["quote"], row["kind"]), []).append(row)
    found = total = 0
    for case in corpus.article_cases():
        for e in case.expected:
            total += 1
            rows = listed.get((case.name, e.quote, e.kind))
            if not rows:
                continue
            row = rows.pop(0)
            found += 1
            verdict, value = truth.verdict(e, case.date)
            assert row["verdict"] == verdict, row
            if value is not None:
                assert row["value"] == pytest.approx(value, rel=1e-5, abs=1e-9), row
    assert found >= 0.9 * total and found >= 150


def test_an_earlier_session_reads_what_a_session_at_that_day_reads(store: Any) -> None:
    from capsize.queries import Session

    late = Session(store, pd.Timestamp("2026-08-21"))
    late.closes(["IWM", "^RUT"])
    early = late.earlier(pd.Timestamp("2025-06-30"))
    direct = Session(store, pd.Timestamp("2025-06-30"))
    pd.testing.assert_frame_equal(early.closes(["IWM", "^RUT"]), direct.closes(["IWM", "^RUT"]))
    assert early.closes(["IWM", "^RUT"]).attrs == direct.closes(["IWM", "^RUT"]).attrs
    pd.testing.assert_frame_equal(early.bars("SPY"), direct.bars("SPY"))
    pd.testing.assert_frame_equal(early.macro("DGS10"), direct.macro("DGS10"))
    assert early.closes(["IWM"]).index.max() <= pd.Timestamp("2025-06-30")
    with pytest.raises(Exception, match="after the session's day"):
        early.earlier(pd.Timestamp("2026-01-01"))
