"""Package discovery for setuptools (everything else is in pyproject.toml).

One installed namespace: the design-card folders handlers/ and generated/ live at the repo root but
install as parley.handlers and parley.generated. pyproject's `packages.find` cannot rename a folder,
so the packages under each root are discovered here, and new subpackages need no listing.
"""

from setuptools import find_packages, setup

ROOTS = {"parley": "parley", "parley.handlers": "handlers", "parley.generated": "generated"}

setup(
    package_dir=ROOTS,
    packages=[
        f"{name}{'.' + sub if sub else ''}"
        for name, folder in ROOTS.items()
        for sub in ["", *find_packages(folder)]
    ],
)
