"""Sweep kernels compiled ahead of time: same bits as the JIT, no numba import, never stale."""

from __future__ import annotations

import importlib.machinery
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capsize import backtest as bt
from capsize.backtest.sweep import _aot as aot
from capsize.backtest.sweep import _backend as backend
from capsize.errors import PerformanceWarning

SWEEP = Path(backend.__file__).resolve().parent
LOOPS = SWEEP / "_loops.py"
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _built() -> Path:
    """Return the AOT module loaded for the current _loops.py, or skip."""
    stem = aot.module_stem(LOOPS.read_bytes())
    found = backend.load_aot(SWEEP, "capsize.backtest.sweep")
    if found is None:
        pytest.skip(
            f"the AOT sweep kernels ({stem}) are not built: `pip install -e .` compiles them "
            "when a C compiler is present (not with CAPSIZE_NO_AOT_BUILD=1; an edit of "
            "_loops.py needs a reinstall)"
        )
    return Path(str(found[0].__file__))


def _no_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("CAPSIZE_NO_AOT", "CAPSIZE_NO_NUMBA", "CAPSIZE_NO_VECTORIZE"):
        monkeypatch.delenv(key, raising=False)


def test_aot_kernels_equal_the_jit_bit_for_bit(iwm_spy, iwm_close, monkeypatch) -> None:
    _built()
    _no_flags(monkeypatch)
    r = iwm_spy.loc["2012":]
    rf = pd.Series(np.linspace(0.0, 1e-4, len(r)), r.index)
    rs = bt.relative_strength(r)
    runs = {
        "sleeve": lambda: bt.sleeve_sweep(
            r, weights=[0.0, 0.1, 0.25], bands=[None, 0.01, 0.05], rebalance=["M", "A", None],
            cost_bps=[0.0, 10.0], slippage_bps=1.0, rf=rf, start="2014-01-01",
        ),
        "ma": lambda: bt.ma_sweep(
            r, fast=[5, 20, 50], slow=[100, 200], lag=[1, 3], hold=[1, 10],
            cost_bps=[0.0, 5.0], spread_bps={"IWM": 2.0, "SPY": 1.0}, rf=rf,
        ),
        "ma-cash": lambda: bt.ma_sweep(
            r, fast=[10, 30], slow=[150], price=iwm_close.loc[r.index], below="cash",
            cash=pd.Series(5e-5, r.index), end="2022-12-30",
        ),
        "signal": lambda: bt.signal_sweep(
            r, (rs / rs.shift(21) - 1).iloc[40:], thresholds=[-0.02, 0.0, 0.03],
            lag=[1, 2], hold=[1, 5], cost_bps=[0.0, 10.0],
        ),
    }  # fmt: skip
    for name, run in runs.items():
        compiled = run()
        monkeypatch.setenv("CAPSIZE_NO_AOT", "1")
        monkeypatch.setenv("CAPSIZE_NO_VECTORIZE", "1")  # every configuration on the JIT
        jit = run()
        _no_flags(monkeypatch)
        assert compiled.attrs["backend"] == "aot", name
        assert jit.attrs["backend"] == "numba", name
        pd.testing.assert_frame_equal(compiled, jit, check_exact=True, obj=name)


def test_a_sweep_with_the_aot_module_does_not_import_numba() -> None:
    _built()
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from capsize import backtest as bt\n"
        "idx = pd.bdate_range('2020-01-01', periods=400)\n"
        "r = pd.DataFrame(np.random.default_rng(0).normal(3e-4, 0.01, (400, 2)), idx,"
        " columns=['s', 'l'])\n"
        "a = bt.sleeve_sweep(r, weights=[0.1, 0.2], bands=[None, 0.02], rebalance=['M', None])\n"
        "b = bt.ma_sweep(r, fast=[5, 10], slow=[50], hold=[1, 5])\n"
        "assert a.attrs['backend'] == b.attrs['backend'] == 'aot', (a.attrs, b.attrs)\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPSIZE_NO_")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_no_aot_and_no_numba_flags_are_respected(iwm_spy, monkeypatch) -> None:
    _no_flags(monkeypatch)
    r = iwm_spy.loc["2020":]
    kw = {"weights": [0.1, 0.2], "rebalance": ["Q", None]}
    monkeypatch.setenv("CAPSIZE_NO_AOT", "1")
    assert backend.kernels().name == "numba"
    assert bt.sleeve_sweep(r, **kw).attrs["backend"] == "numba"
    assert bt.ma_sweep(r, fast=[5], slow=[50]).attrs["backend"] == "vectorized"
    monkeypatch.setenv("CAPSIZE_NO_NUMBA", "1")
    monkeypatch.delenv("CAPSIZE_NO_AOT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerformanceWarning)
        assert bt.sleeve_sweep(r, **kw).attrs["backend"] == "numpy"  # no AOT either


def _fake_package(tmp_path: Path, name: str, loops: bytes) -> Path:
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "_loops.py").write_bytes(loops)
    return pkg


def test_a_stale_module_is_never_loaded(tmp_path, monkeypatch, caplog) -> None:
    """Only the module named after the hash of the _loops.py beside it is imported."""
    monkeypatch.syspath_prepend(str(tmp_path))
    source = LOOPS.read_bytes()
    edited = source + b"# edited after the build\n"
    # broken files under the stale (pre-edit) names: importing one would fail with a log line
    pkg = _fake_package(tmp_path, "aot_fake_stale", edited)
    for cpu in ("", aot.V3_CPU, "host"):
        (pkg / (aot.module_name(source, cpu) + SUFFIX)).write_bytes(b"not a shared object")
    (pkg / (aot.module_stem(source) + SUFFIX)).write_bytes(b"named before variants existed")
    with caplog.at_level(logging.WARNING, logger=backend.__name__):
        assert backend.load_aot(pkg, "aot_fake_stale") is None
    assert not caplog.records  # never even tried
    # the same broken file under the current name is tried, fails, and falls back
    pkg = _fake_package(tmp_path, "aot_fake_broken", source)
    (pkg / (aot.module_name(source, "") + SUFFIX)).write_bytes(b"not a shared object")
    with caplog.at_level(logging.WARNING, logger=backend.__name__):
        assert backend.load_aot(pkg, "aot_fake_broken") is None
    assert "failed to load" in caplog.text


def test_the_real_module_loads_only_beside_its_own_source(tmp_path, monkeypatch) -> None:
    built = _built()
    monkeypatch.syspath_prepend(str(tmp_path))
    current = _fake_package(tmp_path, "aot_fake_current", LOOPS.read_bytes())
    shutil.copy2(built, current / built.name)
    found = backend.load_aot(current, "aot_fake_current")
    assert found is not None and callable(found[0].sleeve_grid)
    stale = _fake_package(tmp_path, "aot_fake_edited", LOOPS.read_bytes() + b"\n")
    shutil.copy2(built, stale / built.name)
    assert backend.load_aot(stale, "aot_fake_edited") is None


def _sleeve_args(n: int = 30, k: int = 2) -> list[object]:
    return [
        np.full(k, 0.2), np.full(k, -1.0), np.zeros(k, np.int64), np.zeros(k),
        np.ones((1, n), np.bool_), np.zeros(n), np.zeros(n), np.zeros(n),
        np.arange(n, dtype=np.float64), 0, n, np.empty((k, 14)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("pos", "bad", "match"),
    [
        (2, np.zeros(2, np.int32), "'freq' must be a C-contiguous 1-D int64"),
        (0, np.full(4, 0.2)[::2], "'weight' must be a C-contiguous"),
        (0, np.full(2, 1, np.int64), "'weight' must be a C-contiguous 1-D float64"),
        (4, np.ones((1, 30), np.uint8), "'calendar'"),
        (4, np.ones(30, np.bool_), "'calendar' must be a C-contiguous 2-D bool"),
        (11, np.empty((2, 14), order="F"), "'out'"),
        (9, 0.0, "integer"),
        (10, True, "bool"),
        (5, [0.0] * 30, "got list"),
    ],
    ids=["int32", "strided", "int-for-float", "uint8", "1-d", "fortran-out", "float-index",
         "bool", "list"],
)  # fmt: skip
def test_kernel_arguments_are_checked_strictly(pos, bad, match) -> None:
    """pycc functions read arguments as raw memory: a wrong dtype or layout must raise."""
    calls = []
    kernel = backend.CheckedKernel("sleeve_grid", lambda *a: calls.append(a))
    kernel(*_sleeve_args())
    assert len(calls) == 1
    args = _sleeve_args()
    args[pos] = bad
    with pytest.raises(TypeError, match=match):
        kernel(*args)
    out = np.empty((2, 14))
    out.flags.writeable = False
    with pytest.raises(TypeError, match="writeable"):
        kernel(*[*_sleeve_args()[:-1], out])
    with pytest.raises(TypeError, match="takes 12 arguments"):
        kernel(*_sleeve_args()[:-1])
    assert len(calls) == 1


def test_build_failure_is_one_line_per_variant_and_leaves_nothing(tmp_path) -> None:
    """Each variant that fails returns its reason; stale modules are removed all the same."""
    (tmp_path / "_aot_0123456789ab.cpython-311-x86_64-linux-gnu.so").write_bytes(b"old")
    (tmp_path / "_aot_0123456789ab_host.cpython-311-x86_64-linux-gnu.so").write_bytes(b"old")
    (tmp_path / "_aot.py").write_text("# not a build\n")
    broken = tmp_path / "_loops.py"
    broken.write_text("raise RuntimeError('kernels do not compile here')\n")
    built = aot.build(broken, tmp_path, ["", aot.V3_CPU])
    assert [b.cpu for b in built] == ["", "x86-64-v3"]
    for b in built:
        assert b.path is None
        assert "kernels do not compile here" in b.reason and "\n" not in b.reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_aot.py", "_loops.py"]


def test_module_name_follows_the_source_signatures_and_variant() -> None:
    source = LOOPS.read_bytes()
    stem = aot.module_stem(source)
    assert stem.startswith("_aot_") and len(stem) == len("_aot_") + 12
    assert aot.module_stem(source + b" ") != stem
    names = [aot.module_name(source, cpu) for cpu in ("", aot.V3_CPU, "host", "skylake-avx512")]
    suffixes = ["generic", "x86_64_v3", "host", "skylake_avx512"]
    assert names == [f"{stem}_{s}" for s in suffixes]
    assert [aot.variant_cpu(s) for s in suffixes] == [
        "generic",
        "x86-64-v3",
        "host",
        "skylake-avx512",
    ]
    assert set(aot.KERNELS) == {"ma_rotation", "sleeve_grid"}
    assert aot.signature("sleeve_grid").startswith(
        "void(f8[::1], f8[::1], i8[::1], f8[::1], b1[:, ::1]"
    )


@pytest.mark.parametrize(
    ("editable", "machine", "override", "expected"),
    [
        (False, "x86_64", None, ("", "x86-64-v3")),
        (False, "AMD64", None, ("", "x86-64-v3")),
        (False, "aarch64", None, ("",)),
        (False, "arm64", None, ("",)),
        (True, "x86_64", None, ("host",)),
        (True, "aarch64", None, ("host",)),
        (False, "x86_64", "host", ("host",)),
        (True, "x86_64", "", ("",)),
        (False, "x86_64", " skylake ", ("skylake",)),
    ],
)  # fmt: skip
def test_targets_two_variants_for_x86_64_wheels_never_host(
    editable, machine, override, expected
) -> None:
    """A wheel never compiles for ``host`` unless asked: it must run on any CPU of its tag."""
    assert aot.targets(editable, machine, override) == expected


V3_LINE = (
    "flags\t\t: fpu vme sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c"
    " rdrand lahf_lm abm bmi1 avx2 bmi2 erms\n"
)


def _cpuinfo(*flag_lines: str) -> str:
    return "".join(
        f"processor\t: {i}\nvendor_id\t: GenuineIntel\n{f}\n" for i, f in enumerate(flag_lines)
    )


@pytest.mark.parametrize(
    ("text", "v3"),
    [
        (_cpuinfo(V3_LINE, V3_LINE), True),
        (_cpuinfo(V3_LINE.replace(" abm", " lzcnt")), True),
        (_cpuinfo(V3_LINE.replace(" bmi2", "")), False),
        (_cpuinfo(V3_LINE.replace(" abm", "")), False),
        (_cpuinfo(V3_LINE, V3_LINE.replace(" avx2", "")), False),  # one core without AVX2
        ("processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n", False),
        ("", False),
    ],
    ids=["v3", "lzcnt", "no-bmi2", "no-lzcnt", "one-core-short", "arm64", "empty"],
)
def test_cpu_flags_need_every_v3_feature_on_every_core(text, v3) -> None:
    flags = backend.parse_cpu_flags(text)
    assert backend.has_x86_64_v3(flags) is v3


def test_unreadable_cpuinfo_means_no_feature(tmp_path) -> None:
    assert backend.cpu_flags(tmp_path / "no-such-file") == frozenset()
    (tmp_path / "cpuinfo").write_text(_cpuinfo(V3_LINE))
    assert backend.has_x86_64_v3(backend.cpu_flags(tmp_path / "cpuinfo"))


_FAKE_KERNELS = "def ma_rotation(*a):\n    pass\n\n\ndef sleeve_grid(*a):\n    pass\n"


@pytest.mark.parametrize(
    ("present", "v3", "picked"),
    [
        (["", aot.V3_CPU], True, "x86-64-v3"),
        (["", aot.V3_CPU], False, "generic"),
        ([aot.V3_CPU], False, None),  # never an instruction set this CPU lacks
        (["", "host", aot.V3_CPU], True, "host"),  # an editable install's own build
        (["", "skylake"], True, "skylake"),  # CAPSIZE_AOT_CPU=skylake: the builder's choice
        (["", "broken"], True, "generic"),  # a module that fails to load is passed over
    ],
    ids=["v3-cpu", "older-cpu", "only-v3-older-cpu", "host", "named-cpu", "broken"],
)
def test_the_loader_picks_the_best_variant_this_cpu_runs(
    tmp_path, monkeypatch, caplog, request, present, v3, picked
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    source = LOOPS.read_bytes()
    package = "aot_fake_pick_" + request.node.callspec.id.replace("-", "_")
    pkg = _fake_package(tmp_path, package, source)
    for cpu in present:
        body = "raise ImportError('built for another numpy')\n" if cpu == "broken" else ""
        (pkg / (aot.module_name(source, cpu) + ".py")).write_text(body + _FAKE_KERNELS)
    flags = backend.parse_cpu_flags(_cpuinfo(V3_LINE if v3 else V3_LINE.replace(" fma", "")))
    monkeypatch.setattr(backend, "cpu_flags", lambda: flags)
    with caplog.at_level(logging.WARNING, logger=backend.__name__):
        found = backend.load_aot(pkg, package)
    if picked is None:
        assert found is None
        return
    assert found is not None
    mod, variant = found
    assert variant == picked
    assert (
        mod.__name__
        == f"{package}.{aot.module_name(source, '' if picked == 'generic' else picked)}"
    )
    assert ("failed to load" in caplog.text) is ("broken" in present)


def test_kernels_label_names_the_variant() -> None:
    k = backend.Kernels("aot", print, print, variant="x86-64-v3")
    assert k.label == "aot:x86-64-v3"
    assert backend.Kernels("numba", print, print).label == "numba"
