"""`skewlint inspect` shows the semantic model's conclusions; the state pass is tested on its own."""
import subprocess

import libcst as cst

from helpers import FIXTURES
from test_cli import SCRIPT
from skewlint.semantic.model import build


def analyse(source):
    import textwrap

    model = build(cst.parse_module(textwrap.dedent(source)), "example.py")
    return model, model.analysis


def observations(source):
    model, analysis = analyse(source)
    return {(model.module.code_for_node(o.node), o.key): (o.context.kind, sorted(o.modes()))
            for o in analysis.observations.values()}


def test_inspect_command():
    result = subprocess.run([SCRIPT, "inspect", str(FIXTURES / "model_mode" / "skw102_epoch_loops.py")],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "validate(): eval: `validate` is an evaluation function" in result.stdout
    assert "`train_one_epoch(model, train_loader, optimizer)` [call of an evaluating/training function]" in result.stdout
    missing = subprocess.run([SCRIPT, "inspect", "does-not-exist.py"], capture_output=True, text=True)
    assert missing.returncode == 2


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
    assert analysis.resolved_grad(by_code["model(x)"]) == {"off"}  # only called under no_grad
    assert analysis.resolved_grad(by_code["net(x)"]) == {"off"}  # set_grad_enabled(False) statement
    contexts = {info.name: c.kind for info, c in analysis.function_contexts.items() if info is not None}
    assert contexts == {"evaluate": "eval", "caller": "unknown"}
