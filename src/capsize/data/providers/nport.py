"""SEC Form N-PORT: monthly fund flows (sales, reinvestments, redemptions).

Every registered fund and ETF files Form N-PORT each quarter (public as
``NPORT-P``). Item B.6 reports, for each of the three months of the period,
the fund's ``sales`` (including exchanges in), ``reinvestment`` of
distributions, and ``redemption`` (including exchanges out), in USD::

    <fundInfo>
      <mon1Flow redemption="681940.53" reinvestment="30358.56" sales="141189.21"/>
      <mon2Flow .../>
      <mon3Flow .../>   <- the month that ends on repPdDate
    </fundInfo>

The monthly net flow is ``sales + reinvestment - redemption``. ``mon3`` is the
month of the report date (``genInfo/repPdDate``), ``mon2`` the one before and
``mon1`` the one before that. Some filers write redemptions as negative
numbers; the magnitude is used and the row says ``sign_fixed``.

Fetching: :class:`NportFetcher` lists a registrant's ``NPORT-P`` filings from
``data.sec.gov/submissions/CIK##########.json`` and downloads each filing's
``primary_doc.xml`` from ``www.sec.gov/Archives/edgar/data/<cik>/<accession>/``
through :class:`~capsize.data.providers.sec.SecEdgar`, which sends the
required User-Agent (``CAPSIZE_SEC_USER_AGENT``) over the shared HTTP stack
(10 requests/s to SEC hosts, retries, cache). Each document is parsed as it
arrives, so only documents that parse are cached. A filing that fails to
download or parse is reported in ``meta["failed"]`` and skipped; the others
are kept.

Limits: a trust with many series (iShares Trust files hundreds of N-PORTs a
quarter) lists them all under one CIK, and the submissions list does not say
which series a filing is for. With ``series_id`` the newest ``max_scan``
NPORT-P filings are screened by their small SGML header page
(``<accession>-index-headers.html``, which names ``SERIES-ID``) and only the
matching ones are downloaded; the series is checked again after parsing. The
``recent`` block of the submissions JSON holds about the last 1,000 filings,
so a big trust's older quarters may be out of reach.

Standard frame ``fund_flows_monthly``: RangeIndex; ``date`` (month end),
``fund``, ``series_id``, ``sales``, ``reinvestment``, ``redemption`` (USD,
positive), ``flow`` (USD, net), ``net_assets`` (USD, at the report date),
``report_date``, ``accession``, ``sign_fixed`` (bool), ``source``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from capsize.data.providers._base import ProviderResult
from capsize.data.providers._http import cache_scope
from capsize.data.providers.sec import (
    CACHE_TTL,
    SUBMISSIONS_URL,
    SecFetcher,
    parse_submissions,
)
from capsize.errors import CapsizeError, EmptyDataError, InputError, SchemaError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

__all__ = [
    "ARCHIVE_URL",
    "HEADER_URL",
    "NportDownload",
    "NportFetcher",
    "NportFiling",
    "NportQuery",
    "parse_nport",
]

PROVIDER = "sec-nport"
ARCHIVE_URL = "https://www.sec.gov/Archives/edgar/data/{cik}/{acc}/primary_doc.xml"
HEADER_URL = "https://www.sec.gov/Archives/edgar/data/{cik}/{acc_nodash}/{acc}-index-headers.html"
_SERIES_IN_HEADER = re.compile(r"SERIES-ID(?:>|&gt;)\s*(S\d{9})")
_FORMS = ("NPORT-P", "NPORT-P/A")
_COLUMNS = [
    "date",
    "fund",
    "series_id",
    "sales",
    "reinvestment",
    "redemption",
    "flow",
    "net_assets",
    "report_date",
    "accession",
    "sign_fixed",
    "source",
]


@dataclass(frozen=True)
class NportFiling:
    """One parsed N-PORT filing.

    Attributes
    ----------
    series_id, series_name, reg_name : str
        Fund series and registrant as filed.
    reg_cik : int or None
    report_date, period_end : Timestamp
        ``repPdDate`` (the date the holdings are as of) and ``repPdEnd``
        (fiscal year end).
    total_assets, net_assets : float
        USD.
    flows : DataFrame
        Three rows (months): ``date`` (month end), ``sales``,
        ``reinvestment``, ``redemption`` (positive), ``flow`` (net),
        ``sign_fixed``.
    notes : tuple of str
        What was corrected or is missing.
    """

    series_id: str
    series_name: str
    reg_name: str
    reg_cik: int | None
    report_date: pd.Timestamp
    period_end: pd.Timestamp | None
    total_assets: float
    net_assets: float
    flows: pd.DataFrame
    notes: tuple[str, ...] = field(default=())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: ET.Element, name: str) -> ET.Element | None:
    for el in root.iter():
        if _local(el.tag) == name:
            return el
    return None


def _text(root: ET.Element, name: str) -> str:
    el = _find(root, name)
    return (el.text or "").strip() if el is not None else ""


def _num(value: str | None, what: str) -> float:
    if value is None or not value.strip():
        return float("nan")
    try:
        return float(value.replace(",", ""))
    except ValueError:
        raise SchemaError(f"N-PORT field {what} is not a number: {value!r}") from None


def parse_nport(xml: bytes | str) -> NportFiling:
    """Parse an N-PORT ``primary_doc.xml`` into its monthly flows.

    Parameters
    ----------
    xml : bytes or str
        The filing's XML (namespace ``http://www.sec.gov/edgar/nport``).

    Returns
    -------
    NportFiling

    Raises
    ------
    SchemaError
        Not XML, not an N-PORT document, no report date, or no flow elements.

    Notes
    -----
    Leading whitespace before the XML declaration (as EDGAR serves it) is
    ignored. Missing attributes are NaN; a month whose three amounts are all missing
    gets a NaN flow. Redemptions written as negative numbers are made
    positive (``sign_fixed``).
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    # EDGAR serves primary_doc.xml with a newline before the XML declaration,
    # which strict parsers reject; a UTF-8 BOM is dropped too.
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SchemaError(f"N-PORT document is not well-formed XML: {exc}") from None
    if _local(root.tag) != "edgarSubmission" or _find(root, "formData") is None:
        raise SchemaError(
            f"not an N-PORT document (root <{_local(root.tag)}>, no <formData>); "
            "fetch the filing's primary_doc.xml, not its HTML rendering"
        )
    rep = _text(root, "repPdDate")
    if not rep:
        raise SchemaError("N-PORT document has no genInfo/repPdDate")
    report_date = pd.Timestamp(rep)
    end_txt = _text(root, "repPdEnd")
    notes: list[str] = []
    rows = []
    month_end = report_date + pd.offsets.MonthEnd(0)
    for i in (1, 2, 3):
        el = _find(root, f"mon{i}Flow")
        date = month_end - pd.offsets.MonthEnd(3 - i) if i < 3 else month_end
        if el is None:
            notes.append(f"mon{i}Flow missing")
            vals = {"sales": float("nan"), "reinvestment": float("nan"), "redemption": float("nan")}
        else:
            vals = {
                k: _num(el.get(k), f"mon{i}Flow@{k}")
                for k in ("sales", "reinvestment", "redemption")
            }
        fixed = bool(vals["redemption"] < 0)
        if fixed:
            vals["redemption"] = -vals["redemption"]
        parts = [vals["sales"], vals["reinvestment"], vals["redemption"]]
        if all(pd.isna(p) for p in parts):
            flow = float("nan")
        else:
            s, r, d = (0.0 if pd.isna(p) else p for p in parts)
            flow = s + r - d
        rows.append({"date": date, **vals, "flow": flow, "sign_fixed": fixed})
    if all(n.endswith("missing") for n in notes) and len(notes) == 3:
        raise SchemaError("N-PORT document has no monthly flow elements (mon1Flow..mon3Flow)")
    if any(r["sign_fixed"] for r in rows):
        notes.append("redemptions reported as negative numbers; magnitudes used")
    cik_txt = _text(root, "regCik") or _text(root, "cik")
    return NportFiling(
        series_id=_text(root, "seriesId"),
        series_name=_text(root, "seriesName"),
        reg_name=_text(root, "regName"),
        reg_cik=int(cik_txt) if cik_txt.isdigit() else None,
        report_date=report_date,
        period_end=pd.Timestamp(end_txt) if end_txt else None,
        total_assets=_num(_text(root, "totAssets"), "totAssets"),
        net_assets=_num(_text(root, "netAssets"), "netAssets"),
        flows=pd.DataFrame(rows),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class NportQuery:
    """A validated N-PORT request.

    Attributes
    ----------
    cik : int
        Registrant CIK.
    fund : str
        Label of the output rows (a ticker such as ``IWM``).
    series_id : str or None
        Keep only filings of this series (``S0000xxxxx``).
    max_filings : int
        Newest ``NPORT-P`` filings to download.
    accessions : tuple of str
        Explicit accession numbers (skips the filing list).
    max_scan : int
        With ``series_id``: how many of the newest NPORT-P filings of the
        registrant to screen by their (small) SGML header before downloading.
    """

    cik: int
    fund: str
    series_id: str | None
    max_filings: int
    accessions: tuple[str, ...] = ()
    max_scan: int = 200


_SERIES = re.compile(r"^S\d{9}$")
_ACC = re.compile(r"^\d{10}-\d{2}-\d{6}$")


@dataclass(frozen=True)
class NportDownload:
    """What :meth:`NportFetcher.extract` obtained.

    Attributes
    ----------
    filings : list of (accession, url, NportFiling or CapsizeError)
        Each filing parsed, or why it could not be downloaded or parsed.
    scanned : int
        Header pages screened to find the series' filings (0 without ``series_id``).
    """

    filings: list[tuple[str, str, NportFiling | CapsizeError]]
    scanned: int = 0


_PARAMS = {"cik", "fund", "series_id", "max_filings", "accessions", "max_scan"}


def _positive(params: Mapping[str, Any], name: str, default: int) -> int:
    value = int(params.get(name, default))
    if value < 1:
        raise InputError(f"{name}={value} must be >= 1")
    return value


def _cik(value: object) -> int:
    try:
        cik = int(str(value if value is not None else "").strip().upper().removeprefix("CIK"))
    except ValueError:
        raise InputError(f"cik={value!r} is not a CIK number") from None
    if cik <= 0:
        raise InputError(f"cik={cik} must be positive")
    return cik


class NportFetcher(SecFetcher[NportQuery, NportDownload]):
    """Fetch N-PORT filings of a registrant and return their monthly flows.

    Parameters
    ----------
    edgar : SecEdgar, optional
        SEC session (User-Agent; requests on the shared stack: 10 requests/s,
        retries, cache); built from ``client``/``settings`` when omitted.
    client : httpx.Client, optional
        Used only when ``edgar`` is omitted.
    clock : callable, optional
        Current UTC time.
    settings : Settings, optional
        Used only when ``edgar`` is omitted.
    """

    provider = PROVIDER
    cache_ttl = CACHE_TTL["documents"]

    def transform_query(self, params: Mapping[str, Any]) -> NportQuery:
        """Validate ``cik``, ``fund``, ``series_id``, ``max_filings``, ``accessions``."""
        unknown = set(params) - _PARAMS
        if unknown:
            raise InputError(f"unknown N-PORT parameters {sorted(unknown)}")
        cik = _cik(params.get("cik"))
        series = params.get("series_id")
        if series is not None and not _SERIES.match(str(series)):
            raise InputError(f"series_id={series!r} is not an SEC series id like S000004344")
        accs = tuple(str(a) for a in params.get("accessions", ()) or ())
        bad = [a for a in accs if not _ACC.match(a)]
        if bad:
            raise InputError(f"accessions {bad} are not like 0001752724-24-055725")
        fund = str(params.get("fund") or series or f"CIK{cik:010d}").upper()
        return NportQuery(
            cik,
            fund,
            str(series) if series else None,
            _positive(params, "max_filings", 8),
            accs,
            _positive(params, "max_scan", 200),
        )

    def list_filings(self, query: NportQuery, limit: int | None = None) -> list[str]:
        """Return the accession numbers of the newest ``NPORT-P`` filings (at most ``limit``)."""
        with cache_scope(self.client, final=True):
            payload = self.edgar.get(
                SUBMISSIONS_URL.format(cik=query.cik),
                what=f"filing list of CIK {query.cik}",
                cache_ttl=CACHE_TTL["filings"],  # the list grows; filed documents never change
            )
            frame, _ = parse_submissions(payload.body)
        hits = frame[frame["form"].isin(_FORMS)]
        if hits.empty:
            raise EmptyDataError(
                f"CIK {query.cik} lists no NPORT-P filings in its recent submissions; "
                "check that it is a registered fund's registrant CIK",
                provider=PROVIDER,
            )
        return [str(a) for a in hits["accession"].head(limit or query.max_filings)]

    def header_series(self, cik: int, accession: str) -> set[str] | None:
        """Series ids named in a filing's SGML header (None when it cannot be read).

        The header page ``<accession>-index-headers.html`` is a few kB, so
        screening a trust's filings by series costs far less than downloading
        each ``primary_doc.xml``. A page naming no series is not cached.
        """
        url = HEADER_URL.format(cik=cik, acc_nodash=accession.replace("-", ""), acc=accession)
        try:
            with cache_scope(self.client, final=True):
                payload = self.edgar.get(
                    url,
                    what=f"header of filing {accession}",
                    cache_ttl=self.cache_ttl,
                    expect="bytes",
                )
                found = set(_SERIES_IN_HEADER.findall(payload.text))
                if not found:
                    raise SchemaError(f"header page of filing {accession} names no SERIES-ID")
        except CapsizeError:
            return None
        return found

    def _select(self, query: NportQuery) -> tuple[list[str], int]:
        """Newest filings of ``query.series_id``, screened by header; (accessions, scanned)."""
        picked: list[str] = []
        scanned = 0
        for acc in self.list_filings(query, limit=query.max_scan):
            scanned += 1
            series = self.header_series(query.cik, acc)
            # unreadable header: keep it; the series is checked again after parsing
            if series is None or query.series_id in series:
                picked.append(acc)
            if len(picked) >= query.max_filings:
                break
        return picked, scanned

    def document(self, cik: int, accession: str) -> tuple[str, str, NportFiling | CapsizeError]:
        """Download and parse one filing's ``primary_doc.xml`` (cached only if it parses)."""
        url = ARCHIVE_URL.format(cik=cik, acc=accession.replace("-", ""))
        try:
            with cache_scope(self.client, final=True):
                payload = self.edgar.get(
                    url, what=f"N-PORT filing {accession}", cache_ttl=self.cache_ttl, expect="bytes"
                )
                return accession, url, parse_nport(payload.body)
        except CapsizeError as exc:
            return accession, url, exc

    def extract(self, query: NportQuery) -> NportDownload:
        """Download and parse each filing; failures are kept with their reason."""
        scanned = 0
        if query.accessions:
            accessions = list(query.accessions)
        elif query.series_id:
            accessions, scanned = self._select(query)
        else:
            accessions = self.list_filings(query)
        return NportDownload([self.document(query.cik, acc) for acc in accessions], scanned)

    def transform(
        self, query: NportQuery, raw: NportDownload, *, retrieved_at: dt.datetime
    ) -> list[ProviderResult]:
        """Assemble the monthly flows; failures go to ``meta["failed"]``, others are kept."""
        frames: list[pd.DataFrame] = []
        failed: list[dict[str, str]] = []
        other_series: list[str] = []
        notes: dict[str, list[str]] = {}
        for acc, url, filing in raw.filings:
            if isinstance(filing, CapsizeError):
                failed.append({"accession": acc, "url": url, "reason": str(filing)})
            elif query.series_id and filing.series_id != query.series_id:
                other_series.append(acc)
            else:
                if filing.notes:
                    notes[acc] = list(filing.notes)
                frames.append(_filing_rows(query, acc, url, filing))
        meta = {
            "cik": query.cik,
            "series_id": query.series_id,
            "filings": len(raw.filings),
            "headers_scanned": raw.scanned,
            "parsed": len(frames),
            "failed": failed,
            "other_series": other_series,
            "notes": notes,
            "formula": "flow = sales + reinvestment - redemption (Form N-PORT item B.6)",
        }
        source = f"SEC EDGAR N-PORT, CIK {query.cik}"
        frame = _combine(frames)
        return [ProviderResult("fund_flows_monthly", query.fund, frame, source, retrieved_at, meta)]


def _filing_rows(query: NportQuery, acc: str, url: str, filing: NportFiling) -> pd.DataFrame:
    f = filing.flows.copy()
    f["fund"] = query.fund
    f["series_id"] = filing.series_id
    f["net_assets"] = filing.net_assets
    f["report_date"] = filing.report_date
    f["accession"] = acc
    f["source"] = url
    return f


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per (fund, month): amended or overlapping filings, the newest report wins."""
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)[_COLUMNS]
    frame = frame.sort_values(["date", "report_date", "accession"])
    return frame.drop_duplicates(["fund", "date"], keep="last").reset_index(drop=True)
