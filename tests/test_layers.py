"""The layer order between the apps (docs/architecture.md) is enforced by import-linter in
`make lint`: these run the same check on a copy of the package."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def lint(tmp_path, bad_import: str | None = None, module: str = "core/periods.py"):
    """lint-imports on a copy of src/servicescore, with `bad_import` added inside a function
    of `module`; (exit code, output)."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "servicescore",
        copy / "servicescore",
        ignore=shutil.ignore_patterns("static", "locale", "__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if bad_import:
        with open(copy / "servicescore" / module, "a") as file:
            file.write(f"\n\ndef _probe():\n    {bad_import}  # noqa\n")
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_the_apps_keep_the_layer_order(tmp_path):
    code, output = lint(tmp_path)
    assert code == 0, output


def test_core_importing_a_higher_app_inside_a_function_fails_the_lint(tmp_path):
    code, output = lint(tmp_path, "from servicescore.workorders.models import WorkOrder")
    assert code != 0
    assert "servicescore.core is not allowed to import servicescore.workorders" in output


def test_an_app_importing_the_api_fails_the_lint(tmp_path):
    code, output = lint(tmp_path, "import servicescore.api.main", module="kpi/registry.py")
    assert code != 0
    assert "servicescore.kpi is not allowed to import servicescore.api" in output
