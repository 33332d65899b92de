from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from workbook_gen.build import build, load  # noqa: E402
from workbook_gen.inputs.example import example_company  # noqa: E402
from workbook_gen.libreoffice import recalculate, soffice  # noqa: E402
from workbook_gen.metrics.engine import compute  # noqa: E402
from workbook_gen.settings import Settings  # noqa: E402
from workbook_gen.workbook.input_book import write_input_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """The soffice binary. Skips (with the reason shown) where it is missing, but under CI=true a
    missing LibreOffice fails: without it the suite proves nothing about the workbook."""
    exe = soffice()
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is required under CI=true: install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed: the workbook recalculation tests did not run")
    return exe


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
def example_recalculated(libreoffice, tmp_path_factory, example_workbook) -> Path:
    return recalculate(example_workbook, tmp_path_factory.mktemp("recalc"))


@pytest.fixture
def default_settings() -> Settings:
    return Settings()
