"""The JSON form of a checked article, exactly the issue's shape.

::

    {"article_date": "2026-08-21",
     "claims": [{"text", "kind", "subjects", "window", "claimed", "computed", "verdict",
                 "definition", "reason", "provenance"}]}

``subjects``: ``[{"phrase", "symbol", "kind", "mapping"}]``; ``window``: ``{"start", "end",
"label", "anchor"}`` or null; ``claimed``: ``{"low", "high", "unit", "text", "hedge"}`` or
null (open ends are null); ``computed``: a number in the claimed unit or null;
``provenance``: the query figures used, each ``{"id", "value", "unit", "label", "note",
"provenance": {"source", "symbols", "window", "as_of", "formula"}}`` (the data's source and
as-of date are there, figure by figure).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from capsize.factcheck.claim import Verdict

if TYPE_CHECKING:
    from capsize.factcheck._report import CheckedArticle

__all__ = ["claim_dict", "to_json_dict", "to_json_text"]


def _num(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def claim_dict(v: Verdict) -> dict[str, Any]:
    """One claim with its verdict, JSON-ready, with exactly the issue's keys."""
    c = v.claim
    window = None
    if c.window is not None:
        w = c.window
        window = {
            "start": w.start.isoformat() if w.start else None,
            "end": w.end.isoformat(),
            "label": w.label,
            "anchor": w.anchor,
        }
    claimed = None
    if c.claimed is not None:
        claimed = {**asdict(c.claimed), "low": _num(c.claimed.low), "high": _num(c.claimed.high)}
    return {
        "text": c.text,
        "kind": c.kind,
        "subjects": [asdict(s) for s in c.subjects],
        "window": window,
        "claimed": claimed,
        "computed": _num(v.computed),
        "verdict": v.verdict,
        "definition": v.definition,
        "reason": v.reason
        + (f" Tolerance: {v.tolerance}." if v.tolerance else "")
        + (f" Accepted as supported: {v.accepted}." if v.accepted else ""),
        "provenance": [dict(p) for p in v.provenance],
    }


def to_json_dict(article: CheckedArticle) -> dict[str, Any]:
    """Return ``{"article_date", "claims"}`` for ``article``."""
    return {
        "article_date": article.article_date.isoformat(),
        "claims": [claim_dict(v) for v in article.verdicts],
    }


def to_json_text(article: CheckedArticle) -> str:
    """Return the JSON text (indented, UTF-8 safe, ending with a newline)."""
    return json.dumps(to_json_dict(article), indent=2, ensure_ascii=False) + "\n"
