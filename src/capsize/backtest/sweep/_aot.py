"""Ahead-of-time build of the sweep kernels: their signatures, module name and compiler.

The kernels of :mod:`capsize.backtest.sweep._loops` are compiled at install time (by the
build hook ``hatch_build.py`` at the repository root) with ``numba.pycc`` into an
extension module beside them, so a first sweep neither compiles nor imports numba (whose
start-up alone costs ~0.7 s). The module is named after a hash of ``_loops.py`` and of
the signatures below, and after the CPU it was compiled for (:func:`module_name`,
``_aot_<hash>_<variant>``): the run-time loader (:mod:`capsize.backtest.sweep._backend`)
computes the same hash and imports only modules that match, so an edited ``_loops.py``
falls back to the JIT kernels until the next install instead of running stale code.

Variants (:func:`targets`): an editable install compiles one, for this machine
(``host``). A wheel on x86-64 compiles two, ``generic`` (the baseline instruction set,
runs anywhere) and ``x86-64-v3`` (AVX2, FMA, BMI2: about 2.5x faster on the sleeve
kernel, bit-identical since the kernels are compiled without fastmath); the loader picks
v3 only on a CPU that has every v3 feature. Other architectures get ``generic`` only.
``CAPSIZE_AOT_CPU`` (an LLVM CPU name, ``""`` for generic) compiles that one variant.

This module imports only the standard library at module level: the build hook loads it by
file path in a build environment that has numba and numpy but not capsize's run-time
dependencies. numba is imported only inside :func:`compile_kernels`, which runs in a
child process (:func:`build`) so that compiler output and crashes stay out of the install.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "BUILD_OPTIONS",
    "KERNELS",
    "PREFIX",
    "V3_CPU",
    "ArgSpec",
    "Built",
    "build",
    "compile_kernels",
    "module_name",
    "module_stem",
    "remove_stale",
    "signature",
    "targets",
    "variant_cpu",
    "variant_tag",
]

ArgSpec = tuple[str, str, int]
"""One kernel argument: ``(name, numba dtype code, ndim)``; ndim 0 is a scalar."""

_F, _I, _B = "f8", "i8", "b1"

KERNELS: dict[str, tuple[ArgSpec, ...]] = {
    "ma_rotation": (
        ("ma", _F, 2), ("fast", _I, 1), ("slow", _I, 1), ("lag", _I, 1), ("hold", _I, 1),
        ("rate", _F, 1), ("threshold", _F, 1), ("to_unit", _F, 0), ("r_small", _F, 1),
        ("r_other", _F, 1), ("rf", _F, 1), ("days", _F, 1), ("t0", _I, 0), ("t1", _I, 0),
        ("out", _F, 2),
    ),
    "sleeve_grid": (
        ("weight", _F, 1), ("band", _F, 1), ("freq", _I, 1), ("rate", _F, 1),
        ("calendar", _B, 2), ("r_small", _F, 1), ("r_large", _F, 1), ("rf", _F, 1),
        ("days", _F, 1), ("t0", _I, 0), ("t1", _I, 0), ("out", _F, 2),
    ),
}  # fmt: skip
"""The exported kernels and their arguments; every array is C-contiguous, ``out`` last.

The compiled functions do not check their arguments (a wrong dtype is read as raw
memory), so the loader checks each call against this table.
"""

BUILD_OPTIONS = "error_model=numpy;release_gil=1"
"""Compiler flags that differ from pycc's defaults: the JIT kernels' (``_loops._jit``)."""

PREFIX = "_aot_"
_STALE = re.compile(rf"^({PREFIX}[0-9a-f]{{12}})(_[0-9A-Za-z_]+)?\.")

V3_CPU = "x86-64-v3"
"""LLVM's name of the x86-64-v3 level (AVX, AVX2, BMI1/2, F16C, FMA, LZCNT, MOVBE, XSAVE)."""

_X86_64 = frozenset({"x86_64", "amd64", "x64"})


def targets(editable: bool, machine: str, override: str | None = None) -> tuple[str, ...]:
    """Return the LLVM CPU names to compile for, in build order.

    Parameters
    ----------
    editable : bool
        True for an editable install: ``("host",)``, this machine's CPU (never shipped).
    machine : str
        ``platform.machine()`` of the build; a wheel on x86-64 gets ``("", "x86-64-v3")``
        (generic first, so a failed v3 build still ships it), any other gets ``("",)``.
    override : str or None
        ``CAPSIZE_AOT_CPU`` when set: that one CPU (``""`` is generic), for either kind.

    Examples
    --------
    >>> targets(False, "x86_64")
    ('', 'x86-64-v3')
    >>> targets(False, "aarch64"), targets(True, "x86_64"), targets(False, "x86_64", "host")
    (('',), ('host',), ('host',))
    """
    if override is not None:
        return (override.strip(),)
    if editable:
        return ("host",)
    return ("", V3_CPU) if machine.lower() in _X86_64 else ("",)


def variant_tag(cpu: str) -> str:
    """Return the module-name suffix of an LLVM CPU name (``""`` -> ``"generic"``).

    Examples
    --------
    >>> variant_tag(""), variant_tag("x86-64-v3"), variant_tag("host")
    ('generic', 'x86_64_v3', 'host')
    """
    return re.sub(r"[^0-9A-Za-z]", "_", cpu) or "generic"


def variant_cpu(tag: str) -> str:
    """Return the CPU name a module-name suffix stands for (``"x86_64_v3"`` -> ``"x86-64-v3"``)."""
    return tag.replace("_", "-")


def signature(kernel: str) -> str:
    """Return the numba signature string of ``kernel``, arrays C-contiguous.

    Examples
    --------
    >>> signature("sleeve_grid")[:28]
    'void(f8[::1], f8[::1], i8[::'
    """
    parts = []
    for _, code, ndim in KERNELS[kernel]:
        parts.append(code if ndim == 0 else f"{code}[{', '.join([':'] * (ndim - 1) + ['::1'])}]")
    return f"void({', '.join(parts)})"


def module_stem(loops_source: bytes) -> str:
    """Return the variant-free stem of the module's name for this source (``_aot_<12 hex>``).

    The hash covers the source bytes, the exported signatures and the build options, so a
    change to any of them names a different module.
    """
    spec = ";".join(f"{k}={signature(k)}" for k in sorted(KERNELS)) + ";" + BUILD_OPTIONS
    digest = hashlib.sha256(loops_source + b"\0" + spec.encode()).hexdigest()
    return PREFIX + digest[:12]


def module_name(loops_source: bytes, cpu: str) -> str:
    """Return the extension module's name: ``_aot_<12 hex>_<variant>`` (:func:`variant_tag`)."""
    return f"{module_stem(loops_source)}_{variant_tag(cpu)}"


def remove_stale(directory: Path, keep: Collection[str]) -> list[Path]:
    """Delete built kernel modules in ``directory`` other than modules ``keep``; return them.

    Modules named without a variant (built before variants existed) are stale too.
    """
    gone = []
    for path in sorted(directory.iterdir()):
        if _STALE.match(path.name) and path.name.split(".", 1)[0] not in keep:
            path.unlink()
            gone.append(path)
    return gone


def _pycc_flags(base: Any) -> Any:
    """Return a maker of pycc's compiler flags with the JIT kernels' error model and GIL release.

    pycc compiles with default flags (Python's error model: a division by zero raises
    instead of giving inf/nan as the JIT kernels do) and offers no option to change them.
    """

    def flags() -> Any:
        made = base()
        made.error_model = "numpy"
        made.release_gil = True
        return made

    return flags


def compile_kernels(loops_path: Path, out_dir: Path, cpu: str) -> Path:
    """Compile the kernels of ``loops_path`` into ``out_dir``; return the module's path.

    Runs in this process and imports numba; raises whatever numba or the C compiler
    raises. Set ``NUMBA_CACHE_DIR`` to a scratch folder first: the kernels are JIT
    dispatchers with ``cache=True`` and compiling them here would otherwise write cache
    entries beside ``_loops.py`` that the JIT cannot load (see :func:`build`).

    Parameters
    ----------
    loops_path : Path
        The ``_loops.py`` to compile.
    out_dir : Path
        Folder that receives the extension module.
    cpu : str
        LLVM CPU name: ``"host"`` for this machine, ``""`` for a generic x86-64/arm64,
        ``"x86-64-v3"`` for AVX2 machines; it also names the module (:func:`module_name`).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending-deprecation notice
        pycc: Any = importlib.import_module("numba.pycc")
        compiler: Any = importlib.import_module("numba.pycc.compiler")

    spec = importlib.util.spec_from_file_location("capsize_aot_loops", loops_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {loops_path}")
    loops = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loops)
    name = module_name(loops_path.read_bytes(), cpu)
    cc = pycc.CC(name)
    cc.output_dir = str(out_dir)
    cc.target_cpu = cpu
    for kernel in KERNELS:
        cc.export(kernel, signature(kernel))(getattr(loops, kernel).py_func)
    compiler.Flags = _pycc_flags(compiler.Flags)
    cc.compile()
    return out_dir / (name + importlib.machinery.EXTENSION_SUFFIXES[0])


_CHILD = (
    "import importlib.util, sys\n"
    "from pathlib import Path\n"
    "s = importlib.util.spec_from_file_location('capsize_aot_build', sys.argv[1])\n"
    "m = importlib.util.module_from_spec(s)\n"
    "s.loader.exec_module(m)\n"
    "m.compile_kernels(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])\n"
)


_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")


def _reason(output: str) -> str:
    """Return the line of a child's output that names its failure (the exception's)."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    named = [line for line in lines if _EXC_LINE.match(line)]
    return (named or lines or ["no output"])[-1]


class Built(NamedTuple):
    """One variant of a build: its CPU name, the module's path or None, why it failed."""

    cpu: str
    path: Path | None
    reason: str


def build(loops_path: Path, out_dir: Path, cpus: Sequence[str]) -> list[Built]:
    """Compile the kernels for each CPU of ``cpus`` into ``out_dir``; never raise for a failure.

    Each variant compiles in its own child process (with a scratch ``NUMBA_CACHE_DIR`` and
    ``TMPDIR``; its output captured), so one failing leaves the others. A module is
    written to a scratch folder inside ``out_dir`` and moved into place, so a failed build
    leaves nothing behind; other ``_aot_*`` modules in ``out_dir`` are removed either way
    (they belong to another ``_loops.py`` or to variants not asked for).

    Returns
    -------
    list of Built
        One per CPU, in order: the module's path, or None and a one-line reason.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    source = loops_path.read_bytes()
    try:
        return [_build_one(loops_path, out_dir, cpu) for cpu in cpus]
    finally:
        remove_stale(out_dir, {module_name(source, cpu) for cpu in cpus})


def _build_one(loops_path: Path, out_dir: Path, cpu: str) -> Built:
    name = module_name(loops_path.read_bytes(), cpu)
    scratch = Path(tempfile.mkdtemp(prefix=".aot-build-", dir=out_dir))
    try:
        (scratch / "tmp").mkdir()  # pycc's own build folder, left behind when it fails
        env = dict(
            os.environ, NUMBA_CACHE_DIR=str(scratch / "numba-cache"), TMPDIR=str(scratch / "tmp")
        )
        args = [str(Path(__file__).resolve()), str(loops_path), str(scratch), cpu]
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return Built(cpu, None, f"{type(exc).__name__}: {exc}")
        built = [p for p in scratch.iterdir() if p.name.startswith(name + ".")]
        if done.returncode != 0 or not built:
            reason = f"exit code {done.returncode}: {_reason(done.stderr or done.stdout)}"
            return Built(cpu, None, reason)
        target = out_dir / built[0].name
        os.replace(built[0], target)
        return Built(cpu, target, "")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
