"""`parley contract` works from a plain install of the wheel, with no repo clone: the wheel is built,
installed into a fresh venv (its runtime dependencies come from this venv through a .pth file, so
nothing is downloaded), and that venv's `parley` both serves (in front of scripts/fake_upstream.py)
and grades itself with `parley contract`, from a directory outside the repo."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from parley.contract.checks import CHECKS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "parley", "handlers", "generated"]


def _scripts_contract():
    loader = importlib.machinery.SourceFileLoader("scripts_contract", str(ROOT / "scripts" / "contract"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def _run(command: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `bin/` of a fresh venv holding only the built wheel (plus this venv's site-packages on a .pth)."""
    tmp = tmp_path_factory.mktemp("installed")
    source = tmp / "source"  # a copy, so that the build leaves no build/ or egg-info in the checkout
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp / "dist"),
            str(source),
        ],
        tmp,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp / "dist").glob("parley-*.whl")
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp)  # ensurepip is slow
    assert made.returncode == 0, made.stderr
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q"]
        + ["--no-deps", "--no-index", str(wheel)],
        tmp,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    site = _run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site.stdout.strip(), "runtime_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import parley.contract.spec as s; print(s.__file__)"], tmp
    )
    assert where.stdout.startswith(str(venv)), (
        where.stdout,
        where.stderr,
    )  # the wheel's copy, not the repo's
    return venv / "bin"


def test_parley_contract_from_the_installed_wheel(installed, tmp_path):
    scripts_contract = _scripts_contract()
    with scripts_contract.local_parley([str(installed / "parley")]) as url:
        graded = _run(
            [
                str(installed / "parley"),
                "contract",
                "--base-url",
                url,
                "--api-key",
                scripts_contract.LOCAL_KEY,
                "--model",
                "gemini-fake",
                "--auth",
                "bearer",
            ],
            tmp_path,
        )
        wrong_key = _run(
            [
                str(installed / "parley"),
                "contract",
                "--base-url",
                url,
                "--api-key",
                "sk-wrong",
                "--model",
                "gemini-fake",
            ],
            tmp_path,
        )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert graded.stdout.startswith(f"### Contract results: {url}\n")  # the table first
    assert f"Totals: {len(CHECKS)} pass" in graded.stdout
    assert "| `interaction.completed` |" in graded.stdout and "Traceback" not in graded.stdout + graded.stderr

    assert wrong_key.returncode == 1
    assert (
        wrong_key.stdout.startswith("### Contract results")
        and "Traceback" not in wrong_key.stdout + wrong_key.stderr
    )
    fails = [line for line in wrong_key.stdout.splitlines() if "| FAIL |" in line]
    assert len(fails) == len(CHECKS) - 1, wrong_key.stdout
    assert all("expected HTTP" in line and "got HTTP 401" in line for line in fails), fails
    assert "| wrong API key: 401/403 | pass |" in wrong_key.stdout
