"""Catalysts: 8-K events by item number, and share-count jumps from XBRL.

The SEC's filing list (``sec_filings`` frame) gives, for each 8-K, the item
numbers it reports. This module turns them into dated, named events:

============  ===============================  ==========================================
event         rule                             why it matters
============  ===============================  ==========================================
reverse_split items 3.03 **and** 5.03 together  the usual pair for a reverse split (rights
              in one 8-K                       modified + charter amended); the filing
                                               text is not read, so it is "likely"
listing       item 3.01                        delisting notice / listing deficiency
agreement     item 1.01                        material definitive agreement, contract win
acquisition   item 2.01                        acquisition or disposition completed
control       item 5.01                        change in control
bankruptcy    item 1.03                        bankruptcy or receivership
equity_sale   item 3.02                        unregistered sale of equity (dilution)
non_reliance  item 4.02                        past financial statements unreliable
no_items      an 8-K listing no items          stated as such (older filings, some amendments)
share_jump    XBRL shares up > 20% between     dilution
              consecutive reports
share_drop    XBRL shares down > 50%           consistent with a reverse split
============  ===============================  ==========================================

Other items (2.02 results, 5.02 officers, 5.07 votes, 7.01, 8.01, 9.01...) are
kept in the timeline as ``other`` events with their item names.

Notes
-----
Dates are filing dates (the day the market could know), not report dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from capsize._typing import DateLike

__all__ = [
    "EVENT_RULES",
    "ITEMS",
    "EventRule",
    "catalyst_feed",
    "events_from_filings",
    "items_from_index_html",
    "items_from_sgml",
    "share_count_events",
    "timeline",
]

ITEMS: Mapping[str, str] = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.04": "Mine Safety - Reporting of Shutdowns and Patterns of Violations",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation or an Obligation under an "
    "Off-Balance Sheet Arrangement of a Registrant",
    "2.04": "Triggering Events That Accelerate or Increase a Direct Financial Obligation or "
    "an Obligation under an Off-Balance Sheet Arrangement",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule or Standard; "
    "Transfer of Listing",
    "3.02": "Unregistered Sales of Equity Securities",
    "3.03": "Material Modification to Rights of Security Holders",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements or a Related Audit Report "
    "or Completed Interim Review",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of "
    "Certain Officers: Compensatory Arrangements of Certain Officers",
    "5.03": "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year",
    "5.04": "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans",
    "5.05": "Amendments to the Registrant's Code of Ethics, or Waiver of a Provision of the "
    "Code of Ethics",
    "5.06": "Change in Shell Company Status",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "5.08": "Shareholder Director Nominations",
    "6.01": "ABS Informational and Computational Material",
    "6.02": "Change of Servicer or Trustee",
    "6.03": "Change in Credit Enhancement or Other External Support",
    "6.04": "Failure to Make a Required Distribution",
    "6.05": "Securities Act Updating Disclosure",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}
"""Form 8-K item numbers and their official titles."""


@dataclass(frozen=True)
class EventRule:
    """How an 8-K becomes an event.

    Attributes
    ----------
    event : str
        Event id.
    requires : tuple of str
        Items that must all be present in one filing.
    category : str
        ``capital``, ``listing``, ``deal``, ``distress``, ``dilution``, ``other``.
    label : str
        Human-readable name.
    caveat : str
        What the rule does not check.
    """

    event: str
    requires: tuple[str, ...]
    category: str
    label: str
    caveat: str = ""


EVENT_RULES: tuple[EventRule, ...] = (
    EventRule(
        "reverse_split",
        ("3.03", "5.03"),
        "capital",
        "Likely reverse split (items 3.03 + 5.03)",
        "item pair typical of a reverse split; filing text not checked",
    ),
    EventRule("bankruptcy", ("1.03",), "distress", "Bankruptcy or receivership (1.03)"),
    EventRule("listing", ("3.01",), "listing", "Listing deficiency / delisting notice (3.01)"),
    EventRule("non_reliance", ("4.02",), "distress", "Non-reliance on past financials (4.02)"),
    EventRule("control", ("5.01",), "deal", "Change in control (5.01)"),
    EventRule("acquisition", ("2.01",), "deal", "Acquisition or disposition completed (2.01)"),
    EventRule(
        "agreement",
        ("1.01",),
        "deal",
        "Material definitive agreement (1.01)",
        "contract wins, financings and merger agreements all use 1.01",
    ),
    EventRule("equity_sale", ("3.02",), "dilution", "Unregistered sale of equity (3.02)"),
)
"""Event rules in priority order; one 8-K can raise several events."""

_EVENT_COLUMNS = [
    "date",
    "ticker",
    "event",
    "category",
    "label",
    "items",
    "form",
    "accession",
    "detail",
]
_FILING_COLUMNS = {"accession", "filing_date", "form", "items"}
_NOISE = {"9.01", "7.01", "8.01"}


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=_EVENT_COLUMNS)


def events_from_filings(
    filings: pd.DataFrame,
    *,
    ticker: str,
    as_of: DateLike | None = None,
    include_other: bool = True,
) -> pd.DataFrame:
    """Turn 8-K filings into events.

    Parameters
    ----------
    filings : DataFrame
        ``sec_filings`` frame (``accession, filing_date, form, items`` with
        ``items`` a tuple of item numbers).
    ticker : str
        Label of the company.
    as_of : date-like, optional
        Ignore filings after this date.
    include_other : bool
        Keep 8-Ks that match no rule as ``other`` events (item titles in
        ``detail``). Filings reporting only 9.01/7.01/8.01 are kept too.

    Returns
    -------
    DataFrame
        Columns ``date, ticker, event, category, label, items, form,
        accession, detail``, newest first.
    """
    if not isinstance(filings, pd.DataFrame):
        raise InputError("filings must be the sec_filings DataFrame")
    missing = _FILING_COLUMNS - set(filings.columns)
    if missing:
        raise SchemaError(f"filings lacks columns {sorted(missing)}; pass the sec_filings frame")
    eight_k = filings.loc[filings["form"].astype(str).str.match(r"^8-K(/A)?$")]
    if as_of is not None:
        eight_k = eight_k.loc[eight_k["filing_date"] <= pd.Timestamp(as_of)]
    rows: list[dict[str, object]] = []
    for rec in eight_k.itertuples(index=False):
        items = tuple(getattr(rec, "items", ()) or ())
        base = {
            "date": pd.Timestamp(str(rec.filing_date)),
            "ticker": ticker.upper(),
            "items": ",".join(items),
            "form": str(rec.form),
            "accession": str(rec.accession),
        }
        if not items:
            rows.append(
                {
                    **base,
                    "event": "no_items",
                    "category": "unknown",
                    "label": "8-K with no items listed",
                    "detail": "the filing index lists no item numbers; not classified",
                }
            )
            continue
        hit = False
        for rule in EVENT_RULES:
            if all(i in items for i in rule.requires):
                hit = True
                rows.append(
                    {
                        **base,
                        "event": rule.event,
                        "category": rule.category,
                        "label": rule.label,
                        "detail": rule.caveat,
                    }
                )
        if not hit and include_other:
            named = [
                f"{i} {ITEMS.get(i, 'legacy or unknown item')}" for i in items if i not in _NOISE
            ]
            named = named or [f"{i} {ITEMS.get(i, 'unknown')}" for i in items]
            rows.append(
                {
                    **base,
                    "event": "other",
                    "category": "other",
                    "label": "8-K " + ", ".join(items),
                    "detail": "; ".join(named),
                }
            )
    if not rows:
        return _empty()
    out = pd.DataFrame(rows, columns=_EVENT_COLUMNS)
    return out.sort_values(["date", "accession"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def share_count_events(
    shares: pd.DataFrame,
    *,
    ticker: str,
    jump: float = 0.20,
    drop: float = 0.50,
    as_of: DateLike | None = None,
) -> pd.DataFrame:
    """Share-count jumps and drops between consecutive XBRL reports.

    Parameters
    ----------
    shares : DataFrame
        :func:`capsize.stocks.fundamentals.share_history` output
        (``end, shares, filed, accn``).
    ticker : str
    jump : float
        Relative increase (fraction) that counts as a jump (dilution).
    drop : float
        Relative decrease (fraction) that counts as a drop (reverse split).
    as_of : date-like, optional
        Ignore reports filed after it.

    Returns
    -------
    DataFrame
        Same columns as :func:`events_from_filings`; ``date`` is the filing
        date of the later report, ``detail`` gives both counts and dates.
    """
    if not 0 < drop < 1 or jump <= 0:
        raise InputError(f"jump={jump!r} must be > 0 and drop={drop!r} in (0, 1)")
    if shares is None or len(shares) < 2:
        return _empty()
    h = shares.sort_values("end").reset_index(drop=True)
    if as_of is not None:
        h = h.loc[h["filed"] <= pd.Timestamp(as_of)].reset_index(drop=True)
    rows: list[dict[str, object]] = []
    vals = h["shares"].astype("float64").tolist()
    ends = [pd.Timestamp(x) for x in h["end"].tolist()]
    filed = [pd.Timestamp(x) for x in h["filed"].tolist()]
    accns = [str(x) for x in h["accn"].tolist()]
    for i in range(1, len(h)):
        v0, v1 = vals[i - 1], vals[i]
        if not (v0 > 0 and v1 > 0):
            continue
        ratio = v1 / v0
        if ratio - 1 > jump:
            ev, cat, label = "share_jump", "dilution", f"Shares outstanding +{ratio - 1:.0%}"
        elif 1 - ratio > drop:
            ev, cat, label = "share_drop", "capital", f"Shares outstanding {ratio - 1:.0%}"
        else:
            continue
        rows.append(
            {
                "date": filed[i],
                "ticker": ticker.upper(),
                "event": ev,
                "category": cat,
                "label": label,
                "items": "",
                "form": "XBRL",
                "accession": accns[i],
                "detail": (
                    f"{v0:,.0f} on {ends[i - 1]:%Y-%m-%d} -> {v1:,.0f} on {ends[i]:%Y-%m-%d}"
                    + ("; consistent with a reverse split" if ev == "share_drop" else "")
                ),
            }
        )
    if not rows:
        return _empty()
    return pd.DataFrame(rows, columns=_EVENT_COLUMNS).iloc[::-1].reset_index(drop=True)


def timeline(
    filings: pd.DataFrame | None,
    shares: pd.DataFrame | None = None,
    *,
    ticker: str,
    as_of: DateLike | None = None,
    since: DateLike | None = None,
    include_other: bool = True,
) -> pd.DataFrame:
    """All catalyst events of one stock, newest first.

    Parameters
    ----------
    filings : DataFrame or None
        ``sec_filings`` frame (None when not available: no 8-K events).
    shares : DataFrame or None
        Share history (None: no XBRL share events).
    ticker : str
    as_of, since : date-like, optional
        Keep events dated in ``[since, as_of]``.
    include_other : bool
        Keep unclassified 8-Ks.

    Returns
    -------
    DataFrame
        Columns of :func:`events_from_filings`.
    """
    parts = []
    if filings is not None:
        parts.append(
            events_from_filings(filings, ticker=ticker, as_of=as_of, include_other=include_other)
        )
    if shares is not None and len(shares):
        parts.append(share_count_events(shares, ticker=ticker, as_of=as_of))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if since is not None:
        out = out.loc[out["date"] >= pd.Timestamp(since)]
    return out.sort_values(["date", "accession"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def catalyst_feed(
    timelines: Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame],
    *,
    since: DateLike | None = None,
    categories: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Merge per-stock timelines into one feed across a universe, newest first.

    Parameters
    ----------
    timelines : mapping or iterable of DataFrame
        Outputs of :func:`timeline`.
    since : date-like, optional
        Keep events on or after this date.
    categories : iterable of str, optional
        Keep only these categories (default: all except ``other``).
    """
    frames = list(timelines.values()) if isinstance(timelines, Mapping) else list(timelines)
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True)
    cats = set(categories) if categories is not None else set(out["category"]) - {"other"}
    out = out.loc[out["category"].isin(cats)]
    if since is not None:
        out = out.loc[out["date"] >= pd.Timestamp(since)]
    result: pd.DataFrame = out.sort_values(
        ["date", "ticker"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    return result


# --------------------------------------------------------------------------- raw 8-K parsing


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_BY_TITLE = {_norm(t): k for k, t in ITEMS.items()}


def items_from_sgml(text: str) -> tuple[str, ...]:
    r"""Item numbers from the ``ITEM INFORMATION:`` header lines of a full submission ``.txt``.

    The header gives item *titles*, not numbers; titles are matched to the
    official ones (punctuation ignored). Unmatched titles are returned as
    ``"?<title>"`` so nothing is silently dropped.

    Examples
    --------
    >>> items_from_sgml("ITEM INFORMATION:  Regulation FD Disclosure")
    ('7.01',)
    """
    out: list[str] = []
    for m in re.finditer(r"^ITEM INFORMATION:\s*(.+?)\s*$", text, flags=re.MULTILINE):
        title = _norm(m.group(1))
        code = _BY_TITLE.get(title)
        if code is None:
            code = next(
                (k for t, k in _BY_TITLE.items() if t.startswith(title) or title.startswith(t)),
                None,
            )
        out.append(code if code is not None else f"?{m.group(1).strip()}")
    return tuple(dict.fromkeys(out))


def items_from_index_html(html: str) -> tuple[str, ...]:
    """Item numbers from an EDGAR filing index page (``Item 5.02: ...``).

    Examples
    --------
    >>> items_from_index_html('<div class="info">Item 2.02: Results<br />Item 9.01: FS</div>')
    ('2.02', '9.01')
    """
    return tuple(dict.fromkeys(re.findall(r"Item\s+(\d{1,2}\.\d{2})\s*:", html)))
