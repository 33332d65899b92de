from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import LONG_SEGMENT, cents_company, strip_cached_values  # noqa: E402

from workbook_gen import gnumeric as gn  # noqa: E402
from workbook_gen import libreoffice as lo  # noqa: E402
from workbook_gen.build import build, load  # noqa: E402
from workbook_gen.inputs.example import example_company  # noqa: E402
from workbook_gen.metrics.engine import compute  # noqa: E402
from workbook_gen.settings import Settings  # noqa: E402
from workbook_gen.workbook.input_book import write_input_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _require(program: str, found: str | None, package: str) -> str:
    """The engine's binary. Skips (with the reason shown) where it is missing, but under CI=true a
    missing engine fails: without it the suite proves nothing about the workbook."""
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{program} is required under CI=true: apt-get install {package}")
        pytest.skip(f"{program} is not installed: the workbook recalculation tests on it did not run")
    return found


@pytest.fixture(scope="session")
def libreoffice() -> str:
    program, find, package, _ = ENGINES["libreoffice"]
    return _require(program, find(), package)


@pytest.fixture(scope="session")
def gnumeric() -> str:
    program, find, package, _ = ENGINES["gnumeric"]
    return _require(program, find(), package)


@dataclass(frozen=True)
class Engine:
    """A spreadsheet engine that recalculates a workbook from its input sheets."""

    name: str
    convert: Callable[[Path, Path], Path]

    def recalculate(self, built: Path, out_dir: Path) -> Path:
        """Strip every formula's cached value, then let the engine recalculate: every value read back
        from the result was computed by the engine, none is one we wrote."""
        blind = out_dir / "stripped" / built.name
        blind.parent.mkdir(parents=True, exist_ok=True)
        assert strip_cached_values(built, blind) > 0
        return self.convert(blind, out_dir / self.name)


# name -> (what to call it, how to find it, the Debian package, how to recalculate with it)
ENGINES = {
    "libreoffice": ("LibreOffice (soffice)", lo.soffice, "libreoffice-calc-nogui", lo.recalculate),
    "gnumeric": ("Gnumeric (ssconvert)", gn.ssconvert, "gnumeric", gn.recalculate),
}


@pytest.fixture(scope="session", params=list(ENGINES))
def engine(request) -> Engine:
    """Each test that takes this fixture runs once per engine: LibreOffice and Gnumeric."""
    program, find, package, convert = ENGINES[request.param]
    _require(program, find(), package)
    return Engine(request.param, convert)


@pytest.fixture(scope="session")
def example_data():
    return example_company()


@pytest.fixture(scope="session")
def example_input(tmp_path_factory, example_data) -> Path:
    folder = tmp_path_factory.mktemp("example")
    path = folder / "example-company.xlsx"
    write_input_workbook(path, example_data, company="Example SaaS Co")
    return path


@pytest.fixture(scope="session")
def example_results(example_input):
    data, settings = load(example_input, {"company": "Example SaaS Co"})
    return compute(data, settings)


@pytest.fixture(scope="session")
def example_workbook(tmp_path_factory, example_input) -> Path:
    out = tmp_path_factory.mktemp("built") / "example-workbook.xlsx"
    build(example_input, out, {"company": "Example SaaS Co"})
    return out


@pytest.fixture(scope="session")
def example_recalculated(engine, tmp_path_factory, example_workbook) -> Path:
    return engine.recalculate(example_workbook, tmp_path_factory.mktemp("recalc"))


SEGMENTS = ("Self-serve", " self-SERVE ", "Enterprise", "enterprise", None, LONG_SEGMENT, "Mid  market")
SEGMENTED_SETTINGS = {
    "cac_window": 2,
    "cac_lag": 1,
    "ltv_churn_window": 6,
    "fiscal_year_start": 4,
    "lifetime_cap_months": 36,
    "split": "Plan",
}


@pytest.fixture(scope="session")
def segmented_input(tmp_path_factory) -> tuple[Path, dict]:
    """A segmented company with cents-level amounts, values differing only in case and spaces, a
    segment name too long for a defined name, per-segment S&M and non-default settings."""
    path = tmp_path_factory.mktemp("segmented") / "segmented.xlsx"
    write_input_workbook(path, cents_company(5, n_clients=40, n_months=26, segments=SEGMENTS))
    return path, dict(SEGMENTED_SETTINGS)


@pytest.fixture(scope="session")
def segmented_workbook(tmp_path_factory, segmented_input):
    src, overrides = segmented_input
    out = tmp_path_factory.mktemp("segmented-built") / "segmented-workbook.xlsx"
    build(src, out, overrides)
    return out, compute(*load(src, overrides))


@pytest.fixture
def default_settings() -> Settings:
    return Settings()
