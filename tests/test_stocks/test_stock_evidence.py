"""short_reason: reasons are shortened without cutting inside a path."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from capsize.stocks.evidence import short_reason

SEC_MSG = (
    "ticker map is not in the offline SEC cache "
    "(/tmp/home/cache/sec/www.sec.gov__files__company_tickers.json); set "
    "CAPSIZE_SEC_USER_AGENT and run without offline mode to fetch it"
)


def test_offline_sec_cache_message_is_rewritten() -> None:
    out = short_reason(SEC_MSG)
    assert out == (
        "ticker map not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir"
    )
    assert "/" not in out.replace("--sec-dir", "")


def test_short_text_is_kept_and_long_text_cut_at_a_word() -> None:
    assert short_reason("no volume data") == "no volume data"
    long = "volume " * 40
    out = short_reason(long, 50)
    assert len(out) <= 50
    assert out.endswith("…")
    assert out[:-1].split(" ")[-1] == "volume"


words = st.one_of(
    st.sampled_from(["no", "prices", "in", "the", "store;", "filings", "missing"]),
    st.builds(
        lambda a, b: f"/cache{a}/sec/www.sec.gov__{b}.json", st.integers(0, 999), st.integers()
    ),
)


@given(st.lists(words, min_size=1, max_size=40), st.integers(20, 120))
def test_never_cuts_inside_a_path(tokens: list[str], limit: int) -> None:
    text = " ".join(tokens)
    out = short_reason(text, limit)
    assert len(out) <= limit
    for tok in out.rstrip("…").split():
        if "/" in tok:
            assert tok in tokens


def test_card_key_figure_reason_is_whole() -> None:
    from capsize.stocks.ratings import rate, render_card

    card = rate("X", as_of="2026-07-31", values={}, missing={"fundamentals": SEC_MSG})
    assert card.key_figures["TTM net income"] == (
        "n/a (ticker map not in the offline SEC cache; set CAPSIZE_SEC_USER_AGENT or --sec-dir)"
    )
    assert "www.sec." not in render_card(card)
    assert card.missing_inputs["fundamentals"] == SEC_MSG  # JSON keeps the full text
