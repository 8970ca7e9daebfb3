"""Family 1: model mode (SKW1xx)."""
from __future__ import annotations

import libcst as cst

from skewlint.adapters import has_role
from skewlint.diagnostics import Finding
from skewlint.registry import Rule
from skewlint.semantic.names import argument, dotted, has_star_args, is_bool, mentions, tokens

FAMILY = "model mode"
# Methods that may legitimately set `self.training` themselves (overrides of `train`/`eval`).
_MODE_METHODS = frozenset({"train", "eval", "__setstate__"})


class ModeMethodNotCalled(Rule):
    code = "SKW103"
    name = "mode-method-not-called"
    family = FAMILY
    summary = "`model.eval` / `model.train` written without the call"
    what_it_does = "Reports `model.eval` or `model.train` as a bare expression statement: the method is looked up, never called."
    why_bad = (
        "The statement has no effect: the model stays in the mode it was in. Without the call, "
        "dropout stays active and BatchNorm keeps updating its statistics during evaluation (or, "
        "for `train`, the model trains in eval mode), and the metrics are silently wrong."
    )
    example = "model.eval\nwith torch.no_grad():\n    preds = model(images)"
    use_instead = "model.eval()\nwith torch.no_grad():\n    preds = model(images)"
    references = ("https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",)

    def check(self, model):
        for site in model.expression_statements:
            value = site.node.value
            if not (isinstance(value, cst.Attribute) and value.attr.value in ("eval", "train")):
                continue
            receiver = value.value
            # `eval` is never anything but a mode method in ML code; `train` needs model evidence
            # (`dataset.train` as a bare expression is pointless but not this bug).
            if value.attr.value == "train" and not (
                _is_model(model, site, receiver) or _named_like_model(receiver)
            ):
                continue
            name = dotted(receiver) or "the model"
            yield Finding(
                self.code,
                site.node,
                f"`{name}.{value.attr.value}` is not called, so the mode does not change; "
                f"write `{name}.{value.attr.value}()`",
                statement=site.statement,
            )


class TrainingAttributeAssigned(Rule):
    code = "SKW104"
    name = "training-attribute-assigned"
    family = FAMILY
    summary = "`model.training = False/True` instead of `model.eval()` / `model.train()`"
    what_it_does = "Reports an assignment of `True` or `False` to the `training` attribute of a model."
    why_bad = (
        "`training` is a per-module flag. Assigning it changes only the top module; every submodule "
        "(Dropout, BatchNorm, ...) keeps its mode, so dropout stays on and BatchNorm statistics keep "
        "updating. `eval()` and `train()` set the flag recursively."
    )
    example = "model.training = False\npreds = model(images)"
    use_instead = "model.eval()\npreds = model(images)"
    references = ("https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train",)

    def check(self, model):
        for site in model.attribute_assignments:
            target = site.node
            if target.attr.value != "training":
                continue
            value = site.value
            if not (is_bool(value, True) or is_bool(value, False)):
                continue
            receiver = target.value
            if not _is_model(model, site, receiver):
                continue
            if isinstance(receiver, cst.Name) and receiver.value == "self":
                # A module's own `train()`/`eval()` override is where this assignment belongs.
                if site.function is not None and site.function.name in _MODE_METHODS:
                    continue
            name = dotted(receiver)
            call = "eval()" if is_bool(value, False) else "train()"
            yield Finding(
                self.code,
                target,
                f"assigning `{name}.training` changes only the top module, not its submodules "
                f"(Dropout, BatchNorm); call `{name}.{call}` instead",
                statement=site.statement,
            )


class FunctionalDropoutIgnoresMode(Rule):
    code = "SKW106"
    name = "functional-dropout-ignores-mode"
    family = FAMILY
    markers = (b"dropout",)
    summary = "Functional dropout in `forward` that does not follow the module's mode"
    what_it_does = (
        "Inside a module's `forward`, reports `F.dropout(x, p)` (and `dropout1d/2d/3d`) without "
        "`training=self.training`, `F.alpha_dropout`/`F.feature_alpha_dropout` likewise, and "
        "`F.scaled_dot_product_attention(..., dropout_p=p)` with a non-zero `dropout_p` not guarded by "
        "`self.training`."
    )
    why_bad = (
        "`F.dropout` defaults to `training=True`: unlike `nn.Dropout`, it does not know the module's "
        "mode, so `model.eval()` does not switch it off and evaluation is random and too pessimistic. "
        "`F.alpha_dropout` defaults to `training=False` and never drops at all. "
        "`scaled_dot_product_attention` applies `dropout_p` whenever it is non-zero."
    )
    example = (
        "class Net(nn.Module):\n    def forward(self, x):\n        x = F.dropout(self.fc1(x), p=0.5)\n"
        "        return self.fc2(x)"
    )
    use_instead = (
        "class Net(nn.Module):\n    def forward(self, x):\n"
        "        x = F.dropout(self.fc1(x), p=0.5, training=self.training)\n        return self.fc2(x)"
    )
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html",
    )

    def check(self, model):
        for site in model.calls:
            function = site.function
            if function is None or function.name != "forward" or not function.is_method:
                continue
            if any(mentions(guard, "training") for guard in site.guards):
                continue
            call = site.node
            name = site.qualname
            short = dotted(call.func)
            if has_role(name, "functional-dropout") or has_role(name, "functional-dropout-off-by-default"):
                training = argument(call, 2, "training")
                if training is None and has_star_args(call):
                    continue
                if training is None:
                    if has_role(name, "functional-dropout"):
                        why = "defaults to `training=True`: it stays active after `model.eval()`"
                    else:
                        why = "defaults to `training=False`: it never drops, not even in training"
                elif is_bool(training, True):
                    why = "is called with `training=True`: it stays active after `model.eval()`"
                else:
                    continue
                yield Finding(
                    self.code, call, f"`{short}` {why}; pass `training=self.training`", statement=site.statement
                )
            elif has_role(name, "attention-dropout"):
                dropout_p = argument(call, 4, "dropout_p")
                if dropout_p is None or _is_zero(dropout_p) or _guarded(function, dropout_p):
                    continue
                yield Finding(
                    self.code,
                    call,
                    f"`{short}` applies `dropout_p` in eval mode too; "
                    "pass `dropout_p=self.dropout_p if self.training else 0.0`",
                    statement=site.statement,
                )


def _is_model(model, site, receiver) -> bool:
    if isinstance(receiver, cst.Name) and receiver.value == "self":
        cls = site.function.cls if site.function is not None else None
        return cls is not None and cls.is_model
    return model.is_model(receiver)


# Name tokens that say "this is a network" (only used where the statement itself shows intent).
_MODEL_WORDS = frozenset({"model", "net", "network", "module", "classifier", "encoder", "decoder",
                          "backbone", "generator", "discriminator", "teacher", "student", "policy",
                          "critic", "actor", "detector", "segmenter"})


def _named_like_model(node) -> bool:
    name = dotted(node)
    return name is not None and bool(_MODEL_WORDS.intersection(tokens(name.rsplit(".", 1)[-1])))


def _is_zero(node) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and float(node.value) == 0.0


def _guarded(function, value) -> bool:
    """Does `value` depend on `self.training`, directly or through a local assignment?"""
    if mentions(value, "training"):
        return True
    if isinstance(value, cst.Name):
        finder = _AssignedFrom(value.value)
        function.node.visit(finder)
        return finder.depends_on_training
    return False


class _AssignedFrom(cst.CSTVisitor):
    def __init__(self, name: str):
        self.name = name
        self.depends_on_training = False

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(isinstance(t.target, cst.Name) and t.target.value == self.name for t in node.targets):
            self.depends_on_training |= mentions(node.value, "training")


RULES = (ModeMethodNotCalled, TrainingAttributeAssigned, FunctionalDropoutIgnoresMode)
