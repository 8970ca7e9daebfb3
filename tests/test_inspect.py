"""`skewlint inspect` shows the semantic model's conclusions; the state pass is tested on its own."""
import subprocess

import libcst as cst
import pytest

from helpers import FIXTURES
from test_cli import SCRIPT
from skewlint.semantic.kinds import Grad
from skewlint.semantic.model import build


def analyse(source):
    import textwrap

    model = build(cst.parse_module(textwrap.dedent(source)), "example.py")
    return model, model.analysis


def observations(source):
    model, analysis = analyse(source)
    return {(model.module.code_for_node(o.node), o.key): (o.context.kind.value, sorted(o.modes()))
            for o in analysis.observations.values()}


@pytest.mark.slow
def test_inspect_command():
    result = subprocess.run([SCRIPT, "inspect", str(FIXTURES / "model_mode" / "skw102_epoch_loops.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "validate(): eval: `validate` is an evaluation function" in result.stdout
    assert "`train_one_epoch(model, train_loader, optimizer)` [call of an evaluating/training function]" in result.stdout
    missing = subprocess.run([SCRIPT, "inspect", "does-not-exist.py"], capture_output=True, text=True)
    assert missing.returncode == 2


@pytest.mark.slow
def test_inspect_candidates_shows_what_was_held_back_and_why():
    gan = FIXTURES / "model_mode" / "skw102_alternating_steps.py"
    result = subprocess.run([SCRIPT, "inspect", "--candidates", str(gan)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "line 49 SKW102 reported: `gen` may still be in eval mode" in result.stdout
    assert "line 25 SKW102 silent at `gen(torch.randn(8, 10))`: the step trains another model" in result.stdout
    # Several files: a tally of the exemptions over all of them.
    pipelines = FIXTURES / "pipelines"
    both = subprocess.run([SCRIPT, "inspect", "--candidates", str(gan), str(pipelines / "skw304_tpu.py"),
                           str(pipelines / "visualisation_is_not_evaluation.py")], capture_output=True, text=True)
    tally = both.stdout.split("exemptions (findings held back, over all files):\n")[1]
    assert "SKW304  the file runs on TPU/XLA" in tally
    assert "SKW105  the result is only displayed (visualisation)" in tally
    assert "    4  SKW102  the step trains another model" in tally


def test_phase_loop_followed_per_value():
    found = analyse("""
        import torch, torchvision
        model = torchvision.models.resnet18()
        opt = torch.optim.SGD(model.parameters())
        for epoch in range(3):
            for phase in ["train", "val"]:
                if phase == "train":
                    model.train()
                else:
                    model.eval()
                for x, y in loaders[phase]:
                    with torch.set_grad_enabled(phase == "train"):
                        out = model(x)
                    if phase == "train":
                        out.sum().backward()
                        opt.step()
    """)[1].observations.values()
    seen = sorted((o.context.kind.value, sorted(o.modes()), sorted(g.value for g in o.grad)) for o in found)
    assert seen == [("eval", ["eval"], ["off"]), ("train", ["train"], ["on"])]


def test_loop_fixpoint_carries_eval_to_the_next_iteration():
    found = observations("""
        import torch, torchvision
        model = torchvision.models.resnet18()
        for epoch in range(3):
            for x in train_loader:
                model(x).sum().backward()
            model.eval()
    """)
    assert found[("model(x)", "model")] == ("train", ["eval", "train"])


def test_branches_join_and_unknown_calls():
    found = observations("""
        import torch, torchvision
        from lib import helper
        model = torchvision.models.resnet18()
        if flag:
            model.eval()
        with torch.no_grad():
            model(a)
        helper(model)
        with torch.no_grad():
            model(b)
    """)
    assert found[("model(a)", "model")] == ("eval", ["eval", "train"])
    assert found[("model(b)", "model")] == ("eval", ["unknown"])


def test_summaries_apply_to_parameters_and_self():
    found = observations("""
        import torch, torchvision
        def switch(m):
            m.eval()
        class Runner:
            def __init__(self):
                self.model = torchvision.models.resnet18()
            def prepare(self):
                self.model.eval()
            def run(self, x):
                self.model.train()
                self.prepare()
                with torch.no_grad():
                    return self.model(x)
        model = torchvision.models.resnet18()
        switch(model)
        with torch.no_grad():
            model(x)
    """)
    assert found[("model(x)", "model")] == ("eval", ["eval"])
    assert found[("self.model(x)", "self.model")] == ("eval", ["eval"])


def test_grad_state_and_contexts():
    model, analysis = analyse("""
        import torch
        def evaluate(model, loader):
            for x in loader:
                model(x)
        def caller(model, loader):
            with torch.no_grad():
                evaluate(model, loader)
        torch.set_grad_enabled(False)
        net = torch.hub.load("a", "b")
        net(x)
    """)
    by_code = {model.module.code_for_node(o.node): o for o in analysis.observations.values()}
    assert analysis.resolved_grad(by_code["model(x)"]) == {Grad.OFF}  # only called under no_grad
    assert analysis.resolved_grad(by_code["net(x)"]) == {Grad.OFF}  # set_grad_enabled(False) statement
    contexts = {info.name: c.kind.value for info, c in analysis.function_contexts.items() if info is not None}
    assert contexts == {"evaluate": "eval", "caller": "unknown"}


INSPECTED = '''\
import torchvision
import torchvision.transforms as T
from torch.utils.data import DataLoader
from sklearn.preprocessing import StandardScaler

normalize = T.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
train_tf = T.Compose([T.RandomResizedCrop(224), T.ToTensor(), normalize])
val_tf = T.Compose([T.Resize(256), T.ToTensor(), T.Normalize((0.5,), (0.5,))])
train_set = torchvision.datasets.CIFAR10("d", train=True, transform=train_tf)
test_set = torchvision.datasets.CIFAR10("d", train=False, transform=val_tf)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, drop_last=True)
test_loader = DataLoader(test_set, batch_size=64)
X_train = StandardScaler().fit_transform(X_train_raw)
scaler = StandardScaler().fit(X_test)
'''


def test_inspect_explains_pipelines_normalizations_loaders_and_fits(tmp_path):
    from skewlint.inspect import describe

    path = tmp_path / "data.py"
    path.write_text(INSPECTED)
    text = describe(str(path))
    assert "    line 7 `train_tf` for training data (`train_tf` is training data); random: its output varies" in text
    assert "      `T.RandomResizedCrop(224)`: random augmentation (`RandomResizedCrop`)\n" in text
    assert "      `T.ToTensor()`: deterministic\n" in text
    # A step written as a name is the normalization it is bound to, with its constants.
    assert "      `normalize`: normalization, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)\n" in text
    assert "    line 8 `val_tf` for evaluation data (`val_tf` is evaluation data); deterministic\n" in text
    assert ("    line 8 `T.Normalize((0.5,), (0.5,))`: mean=(0.5), std=(0.5); written in the code, after a 0-1 "
            "conversion (`ToTensor`); evaluation (`val_tf`)\n") in text
    assert ("    line 11 `DataLoader(train_set, batch_size=64, ...)`: shuffle=True, drop_last=True; training data "
            "(`train_loader` is training data)\n") in text
    assert "shuffle=False (default), drop_last=False (default); evaluation data (`test_loader` is evaluation data)" in text
    assert "    line 13 `StandardScaler().fit_transform()` learns from `X_train_raw`, training data" in text
    assert "    line 14 `StandardScaler().fit()` learns from `X_test`, evaluation data (`X_test` is evaluation data)" in text
    assert "    ENTRY: the function does not set the mode before this point, so the model is in whatever mode" in text


def test_inspect_says_none_where_the_file_has_nothing(tmp_path):
    from skewlint.inspect import describe

    path = tmp_path / "plain.py"
    path.write_text("import torch\nx = torch.ones(1)\n")
    text = describe(str(path))
    for section in ("pipelines", "normalizations", "loaders", "fitted preprocessors"):
        assert f"  {section} (" in text and text.split(f"  {section} (")[1].split("\n")[1] == "    none"
