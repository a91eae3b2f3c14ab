"""Every docstring example under ``src/capsize`` runs as a doctest (one test per module).

Examples marked ``# doctest: +SKIP`` (they need a filled store or the network) are skipped
by doctest itself. A module that cannot be imported because an optional extra is missing
(``capsize[pdf]`` ...) is skipped with the reason; any other import error fails.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import io
from pathlib import Path

import pytest

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _package_dir() -> Path:
    spec = importlib.util.find_spec("capsize")  # does not import the package
    assert spec is not None and spec.submodule_search_locations, "capsize is not importable"
    return Path(next(iter(spec.submodule_search_locations)))


def _module_names() -> dict[str, bool]:
    """Every module under ``src/capsize`` -> whether its source holds a ``>>>`` example."""
    root = _package_dir()
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[name] = ">>>" in path.read_text(encoding="utf-8")
    return names


MODULES = _module_names()
WITH_EXAMPLES = [name for name, has in MODULES.items() if has]


def _import(name: str) -> object:
    from capsize.errors import MissingDependencyError

    try:
        return importlib.import_module(name)
    except MissingDependencyError as exc:
        pytest.skip(f"{name}: optional dependency missing ({exc})")
    except ModuleNotFoundError as exc:
        if exc.name is not None and not exc.name.startswith("capsize"):
            pytest.skip(f"{name}: optional dependency {exc.name!r} is not installed")
        raise


def test_every_module_is_found() -> None:
    assert "capsize" in MODULES
    assert "capsize.data.quality" in MODULES
    assert len(MODULES) > 50
    assert "capsize.data.quality" in WITH_EXAMPLES


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_doctests(name: str) -> None:
    module = _import(name)
    # The finder keeps the docstrings of objects defined in the module (not re-exports).
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, name) if t.examples]
    assert tests, f"{name} has '>>>' in its source but no docstring example doctest finds"
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    out = io.StringIO()
    failed = attempted = 0
    for t in tests:
        res = runner.run(t, out=out.write)
        failed += res.failed
        attempted += res.attempted
    if failed:
        pytest.fail(f"{failed} of {attempted} examples failed in {name}:\n{out.getvalue()}")
