"""The layering ARCHITECTURE.md promises, checked on the imports of every module (static: no import
runs). A layer that reaches above itself, or any module that imports a framework, fails here."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"linter": "skewlint", "rules": "skewlint.rules"}
FRAMEWORKS = ("torch", "torchvision", "tensorflow", "keras", "jax", "flax", "timm", "lightning",
              "pytorch_lightning", "transformers", "sklearn", "albumentations", "numpy")

# Folder -> the skewlint modules (prefixes) it may import, besides itself.
ALLOWED = {
    "skewlint.adapters": (),
    "skewlint.semantic": ("skewlint.adapters", "skewlint.lazy"),
    "skewlint.rules": ("skewlint.semantic", "skewlint.adapters", "skewlint.registry", "skewlint.diagnostics",
                       "skewlint.fix.edits", "skewlint.lazy"),
    # Configuration validates `output-format` against the formats report knows.
    "skewlint.config": ("skewlint.registry", "skewlint.report.output.FORMATS"),
    "skewlint.report": ("skewlint.config", "skewlint.diagnostics", "skewlint.registry", "skewlint.run.source",
                        "skewlint.run.notebook", "skewlint.atomic_write", "skewlint.__version__"),
}


def _modules():
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            yield ".".join((package, *parts)).removesuffix(".__init__"), path


def _imports(name: str, path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] == "skewlint":  # a module or a name in one: `from skewlint.fix import edits`
                yield from (f"{base}.{alias.name}" for alias in node.names)
            else:
                yield base


MODULES = list(_modules())


@pytest.mark.parametrize("name,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_module_imports_a_framework(name, path):
    found = [i for i in _imports(name, path) if i.split(".")[0] in FRAMEWORKS]
    assert not found, f"{name} imports {found}: the engine reads code, it never imports a framework"


def _layer(name: str):
    return next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), None)


def _outside(name: str, imports) -> list:
    """The skewlint imports of module `name` that its layer may not make."""
    allowed = (_layer(name), *ALLOWED[_layer(name)])
    return [i for i in imports if i.startswith("skewlint.") and not any(i == a or i.startswith(a + ".") for a in allowed)]


BOUNDED = [(name, path) for name, path in MODULES if _layer(name)]


@pytest.mark.parametrize("name,path", BOUNDED, ids=[m for m, _ in BOUNDED])
def test_each_layer_imports_only_what_it_may(name, path):
    outside = _outside(name, _imports(name, path))
    assert not outside, f"{name} imports {outside}; ARCHITECTURE.md allows {ALLOWED[_layer(name)]}"


def test_the_checks_catch_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from skewlint.run.engine import lint_text\nfrom skewlint.semantic import names\nimport torch\n")
    imports = list(_imports("skewlint.semantic.bad", bad))
    assert imports == ["skewlint.run.engine.lint_text", "skewlint.semantic.names", "torch"]
    assert _outside("skewlint.semantic.bad", imports) == ["skewlint.run.engine.lint_text"]
