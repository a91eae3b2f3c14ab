"""The factcheck corpus: load the sentences and articles, match extracted claims to expected ones.

Used by the tests (``tests/test_factcheck``) and by ``benchmarks/factcheck.py``; load it with
:func:`load_module` (the tests directory is not a package)::

    corpus = load_module()          # this file as a module
    cases = corpus.sentence_cases()

A predicted claim matches an expected one when kind, symbols, window (start, end, anchor,
anchor_end) and claimed range (low, high, unit; 1e-6) all agree; for articles the expected
claim's ``quote`` must also be part of the claim's text.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles"


@dataclass(frozen=True)
class Expected:
    """One claim extraction must find."""

    kind: str
    symbols: tuple[str, ...]
    start: dt.date | None = None
    end: dt.date | None = None
    anchor: str = ""
    anchor_end: dt.date | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    quote: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, d: dict[str, Any]) -> Expected:
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        kw = {k: v for k, v in d.items() if k in known}
        kw["symbols"] = tuple(d["symbols"])
        extra = {k: v for k, v in d.items() if k not in known}
        return cls(**kw, extra=extra)


@dataclass(frozen=True)
class Case:
    """A text (a sentence or a whole article), its date, and the claims it must give."""

    name: str
    text: str
    date: dt.date
    expected: tuple[Expected, ...]
    note: str = ""


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def matches(claim: Any, e: Expected) -> bool:
    """Return True when the extracted ``claim`` is the expected one."""
    if claim.kind != e.kind or tuple(s.symbol for s in claim.subjects) != e.symbols:
        return False
    if e.quote and e.quote not in claim.text:
        return False
    w = claim.window
    got_window = (w.start, w.end, w.anchor, w.anchor_end) if w else (None, None, "", None)
    if got_window != (e.start, e.end, e.anchor, e.anchor_end):
        return False
    c = claim.claimed
    if c is None:
        return e.low is None and e.high is None
    return _close(c.low, e.low) and _close(c.high, e.high) and c.unit == e.unit


def describe(claim: Any) -> str:
    """Return a one-line description of an extracted claim (for failure messages)."""
    w = claim.window
    c = claim.claimed
    window = f"{w.start}..{w.end} {w.anchor} {w.anchor_end or ''}".strip() if w else "-"
    value = f"{c.low}..{c.high} {c.unit}" if c else "-"
    syms = ",".join(s.symbol for s in claim.subjects)
    return f"{claim.kind}[{syms}] {window} {value} <{claim.text}>"


def sentence_cases(file: str = "sentences.toml") -> list[Case]:
    """Return the claim sentences of ``sentences.toml`` (or a held-out file)."""
    data = tomllib.loads((HERE / file).read_text(encoding="utf-8"))
    prefix = {"sentences.toml": "s", "holdout.toml": "h"}.get(file, file.split(".")[0] + "-")
    return [
        Case(
            f"{prefix}{i:03d}",
            c["text"],
            c["date"],
            tuple(Expected.from_toml(e) for e in c["expect"]),
            c.get("note", ""),
        )
        for i, c in enumerate(data["claim"], 1)
    ]


def non_claim_cases(file: str = "sentences.toml") -> list[Case]:
    """Return the sentences of ``sentences.toml`` (or a held-out file) that give no claim."""
    data = tomllib.loads((HERE / file).read_text(encoding="utf-8"))
    prefix = {"sentences.toml": "n", "holdout.toml": "hn"}.get(file, file.split(".")[0] + "-n")
    return [
        Case(f"{prefix}{i:03d}", c["text"], c["date"], ())
        for i, c in enumerate(data["non_claim"], 1)
    ]


def article_cases(held_out: bool | None = None) -> list[Case]:
    """Return the articles (``articles/<name>.<md|txt|html>``) with ``articles/<name>.toml``.

    ``held_out``: only the articles whose note says "held out" (True), only the others
    (False), or all (None).
    """
    out = []
    for spec in sorted(ARTICLES.glob("*.toml")):
        data = tomllib.loads(spec.read_text(encoding="utf-8"))
        if held_out is not None and data.get("note", "").startswith("held out") != held_out:
            continue
        source = ARTICLES / data["file"]
        out.append(
            Case(
                spec.stem,
                source.read_text(encoding="utf-8"),
                data["date"],
                tuple(Expected.from_toml(e) for e in data["claim"]),
                data.get("note", ""),
            )
        )
    return out


@dataclass
class Score:
    """Counts of expected, extracted and matched claims."""

    expected: int = 0
    extracted: int = 0
    matched_expected: int = 0
    matched_extracted: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched_expected / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched_extracted / self.extracted if self.extracted else 1.0

    def add(self, case: Case, claims: tuple[Any, ...]) -> None:
        """Score one case: each expected claim may be matched by one extracted claim."""
        self.expected += len(case.expected)
        self.extracted += len(claims)
        used: set[int] = set()
        for e in case.expected:
            hit = next((i for i, c in enumerate(claims) if i not in used and matches(c, e)), None)
            if hit is None:
                self.misses.append(f"{case.name}: {e}")
            else:
                used.add(hit)
        self.matched_expected += len(used)
        self.matched_extracted += len(used)
        self.extras += [
            f"{case.name}: {describe(c)}" for i, c in enumerate(claims) if i not in used
        ]


def score(cases: list[Case], extract: Any, article: bool = False) -> Score:
    """Extract every case's claims and score them against the expected claims."""
    from capsize.factcheck.extract import load_article

    s = Score()
    for case in cases:
        text = load_article(case.text).text if article else case.text
        s.add(case, extract(text, case.date))
    return s


def load_module() -> Any:
    """Return this file as an importable module (the tests directory is not a package)."""
    name = "capsize_factcheck_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
