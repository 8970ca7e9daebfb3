"""Every rule's documentation is a test: its `example` reports the rule, its `use_instead` reports
nothing.

The examples leave out their imports, as ruff's do; the test adds the conventional import of each
name an example uses without binding it (IMPORTS). The framework prefilter is not applied either: a
real file would import its framework, which the documented code leaves out. An example of several
files starts each with a `# name.py` line and is linted as a project, as `skewlint check` lints a
directory (SKW402 is only reported across files)."""
import ast
import re

import pytest

from skewlint.run import project
from skewlint.run.engine import lint_text
from skewlint.registry import registry

RULES = list(registry())

IMPORTS = {
    "torch": "import torch",
    "nn": "import torch.nn as nn",
    "F": "import torch.nn.functional as F",
    "T": "import torchvision.transforms as T",
    "datasets": "from torchvision import datasets",
    "CIFAR10": "from torchvision.datasets import CIFAR10",
    "resnet50": "from torchvision.models import resnet50",
    "DataLoader": "from torch.utils.data import DataLoader",
    "random_split": "from torch.utils.data import random_split",
    "Subset": "from torch.utils.data import Subset",
    "create_transform": "from timm.data import create_transform",
    "StandardScaler": "from sklearn.preprocessing import StandardScaler",
    "train_test_split": "from sklearn.model_selection import train_test_split",
}
_HEADER = re.compile(r"# (\w+\.py)")


def imports_for(code: str) -> str:
    """The import lines for the names `code` reads but never binds (none if it does not parse:
    SKW999's example is meant not to)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return "".join(IMPORTS[name] + "\n" for name in sorted(read - bound) if name in IMPORTS)


def files_of(doc: str) -> dict:
    """File name -> code: the `# name.py` sections of a multi-file example, else one file."""
    files: dict = {}
    name = "example.py"
    for line in doc.strip("\n").splitlines():
        header = _HEADER.fullmatch(line)
        if header:
            name = header.group(1)
        else:
            files[name] = files.get(name, "") + line + "\n"
    return files


def lint_doc(doc: str, tmp_path):
    """The diagnostics of the documented code, each as (file, row in the documented code, code)."""
    results, added = [], {}
    for name, code in files_of(doc).items():
        prelude = imports_for(code)
        added[name] = prelude.count("\n")
        path = tmp_path / name
        path.write_text(prelude + code, encoding="utf-8")
        results.append(lint_text(prelude + code, name, registry().resolve("ALL"), str(path)))
    project.check(results, lambda path: None)
    return [(d.filename, d.location.row - added[d.filename], d.code) for r in results for d in r.diagnostics]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_example_reports_its_rule(rule, tmp_path):
    found = [(name, row) for name, row, code in lint_doc(rule.example, tmp_path) if code == rule.code]
    assert found, f"{rule.code}'s example does not report {rule.code}"
    # On the documented code, not on the imports the test added.
    assert all(row >= 1 for _, row in found), found


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_use_instead_reports_nothing(rule, tmp_path):
    # Nothing at all, not only nothing of this rule: the documented fix must not teach another bug.
    assert lint_doc(rule.use_instead, tmp_path) == []


def test_multi_file_examples_are_split():
    assert files_of("# a.py\nx = 1\n# b.py\ny = 2\n") == {"a.py": "x = 1\n", "b.py": "y = 2\n"}
    assert files_of("x = 1\n# a comment\n") == {"example.py": "x = 1\n# a comment\n"}


def test_imports_only_for_names_read_and_unbound():
    assert imports_for("x = torch.zeros(1)\nT = 3\nprint(T, F)") == \
        "import torch.nn.functional as F\nimport torch\n"
    assert imports_for("def f(nn):\n    return nn") == ""
