"""The direction of the imports inside the package, read from the source with ``ast``.

    cli -> build -> {helpers} -> {inputs, metrics, workbook} -> shared

``shared`` is the top-level modules every layer may use (the catalog ``definitions``, ``rules``, ``names``, ``settings``,
``errors``, ``text``, the data model ``model``): they import only one another. ``inputs/`` reads files
into the model; ``metrics/`` is pure numbers over the model; ``workbook/`` writes the workbook and may use
the metrics' types and helpers, but never the readers. The helpers (``cycle``, ``export``,
``setting_sources``, ``output`` and the two engine runners) are the parts of a run that ``build``
calls; no package imports them, nor ``build`` or ``cli``. A new top-level module counts as shared until
it is listed below. Every import is seen: at the top, inside a function, relative, ``from workbook_gen
import x`` and ``importlib.import_module("workbook_gen.x")``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "workbook_gen"
SOURCE = Path(__file__).resolve().parent.parent / PACKAGE

SHARED, INPUTS, METRICS, WORKBOOK = "shared", "inputs", "metrics", "workbook"
HELPER, BUILD, CLI, MAIN = "helper", "build", "cli", "__main__"
PACKAGES = (INPUTS, METRICS, WORKBOOK)
#: Top-level modules that carry out part of a run for ``build`` (file and process work included).
HELPERS = ("cycle", "export", "setting_sources", "output", "libreoffice", "gnumeric", "docs")

#: Which layers each layer may import (its own layer included where listed).
ALLOWED = {
    SHARED: {SHARED},
    INPUTS: {SHARED, INPUTS},
    METRICS: {SHARED, METRICS},
    WORKBOOK: {SHARED, METRICS, WORKBOOK},
    HELPER: {SHARED, INPUTS, METRICS, WORKBOOK, HELPER},
    BUILD: {SHARED, INPUTS, METRICS, WORKBOOK, HELPER},
    CLI: {SHARED, INPUTS, METRICS, WORKBOOK, HELPER, BUILD},
    MAIN: {CLI},
}

#: Libraries for files, processes or spreadsheets: the pure layers (metrics and shared) import none.
IO_LIBRARIES = (
    "csv",
    "defusedxml",
    "glob",
    "io",
    "openpyxl",
    "os",
    "pathlib",
    "python_calamine",
    "shutil",
    "subprocess",
    "tempfile",
    "tomllib",
    "xlsxwriter",
    "zipfile",
)
PURE = (SHARED, METRICS)


def layer(module: str) -> str:
    """The layer of a dotted module name inside the package."""
    parts = module.split(".")
    if len(parts) == 1:
        return SHARED  # the package's __init__ (the version)
    top = parts[1]
    if top in PACKAGES:
        return top
    if top in HELPERS:
        return HELPER
    if top in (BUILD, CLI, MAIN):
        return top
    return SHARED


def module_name(path: Path) -> str:
    rel = path.relative_to(SOURCE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    """Whether ``dotted`` names a module or package of the source tree (rather than a name inside one)."""
    base = SOURCE.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # dotted name of the imported module of the package
    external: str | None = None  # the top-level name of an import from outside the package


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """Every import in ``source`` (the text of ``module``), resolved to a module name."""
    found: list[Import] = []
    package_parts = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(_classify(node.lineno, alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                keep = len(package_parts) - (node.level - 1)
                assert keep > 0, f"{module}:{node.lineno}: relative import above the package"
                base = ".".join(package_parts[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                found.append(Import(node.lineno, "", base.split(".")[0]))
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(Import(node.lineno, sub if _is_module(sub) else base))
        elif isinstance(node, ast.Call) and node.args:
            func, first = node.func, node.args[0]
            dynamic = (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
                isinstance(func, ast.Name) and func.id in ("__import__", "import_module")
            )
            if dynamic and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(_classify(node.lineno, first.value))
    return found


def _classify(line: int, dotted: str) -> Import:
    if dotted.split(".")[0] == PACKAGE:
        return Import(line, dotted)
    return Import(line, "", dotted.split(".")[0])


def modules() -> list[tuple[Path, str]]:
    return [(p, module_name(p)) for p in sorted(SOURCE.rglob("*.py"))]


def problems_of(source: str, module: str, is_package: bool, where: str) -> list[str]:
    """Every import of ``module`` that goes against :data:`ALLOWED` or :data:`IO_LIBRARIES`."""
    own = layer(module)
    out = []
    for imp in imports_of(source, module, is_package):
        if imp.external is not None:
            if own in PURE and imp.external in IO_LIBRARIES:
                out.append(
                    f"{where}:{imp.line}: {module} ({own}, which must stay pure) imports {imp.external}, "
                    "a file, process or spreadsheet library"
                )
            continue
        target = layer(imp.target)
        if target not in ALLOWED[own]:
            out.append(
                f"{where}:{imp.line}: {module} ({own}) imports {imp.target} ({target}); "
                f"{own} may import only {', '.join(sorted(ALLOWED[own]))}"
            )
    return out


def test_every_import_points_the_allowed_way():
    problems = []
    for path, module in modules():
        where = str(path.relative_to(SOURCE.parent))
        source = path.read_text(encoding="utf-8")
        problems += problems_of(source, module, path.name == "__init__.py", where)
    if problems:
        pytest.fail("Imports against the architecture:\n" + "\n".join(problems), pytrace=False)


def test_the_scan_sees_the_imports_the_package_has():
    """The scan is not vacuous: known edges of the real source are found and resolved."""
    edges = set()
    for path, module in modules():
        for imp in imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            if imp.external is None:
                edges.add((module, imp.target))
    assert len(modules()) > 30
    assert ("workbook_gen.metrics.engine", "workbook_gen.model") in edges
    assert ("workbook_gen.cli", "workbook_gen.build") in edges  # from workbook_gen import build
    assert ("workbook_gen.build", "workbook_gen") in edges  # from workbook_gen import __version__
    assert ("workbook_gen.build", "workbook_gen.libreoffice") in edges  # inside a function
    assert ("workbook_gen.workbook.writer", "workbook_gen.workbook.tabs.changes") in edges


@pytest.mark.parametrize(
    ("module", "is_package", "source", "forbidden"),
    [
        ("workbook_gen.metrics.engine", False, "from workbook_gen.inputs.model import InputData", "inputs"),
        ("workbook_gen.metrics.engine", False, "from ..inputs import read", "workbook_gen.inputs.read"),
        ("workbook_gen.metrics.engine", False, "from .. import build", "workbook_gen.build"),
        ("workbook_gen.metrics", True, "from ..workbook.layout import cell", "workbook_gen.workbook.layout"),
        ("workbook_gen.metrics.engine", False, "def f():\n    import workbook_gen.workbook.book", "workbook"),
        ("workbook_gen.metrics.engine", False, "import xlsxwriter", "xlsxwriter"),
        ("workbook_gen.inputs.read", False, "from workbook_gen.metrics import engine", "metrics"),
        ("workbook_gen.workbook.tabs.cover", False, "from ...inputs.pack import COVER", "inputs.pack"),
        ("workbook_gen.workbook.book", False, "from workbook_gen.output import write_atomic", "output"),
        ("workbook_gen.model", False, "from workbook_gen.metrics.engine import Results", "metrics"),
        ("workbook_gen.settings", False, "import tomllib", "tomllib"),
        ("workbook_gen.export", False, "from workbook_gen.build import load", "build"),
        ("workbook_gen.workbook.book", False, "importlib.import_module('workbook_gen.cli')", "cli"),
    ],
)
def test_a_forbidden_import_is_named(module, is_package, source, forbidden):
    problems = problems_of(source, module, is_package, "here.py")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"here.py:{source.count(chr(10)) + 1}: {module} ")
    assert forbidden in problems[0]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("workbook_gen.workbook.book", "from workbook_gen.metrics.engine import Results"),
        ("workbook_gen.workbook.tabs.cover", "from .common import section_row"),
        ("workbook_gen.metrics.engine", "from .cohorts import cohort_tables\nimport numpy as np"),
        ("workbook_gen.inputs.read", "from workbook_gen.model import InputData\nimport zipfile"),
        ("workbook_gen.cycle", "from workbook_gen.inputs.pack import read_previous_pack"),
        ("workbook_gen.cli", "from workbook_gen import build"),
    ],
)
def test_an_allowed_import_passes(module, source):
    assert problems_of(source, module, False, "here.py") == []


# The distribution that provides each third-party top-level module.
DISTRIBUTION = {"python_calamine": "python-calamine"}


def _declared(spec: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", s, maxsplit=1)[0].lower() for s in spec}


def _third_party(paths) -> set[str]:
    out = set()
    for path in paths:
        module = path.relative_to(SOURCE.parent).with_suffix("").as_posix().replace("/", ".")
        for imp in imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            if imp.external and imp.external not in sys.stdlib_module_names and imp.external != "__future__":
                out.add(DISTRIBUTION.get(imp.external, imp.external).lower())
    return out


def test_each_dependency_is_declared_where_it_is_used():
    """The run-time dependencies are exactly what the package imports; what only the tests import (openpyxl
    reads built workbooks back) is in the test extra, not installed with the tool."""
    project = tomllib.loads((SOURCE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _declared(project["dependencies"])
    tests = _declared(project["optional-dependencies"]["test"])
    used = _third_party(SOURCE.rglob("*.py"))
    assert used == runtime, (
        f"imported but not declared: {used - runtime}; declared, never imported: {runtime - used}"
    )
    test_files = list((SOURCE.parent / "tests").rglob("*.py"))
    local = {p.stem for p in test_files} | {"conftest"}
    by_tests = _third_party_in(test_files) - local
    assert by_tests - runtime <= tests, f"imported by the tests, not declared: {by_tests - runtime - tests}"
    assert "openpyxl" in tests and "openpyxl" not in runtime and "pandas" not in runtime


def _third_party_in(paths) -> set[str]:
    out = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("__future__", PACKAGE):
                    out.add(DISTRIBUTION.get(top, top).lower())
    return out
