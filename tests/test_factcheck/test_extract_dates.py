"""Article dates and windows resolved from them: datelines, quarter and year boundaries,
"last week" on a Monday, look-backs, anchors, ends named by "through"."""

from __future__ import annotations

import datetime as dt

import pytest

from capsize.factcheck.extract import article_date, extract_claims, find_window
from capsize.factcheck.extract._dates import find_end

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NEW YORK, Aug. 21, 2026 — Small caps rose 1 %.", D(2026, 8, 21)),
        ("LONDON, Sept. 3, 2025 (Reuters) - Stocks fell.", D(2025, 9, 3)),
        ("Published March 3, 2025\n\nStocks rose.", D(2025, 3, 3)),
        ("*Published Jan. 6, 2025 · 5 min read*", D(2025, 1, 6)),
        ("DECEMBER 31, 2025\n\nA year of two halves.", D(2025, 12, 31)),
        ("Monday, Aug. 24, 2026\n\nLast week...", D(2026, 8, 24)),
        ("Posted 21 August 2026 by the desk", D(2026, 8, 21)),
        ("Date: 2026-08-21\nSmall caps...", D(2026, 8, 21)),
        (
            '<meta property="article:published_time" content="2025-10-01T07:30:00-04:00">',
            D(2025, 10, 1),
        ),
        ("Updated 8/24/2026 at 4:05 PM ET\n\nStocks...", D(2026, 8, 24)),  # dateparser
        (
            "Headline\n\n" + "Filler words here. " * 60 + "It happened on July 4, 2025.",
            D(2025, 7, 4),
        ),
        ("Small caps rose 5 % in March 2025.", None),  # a month without a day is not a date
        ("In 2024 the Fed began cutting rates.", None),
        ("Feb. 30, 2026 is not a day.", None),
    ],
)
def test_article_date(text: str, expected: dt.date | None) -> None:
    assert article_date(text) == expected


def test_every_corpus_article_has_its_date() -> None:
    import tomllib
    from pathlib import Path

    folder = Path(__file__).parent / "corpus" / "articles"
    for spec in sorted(folder.glob("*.toml")):
        data = tomllib.loads(spec.read_text(encoding="utf-8"))
        source = (folder / data["file"]).read_text(encoding="utf-8")
        assert article_date(source) == data["date"], spec.name


# (words, article date, start, end, anchor, anchor_end)
WINDOWS = [
    # quarters at their boundaries: the latest quarter begun on the article's date
    ("in the third quarter", D(2025, 10, 1), D(2025, 6, 30), D(2025, 9, 30), "", None),
    ("in the third quarter", D(2025, 9, 30), D(2025, 6, 30), D(2025, 9, 30), "", None),
    ("in the third quarter", D(2025, 7, 1), D(2025, 6, 30), D(2025, 7, 1), "", None),
    ("in the third quarter", D(2025, 6, 30), D(2024, 6, 30), D(2024, 9, 30), "", None),
    ("in the fourth quarter", D(2026, 1, 5), D(2025, 9, 30), D(2025, 12, 31), "", None),
    ("in Q1 2025", D(2026, 8, 21), D(2024, 12, 31), D(2025, 3, 31), "", None),
    ("last quarter", D(2026, 4, 1), D(2025, 12, 31), D(2026, 3, 31), "", None),
    ("last quarter", D(2026, 3, 31), D(2025, 9, 30), D(2025, 12, 31), "", None),
    ("in the first half", D(2026, 7, 1), D(2025, 12, 31), D(2026, 6, 30), "", None),
    ("the second half of 2025", D(2026, 8, 21), D(2025, 6, 30), D(2025, 12, 31), "", None),
    # weeks: "last week" is the previous Monday-Friday; its base is the Sunday before
    ("last week", D(2026, 8, 24), D(2026, 8, 16), D(2026, 8, 21), "", None),  # Monday
    ("last week", D(2026, 8, 21), D(2026, 8, 9), D(2026, 8, 14), "", None),  # Friday
    ("last week", D(2026, 8, 23), D(2026, 8, 9), D(2026, 8, 14), "", None),  # Sunday
    ("last week", D(2026, 1, 5), D(2025, 12, 28), D(2026, 1, 2), "", None),  # across year-end
    ("this week", D(2026, 8, 24), D(2026, 8, 23), D(2026, 8, 24), "", None),
    ("finished the week", D(2026, 8, 24), D(2026, 8, 16), D(2026, 8, 21), "", None),
    ("finished the week", D(2026, 8, 21), D(2026, 8, 16), D(2026, 8, 21), "", None),
    # year end and year start
    ("year to date", D(2026, 1, 2), D(2025, 12, 31), D(2026, 1, 2), "", None),
    ("this year", D(2025, 12, 31), D(2024, 12, 31), D(2025, 12, 31), "", None),
    ("last year", D(2026, 1, 1), D(2024, 12, 31), D(2025, 12, 31), "", None),
    ("for the year", D(2026, 1, 10), D(2024, 12, 31), D(2025, 12, 31), "", None),
    ("for the year", D(2026, 2, 1), D(2025, 12, 31), D(2026, 2, 1), "", None),
    ("in 2024", D(2026, 8, 21), D(2023, 12, 31), D(2024, 12, 31), "", None),
    ("at the start of 2024", D(2025, 1, 6), D(2023, 12, 30), D(2023, 12, 31), "", None),
    # months, parts of months, "since"
    ("last month", D(2026, 1, 15), D(2025, 11, 30), D(2025, 12, 31), "", None),
    ("last month", D(2026, 3, 31), D(2026, 1, 31), D(2026, 2, 28), "", None),
    ("in December", D(2026, 1, 5), D(2025, 11, 30), D(2025, 12, 31), "", None),
    ("in late February", D(2024, 3, 5), D(2024, 2, 20), D(2024, 2, 29), "", None),
    ("in early June", D(2026, 8, 21), D(2026, 5, 31), D(2026, 6, 10), "", None),
    ("mid-July", D(2026, 8, 21), D(2026, 7, 10), D(2026, 7, 20), "", None),
    ("since September", D(2026, 8, 21), D(2025, 8, 31), D(2026, 8, 21), "", None),
    ("since September", D(2026, 9, 15), D(2026, 8, 31), D(2026, 9, 15), "", None),
    ("since mid-July", D(2026, 8, 21), D(2026, 7, 10), D(2026, 8, 21), "", None),
    ("since Aug. 3", D(2026, 8, 21), D(2026, 8, 3), D(2026, 8, 21), "", None),
    ("since the end of 2024", D(2026, 8, 21), D(2024, 12, 31), D(2026, 8, 21), "", None),
    ("between March 30 and Aug. 14", D(2026, 8, 21), D(2026, 3, 30), D(2026, 8, 14), "", None),
    ("from January to March", D(2026, 8, 21), D(2025, 12, 31), D(2026, 3, 31), "", None),
    # look-backs
    ("over the past nine months", D(2026, 8, 21), D(2025, 11, 21), D(2026, 8, 21), "", None),
    ("over the past nine months", D(2026, 8, 31), D(2025, 11, 30), D(2026, 8, 31), "", None),
    ("from a year ago", D(2024, 2, 29), D(2023, 2, 28), D(2024, 2, 29), "", None),
    ("in the past five sessions", D(2026, 8, 24), D(2026, 8, 17), D(2026, 8, 24), "", None),
    # days
    ("yesterday", D(2026, 8, 24), D(2026, 8, 20), D(2026, 8, 21), "", None),  # Monday
    ("on Friday", D(2026, 8, 21), D(2026, 8, 20), D(2026, 8, 21), "", None),
    ("on Tuesday", D(2026, 8, 24), D(2026, 8, 17), D(2026, 8, 18), "", None),
    ("on Aug. 14", D(2026, 8, 21), D(2026, 8, 13), D(2026, 8, 14), "", None),
    # anchors: the low or high is searched in the named month, measured to the end
    ("since the March low", D(2026, 8, 21), D(2026, 3, 1), D(2026, 8, 21), "low", D(2026, 3, 31)),
    ("since the March low", D(2026, 2, 10), D(2025, 3, 1), D(2026, 2, 10), "low", D(2025, 3, 31)),
    (
        "since the April 8, 2025 low",
        D(2026, 8, 21),
        D(2025, 4, 8),
        D(2026, 8, 21),
        "low",
        D(2025, 4, 8),
    ),
    (
        "below its November 2021 peak",
        D(2025, 8, 21),
        D(2021, 11, 1),
        D(2025, 8, 21),
        "high",
        D(2021, 11, 30),
    ),
    ("off its August high", D(2026, 8, 21), D(2026, 8, 1), D(2026, 8, 21), "high", D(2026, 8, 21)),
    # runs of calendar periods: the last complete ones, or ending with a named year
    ("for three straight years", D(2026, 8, 21), D(2022, 12, 31), D(2025, 12, 31), "", None),
    (
        "for a fifth straight year in 2025",
        D(2025, 12, 31),
        D(2020, 12, 31),
        D(2025, 12, 31),
        "",
        None,
    ),
    ("for four consecutive months", D(2026, 8, 21), D(2026, 3, 31), D(2026, 7, 31), "", None),
]


@pytest.mark.parametrize(
    ("words", "ad", "start", "end", "anchor", "anchor_end"),
    WINDOWS,
    ids=[w[0] + f" @{w[1]}" for w in WINDOWS],
)
def test_window(
    words: str,
    ad: dt.date,
    start: dt.date,
    end: dt.date,
    anchor: str,
    anchor_end: dt.date | None,
) -> None:
    found = find_window(f"Small caps rose 5 % {words}.", ad)
    assert found is not None, words
    w = found[0]
    assert (w.start, w.end, w.anchor, w.anchor_end) == (start, end, anchor, anchor_end)
    assert w.end <= ad


def test_the_earliest_window_phrase_wins() -> None:
    w, _span = find_window("dropped 5 % last month, the worst since March", D(2026, 8, 3)) or (
        None,
        None,
    )
    assert w is not None and (w.start, w.end) == (D(2026, 6, 30), D(2026, 7, 31))


def test_relative_windows_need_the_article_date() -> None:
    assert find_window("up 3 % last week", None) is None
    assert find_window("up 3 % since the March low", None) is None
    w, _ = find_window("up 3 % in 2024", None) or (None, None)
    assert w is not None and (w.start, w.end) == (D(2023, 12, 31), D(2024, 12, 31))
    (claim,) = extract_claims("Small caps rose 5 % last week.")
    assert claim.window is None


def test_an_end_named_by_through_clips_the_window() -> None:
    ad = D(2025, 4, 9)  # a Wednesday
    assert find_end("down 18 % this year through Tuesday", ad) == (D(2025, 4, 8), (20, 35))
    w, _ = find_window("Bitcoin fell 18 % this year through Tuesday", ad) or (None, None)
    assert w is not None and (w.start, w.end) == (D(2024, 12, 31), D(2025, 4, 8))
    claims = extract_claims(
        "By Tuesday, April 8, the S&P 500 was down 15.3 % year to date, and the Russell 2000 "
        "had fallen 21 % in 2025.",
        ad,
    )
    assert [c.window.end for c in claims if c.window] == [D(2025, 4, 8), D(2025, 4, 8)]


def test_windows_never_end_after_the_article() -> None:
    ad = D(2026, 8, 21)
    for words in ("in the third quarter", "in August", "this year", "in 2026", "this month"):
        w, _ = find_window(words, ad) or (None, None)
        assert w is not None and w.end == ad, words
