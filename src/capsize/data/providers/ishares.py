"""iShares (BlackRock) ETF holdings files.

The fund pages offer a CSV download at
``https://www.ishares.com/us/products/<id>/<slug>/1467271812596.ajax?fileType=csv&fileName=<T>_holdings&dataType=fund``.
The file starts with a preamble (fund name, ``Fund Holdings as of``,
``Inception Date``, ``Shares Outstanding``, ...), then the holdings table (all
fields quoted, numbers with thousands separators, ``-`` for missing) and ends
with a quoted legal-disclaimer footer. Column sets differ between funds:
Russell funds (IWM, IWC) and IVV carry ``Weight (%)``; IJR and IJH carry a
``Type`` column and ``Market Weight``/``Notional Weight``; the share count is
``Quantity`` or ``Shares``.

:func:`parse_ishares_holdings` is the pure parser (reused by the local
importer); :class:`ISharesHoldingsFetcher` downloads one fund's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.data.providers._base import ProviderResult
from capsize.data.providers._http import (
    HttpFetcher,
    Payload,
    get_text,
    query_date,
    reject_unknown,
)
from capsize.errors import InputError, SchemaError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


__all__ = [
    "HOLDINGS_COLUMNS",
    "ISHARES_PRODUCTS",
    "WEIGHT_SUM_TOLERANCE",
    "ISharesHoldingsFetcher",
    "ISharesProduct",
    "ISharesQuery",
    "check_holdings_complete",
    "parse_ishares_holdings",
]

PROVIDER = "ishares"
ISHARES_BASE_URL = "https://www.ishares.com/us/products/"

HOLDINGS_COLUMNS: tuple[str, ...] = (
    "ticker",
    "name",
    "sector",
    "asset_class",
    "weight",
    "shares",
    "market_value",
    "price",
)
"""Columns of the standard holdings frame, in order."""

WEIGHT_SUM_TOLERANCE = 0.02
"""How far the weights of a complete holdings file may sum from 100 %, as a fraction.

The seven real files in ``shared/data`` and ``shared/fixtures`` sum to 99.87 % to
100.05 % (rounding of each published weight, cash and futures lines included);
a file cut to 30 % of its bytes sums to about 77 %.
"""

_HEADER_SCAN_LINES = 40
_MISSING = {"", "-", "--", "n/a", "N/A"}
_WEIGHT_COLUMNS = ("Weight (%)", "Market Weight")
_SHARES_COLUMNS = ("Quantity", "Shares")
_REQUIRED = ("Ticker", "Name", "Sector", "Asset Class", "Market Value", "Price")


def _number(token: str, *, name: str, where: str) -> float:
    token = token.strip()
    if token in _MISSING:
        return math.nan
    try:
        return float(token.replace(",", ""))
    except ValueError:
        raise SchemaError(f"{name}: {where}: {token!r} is not a number") from None


def _text(token: str) -> str | None:
    token = token.strip()
    return None if token in _MISSING else token


def _parse_as_of(value: str, name: str) -> dt.date:
    for fmt in ("%b %d, %Y", "%d/%b/%Y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise SchemaError(
        f"{name}: 'Fund Holdings as of' value {value!r} is not a date like 'Nov 05, 2025'"
    )


def _decode(text: str | bytes, name: str) -> str:
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return text.decode("cp1252")
    if isinstance(text, str):
        return text.removeprefix("\ufeff")
    raise InputError(f"text must be str or bytes, got {type(text).__name__}")


def _preamble(lines: list[str], name: str) -> tuple[int, dict[str, str], str | None]:
    """Return the header line's index, the ``key,value`` preamble and the fund name."""
    preamble: dict[str, str] = {}
    fund_name: str | None = None
    for i, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        fields = next(csv.reader([line]), [])
        if len(fields) >= 2 and fields[0].strip() == "Ticker" and fields[1].strip() == "Name":
            return i, preamble, fund_name
        stripped = line.strip().strip("\u00a0")
        if stripped and len(fields) >= 2:
            preamble[fields[0].strip()] = fields[1].strip()
        elif stripped and fund_name is None:
            fund_name = stripped
    raise SchemaError(
        f"{name}: no holdings header ('Ticker,Name,...') in the first "
        f"{_HEADER_SCAN_LINES} lines; "
        "the file is not a comma-separated iShares holdings CSV or its layout changed"
    )


def _preamble_meta(
    preamble: Mapping[str, str], name: str
) -> tuple[dt.date, float | None, dt.date | None]:
    """Return the snapshot date, fund shares outstanding and inception date."""
    if "Fund Holdings as of" not in preamble:
        raise SchemaError(
            f"{name}: the preamble has no 'Fund Holdings as of' line, so the snapshot date is "
            "unknown; download the file again from the fund page"
        )
    as_of = _parse_as_of(preamble["Fund Holdings as of"], name)
    so_raw = preamble.get("Shares Outstanding")
    shares_outstanding: float | None = None
    if so_raw is not None:
        so = _number(so_raw, name=name, where="'Shares Outstanding'")
        shares_outstanding = None if math.isnan(so) else so
    inception = preamble.get("Inception Date")
    inception_date = (
        _parse_as_of(inception, name)
        if inception is not None and inception not in _MISSING
        else None
    )
    return as_of, shares_outstanding, inception_date


def _blank(row: list[str]) -> bool:
    return all(not c.strip().strip("\u00a0") for c in row)


@dataclass(frozen=True)
class _Table:
    """The holdings table's header and where each standard column is."""

    header: list[str]
    pos: dict[str, int]
    weight: str
    shares: str

    @classmethod
    def from_header(cls, header: list[str], name: str) -> _Table:
        missing = [c for c in _REQUIRED if c not in header]
        weight = next((c for c in _WEIGHT_COLUMNS if c in header), None)
        shares = next((c for c in _SHARES_COLUMNS if c in header), None)
        if weight is None:
            missing.append("Weight (%) or Market Weight")
        if shares is None:
            missing.append("Quantity or Shares")
        if missing or weight is None or shares is None:
            raise SchemaError(f"{name}: holdings header lacks {missing}; got {header}")
        return cls(header, {c: header.index(c) for c in header}, weight, shares)

    def record(self, row: list[str], where: str, name: str) -> dict[str, Any]:
        def num(col: str) -> float:
            return _number(row[self.pos[col]], name=name, where=where)

        return {
            "ticker": _text(row[self.pos["Ticker"]]),
            "name": _text(row[self.pos["Name"]]),
            "sector": _text(row[self.pos["Sector"]]),
            "asset_class": _text(row[self.pos["Asset Class"]]),
            "weight": num(self.weight) / 100.0,
            "shares": num(self.shares),
            "market_value": num("Market Value"),
            "price": num("Price"),
        }

    def read(
        self, reader: Iterator[list[str]], first_line: int, name: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """Return the holdings records and whether the disclaimer footer follows them."""
        records: list[dict[str, Any]] = []
        for row_no, row in enumerate(reader, start=first_line):
            if not row or _blank(row) or len(row) != len(self.header):
                # a truncated download ends inside the table with a short last row, no footer
                rest = [r for r in reader if not _blank(r)]
                footer = bool(rest) or (len(row) == 1 and len(row[0].strip()) > 40)
                return records, footer
            records.append(self.record(row, f"holding on line ~{row_no}", name))
        return records, False


def parse_ishares_holdings(
    text: str | bytes, *, name: str = "<iShares holdings CSV>"
) -> tuple[pd.DataFrame, dict[str, Any]]:
    r"""Parse an iShares holdings CSV into the standard holdings frame.

    Parameters
    ----------
    text : str or bytes
        The file content; bytes are decoded as UTF-8 (BOM removed).
    name : str, optional
        File name or URL used in error messages.

    Returns
    -------
    frame : DataFrame of shape (n_holdings, 8)
        RangeIndex; columns ``ticker, name, sector, asset_class`` (str, None
        when the file shows ``-``), ``weight`` (fraction of fund net assets,
        i.e. the published percent / 100), ``shares`` (quantity held),
        ``market_value`` (USD), ``price`` (USD), float64. Rows in file order,
        including cash, futures and swaps (see ``asset_class``).
    meta : dict
        ``fund_name`` (str), ``as_of`` (datetime.date, "Fund Holdings as
        of"), ``shares_outstanding`` (float, fund shares outstanding, or None
        when the file shows ``-``), ``inception_date`` (date or None),
        ``weight_column`` (which column gave ``weight``), ``columns`` (the
        original header), ``weight_sum`` (sum of ``weight``, within
        :data:`WEIGHT_SUM_TOLERANCE` of 1.0).

    Raises
    ------
    SchemaError
        If the preamble lacks ``Fund Holdings as of``, no header line starting
        with ``Ticker,Name`` appears in the first lines (wrong delimiter, an
        HTML page, a changed layout), required columns are missing, a number
        does not parse, or the table is empty; or if the file is incomplete
        (:func:`check_holdings_complete`: no disclaimer footer after the
        table, or weights not summing to 100 % within
        :data:`WEIGHT_SUM_TOLERANCE`).

    Notes
    -----
    NaN policy: ``-`` in a numeric cell becomes NaN (swap rows in IJR/IJH
    files have no market weight); no row is dropped. The table ends at the
    first blank line (also a line holding only a non-breaking space) or the
    first row whose width differs from the header; everything after is the
    disclaimer footer and is ignored.

    Examples
    --------
    >>> text = (
    ...     "iShares Russell 2000 ETF\n"
    ...     'Fund Holdings as of,"Nov 05, 2025"\n'
    ...     'Shares Outstanding,"281,300,000.00"\n'
    ...     "\n"
    ...     "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Quantity,Price\n"
    ...     '"BE","BLOOM ENERGY","Industrials","Equity",'
    ...     '"731,205,514.79","1.06","5,170,819.00","141.41"\n'
    ...     '"XTSLA","BLK CSH FND TREASURY SL AGENCY","Cash and/or Derivatives",'
    ...     '"Money Market","68,250,000,000.00","98.94","68,250,000,000.00","1.00"\n'
    ...     "\n"
    ...     '"The content contained herein is owned by BlackRock."\n'
    ... )
    >>> frame, meta = parse_ishares_holdings(text)
    >>> meta["shares_outstanding"], meta["as_of"].isoformat(), float(frame.loc[0, "weight"])
    (281300000.0, '2025-11-05', 0.0106)
    """
    content = _decode(text, name)
    if content.lstrip()[:1] == "<":
        raise SchemaError(f"{name}: got an HTML/XML page, not an iShares holdings CSV")
    lines = content.splitlines()
    header_idx, preamble, fund_name = _preamble(lines, name)
    info = _preamble_meta(preamble, name)
    reader = csv.reader(io.StringIO("\n".join(lines[header_idx:])))
    table = _Table.from_header([h.strip() for h in next(reader)], name)
    records, footer_found = table.read(reader, header_idx + 2, name)
    if not records:
        raise SchemaError(f"{name}: the holdings table under the header is empty")
    frame = pd.DataFrame.from_records(records, columns=list(HOLDINGS_COLUMNS))
    for col in ("weight", "shares", "market_value", "price"):
        frame[col] = frame[col].astype("float64")
    as_of, shares_outstanding, inception_date = info
    weight_col, header = table.weight, table.header
    meta: dict[str, Any] = {
        "fund_name": fund_name,
        "as_of": as_of,
        "shares_outstanding": shares_outstanding,
        "inception_date": inception_date,
        "weight_column": weight_col,
        "columns": header,
        "weight_sum": float(frame["weight"].sum()),
    }
    check_holdings_complete(len(frame), meta["weight_sum"], footer_found=footer_found, name=name)
    return frame, meta


def check_holdings_complete(
    n_rows: int, weight_sum: float, *, footer_found: bool, name: str
) -> None:
    """Raise unless a holdings table is complete: footer present, weights near 100 %.

    A download cut inside the table still parses (rows are whole up to the
    cut), so completeness is checked, not assumed: the disclaimer footer that
    iShares writes after every table must be there, and the weights must sum
    to 1.0 within :data:`WEIGHT_SUM_TOLERANCE` (rows are sorted by weight, so a
    cut near the end can keep 99 % of the weight: the footer is the first
    check).

    Parameters
    ----------
    n_rows : int
        Holdings rows read.
    weight_sum : float
        Sum of the weights, fraction of net assets (NaN weights skipped).
    footer_found : bool
        Whether the disclaimer footer follows the table.
    name : str
        File name or URL for the message.

    Raises
    ------
    SchemaError
        The file is incomplete; the message gives the rows read and the weight sum.

    Examples
    --------
    >>> check_holdings_complete(1967, 0.9988, footer_found=True, name="IWM.csv")
    >>> try:
    ...     check_holdings_complete(590, 0.77, footer_found=False, name="IWM.csv")
    ... except SchemaError as exc:
    ...     print(str(exc)[:48])
    IWM.csv: incomplete holdings file (no disclaimer
    """
    problem = None
    if not footer_found:
        problem = "no disclaimer footer after the table: the file was cut short"
    elif not abs(weight_sum - 1.0) <= WEIGHT_SUM_TOLERANCE:
        problem = f"weights sum to {weight_sum:.2%}, not 100 % within {WEIGHT_SUM_TOLERANCE:.0%}"
    if problem is not None:
        raise SchemaError(
            f"{name}: incomplete holdings file ({problem}; {n_rows} rows, weights sum to "
            f"{weight_sum:.2%}); download it again from the fund page"
        )


@dataclass(frozen=True)
class ISharesProduct:
    """An iShares fund page.

    Attributes
    ----------
    ticker : str
        Fund ticker.
    product_id : int
        Numeric id in the fund page URL.
    slug : str
        Name part of the fund page URL.
    fund_name : str
        Name printed on the first line of the holdings file.
    """

    ticker: str
    product_id: int
    slug: str
    fund_name: str


ISHARES_PRODUCTS: Mapping[str, ISharesProduct] = {
    p.ticker: p
    for p in (
        ISharesProduct("IWM", 239710, "ishares-russell-2000-etf", "iShares Russell 2000 ETF"),
        ISharesProduct("IWC", 239716, "ishares-micro-cap-etf", "iShares Micro-Cap ETF"),
        ISharesProduct(
            "IJR", 239774, "ishares-core-sp-smallcap-etf", "iShares Core S&P Small-Cap ETF"
        ),
        ISharesProduct("IJH", 239763, "ishares-core-sp-midcap-etf", "iShares Core S&P Mid-Cap ETF"),
        ISharesProduct("IVV", 239726, "ishares-core-sp-500-etf", "iShares Core S&P 500 ETF"),
    )
}
"""Funds capsize can download holdings for, by ticker."""

_SLUG_RE = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class ISharesQuery:
    """A validated holdings request.

    Attributes
    ----------
    product : ISharesProduct
        The fund.
    as_of : datetime.date or None
        Historical snapshot date (iShares ``asOfDate``); None = latest.
    """

    product: ISharesProduct
    as_of: dt.date | None = None

    @property
    def url(self) -> str:
        """The holdings CSV address."""
        p = self.product
        url = (
            f"{ISHARES_BASE_URL}{p.product_id}/{p.slug}/1467271812596.ajax"
            f"?fileType=csv&fileName={p.ticker}_holdings&dataType=fund"
        )
        if self.as_of is not None:
            url += f"&asOfDate={self.as_of:%Y%m%d}"
        return url


class ISharesHoldingsFetcher(HttpFetcher[ISharesQuery, Payload]):
    """Download an iShares fund's holdings file.

    Parameters
    ----------
    client : httpx.Client, optional
        Injected client; defaults to :func:`~capsize.data.providers._http.make_client`.
    clock : callable, optional
        Current UTC time for ``retrieved_at``.
    settings : Settings, optional
        Used only to build the default client.

    Notes
    -----
    Parameters: ``fund`` (a ticker in :data:`ISHARES_PRODUCTS`, or any ticker
    together with ``product_id`` and ``slug``), optional ``as_of`` (ISO date,
    historical snapshot). Results: a ``holdings`` result (standard holdings
    frame; ``meta`` fund, as_of, shares_outstanding, fund_name) and, when the
    file states it, a ``shares_outstanding`` result (one row dated ``as_of``:
    ``fund, shares_outstanding, nav``; nav NaN, the file does not give it).
    A file whose as-of date differs from the requested one is kept and
    flagged with ``meta["as_of_mismatch"] = True``.

    Examples
    --------
    >>> ISharesHoldingsFetcher().transform_query({"fund": "iwc"}).product.product_id
    239716
    """

    provider = PROVIDER

    def transform_query(self, params: Mapping[str, Any]) -> ISharesQuery:
        """Validate ``fund`` (and optional ``product_id``, ``slug``, ``as_of``)."""
        reject_unknown(
            params, {"fund", "product_id", "slug", "as_of"}, fetcher="ISharesHoldingsFetcher"
        )
        fund = params.get("fund")
        if not isinstance(fund, str) or not fund.strip():
            raise InputError(f"fund={fund!r} must be an iShares ticker like 'IWM'")
        ticker = fund.strip().upper()
        pid, slug = params.get("product_id"), params.get("slug")
        if pid is not None or slug is not None:
            if (
                not isinstance(pid, int)
                or pid <= 0
                or not isinstance(slug, str)
                or not _SLUG_RE.match(slug)
            ):
                raise InputError(
                    f"product_id={pid!r} and slug={slug!r} must be the number and name "
                    "from the fund page URL, e.g. 239710 and 'ishares-russell-2000-etf'"
                )
            known = ISHARES_PRODUCTS.get(ticker)
            product = ISharesProduct(ticker, pid, slug, known.fund_name if known else "")
        elif ticker in ISHARES_PRODUCTS:
            product = ISHARES_PRODUCTS[ticker]
        else:
            raise InputError(
                f"fund={fund!r} is not one of {sorted(ISHARES_PRODUCTS)}; pass product_id and slug "
                "from the fund page URL for other iShares funds"
            )
        return ISharesQuery(product, query_date(params.get("as_of"), name="as_of"))

    def extract(self, query: ISharesQuery) -> Payload:
        """Download the CSV (HTML pages and empty bodies raise)."""
        return get_text(
            self.client,
            query.url,
            provider=PROVIDER,
            what=f"{query.product.ticker} holdings",
            not_found=f"iShares has no holdings file for {query.product.ticker} at {query.url}",
            cache_ttl=self.cache_ttl,
        )

    def transform(
        self, query: ISharesQuery, raw: Payload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Parse the file; check it is the requested fund."""
        frame, info = parse_ishares_holdings(raw.body, name=raw.url)
        expected = query.product.fund_name
        if expected and (info["fund_name"] or "").casefold() != expected.casefold():
            raise SchemaError(
                f"{raw.url}: file is for {info['fund_name']!r}, expected {expected!r}; "
                "check product_id/slug"
            )
        as_of: dt.date = info["as_of"]
        ticker = query.product.ticker
        source = f"{PROVIDER} {raw.url}"
        meta: dict[str, Any] = {
            "fund": ticker,
            **info,
            "as_of_requested": query.as_of,
            "as_of_mismatch": query.as_of is not None and query.as_of != as_of,
            "cached": raw.cached,
        }
        results = [ProviderResult("holdings", ticker, frame, source, retrieved_at, meta)]
        so = info["shares_outstanding"]
        if so is not None:
            flows = pd.DataFrame(
                {"fund": [ticker], "shares_outstanding": [float(so)], "nav": [math.nan]},
                index=pd.DatetimeIndex([pd.Timestamp(as_of)], name="date"),
            )
            results.append(
                ProviderResult(
                    "shares_outstanding",
                    ticker,
                    flows,
                    source,
                    retrieved_at,
                    {"fund": ticker, "as_of": as_of},
                )
            )
        return results
