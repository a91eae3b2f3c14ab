"""Build hook: compile the sweep kernels ahead of time when capsize is installed.

hatchling runs this hook for wheel builds, which include ``pip install -e .`` (an editable
wheel) and ``pip install .``. It compiles ``ma_rotation`` and ``sleeve_grid`` of
``src/capsize/backtest/sweep/_loops.py`` with ``numba.pycc`` into an extension module
``_aot_<hash of _loops.py>_<cpu variant>`` (see ``src/capsize/backtest/sweep/_aot.py``, loaded here by
file path: the build environment has numba and numpy but not capsize's other
dependencies). A first sweep then loads in under a millisecond instead of paying numba's
start-up.

- **Editable install**: the module is written beside ``_loops.py`` (the source tree is
  what gets imported) and compiled for this machine's CPU (``host``), as numba's JIT
  would compile it.
- **Wheel**: the modules are compiled into a scratch folder, never for ``host`` (a wheel
  must run on any machine of its platform tag): for a generic CPU of the platform
  (``""``: the baseline instruction set) and, on x86-64, also for ``x86-64-v3`` (AVX2,
  FMA; the loader takes it only on a CPU with every v3 feature). They are added with
  ``force_include`` rather than ``artifacts`` (so a module left in the source tree by an
  editable install is never shipped), and the wheel is tagged for this interpreter and
  platform. ``CAPSIZE_AOT_CPU=host`` (or any LLVM CPU name, ``""`` for generic) builds
  that one variant instead, for either kind.

A failed compilation (no C compiler, a numba that cannot compile the kernels) never fails
the install: one line on stderr per failed variant says so; the package uses the variants
that compiled, or numba's JIT kernels when none did. ``CAPSIZE_NO_AOT_BUILD=1`` skips the
build.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SWEEP = Path("src", "capsize", "backtest", "sweep")


def _load_aot(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("capsize_aot_build", root / SWEEP / "_aot.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {root / SWEEP / '_aot.py'}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class AotKernelsHook(BuildHookInterface):  # type: ignore[type-arg]
    """Compile the sweep kernels with numba.pycc into the wheel or the source tree."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the kernels module (``version`` is ``"editable"`` or ``"standard"``)."""
        self._scratch: Path | None = None
        if os.environ.get("CAPSIZE_NO_AOT_BUILD", "").strip().lower() in {"1", "true", "yes"}:
            return
        root = Path(self.root)
        editable = version == "editable"
        if editable:
            out_dir = root / SWEEP
        else:
            self._scratch = Path(tempfile.mkdtemp(prefix="capsize-aot-wheel-"))
            out_dir = self._scratch
        paths = self._build(root, out_dir, editable)
        if not editable and paths:
            for path in paths:
                build_data["force_include"][str(path)] = (
                    SWEEP.relative_to("src") / path.name
                ).as_posix()
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    def _build(self, root: Path, out_dir: Path, editable: bool) -> list[Path]:
        """Compile every variant of this build; report each failure on one line."""
        override = os.environ.get("CAPSIZE_AOT_CPU")
        try:
            aot = _load_aot(root)
            cpus = aot.targets(editable, platform.machine(), override)
            built = [
                (b.cpu, b.path, b.reason)
                for b in aot.build(root / SWEEP / "_loops.py", out_dir, cpus)
            ]
        except Exception as exc:  # the install must go on with the JIT kernels
            built = [("", None, f"{type(exc).__name__}: {exc}")]
        paths = [path for _, path, _ in built if path is not None]
        for cpu, path, reason in built:
            if path is None:
                then = (
                    "the variants that compiled will be used"
                    if paths
                    else "numba's JIT kernels will be used"
                )
                sys.stderr.write(
                    f"capsize: sweep kernels for CPU {cpu or 'generic'!r} not compiled ahead "
                    f"of time ({reason}); {then}\n"
                )
        return paths

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the scratch folder of a wheel build."""
        if getattr(self, "_scratch", None) is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)  # type: ignore[arg-type]
