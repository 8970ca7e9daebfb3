"""A non-editable install (pip install ., pre-commit's hook environment) contains only the packages
pyproject lists: every folder of linter/ and rules/ with an __init__.py must be among them."""
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set()
    for package, folder in setuptools["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            parts = init.parent.relative_to(base).parts
            name = ".".join((package,) + parts)
            # A folder mapped on its own (rules/ -> skewlint.rules) is counted under its own entry.
            if not any(name.startswith(other + ".") or name == other for other in setuptools["package-dir"]
                       if other != package and other.startswith(package + ".")):
                found.add(name)
    assert found <= set(setuptools["packages"]), sorted(found - set(setuptools["packages"]))
