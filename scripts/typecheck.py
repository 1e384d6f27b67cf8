"""mypy on the package `parley` as it is installed, with its settings from pyproject.toml.

setup.py's package_dir installs handlers/ as parley.handlers and generated/ as parley.generated;
mypy cannot follow that mapping through an editable install, so this hands it every module under
its installed name. Extra arguments go to mypy (e.g. `--no-incremental`). Exit status as mypy's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options
from mypy.modulefinder import BuildSource

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"parley": "parley", "parley.handlers": "handlers", "parley.generated": "generated"}


def sources() -> list[BuildSource]:
    found = []
    for package, folder in PACKAGES.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append(BuildSource(str(path.relative_to(ROOT)), ".".join([package, *parts])))
    return found


def main() -> int:
    _, options = process_options(["--config-file", str(ROOT / "pyproject.toml"), *sys.argv[1:], "parley"])
    modules = sources()
    try:
        result = build.build(modules, options)
        messages = result.errors
    except CompileError as exc:
        messages = exc.messages
    for line in messages:
        print(line)
    errors = [m for m in messages if ": error:" in m]
    if errors:
        files = {m.split(":", 1)[0] for m in errors}
        print(f"Found {len(errors)} error(s) in {len(files)} file(s)")
        return 1
    print(f"Success: no issues in {len(modules)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
