"""The checks: which test command a project has, and running it in the sandbox."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from loopwright.config import ChecksConfig, Config, SandboxConfig
from loopwright.review.checks import (
    MAKE_TEST,
    NPM_TEST,
    PYTEST,
    PYTEST_SRC,
    detect_command,
    run_checks,
)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _package(test: str | None) -> str:
    scripts = {} if test is None else {"test": test}
    return json.dumps({"name": "demo", "version": "1.0.0", "scripts": scripts})


def test_an_empty_project_has_no_command(tmp_path: Path) -> None:
    assert detect_command(_write(tmp_path, {"README.md": "# hi\n"})) == ""


@pytest.mark.parametrize("files", [
    {"tests/test_x.py": "def test_x(): pass\n"},
    {"tests/unit/test_y.py": ""},
    {"pytest.ini": "[pytest]\n"},
    {"setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\n"},
    {"tox.ini": "[tox]\nenvlist = py311\n\n[pytest]\ntestpaths = t\n"},
    {"pyproject.toml": "[project]\nname = 'x'\n\n[tool.pytest.ini_options]\naddopts = '-q'\n"},
    {"pyproject.toml": "[tool.pytest]\nminversion = '9.0'\n"},
    {"test_app.py": "def test_app(): pass\n", "app.py": ""},
    {"src/pkg/__init__.py": "", "src/pkg/calc_test.py": ""},
    {"test/helpers.py": ""},
], ids=["tests-dir", "nested-tests", "pytest.ini", "setup.cfg", "tox.ini", "pyproject",
        "pyproject-native", "test-modules-only", "suffix-test-module", "test-dir"])
def test_python_projects_use_pytest(tmp_path: Path, files: dict[str, str]) -> None:
    assert detect_command(_write(tmp_path, files)) == PYTEST


@pytest.mark.parametrize("files", [
    {"tests/fixture.json": "{}"},
    {"setup.cfg": "[flake8]\nmax-line-length = 100\n"},
    {"tox.ini": "[tox]\nenvlist = py311\n"},
    {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"},
    {"pyproject.toml": "this is [not toml"},
    {"app.py": "", "testing.py": "", "contest.py": ""},
    {".venv/lib/site-packages/x/test_x.py": "", "node_modules/y/test_y.py": ""},
], ids=["tests-dir-without-python", "setup.cfg-other", "tox-without-pytest",
        "pyproject-without-pytest", "broken-pyproject", "no-test-module",
        "tests-of-installed-packages"])
def test_python_files_without_pytest_are_not_enough(
    tmp_path: Path, files: dict[str, str]
) -> None:
    assert detect_command(_write(tmp_path, files)) == ""


def test_a_real_npm_test_script_is_used(tmp_path: Path) -> None:
    assert detect_command(_write(tmp_path, {"package.json": _package("vitest run")})) == NPM_TEST


@pytest.mark.parametrize("package", [
    _package('echo "Error: no test specified" && exit 1'),
    _package(None),
    _package("  "),
    json.dumps({"scripts": {"test": 3}}),
    json.dumps(["not", "an", "object"]),
    "{ broken json",
], ids=["npm-init-stub", "no-test-script", "blank", "not-a-string", "array", "broken"])
def test_npm_without_a_real_test_script_is_ignored(tmp_path: Path, package: str) -> None:
    assert detect_command(_write(tmp_path, {"package.json": package})) == ""


@pytest.mark.parametrize("makefile", [
    "test:\n\tpytest\n",
    "all: build\n\nbuild:\n\tcc x.c\n\ntest: build\n\t./x --self-test\n",
    ".PHONY: lint test\nlint test: deps\n\techo\n",
    "test:: one\n\techo\n",
    "test : \n\techo\n",
], ids=["simple", "among-others", "several-targets", "double-colon", "space-before-colon"])
def test_a_make_test_target_is_used(tmp_path: Path, makefile: str) -> None:
    assert detect_command(_write(tmp_path, {"Makefile": makefile})) == MAKE_TEST


@pytest.mark.parametrize("makefile", [
    "build:\n\tcc x.c\n",
    "test := unit\nbuild:\n\techo $(test)\n",
    "test = unit\n",
    "test ::= unit\n",
    ".PHONY: test\nbuild:\n\techo\n",
    "tests:\n\techo\n",
    "# test: commented out\nbuild:\n\techo\n",
    "build:\n\ttest: not a rule, a recipe line\n",
], ids=["no-test", "simple-variable", "recursive-variable", "posix-variable", "phony-only",
        "tests-not-test", "comment", "recipe-line"])
def test_makefiles_without_a_test_target_are_ignored(tmp_path: Path, makefile: str) -> None:
    assert detect_command(_write(tmp_path, {"Makefile": makefile})) == ""


def test_lowercase_and_gnu_makefiles_count(tmp_path: Path) -> None:
    assert detect_command(_write(tmp_path / "a", {"makefile": "test:\n\ttrue\n"})) == MAKE_TEST
    assert detect_command(_write(tmp_path / "b", {"GNUmakefile": "test:\n\ttrue\n"})) == (
        MAKE_TEST)


def test_order_is_make_then_npm_then_pytest(tmp_path: Path) -> None:
    everything = {"Makefile": "test:\n\ttrue\n", "package.json": _package("jest"),
                  "tests/test_a.py": ""}
    assert detect_command(_write(tmp_path / "all", everything)) == MAKE_TEST
    del everything["Makefile"]
    assert detect_command(_write(tmp_path / "npm", everything)) == NPM_TEST
    del everything["package.json"]
    assert detect_command(_write(tmp_path / "py", everything)) == PYTEST


@pytest.mark.parametrize("files", [
    {"src/pkg/__init__.py": "", "tests/test_pkg.py": ""},
    {"src/pkg/core.py": "", "tests/test_pkg.py": ""},  # a namespace package
    {"src/single.py": "", "tests/test_single.py": ""},
], ids=["package", "namespace-package", "module"])
def test_a_src_layout_tests_the_worktrees_src(tmp_path: Path, files: dict[str, str]) -> None:
    files = {"pyproject.toml": "[project]\nname = 'pkg'\n", **files}
    assert detect_command(_write(tmp_path, files)) == PYTEST_SRC == (
        "PYTHONPATH=src python -m pytest -q")


def test_a_src_folder_is_not_a_src_layout_on_its_own(tmp_path: Path) -> None:
    no_pyproject = {"src/pkg/__init__.py": "", "tests/test_pkg.py": ""}
    assert detect_command(_write(tmp_path / "a", no_pyproject)) == PYTEST
    no_python = {"pyproject.toml": "", "src/index.js": "", "tests/test_x.py": ""}
    assert detect_command(_write(tmp_path / "b", no_python)) == PYTEST


def _config(command: str = "", timeout: float = 60, tail: int = 40) -> Config:
    return Config(
        checks=ChecksConfig(command=command, timeout_seconds=timeout, output_tail_lines=tail),
        sandbox=SandboxConfig(bubblewrap="auto"),
    )


async def test_no_command_means_no_checks(tmp_path: Path) -> None:
    assert await run_checks(tmp_path, _config()) is None


async def test_configured_command_wins_over_detection(tmp_path: Path) -> None:
    _write(tmp_path, {"Makefile": "test:\n\tfalse\n"})
    result = await run_checks(tmp_path, _config("echo configured"))
    assert result is not None
    assert (result.command, result.output, result.ok) == ("echo configured", "configured\n", True)


async def test_a_hanging_test_command_times_out(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_checks(tmp_path, _config("echo started; sleep 60", timeout=0.5))
    assert result is not None
    assert time.monotonic() - started < 5
    assert result.timed_out and not result.ok
    assert result.output == "started\n"


async def test_failing_checks_keep_the_tail_of_their_output(tmp_path: Path) -> None:
    result = await run_checks(tmp_path, _config("seq 1 100; exit 2", tail=5))
    assert result is not None
    assert result.exit_code == 2
    assert result.output.splitlines() == ["[… 95 earlier lines cut]", "96", "97", "98", "99",
                                          "100"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
async def test_a_detected_make_target_really_runs(tmp_path: Path) -> None:
    _write(tmp_path, {"Makefile": "test:\n\t@echo make-ran\n"})
    result = await run_checks(tmp_path, _config())
    assert result is not None
    assert (result.command, result.output, result.ok) == (MAKE_TEST, "make-ran\n", True)


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
async def test_a_detected_npm_script_really_runs(tmp_path: Path) -> None:
    _write(tmp_path, {"package.json": _package("echo npm-ran && exit 4")})
    result = await run_checks(tmp_path, _config())
    assert result is not None
    assert result.command == NPM_TEST
    assert "npm-ran" in result.output
    assert result.exit_code != 0
