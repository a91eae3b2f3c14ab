"""Subjects: the phrases articles use for markets, mapped to symbols in capsize's data.

The mapping is a table (:data:`SUBJECTS`), each row stating what the phrase is measured by.
Named indices map to their index level where the data has it (``^RUT``, ``^GSPC``,
``^IXIC``, ``^VIX``); size segments ("small caps") map to the segment's ETF proxy
(:mod:`capsize.segments`), whose closes include dividends; indices missing from the data
(S&P 600, S&P 400, Nasdaq 100, Dow) map to the ETF that tracks them and say so.
:func:`level_symbol` gives the index level to use when a segment phrase states a level
("small caps closed at 2,300" is about the Russell 2000's level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from capsize.factcheck.claim import Subject

__all__ = ["ETF_TICKERS", "SUBJECTS", "SubjectHit", "find_subjects", "level_symbol"]


# (pattern, symbol, kind, mapping stated to the reader); first match at a position wins,
# so longer phrases come first.
SUBJECTS: tuple[tuple[str, str, str, str], ...] = (
    (
        r"(?:the )?russell 2000 value(?: index)?|small[- ]cap value(?: stocks| shares)?",
        "IWN",
        "etf",
        "small-cap value -> IWN, iShares Russell 2000 Value ETF",
    ),
    (
        r"(?:the )?russell 2000 growth(?: index)?|small[- ]cap growth(?: stocks| shares)?",
        "IWO",
        "etf",
        "small-cap growth -> IWO, iShares Russell 2000 Growth ETF",
    ),
    (
        r"(?:the )?russell 2000(?: index)?(?! etf)|(?:the )?russell2000|\^?RUT\b",
        "^RUT",
        "index",
        "the Russell 2000 -> ^RUT, the index level (price return, no dividends)",
    ),
    (r"(?:the )?ishares russell 2000 etf", "IWM", "etf", "iShares Russell 2000 ETF -> IWM"),
    (
        r"(?:the )?russell microcap(?: index)?|micro[- ]?caps?(?: stocks| shares| companies)?|microcap stocks|the smallest stocks",
        "IWC",
        "segment",
        "micro caps -> IWC, iShares Micro-Cap ETF (Russell Microcap)",
    ),
    (
        r"(?:the )?s&p (?:smallcap |small-cap )?600(?: index)?",
        "IJR",
        "etf",
        "the S&P 600 -> IJR, iShares Core S&P Small-Cap ETF (the index level is not in the data)",
    ),
    (
        r"small[- ]?caps?(?: stocks| shares| companies| equities| index)?|smaller (?:companies|stocks)|small companies|small stocks|smallcaps",
        "IWM",
        "segment",
        "small caps -> IWM, iShares Russell 2000 ETF (total return); levels -> ^RUT",
    ),
    (
        r"(?:the )?s&p (?:midcap |mid-cap )?400(?: index)?|mid[- ]?caps?(?: stocks| shares| companies)?|midsize (?:companies|stocks)",
        "IJH",
        "segment",
        "mid caps -> IJH, iShares Core S&P Mid-Cap ETF (S&P 400; MDY ends 2025-09-26 in the data)",
    ),
    (
        r"(?:the )?equal[- ]weight(?:ed)? s&p 500(?: index)?",
        "RSP",
        "etf",
        "the equal-weight S&P 500 -> RSP, Invesco S&P 500 Equal Weight ETF",
    ),
    (
        r"(?:the )?s&p 500(?: index)?|(?:the )?s&p(?![\w ]*\d)|\^?GSPC\b|(?:the )?standard & poor's 500",
        "^GSPC",
        "index",
        "the S&P 500 -> ^GSPC, the index level (price return, no dividends)",
    ),
    (
        r"large[- ]?caps?(?: stocks| shares| companies| equities)?|big caps|large companies|the broader market|the broad market|big stocks",
        "SPY",
        "segment",
        "large caps -> SPY, SPDR S&P 500 ETF (total return); levels -> ^GSPC",
    ),
    (
        r"(?:the )?russell 1000(?: index)?",
        "IWB",
        "etf",
        "the Russell 1000 -> IWB, iShares Russell 1000 ETF (the index level is not in the data)",
    ),
    (
        r"mega[- ]?caps?(?: stocks)?|(?:the )?s&p 100(?: index)?",
        "OEF",
        "segment",
        "mega caps -> OEF, iShares S&P 100 ETF",
    ),
    (
        r"(?:the )?(?:tech-heavy )?nasdaq[- ]100(?: index)?|(?:the )?nasdaq 100",
        "QQQ",
        "etf",
        "the Nasdaq 100 -> QQQ, Invesco QQQ Trust (the ^NDX level is not in the data)",
    ),
    (
        r"(?:the )?(?:tech-heavy )?nasdaq(?: composite)?(?: index)?|\^?IXIC\b",
        "^IXIC",
        "index",
        "the Nasdaq -> ^IXIC, the Nasdaq Composite index level",
    ),
    (
        r"(?:the )?dow jones industrial average|(?:the )?dow(?: jones)?\b|(?:the )?blue[- ]chip dow",
        "DIA",
        "etf",
        "the Dow -> DIA, SPDR Dow Jones Industrial Average ETF (the ^DJI level is not in the data)",
    ),
    (
        r"(?:the )?(?:cboe )?volatility index|\^?VIX\b|wall street's fear gauge|(?:the )?fear gauge",
        "^VIX",
        "index",
        "the VIX -> ^VIX, Cboe Volatility Index level",
    ),
    (r"bitcoin|\bBTC\b", "BTC-USD", "crypto", "bitcoin -> BTC-USD (UTC calendar-day closes)"),
    (r"ether(?:eum)?\b|\bETH\b", "ETH-USD", "crypto", "ether -> ETH-USD (UTC calendar-day closes)"),
    (
        r"(?:the )?(?:benchmark )?10-year (?:treasury |u\.s\. )?(?:note |bond )?yields?|(?:the )?yield on (?:the )?10-year (?:treasury )?(?:note|bond)?|(?:the )?10-year(?: treasury)?(?= (?:rose|fell|climbed|dropped|ended|stood|was|is|hit|traded))|(?:the )?10-year (?:treasury )?(?:note|bond)",
        "DGS10",
        "rate",
        "the 10-year yield -> DGS10, FRED 10-year Treasury constant-maturity yield",
    ),
    (
        r"(?:the )?2-year (?:treasury |u\.s\. )?(?:note )?yields?|(?:the )?two-year (?:treasury )?yields?|(?:the )?yield on (?:the )?2-year (?:treasury )?note|(?:the )?(?:2|two)-year (?:treasury )?note",
        "DGS2",
        "rate",
        "the 2-year yield -> DGS2, FRED 2-year Treasury constant-maturity yield",
    ),
    (
        r"value stocks|value shares|\bvalue\b(?= (?:has|have|had|is|was|lagged|trailed|beat|"
        r"outperformed|underperformed|led)\b)",
        "VALUE",
        "index",
        "value stocks -> VALUE: no broad value index is in the data (only small-cap value, IWN "
        "and VBR); the Fama-French HML factor would be the measure",
    ),
    (
        r"growth stocks|growth shares|(?<=lagged )growth|(?<=trailed )growth|(?<=beat )growth|"
        r"(?<=outperformed )growth|(?<=underperformed )growth",
        "GROWTH",
        "index",
        "growth stocks -> GROWTH: no broad growth index is in the data (only small-cap growth, "
        "IWO); the Fama-French HML factor would be the measure",
    ),
    (
        r"(?:the )?(?:effective )?(?:federal|fed) funds(?: rate)?|(?:the )?fed(?:eral reserve)?'s (?:policy|benchmark) rate|(?:the )?policy rate|(?:the )?federal reserve|(?:the )?fed\b",
        "DFF",
        "rate",
        "the Fed's policy rate -> DFF, FRED daily effective federal funds rate (the target range is not in the data)",
    ),
    (
        r"(?:u\.s\. )?equity (?:mutual )?funds|stock funds|equity etfs",
        "US-EQUITY-FUNDS",
        "fund_group",
        "equity funds -> US-EQUITY-FUNDS, all US equity funds (no fund-flow data for them in capsize)",
    ),
)

#: ETF tickers capsize holds, recognised when written as such ("IWM", "(IJR)").
ETF_TICKERS = (
    "IWM",
    "SPY",
    "QQQ",
    "DIA",
    "IWC",
    "IJR",
    "VB",
    "VBR",
    "IWN",
    "IWO",
    "IJH",
    "IWB",
    "OEF",
    "RSP",
    "MDY",
)
_ETF_NAMES = {
    "IWM": "iShares Russell 2000 ETF",
    "SPY": "SPDR S&P 500 ETF",
    "QQQ": "Invesco QQQ Trust (Nasdaq 100)",
    "DIA": "SPDR Dow Jones Industrial Average ETF",
    "IWC": "iShares Micro-Cap ETF",
    "IJR": "iShares Core S&P Small-Cap ETF",
    "VB": "Vanguard Small-Cap ETF",
    "VBR": "Vanguard Small-Cap Value ETF",
    "IWN": "iShares Russell 2000 Value ETF",
    "IWO": "iShares Russell 2000 Growth ETF",
    "IJH": "iShares Core S&P Mid-Cap ETF",
    "IWB": "iShares Russell 1000 ETF",
    "OEF": "iShares S&P 100 ETF",
    "RSP": "Invesco S&P 500 Equal Weight ETF",
    "MDY": "SPDR S&P MidCap 400 ETF",
}
# Written tickers of other stocks: "(AAON)", "NASDAQ: AAON", "$AAON".
_STOCK = r"(?<=\()(?:(?:NYSE|NASDAQ|Nasdaq|NYSE American)\s?:\s?)?(?P<tk>[A-Z]{1,5})(?=\))|(?<=\$)(?P<tk2>[A-Z]{2,5})\b"
_NOT_TICKERS = frozenset(
    {
        "ETF",
        "ETFS",
        "USD",
        "GDP",
        "CPI",
        "FOMC",
        "CEO",
        "AI",
        "US",
        "USA",
        "NYSE",
        "SEC",
        "EPS",
        "PE",
        "YTD",
        "FRED",
        "ECB",
        "IPO",
        "I",
        "A",
    }
)

_ALL = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<s{i}>{p})(?!\\w)" for i, (p, *_rest) in enumerate(SUBJECTS))
    + rf"|(?<![$^])(?P<etf>(?:{'|'.join(ETF_TICKERS)})(?![\w-])))|{_STOCK}",
    re.I,
)
_ETF_EXACT = re.compile(rf"(?:{'|'.join(ETF_TICKERS)})")

_LEVELS = {
    "IWM": ("^RUT", "index", "small caps' level -> ^RUT, the Russell 2000 index"),
    "SPY": ("^GSPC", "index", "large caps' level -> ^GSPC, the S&P 500 index"),
}


@dataclass(frozen=True)
class SubjectHit:
    """A subject found in a text, with its ``(start, end)`` span in that text."""

    subject: Subject
    start: int
    end: int


def _hit(m: re.Match[str]) -> Subject | None:
    group = m.lastgroup or ""
    phrase = m.group(0)
    if group.startswith("s"):
        _p, symbol, kind, mapping = SUBJECTS[int(group[1:])]
        return Subject(phrase, symbol, kind, mapping)
    if group == "etf":
        if not _ETF_EXACT.fullmatch(phrase):  # tickers are written in capitals
            return None
        return Subject(phrase, phrase, "etf", f"{phrase} -> {phrase}, {_ETF_NAMES[phrase]}")
    tk = m.group("tk") or m.group("tk2")
    if not tk or tk in _NOT_TICKERS or tk != tk.upper():
        return None
    return Subject(tk, tk, "stock", f"{tk} -> {tk}, the stock's ticker as written")


def find_subjects(text: str) -> list[SubjectHit]:
    """Return the subjects named in ``text``, in order of appearance.

    Examples
    --------
    >>> [h.subject.symbol for h in find_subjects("Small caps beat the S&P 500 and bitcoin.")]
    ['IWM', '^GSPC', 'BTC-USD']
    """
    out: list[SubjectHit] = []
    for m in _ALL.finditer(text):
        subject = _hit(m)
        if subject is not None:
            out.append(SubjectHit(subject, m.start(), m.end()))
    return out


def level_symbol(subject: Subject) -> Subject:
    """Return the subject to use for a stated index level (a segment's index, if it has one).

    Examples
    --------
    >>> level_symbol(Subject("small caps", "IWM", "segment", "")).symbol
    '^RUT'
    """
    if subject.kind != "segment" or subject.symbol not in _LEVELS:
        return subject
    symbol, kind, mapping = _LEVELS[subject.symbol]
    return Subject(subject.phrase, symbol, kind, mapping)
