"""Choice of the sweep kernels: compiled ahead of time, else numba JIT, else numpy.

Three backends run the same kernels (:mod:`capsize.backtest.sweep._loops`), tried in this
order; ``attrs["backend"]`` of a sweep's result names the one that ran:

``"aot"``
    An extension module compiled from ``_loops.py`` with ``numba.pycc`` when capsize is
    installed (``pip install`` runs the build hook ``hatch_build.py``; a failed build
    never fails the install). Loading it costs under a millisecond and does not import
    numba, so a first sweep pays neither numba's start-up (~0.7 s with a warm cache) nor
    compilation. The module is named after a hash of ``_loops.py`` and its CPU variant
    (see :mod:`capsize.backtest.sweep._aot`); only modules matching the file on disk are
    loaded, so after an edit of ``_loops.py`` the JIT runs until the next install. Of
    the variants present, :func:`load_aot` takes ``host`` (an editable install's), else
    one built for a named CPU, else ``x86-64-v3`` when this CPU has every v3 feature
    (:func:`has_x86_64_v3`: Linux's ``/proc/cpuinfo``; elsewhere never), else
    ``generic``; :attr:`Kernels.variant` names the one loaded.
    ``CAPSIZE_NO_AOT=1`` disables it. Its functions read their arguments as raw memory,
    so every call is checked against :data:`~capsize.backtest.sweep._aot.KERNELS`
    (dtype, dimensions, C order): a mismatch raises ``TypeError`` instead of reading
    garbage.
``"numba"``
    The same kernels compiled on first use by numba's JIT and cached on disk.
``"numpy"``
    A numpy loop (:mod:`capsize.backtest.sweep._vector`), when numba is missing or
    ``CAPSIZE_NO_NUMBA=1`` (which also disables the AOT module); a
    :class:`~capsize.errors.PerformanceWarning` says so once.

Rotations that trade at every close (``hold == 1``) have a fourth, ``"vectorized"``
path (:mod:`capsize.backtest.sweep._block`), used only when the AOT module is not loaded:
it exists to avoid numba's start-up, and the compiled kernel runs the benchmark's 1,000
moving-average pairs in about 0.08 s of CPU against 0.14 s for it.
``CAPSIZE_NO_VECTORIZE=1`` sends every configuration to the kernels.
"""

from __future__ import annotations

import functools
import importlib
import logging
import operator
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from capsize.backtest.sweep._aot import (
    KERNELS,
    V3_CPU,
    ArgSpec,
    module_stem,
    variant_cpu,
    variant_tag,
)
from capsize.errors import PerformanceWarning

__all__ = [
    "CPUINFO",
    "V3_FLAGS",
    "CheckedKernel",
    "Kernels",
    "cpu_flags",
    "has_x86_64_v3",
    "kernels",
    "load_aot",
    "parse_cpu_flags",
    "using_numba",
    "vectorize_enabled",
]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_PACKAGE = __name__.rpartition(".")[0]


CPUINFO = Path("/proc/cpuinfo")
"""Where Linux lists the CPU's features (:func:`cpu_flags`)."""

V3_FLAGS = frozenset({"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"})
"""The x86-64-v3 features as Linux names them in ``/proc/cpuinfo`` (LZCNT apart: ``abm``)."""


@dataclass(frozen=True)
class Kernels:
    """The active sweep kernels and the backend's name (``"aot"``, ``"numba"``, ``"numpy"``).

    ``variant`` is the CPU the AOT module was compiled for (``"generic"``, ``"x86-64-v3"``,
    ``"host"`` or the LLVM CPU name of ``CAPSIZE_AOT_CPU``); ``""`` for other backends.
    """

    name: str
    ma_rotation: Callable[..., None]
    sleeve_grid: Callable[..., None]
    variant: str = ""

    @property
    def label(self) -> str:
        """The name with the variant, e.g. ``"aot:x86-64-v3"``, or just the name."""
        return f"{self.name}:{self.variant}" if self.variant else self.name

    @property
    def numba(self) -> bool:
        """True when the kernels are numba-compiled (ahead of time or JIT)."""
        return self.name != "numpy"


def _check_array(kernel: str, spec: ArgSpec, value: object, out: bool) -> object:
    name, code, ndim = spec
    dtype = np.dtype(code)
    if (
        isinstance(value, np.ndarray)
        and value.dtype == dtype
        and value.ndim == ndim
        and value.flags.c_contiguous
        and value.flags.aligned
        and (value.flags.writeable or not out)
    ):
        return value
    got = (
        f"{value.ndim}-D {value.dtype} (C-contiguous: {value.flags.c_contiguous})"
        if isinstance(value, np.ndarray)
        else type(value).__name__
    )
    need = "writeable " if out else ""
    raise TypeError(
        f"sweep kernel {kernel}: argument {name!r} must be a {need}C-contiguous {ndim}-D "
        f"{dtype} array, got {got}; convert it with np.ascontiguousarray(x, dtype=np.{dtype})"
    )


def _check_scalar(kernel: str, spec: ArgSpec, value: object) -> object:
    name, code, _ = spec
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"sweep kernel {kernel}: argument {name!r} is a bool, not a number")
    if code == "i8":
        return operator.index(value)  # type: ignore[arg-type]  # TypeError for a float
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    raise TypeError(f"sweep kernel {kernel}: argument {name!r} must be a number, got {value!r}")


class CheckedKernel:
    """A compiled kernel whose arguments are checked against its declared signature.

    ``numba.pycc`` functions do not check their arguments: an int32 array where int64 is
    declared is read as raw memory (wrong results or a crash). Each call checks the
    arguments against :data:`~capsize.backtest.sweep._aot.KERNELS` and raises
    ``TypeError`` naming the argument; the check costs about a microsecond per argument.
    """

    def __init__(self, name: str, fn: Callable[..., None]) -> None:
        self.name = name
        self.fn = fn
        self.spec = KERNELS[name]

    def __call__(self, *args: object) -> None:
        """Check ``args`` and run the kernel (it writes into its last argument, ``out``)."""
        if len(args) != len(self.spec):
            raise TypeError(
                f"sweep kernel {self.name} takes {len(self.spec)} arguments, got {len(args)}"
            )
        last = len(self.spec) - 1
        checked = [
            _check_scalar(self.name, s, a)
            if s[2] == 0
            else _check_array(self.name, s, a, i == last)
            for i, (s, a) in enumerate(zip(self.spec, args, strict=True))
        ]
        self.fn(*checked)


def parse_cpu_flags(text: str) -> frozenset[str]:
    r"""Return the feature flags every core lists in a ``/proc/cpuinfo`` text.

    Empty when no line is keyed ``flags`` (not x86: ARM lists ``Features``), so a caller
    then assumes no feature.

    Examples
    --------
    >>> sorted(parse_cpu_flags("flags\t: fpu avx avx2\nflags\t: fpu avx\n"))
    ['avx', 'fpu']
    """
    per_core = [
        frozenset(value.split())
        for key, sep, value in (line.partition(":") for line in text.splitlines())
        if sep and key.strip() == "flags"
    ]
    return frozenset.intersection(*per_core) if per_core else frozenset()


def cpu_flags(path: Path = CPUINFO) -> frozenset[str]:
    """Return this machine's CPU feature flags from ``path`` (:func:`parse_cpu_flags`).

    Empty when the file cannot be read (not Linux): every feature is then assumed absent.
    """
    try:
        return parse_cpu_flags(path.read_text(errors="replace"))
    except OSError:
        return frozenset()


def has_x86_64_v3(flags: frozenset[str]) -> bool:
    """Return True when ``flags`` (:func:`cpu_flags`) hold every x86-64-v3 feature."""
    return V3_FLAGS.issubset(flags) and bool({"abm", "lzcnt"} & flags)


def _rank(tag: str, v3: Callable[[], bool]) -> int | None:
    """Preference of a variant (lower first), None when this CPU cannot run it."""
    if tag == "host":
        return 0
    if tag == "generic":
        return 3
    if tag == variant_tag(V3_CPU):
        return 2 if v3() else None
    return 1  # built for a CPU named in CAPSIZE_AOT_CPU: the builder's choice


def _variants(directory: Path, stem: str) -> list[str]:
    """Return the variant tags of the modules ``stem_<tag>.*`` in ``directory``, best first."""
    tags = {
        p.name[len(stem) + 1 :].split(".", 1)[0]
        for p in directory.glob(stem + "_*.*")
        if "." in p.name[len(stem) + 1 :]
    }
    v3 = functools.cache(lambda: has_x86_64_v3(cpu_flags()))
    ranked = [(r, t) for t in tags if (r := _rank(t, v3)) is not None]
    return [t for _, t in sorted(ranked)]


def _import(full: str) -> ModuleType | None:
    try:
        mod = importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name != full:
            logger.warning("sweep kernels %s failed to load: %s", full, exc)
        return None
    except ImportError as exc:
        logger.warning("sweep kernels %s failed to load: %s", full, exc)
        return None
    if not all(callable(getattr(mod, k, None)) for k in KERNELS):
        return None
    return mod


def load_aot(directory: Path, package: str) -> tuple[ModuleType, str] | None:
    """Import the best AOT kernel module built from ``directory/_loops.py``, or return None.

    The modules' names carry the hash of the ``_loops.py`` found in ``directory``
    (:func:`~capsize.backtest.sweep._aot.module_name`): a module built from other
    source is never imported. Of the variants present, the best this CPU can run is
    tried first (see the module's docstring); one that exists but fails to load (e.g.
    built against another numpy) is logged and the next is tried.

    Returns
    -------
    tuple of (module, str) or None
        The module and its variant's CPU name (``"x86-64-v3"``), or None when no
        module matches (not built, stale, or none this CPU can run).
    """
    try:
        stem = module_stem((directory / "_loops.py").read_bytes())
    except OSError:
        return None
    for tag in _variants(directory, stem):
        mod = _import(f"{package}.{stem}_{tag}")
        if mod is not None:
            return mod, variant_cpu(tag)
    return None


@functools.cache
def _aot() -> Kernels | None:
    found = load_aot(_HERE, _PACKAGE)
    if found is None:
        return None
    mod, variant = found
    return Kernels(
        "aot",
        ma_rotation=CheckedKernel("ma_rotation", mod.ma_rotation),
        sleeve_grid=CheckedKernel("sleeve_grid", mod.sleeve_grid),
        variant=variant,
    )


@functools.cache
def _jit() -> Kernels | None:
    try:
        from capsize.backtest.sweep import _loops
    except ImportError:
        return None
    return Kernels("numba", ma_rotation=_loops.ma_rotation, sleeve_grid=_loops.sleeve_grid)


@functools.cache
def _numpy(reason: str) -> Kernels:
    warnings.warn(
        f"capsize sweep engine: {reason}; using slower numpy kernels",
        PerformanceWarning,
        stacklevel=4,
    )
    from capsize.backtest.sweep import _vector

    return Kernels("numpy", ma_rotation=_vector.ma_rotation, sleeve_grid=_vector.sleeve_grid)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _aot_active() -> bool:
    return not _flag("CAPSIZE_NO_NUMBA") and not _flag("CAPSIZE_NO_AOT") and _aot() is not None


def vectorize_enabled() -> bool:
    """Return whether ``hold == 1`` rotations run on the vectorized numpy path.

    False when ``CAPSIZE_NO_VECTORIZE=1``, or when the AOT kernels are loaded (they are
    faster and start as fast). The vectorized path gives the kernels' results to the last
    bit; it never imports numba.
    """
    return not _flag("CAPSIZE_NO_VECTORIZE") and not _aot_active()


def kernels() -> Kernels:
    """Return the active sweep kernels: AOT module, else numba JIT, else numpy.

    ``CAPSIZE_NO_AOT=1`` skips the AOT module; ``CAPSIZE_NO_NUMBA=1`` selects the numpy
    kernels, and the first call in that mode (or without numba) issues a
    :class:`~capsize.errors.PerformanceWarning`.
    """
    if _flag("CAPSIZE_NO_NUMBA"):
        return _numpy("CAPSIZE_NO_NUMBA=1 is set")
    if not _flag("CAPSIZE_NO_AOT"):
        aot = _aot()
        if aot is not None:
            return aot
    jit = _jit()
    if jit is None:
        return _numpy("numba is not installed (pip install numba)")
    return jit


def using_numba() -> bool:
    """Return True when the sweep engine runs numba-compiled kernels (AOT or JIT)."""
    return kernels().numba
