"""The project index: classes and functions of other project files, resolved as Python imports them,
whether those files are linted in the same run or not (pre-commit passes only the changed file)."""
import shutil
import textwrap

import pytest

from helpers import FIXTURES, expected_marks
from skewlint.run.engine import lint_file
from skewlint.run.index import Index
from skewlint.registry import registry
from test_cli import run, write

# Fixture projects: linted whole, and one file at a time as pre-commit passes a changed file.
PROJECTS = {name: FIXTURES / "model_mode" / name for name in ("project_segmentation", "project_trainer")}
PROJECTS["project_metrics"] = FIXTURES / "autograd" / "project_metrics"
PROJECT = PROJECTS["project_segmentation"]
FILES = [(name, p.relative_to(root).as_posix()) for name, root in PROJECTS.items() for p in sorted(root.rglob("*.py"))]


def copy(tmp_path, root):
    shutil.copytree(root, tmp_path / "app")
    (tmp_path / "app" / "pyproject.toml").write_text("")  # the project root
    return tmp_path / "app"


@pytest.fixture
def project(tmp_path):
    return copy(tmp_path, PROJECT)


def findings(stdout):
    """{(path, row, code)} from concise output."""
    found = set()
    for line in stdout.splitlines():
        parts = line.split(":")
        if len(parts) > 3 and parts[3].strip().startswith("SKW"):
            found.add((parts[0], int(parts[1]), parts[3].split()[0]))
    return found


def marks(project_name="project_segmentation"):
    root = PROJECTS[project_name]
    return {(name, row, code) for owner, name in FILES if owner == project_name
            for row, code in expected_marks((root / name).read_text(encoding="utf-8"))}


@pytest.mark.slow
@pytest.mark.parametrize("project_name,name", FILES)
def test_each_file_alone_as_pre_commit_passes_it(tmp_path, project_name, name):
    result = run("check", "--no-cache", name, cwd=copy(tmp_path, PROJECTS[project_name]))
    assert findings(result.stdout) == {m for m in marks(project_name) if m[0] == name}, result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("project_name", PROJECTS)
def test_whole_project_any_job_count(tmp_path, project_name):
    project = copy(tmp_path, PROJECTS[project_name])
    one = run("check", "--no-cache", "-j", "1", ".", cwd=project).stdout
    two = run("check", "--no-cache", "-j", "2", ".", cwd=project).stdout
    assert one == two
    assert findings(one) == marks(project_name)


@pytest.mark.slow
def test_cached_result_follows_the_files_it_used(project):
    assert ("train.py", 12, "SKW102") in findings(run("check", "train.py", cwd=project).stdout)
    assert ("train.py", 12, "SKW102") in findings(run("check", "train.py", cwd=project).stdout)  # warm
    engine = project / "engine.py"
    engine.write_text(engine.read_text().replace(
        "    return dice_score(net, loader)\n", "    score = dice_score(net, loader)\n    net.train()\n    return score\n"))
    assert ("train.py", 12, "SKW102") not in findings(run("check", "train.py", cwd=project).stdout)
    (project / "unet" / "model.py").unlink()  # the class is gone: the model is unknown again
    out = run("check", "predict.py", cwd=project).stdout
    assert ("predict.py", 9, "SKW101") not in findings(out) and ("predict.py", 14, "SKW101") not in findings(out)


@pytest.mark.slow
def test_inspect_says_where_cross_file_facts_come_from(project):
    out = run("inspect", "predict.py", cwd=project).stdout
    assert "`unet.UNet`: class `UNet` at `unet/model.py:5`, a model with mode-dependent layers" in out
    assert "`engine.build_model`: function `build_model` at `engine.py:27`: returns a `unet.UNet`" in out
    out = run("inspect", "predict_ok.py", cwd=project).stdout
    assert "`probe.LinearProbe`: class `LinearProbe` at `probe.py:4`, a model without mode-dependent layers" in out


def lint(root, name):
    return {(d.location.row, d.code) for d in lint_file(str(root / name), registry().defaults()).diagnostics}


INFERENCE = """\
    import torch
    {imports}

    net = {call}
    net.load_state_dict(torch.load("w.pt"))
    with torch.no_grad():
        out = net(x)
"""
NETWORK = "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
          "        self.bn = nn.BatchNorm1d(4)\n"


@pytest.mark.parametrize("layout, imports, call", [
    ({"models.py": NETWORK}, "from models import Net", "Net()"),
    ({"models.py": NETWORK}, "import models", "models.Net()"),
    ({"models.py": NETWORK}, "from models import *", "Net()"),
    ({"pkg/__init__.py": "", "pkg/nets.py": NETWORK}, "from pkg.nets import Net", "Net()"),
    ({"pkg/__init__.py": "from .nets import Net as Network\n", "pkg/nets.py": NETWORK}, "from pkg import Network",
     "Network()"),
    ({"src/lib/__init__.py": "", "src/lib/nets.py": NETWORK}, "from lib.nets import Net", "Net()"),
    ({"base.py": NETWORK, "models.py": "from base import Net as Base\nclass Net(Base):\n    pass\n"},
     "from models import Net", "Net()"),
])
def test_resolution(tmp_path, layout, imports, call):
    write(tmp_path, "pyproject.toml", "")
    for name, text in layout.items():
        write(tmp_path, name, text)
    write(tmp_path, "tools/predict.py" if "src/" in str(layout) else "predict.py",
          textwrap.dedent(INFERENCE).format(imports=imports, call=call))
    name = "tools/predict.py" if "src/" in str(layout) else "predict.py"
    assert lint(tmp_path, name) == {(7, "SKW101")}


def test_literal_sys_path_entries_are_followed(tmp_path):
    # `sys.path.insert(1, "./models")` before the import, as scripts run from the root do.
    write(tmp_path, "pyproject.toml", "")
    write(tmp_path, "models/nets.py", NETWORK)
    source = textwrap.dedent(INFERENCE).format(imports="from nets import Net", call="Net()")
    write(tmp_path, "scripts/predict.py", 'import sys\nsys.path.insert(1, "./models")\n' + source)
    assert lint(tmp_path, "scripts/predict.py") == {(9, "SKW101")}
    write(tmp_path, "scripts/predict.py", source)  # without the entry the module is not found
    assert lint(tmp_path, "scripts/predict.py") == set()


def test_relative_import_inside_a_package(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/nets.py", NETWORK)
    write(tmp_path, "pkg/predict.py", textwrap.dedent(INFERENCE).format(imports="from .nets import Net", call="Net()"))
    assert lint(tmp_path, "pkg/predict.py") == {(7, "SKW101")}


@pytest.mark.parametrize("imports, call", [
    ("from torchseg import Net", "Net()"),  # a pip package: unknown, nothing guessed from the name
    ("from models import Missing", "Missing()"),
    ("from models import Plain", "Plain()"),  # a project class that is no model
    ("from cycle_a import Net", "Net()"),  # an import cycle: summaries end, nothing crashes
])
def test_unresolved_or_not_a_model_stays_silent(tmp_path, imports, call):
    write(tmp_path, "models.py", NETWORK + "class Plain:\n    pass\n")
    write(tmp_path, "cycle_a.py", "from cycle_b import *\n")
    write(tmp_path, "cycle_b.py", "from cycle_a import *\n")
    write(tmp_path, "predict.py", textwrap.dedent(INFERENCE).format(imports=imports, call=call))
    assert lint(tmp_path, "predict.py") == set()


def test_a_summary_follows_the_content_of_its_file(tmp_path):
    index = Index()
    path = write(tmp_path, "models.py", NETWORK)
    digest, summary = index.summary(str(path))
    assert summary["classes"]["Net"]["model"] and not summary["classes"]["Net"]["mode_free"]
    path.write_text(NETWORK.replace("nn.BatchNorm1d(4)", "nn.Linear(4, 4)"))
    new_digest, summary = index.summary(str(path))
    assert new_digest != digest and summary["classes"]["Net"]["mode_free"]
    path.write_text("class (")
    assert index.summary(str(path))[1] is None


@pytest.mark.slow
def test_import_cycles_give_the_same_result_in_any_order(tmp_path):
    write(tmp_path, "pyproject.toml", "")
    write(tmp_path, "a.py", "import torch\nfrom b import Head, infer\n\nclass Body(torch.nn.Module):\n"
          "    def __init__(self):\n        super().__init__()\n        self.bn = torch.nn.BatchNorm1d(4)\n\n"
          "net = Head()\nnet.load_state_dict(torch.load('w.pt'))\ninfer(net)\n")
    write(tmp_path, "b.py", "import torch\nfrom a import Body\n\nclass Head(Body):\n    pass\n\n"
          "@torch.no_grad()\ndef infer(model):\n    return model(torch.zeros(1, 4))\n\n"
          "body = Body()\nbody.load_state_dict(torch.load('b.pt'))\nwith torch.no_grad():\n    body(torch.zeros(1, 4))\n")
    def diagnostics(*args):
        return tuple(line for line in run("check", "--no-cache", *args, cwd=tmp_path).stdout.splitlines()
                     if ": SKW" in line)

    outputs = {diagnostics("-j", jobs, *names) for jobs in ("1", "2") for names in (("a.py", "b.py"), ("b.py", "a.py"))}
    outputs.add(diagnostics("a.py") + diagnostics("b.py"))  # one file at a time, as pre-commit passes them
    assert len(outputs) == 1, outputs
    found = findings("\n".join(outputs.pop()))
    assert ("a.py", 11, "SKW101") in found and ("b.py", 14, "SKW101") in found, found


@pytest.mark.parametrize("layer, reported", [("torch.nn.Linear(4, 4)", False), ("torch.nn.BatchNorm1d(4)", True)])
def test_layers_from_other_files_decide_whether_the_mode_matters(tmp_path, layer, reported):
    write(tmp_path, "pyproject.toml", "")
    write(tmp_path, "blocks.py", f"import torch\nclass Block(torch.nn.Module):\n    def __init__(self):\n"
                                 f"        super().__init__()\n        self.layer = {layer}\n")
    write(tmp_path, "models.py", "import torch\nfrom blocks import Block\nclass Net(torch.nn.Module):\n"
                                 "    def __init__(self):\n        super().__init__()\n        self.block = Block()\n")
    write(tmp_path, "predict.py", textwrap.dedent(INFERENCE).format(imports="from models import Net", call="Net()"))
    assert lint(tmp_path, "predict.py") == ({(7, "SKW101")} if reported else set())
