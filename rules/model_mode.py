"""Family 1: model mode (SKW1xx)."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from skewlint.lazy import libcst as cst

from skewlint.fix import edits
from skewlint.adapters import has_module_modes, has_role, method_has_role
from skewlint.adapters.vocabulary import MODEL_WORDS
from skewlint.diagnostics import Finding
from skewlint.semantic.facts import OFF
from skewlint.semantic.kinds import ContextKind, Mode
from skewlint.semantic.state import is_managed_copy
from skewlint.semantic.walk import descendants
from skewlint.registry import Rule
from skewlint.semantic.model import SemanticModel
from skewlint.semantic.names import (
    argument_node,
    argument, dotted, has_star_args, is_bool, keyword, literal, mentions, strip_module, tokens,
)
from skewlint.semantic.optimizers import stepped_models
from skewlint.semantic.sinks import in_loop, only_displayed, repeated_draws, straight_line

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
    fix_safety = "Safe fix: adds the call (`model.eval` becomes `model.eval()`), which is what the statement meant."
    references = ("https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",)

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.expression_statements:
            value = site.node.value
            if not (type(value) is cst.Attribute and value.attr.value in ("eval", "train")):
                continue
            receiver = value.value
            # `eval` is never anything but a mode method in ML code; `train` needs model evidence
            # (`dataset.train` as a bare expression is pointless but not this bug).
            if value.attr.value == "train" and not (
                _is_model(model, site, receiver) or _named_like_model(receiver)
            ):
                continue
            name = dotted(receiver) or model.snippet(receiver)
            yield Finding(
                self.code,
                site.node,
                f"`{name}.{value.attr.value}` is not called, so the mode does not change; "
                f"write `{name}.{value.attr.value}()`",
                statement=site.statement,
                fix=edits.safe(f"Call `{name}.{value.attr.value}()`", edits.replace(value, cst.Call(func=value))),
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
    example = (
        "model = resnet50(weights=\"DEFAULT\")\nmodel.training = False\nwith torch.no_grad():\n"
        "    preds = model(images)"
    )
    use_instead = (
        "model = resnet50(weights=\"DEFAULT\")\nmodel.eval()\nwith torch.no_grad():\n    preds = model(images)"
    )
    fix_safety = (
        "Safe fix: a statement `model.training = False` becomes `model.eval()` (`True`: `model.train()`), "
        "which sets the flag of the model and of every submodule. Not offered when the assignment has "
        "several targets or shares its line with other statements."
    )
    references = ("https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train",)

    def check(self, model: SemanticModel) -> Iterator[Finding]:
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
            if type(receiver) is cst.Name and receiver.value == "self":
                # A module's own `train()`/`eval()` override is where this assignment belongs.
                if site.function is not None and site.function.name in _MODE_METHODS:
                    continue
            name = dotted(receiver)
            if _mode_method_called(model, site.function, name):
                continue  # `model.training = False; model.eval()`: redundant, not harmful
            if _leaf_layer(model, name, site):
                model.silence(self.code, target, "a single built-in layer: it has no submodules to miss")
                continue
            call = "eval()" if is_bool(value, False) else "train()"
            yield Finding(
                self.code,
                target,
                f"assigning `{name}.training` changes only the top module, not its submodules "
                f"(Dropout, BatchNorm); call `{name}.{call}` instead",
                statement=site.statement,
                fix=_mode_call_fix(site, target, receiver, call, name),
            )


def _leaf_layer(model, name, site) -> bool:
    """Is `name` bound to a built-in layer without submodules (`nn.Dropout(0.5)`, not a container)?
    A notebook reuses names: the last binding before the assignment counts when it is known."""
    values = model.bound_before(name, model.assign_order.get(id(site.value)))
    qualnames = [model.qualify(v.func) if type(v) is cst.Call else None for v in values]
    return bool(values) and all((q or "").startswith("torch.nn.") and not has_role(q, "composite-layer")
                                and not has_role(q, "model-wrapper") for q in qualnames)


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
        "`self.training`. `training=True` written out is reported too, except in a dropout layer of its "
        "own (a class deriving from a dropout layer, or a `forward` that only returns the dropout): "
        "that is Monte Carlo dropout, kept on at inference on purpose."
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
    fix_safety = (
        "Safe fix for `F.dropout` & co.: adds `training=self.training` (or replaces `training=True` by "
        "it), which changes only evaluation, where dropout was the bug. Unsafe fix for "
        "`F.alpha_dropout` & co. without `training=`: adding it turns dropout on in training, which "
        "changes training results. Safe fix for `scaled_dot_product_attention`: `dropout_p=p` becomes "
        "`dropout_p=p if self.training else 0.0`. `self` stands for the method's first parameter."
    )
    references = (
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.dropout.html",
        "https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html",
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
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
                elif is_bool(training, True) and not _is_dropout_layer(model, function, site.statement):
                    why = "is called with `training=True`: it stays active after `model.eval()`"
                else:
                    continue
                # The argument that is wrong, or the call that lacks it.
                where = (argument_node(call, 2, "training") if training is not None else None) or call
                yield Finding(
                    self.code, where, f"`{short}` {why}; pass `training=self.training`", statement=site.statement,
                    fix=_training_fix(function, call, training, safe=has_role(name, "functional-dropout")),
                )
            elif has_role(name, "attention-dropout"):
                dropout_p = argument(call, 4, "dropout_p")
                if dropout_p is None or _is_zero(dropout_p) or _guarded(function, dropout_p):
                    continue
                yield Finding(
                    self.code,
                    argument_node(call, 4, "dropout_p") or call,
                    f"`{short}` applies `dropout_p` in eval mode too; "
                    "pass `dropout_p=self.dropout_p if self.training else 0.0`",
                    statement=site.statement,
                    fix=_dropout_p_fix(model, function, dropout_p),
                )


def _mode_call_fix(site, target, receiver, call: str, name: str):
    """`model.training = False` -> `model.eval()`: only for the whole, single-target statement."""
    statement = site.statement
    if not (type(statement) is cst.SimpleStatementLine and len(statement.body) == 1):
        return None
    assign = statement.body[0]
    if not (type(assign) is cst.Assign and len(assign.targets) == 1 and assign.targets[0].target is target):
        return None
    method = cst.Attribute(value=receiver, attr=cst.Name(call[:-2]))
    return edits.safe(f"Call `{name}.{call}`", edits.replace(assign, cst.Expr(cst.Call(func=method))))


def _self_name(function):
    params = function.node.params.params
    return params[0].name.value if params else None


def _is_dropout_layer(model, function, statement) -> bool:
    """Is this `forward` a dropout layer of its own: its class derives from a dropout layer, or its
    whole body returns the dropout? Such a layer that always drops is Monte Carlo dropout on purpose
    (dropout kept on at inference to sample predictions); a network that drops while it classifies
    is the bug."""
    if any(has_role(base, "dropout-layer") for base in function.cls.bases):
        return True
    body = function.node.body.body
    return len(body) == 1 and body[0] is statement and type(statement.body[0]) is cst.Return


def _training_fix(function, call, training, safe: bool):
    """`training=self.training`: the `True` passed replaced, else the keyword added."""
    owner = _self_name(function)
    if owner is None:
        return None
    flag = f"{owner}.training"
    change = edits.set_keyword(call, "training", flag) if training is None else edits.replace(training, flag)
    return (edits.safe if safe else edits.unsafe)(f"Pass `training={flag}`", change)


# Values that need no parentheses before ` if ... else ...`.
_ATOMS = ("Name", "Attribute", "Integer", "Float", "Call", "Subscript")


def _dropout_p_fix(model, function, dropout_p):
    owner = _self_name(function)
    if owner is None:
        return None
    code = model.module.code_for_node(dropout_p)
    if type(dropout_p).__name__ not in _ATOMS and not dropout_p.lpar:
        code = f"({code})"
    return edits.safe("Use `dropout_p` only in training",
                      edits.replace(dropout_p, f"{code} if {owner}.training else 0.0"))


def _mode_method_called(model, function, name) -> bool:
    """Does the same function (or module body) also call `.eval()`/`.train()` on this model?"""
    bare = name[: -len(".module")] if name.endswith(".module") else name
    for site in model.calls:
        func = site.node.func
        if site.function is function and type(func) is cst.Attribute and func.attr.value in ("eval", "train"):
            receiver = dotted(func.value) or ""
            if receiver in (name, bare) or receiver == bare + ".module":
                return True
    return False


def _is_model(model, site, receiver) -> bool:
    if type(receiver) is cst.Name and receiver.value == "self":
        cls = site.function.cls if site.function is not None else None
        return cls is not None and cls.is_model
    return model.is_model(receiver)


def _named_like_model(node) -> bool:
    name = dotted(node)
    return name is not None and bool(MODEL_WORDS.intersection(tokens(name.rsplit(".", 1)[-1])))


def _is_zero(node) -> bool:
    return type(node) in (cst.Integer, cst.Float) and float(node.value) == 0.0


def _guarded(function, value) -> bool:
    """Does `value` depend on `self.training`, directly or through a local assignment?"""
    if mentions(value, "training"):
        return True
    if type(value) is cst.Name:
        return any(
            type(node) is cst.Assign
            and any(type(t.target) is cst.Name and t.target.value == value.value for t in node.targets)
            and mentions(node.value, "training")
            for node in descendants(function.node)
        )
    return False




def _mode_irrelevant(analysis, observation, facts) -> Optional[str]:
    """Why the training mode would not change this evaluation's results, or None if it would."""
    key = observation.key
    function = observation.function
    if not all(has_module_modes(f.framework) for f in facts):
        return "its framework has no train/eval mode"
    if is_managed_copy(key):
        return "an EMA/teacher copy, managed on purpose"
    if key.startswith("self.") and function is not None and function.cls is not None and function.cls.is_model:
        return "a submodule in its model's own method follows the parent's mode"
    if analysis.mode_free(key, observation.facts, function):
        return "built from mode-free layers only (no dropout, no normalization)"
    if not all(analysis.has_weights(key, f, function) for f in facts):
        return "an untrained model fed a dummy input (a shape check)"
    node = observation.node
    if all(f.by_call and f.node is not None and _switched_for_this(analysis, f.node, node) for f in facts) and \
            (not in_loop(analysis.model, node) or repeated_draws(analysis.model, node)):
        # (a loop over evaluation data right after `.train()` is the bug, not a demonstration)
        return "`.train()` called right before this forward, with no training step between, and no data " \
               "iterated: on purpose (Monte Carlo dropout draws, a BatchNorm demonstration)"
    return None


def _switched_for_this(analysis, switch, node) -> bool:
    run = straight_line(analysis.model, switch, node)
    return run is not None and not any(analysis.steps(statement) for statement in run[1:])


def _fact_related(facts):
    """The evidence of the offending facts as related locations."""
    return tuple((fact.node, fact.how) for fact in facts if fact.node is not None)


def _context_text(observation) -> str:
    return observation.context.evidence or "an evaluation context"


class MissingEvalMode(Rule):
    code = "SKW101"
    name = "missing-eval-mode"
    family = FAMILY
    summary = "A model evaluated while it may still be in training mode"
    what_it_does = (
        "Reports a forward call in an evaluation context (an evaluation function, a loop over "
        "validation/test data, code under `torch.no_grad()`, an inference script) while the model may "
        "be in training mode on some path: it was never switched by `.eval()`, or `.train()` reaches "
        "the call. When the training mode comes from the caller, the call of the evaluation function "
        "is reported."
    )
    why_bad = (
        "In training mode, dropout drops activations at random and BatchNorm normalizes with the "
        "statistics of the current batch and updates its running statistics with evaluation data. "
        "Metrics come out noisy and too low (or, with small batches, wrong), and the model's "
        "statistics are contaminated by the test set. Nothing crashes, so nobody notices."
    )
    example = (
        "model.train()\nfor epoch in range(epochs):\n    for x, y in train_loader:\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n"
        "    with torch.no_grad():\n        for x, y in val_loader:\n            acc += (model(x).argmax(1) == y).sum()"
    )
    use_instead = (
        "for epoch in range(epochs):\n    model.train()\n    for x, y in train_loader:\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n"
        "    model.eval()\n    with torch.no_grad():\n        for x, y in val_loader:\n"
        "            acc += (model(x).argmax(1) == y).sum()"
    )
    fix_safety = (
        "Unsafe fix: inserts `model.eval()` before the evaluation: before the loop over evaluation data "
        "or the `with` block that is the evaluation, else before the statement that evaluates (or calls "
        "the evaluation function). Unsafe because the model stays in eval mode afterwards: training "
        "that follows on the same path needs a `model.train()` (SKW102 reports it)."
    )
    references = (
        "https://pytorch.org/docs/stable/notes/autograd.html#evaluation-mode-nn-module-eval",
        "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        analysis = model.analysis
        # Global models a function evaluates in training mode by its own forward (reported there)
        evaluated_globals = {o.key for o in analysis.observations.values()
                             if o.via is None and o.function is not None and o.key not in o.function.params
                             and model.is_global(o.key) and o.context.kind == ContextKind.EVAL and Mode.TRAIN in o.modes()}
        for observation in analysis.observations.values():
            if observation.context.kind != ContextKind.EVAL:
                continue
            modes = observation.modes()
            if Mode.TRAIN not in modes or Mode.UNKNOWN in modes:
                continue
            inner = observation.via
            if inner is not None and inner.key == observation.key and observation.key in evaluated_globals and \
                    observation.key not in (inner.function.params if inner.function else ()):
                continue  # the function's own forward of this global model is the finding, not each call
            facts = [f for f in observation.facts if f.mode == Mode.TRAIN]
            if observation.context.after_training and not analysis.trained(observation.key, observation.function):
                continue  # after the training loop, only the model it trained is the one evaluated
            if observation.context.after_training and any(f.mode == Mode.EVAL and f.by_call for f in observation.facts):
                # The training loop ends in `.eval()`: its construction's mode reaching past the loop is
                # only the path where the loop never ran.
                facts = [f for f in facts if f.by_call or f.inferred]
                if not facts:
                    continue
            why = _mode_irrelevant(analysis, observation, facts)
            if why is None and observation.context.by_grad and all(f.inferred for f in facts):
                why = "samples drawn under no_grad inside training (monitoring), not an evaluation"
            if why is not None:
                model.silence(self.code, observation.node, why)
                continue
            # A call that switched it first, then the earliest in the source (facts are a set: its
            # order changes from run to run, the message must not).
            facts.sort(key=lambda f: (not f.by_call, model.source_order(f.node)))
            fact = facts[0]
            name = observation.key
            # `how` is a call (`model.train()`) or a clause (`Net(...)` builds it): in parentheses either reads.
            origin = f"the training mode from line {{line0}} ({fact.how})" if fact.node is not None \
                else "its construction"
            if observation.via is None:
                message = (
                    f"`{name}` is evaluated here ({_context_text(observation)}) but may still be in "
                    f"training mode: {origin} reaches this call; call `{name}.eval()` first"
                )
            else:
                callee = dotted(observation.node.func) or "the function"
                message = (
                    f"`{callee}()` evaluates `{name}` ({_context_text(observation.via)}) but `{name}` may "
                    f"still be in training mode here: {origin} reaches this call; call `{name}.eval()` before it"
                )
            yield Finding(self.code, observation.node, message, related=_fact_related([fact]),
                          fix=_eval_call_fix(model, observation))


def _eval_call_fix(model, observation):
    key = observation.key
    if observation.per_value or not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", key):
        return None
    statements = edits.enclosing_statements(model.module, observation.node)
    if not statements:
        return None
    context = observation.context.node
    anchor = context if observation.via is None and context in statements \
        and type(context) in (cst.For, cst.While, cst.With) else statements[-1]
    if type(anchor) in (cst.FunctionDef, cst.ClassDef):
        return None  # the call is in a decorator or a default value
    return edits.unsafe(f"Call `{key}.eval()` before the evaluation", edits.insert_before(anchor, f"{key}.eval()"))


class TrainModeNotRestored(Rule):
    code = "SKW102"
    name = "train-mode-not-restored"
    family = FAMILY
    summary = "Training continues in eval mode after an evaluation switched the model"
    what_it_does = (
        "Reports a training step (the training forward, or the call of the training function) that "
        "runs while the model may be in eval mode because an evaluation switched it with `.eval()` "
        "(directly or in a called function, e.g. `validate()` inside the epoch loop) and nothing "
        "switched it back with `.train()`."
    )
    why_bad = (
        "From the second epoch on (or after the first mid-epoch validation) the model trains with "
        "dropout off and BatchNorm frozen to its running statistics: regularization silently "
        "disappears, training curves change, and results do not reproduce the paper's."
    )
    example = (
        "def validate(model, loader):\n    model.eval()\n    with torch.no_grad():\n"
        "        return sum((model(x).argmax(1) == y).sum() for x, y in loader)\n\n"
        "model.train()\nfor epoch in range(epochs):\n"
        "    for x, y in train_loader:\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()  # in eval mode from the second epoch on\n"
        "        optimizer.step()\n    validate(model, val_loader)"
    )
    use_instead = (
        "def validate(model, loader):\n    model.eval()\n    with torch.no_grad():\n"
        "        return sum((model(x).argmax(1) == y).sum() for x, y in loader)\n\n"
        "for epoch in range(epochs):\n    model.train()\n"
        "    for x, y in train_loader:\n        optimizer.zero_grad()\n"
        "        criterion(model(x), y).backward()\n        optimizer.step()\n    validate(model, val_loader)"
    )
    references = ("https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train",)

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        analysis = model.analysis
        for observation in analysis.observations.values():
            context = observation.context
            if context.kind != ContextKind.TRAIN or not context.manual or context.after_step:
                continue  # `fit()` trains elsewhere; code after the last step is no training step
            modes = observation.modes()
            if Mode.EVAL not in modes or Mode.UNKNOWN in modes:
                continue
            facts = [f for f in observation.facts if f.mode == Mode.EVAL and f.by_call]
            if not facts:
                continue
            why = None
            if observation.grad == frozenset({OFF}):
                why = "gradients are off here: no training step can run (backward would raise)"
            elif not analysis.trained(observation.key, observation.function):
                why = "never trained in this file: frozen in eval mode on purpose"
            elif analysis.mode_free(observation.key, observation.facts, observation.function):
                why = "built from mode-free layers only (no dropout, no normalization)"
            elif observation.via is None:
                stepped = stepped_models(model, observation.node, context.node, observation.function)
                if stepped is not None and strip_module(observation.key) not in stepped:
                    why = "the step trains another model; this one only feeds its loss"
            if why is not None:
                model.silence(self.code, observation.node, why)
                continue
            fact = min(facts, key=lambda f: model.source_order(f.node))
            name = observation.key
            where = "the training step" if observation.via is None else f"`{dotted(observation.node.func)}()`"
            message = (
                f"`{name}` may still be in eval mode when {where} runs: the eval mode from line {{line0}} "
                f"({fact.how}) is never switched back; call `{name}.train()` before training"
            )
            yield Finding(self.code, observation.node, message, related=_fact_related([fact]))


class TrainingFlagAtInference(Rule):
    code = "SKW105"
    name = "training-flag-at-inference"
    family = FAMILY
    summary = "A framework training flag passed in evaluation code (Keras `training=True`, Flax `train=True`)"
    what_it_does = (
        "Inside an evaluation context, reports Keras `model(x, training=True)` and "
        "`keras.backend.set_learning_phase(1)`, and Flax `apply(..., train=True)`, "
        "`deterministic=False`, `mutable=[\"batch_stats\"]` and `use_running_average=False`."
    )
    why_bad = (
        "Keras and Flax models have no global mode: the flag of each call decides. With the training "
        "flag, dropout is active and BatchNorm uses batch statistics (and, with a mutable "
        "`batch_stats`, updates them from evaluation data): the metrics are wrong."
    )
    example = "def test_step(self, data):\n    x, y = data\n    y_pred = self(x, training=True)"
    use_instead = "def test_step(self, data):\n    x, y = data\n    y_pred = self(x, training=False)"
    references = (
        "https://keras.io/getting_started/faq/#whats-the-difference-between-the-training-argument-in-call-and-the-trainable-attribute",
        "https://flax.readthedocs.io/en/latest/guides/training_techniques/batch_norm.html",
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        analysis = model.analysis
        for site in model.calls:
            context, _ = analysis.contexts.get(site.node, (None, None))
            if context is None or context.kind != ContextKind.EVAL:
                continue
            flag, where = _training_flag(model, site)
            if flag and only_displayed(model, site.node):
                model.silence(self.code, site.node, "the result is only displayed (visualisation)")
            elif flag and repeated_draws(model, site.node):
                model.silence(self.code, site.node, "repeated draws over range(): Monte Carlo dropout")
            elif flag and _builds_before_loading(model, site):
                model.silence(self.code, site.node, "a discarded call that builds the variables before weights are loaded")
            elif flag and context.after_training and not analysis.trained(dotted(site.node.func) or "", site.function):
                model.silence(self.code, site.node, "after training, but not the model it trains (a layer tried out)")
            elif flag:
                yield Finding(
                    self.code,
                    where or site.node,
                    f"{flag} in evaluation code ({context.evidence}): dropout and BatchNorm behave as in "
                    "training; pass the inference flag instead",
                    statement=site.statement,
                )


def _builds_before_loading(model, site) -> bool:
    """`_ = model(inputs, training=True)` then `model.load_weights(...)`: a subclassed Keras model has
    no variables until it is called once; the result is thrown away and every weight (and statistic)
    the call touched is then overwritten."""
    statement = site.statement
    small = statement.body[0] if type(statement) is cst.SimpleStatementLine and len(statement.body) == 1 else None
    discarded = (type(small) is cst.Expr and small.value is site.node) or (
        type(small) is cst.Assign and small.value is site.node
        and all(type(t.target) is cst.Name and t.target.value == "_" for t in small.targets))
    if not discarded:
        return False
    receiver = dotted(site.node.func)
    order = model.source_order(site.node)
    return any(later.function is site.function and model.source_order(later.node) > order
               and type(later.node.func) is cst.Attribute and method_has_role(later.node.func.attr.value, "weights-load")
               and dotted(later.node.func.value) == receiver for later in model.calls)


_FLAX_FLAGS = (("train", True, "`train=True`"), ("deterministic", False, "`deterministic=False`"))


def _training_flag(model, site):
    """(the flag as the message names it, the node that sets it: the argument, or the call), or
    (None, None)."""
    call = site.node
    func = call.func
    if site.qualname == "keras.backend.set_learning_phase" and call.args and _truthy(call.args[0].value):
        return "`set_learning_phase(1)`", call
    use_running_average = keyword(call, "use_running_average")
    if use_running_average is not None and is_bool(use_running_average, False):
        return "`use_running_average=False`", argument_node(call, None, "use_running_average")
    name = dotted(func) or ""
    if name.endswith("apply") or name.endswith("apply_fn"):
        for word, value, text in _FLAX_FLAGS:
            flag = keyword(call, word)
            if flag is not None and is_bool(flag, value):
                return text, argument_node(call, None, word)
        mutable = keyword(call, "mutable")
        if mutable is not None and "batch_stats" in _strings(mutable):
            return '`mutable=["batch_stats"]`', argument_node(call, None, "mutable")
        return None, None
    training = keyword(call, "training")
    if training is not None and is_bool(training, True) and _is_model_call(model, site, func):
        return f"`{name or 'model'}(..., training=True)`", argument_node(call, None, "training")
    return None, None


def _is_model_call(model, site, func) -> bool:
    if type(func) is cst.Name and func.value == "self":
        return True
    if model.is_model(func) or _named_like_model(func):
        return True
    return False


def _truthy(node) -> bool:
    return is_bool(node, True) or (type(node) is cst.Integer and node.value == "1")


def _strings(node) -> set:
    if type(node) is cst.SimpleString:
        return {literal(node)}
    if type(node) in (cst.List, cst.Tuple, cst.Set):
        return {literal(e.value) for e in node.elements if type(e.value) is cst.SimpleString}
    return set()


RULES = (
    MissingEvalMode,
    TrainModeNotRestored,
    ModeMethodNotCalled,
    TrainingAttributeAssigned,
    TrainingFlagAtInference,
    FunctionalDropoutIgnoresMode,
)
