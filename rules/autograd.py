"""Family 2: autograd at inference (SKW2xx)."""
from __future__ import annotations

import dataclasses
from typing import Iterator

from skewlint.lazy import libcst as cst

from skewlint.fix import edits
from skewlint.adapters import GRAD_FREE_CALLABLES, has_module_modes, has_role, method_has_role
from skewlint.adapters.vocabulary import MODEL_WORDS, STRONG_EVAL_WORDS
from skewlint.diagnostics import Finding
from skewlint.registry import Rule
from skewlint.semantic.model import SemanticModel
from skewlint.semantic.contexts import updates_weights
from skewlint.semantic.kinds import ContextKind, Grad, Mode
from skewlint.semantic.names import chain_root, dotted, is_bool, keyword, tokens
from skewlint.semantic.sinks import in_loop, only_displayed

FAMILY = "autograd at inference"


class MissingNoGrad(Rule):
    code = "SKW201"
    name = "missing-no-grad"
    family = FAMILY
    severity = "warning"
    summary = "A PyTorch model evaluated with gradient recording on"
    what_it_does = (
        "Reports the forward call of a PyTorch model in an evaluation context (an evaluation "
        "function, a loop over validation/test data, an inference script, or code after an explicit "
        "`model.eval()`) while gradients are recorded: no `torch.no_grad()`, `torch.inference_mode()`, "
        "`torch.set_grad_enabled(False)` or grad-off decorator covers it, here or at any of its callers "
        "in the file."
    )
    why_bad = (
        "Cost: memory and speed, not correctness. With gradients on, every activation of the forward "
        "pass is kept for a backward pass that never comes: evaluation needs several times the memory "
        "(large batches run out of GPU memory) and runs slower. Results are the same. "
        "`model.eval()` does not turn gradients off; it only switches dropout and BatchNorm."
    )
    example = "model.eval()\nfor images, labels in val_loader:\n    outputs = model(images)"
    use_instead = "model.eval()\nwith torch.no_grad():\n    for images, labels in val_loader:\n        outputs = model(images)"
    fix_safety = (
        "Unsafe fix: an evaluation function gets `@torch.no_grad()` (innermost decorator); a loop over "
        "evaluation data or a `with` block that is the evaluation is wrapped in `with torch.no_grad():`; "
        "otherwise the statement with the forward call is. `import torch` is added when no module-level "
        "import provides `torch.no_grad`. Unsafe because code that needs gradients (a backward pass, "
        "`requires_grad` checks, tensors kept for training) stops working inside the new block."
    )
    references = (
        "https://pytorch.org/docs/stable/generated/torch.no_grad.html",
        "https://pytorch.org/docs/stable/notes/autograd.html#locally-disabling-gradient-computation",
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        torch_file = _imports_torch(model)
        if not torch_file and any(t.split(".")[0] in _OTHER_FRAMEWORKS for t in model.imports.aliases.values()):
            return
        analysis = model.analysis
        if analysis.pytest:
            return  # tests are not evaluation code
        seen = set()
        for observation in analysis.observations.values():
            if observation.generate:
                continue  # HF `generate()` disables gradients itself
            if observation.via is not None:
                # A function that a training step calls too (`infer`) keeps its gradients: the
                # evaluation that calls it (`validation_step`) is where they must be turned off.
                # Other called functions are reported at their own forward, if anywhere.
                caller = analysis.contexts.get(observation.node)
                if observation.via.function not in analysis.trained_through or caller is None:
                    continue
                observation = dataclasses.replace(observation, context=caller[0])
            if not torch_file and not any(f.by_call and f.mode == Mode.EVAL for f in observation.facts):
                continue  # a file that imports no torch: a model it switches with `.eval()` is one
            evidence = _evaluation_evidence(observation)
            if evidence is None or analysis.resolved_grad(observation) != {Grad.ON}:
                continue
            key = observation.key
            function = observation.function
            if not _is_torch_model(model, observation):
                continue
            why = None
            if not all(analysis.has_weights(key, f, function) for f in observation.facts if f.mode == Mode.TRAIN):
                why = "an untrained model fed a dummy input (a shape check)"
            elif function is not None and function.cls is not None and function.cls.is_model:
                why = "inside the model's own methods: the caller decides"
            elif observation.context.by_name and function in analysis.trained_through:
                why = "the function serves a training step too: its gradients are needed there"
            elif any(_grad_free_callable(model, f) for f in observation.facts):
                why = "a library pipeline that disables gradients itself"
            elif observation.context.by_name and not in_loop(model, observation.node) and \
                    not (observation.via is not None and _called_in_loop(model, function)):
                why = "one forward in a function named for prediction: no data is iterated"
            elif only_displayed(model, observation.node):
                why = "the output is only displayed (visualisation)"
            elif _random_inputs(model, observation.node) and not in_loop(model, observation.node):
                why = "one forward on random tensors: a shape or checksum test, no data is evaluated"
            elif model.path.endswith(".ipynb") and function is None and not in_loop(model, observation.node):
                why = "one forward in a notebook cell, outside any loop: a demonstration on one batch"
            if why is not None:
                model.silence(self.code, observation.node, why)
                continue
            group = (function, key, observation.context.node)
            if group in seen:
                continue  # one report per model and region: one `with torch.no_grad():` fixes them all
            seen.add(group)
            legacy = " (`Variable(..., volatile=True)` has had no effect since PyTorch 0.4)" if _volatile(
                model, function) else ""
            yield Finding(
                self.code,
                observation.node,
                f"`{key}` is evaluated with gradients enabled ({evidence}): activations are kept for a "
                f"backward pass that never comes, wasting memory and time{legacy}; wrap the evaluation in "
                "`with torch.no_grad():` or decorate the function with `@torch.no_grad()`",
                fix=_no_grad_fix(model, observation),
            )


def _called_in_loop(model, function) -> bool:
    """Is the function called repeatedly by the file's code (a per-batch `validation_step` that the
    fit loop calls): a method through `self.<name>(...)` in its class, a function by its name?"""
    if function is None:
        return False
    for site in model.calls:
        func = site.node.func
        if function.cls is not None:
            called = type(func) is cst.Attribute and dotted(func.value) == "self" and func.attr.value == function.name \
                and site.function is not None and site.function.cls is function.cls
        else:
            called = type(func) is cst.Name and func.value == function.name
        if called and in_loop(model, site.node):
            return True
    return False


def _no_grad_fix(model, observation):
    if observation.per_value:
        return None
    module = model.module
    name = edits.imported_name(module, "torch.no_grad")
    changes = []
    if name is None:
        if edits.binds(module, "torch"):
            return None  # `torch` is something else here
        name = "torch.no_grad"
        changes.append(edits.add_import("import torch"))
    context = observation.context.node
    function = observation.function
    statements = edits.enclosing_statements(module, observation.node)
    if not statements:
        return None
    if function is not None and context is function.node and not function.node.asynchronous:
        changes.append(edits.decorate(function.node, f"{name}()"))
        how = f"Decorate `{function.name}` with `@{name}()`"
    else:
        target = context if context in statements and type(context) in (cst.For, cst.While, cst.With) \
            else statements[-1]
        if type(target) in (cst.FunctionDef, cst.ClassDef):
            return None  # the call is in a decorator or a default value
        changes.append(edits.wrap_in_with(target, f"{name}()"))
        how = f"Wrap the evaluation in `with {name}():`"
    return edits.unsafe(how, *changes)


def _random_inputs(model, call) -> bool:
    """Are all inputs of the forward `call` random tensors the file draws (`torch.randn(1, 3, 224, 224)`,
    through names, slices and `.to(device)`)?"""
    if type(call) is not cst.Call or not call.args:
        return False
    for arg in call.args:
        value = arg.value
        while type(value) is cst.Subscript:
            value = value.value
        values = [value] if type(value) is cst.Call else model.assignments.get(dotted(value) or "", ())
        for value in values or (None,):
            value = chain_root(value)  # `torch.randn(...).to(device)`
            if type(value) is not cst.Call or not has_role(model.qualify(value.func), "random-api"):
                return False
    return True


def _volatile(model, function) -> bool:
    """Does the function (None: the module body) mark inputs `volatile=True`, the grad-off switch of
    PyTorch before 0.4 that later releases ignore with a warning?"""
    return any(site.qualname == "torch.autograd.Variable" and is_bool(keyword(site.node, "volatile"), True)
               for site in model.calls_in(function))


def _evaluation_evidence(observation):
    context = observation.context
    if context.after_training:
        return None  # inference after training (a sample, a demo): memory is not the concern there
    if context.kind == ContextKind.EVAL and not context.by_grad:
        return context.evidence
    if context.kind == ContextKind.UNKNOWN and observation.facts and all(
        f.mode == Mode.EVAL and f.by_call and " in `" not in f.how for f in observation.facts
    ):
        return "it runs after an explicit `.eval()`"
    return None


def _grad_free_callable(model, fact) -> bool:
    """Diffusers and transformers pipelines run their `__call__` under `torch.no_grad()` themselves."""
    call = fact.node
    if type(call) is not cst.Call:
        return False
    if has_role(model.qualify(call.func), "grad-free-factory"):
        return True
    if type(call.func) is not cst.Attribute:
        return False
    owner = (dotted(call.func.value) or "").rsplit(".", 1)[-1]
    return any(word in owner for word in GRAD_FREE_CALLABLES)


_OTHER_FRAMEWORKS = ("keras", "tensorflow", "jax", "flax")


def _imports_torch(model) -> bool:
    return any(target.split(".")[0] == "torch" for target in model.imports.aliases.values())


def _is_torch_model(model, observation) -> bool:
    facts = [f for f in observation.facts if f.mode in (Mode.TRAIN, Mode.EVAL)]
    if facts:
        return all(has_module_modes(f.framework) for f in facts)
    if any(target.split(".")[0] in _OTHER_FRAMEWORKS for target in model.imports.aliases.values()):
        return False  # without evidence, a model in a Keras or JAX file may be theirs
    key = observation.key
    return key in model.model_names or bool(MODEL_WORDS.intersection(tokens(key.rsplit(".", 1)[-1])))


class TrainingStepInEval(Rule):
    code = "SKW202"
    name = "training-step-in-eval"
    family = FAMILY
    summary = "An optimizer step inside evaluation code: the model learns from evaluation data"
    what_it_does = (
        "Reports `optimizer.step()` (also `scaler.step(optimizer)`, `apply_gradients`) and the "
        "`loss.backward()` / `accelerator.backward(loss)` that feeds it, inside an evaluation "
        "function or a loop over validation/test data."
    )
    why_bad = (
        "Wrong results: the weights are updated with the validation or test labels, so the reported "
        "metrics are measured on data the model has been trained on, and the checkpoint you keep has "
        "seen the test set. (Test-time adaptation does this on purpose: suppress the rule there with "
        "`# noqa: SKW202`.)"
    )
    example = (
        "def validate(model, loader, optimizer):\n    for x, y in loader:\n"
        "        loss = criterion(model(x), y)\n        loss.backward()\n        optimizer.step()"
    )
    use_instead = (
        "@torch.no_grad()\ndef validate(model, loader):\n    model.eval()\n    for x, y in loader:\n"
        "        loss = criterion(model(x), y)"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        analysis = model.analysis
        for site in model.calls:
            if not _updates_weights(site, model):
                continue
            context, _ = analysis.contexts.get(site.node, (None, None))
            if context is None:
                continue
            evidence = context.eval_evidence or (context.evidence if context.kind == ContextKind.EVAL and not context.by_grad else "")
            if not evidence or _weak_name_evidence(evidence, site):
                continue
            call = model.module.code_for_node(site.node.func).split("\n")[0]
            yield Finding(
                self.code,
                site.node,
                f"`{call}()` runs in evaluation code ({evidence}): the model "
                "is trained on evaluation data; remove the training step from the evaluation",
                statement=site.statement,
            )




def _weak_name_evidence(evidence: str, site) -> bool:
    function = site.function
    if function is None or not evidence.startswith(f"`{function.name}`"):
        return False
    return not STRONG_EVAL_WORDS.intersection(tokens(function.name))


def _updates_weights(site, model) -> bool:
    """Optimizer steps; `backward()` only where the same function also steps an optimizer (a backward
    alone computes input gradients, as saliency maps and adversarial examples do)."""
    if updates_weights(site):
        return True
    func = site.node.func
    return (type(func) is cst.Attribute and method_has_role(func.attr.value, "training-step")
            and func.attr.value not in ("apply_gradients", "minimize")
            and site.function is not None and _function_steps(site.function, model))


def _function_steps(function, model) -> bool:
    return any(updates_weights(site) for site in model.calls_in(function))


class LossAccumulatesGraph(Rule):
    code = "SKW203"
    name = "loss-accumulates-graph"
    family = FAMILY
    severity = "warning"
    summary = "A loss or output tensor accumulated across iterations with its autograd graph"
    what_it_does = (
        "Reports `total += loss`, `total = total + loss` and `losses.append(output)` inside a loop, "
        "while gradients are on, when the value is a model output or a loss computed from one and is "
        "not converted with `.item()`, `.detach()` or `float()`."
    )
    why_bad = (
        "Cost: memory, growing every iteration. The accumulated tensor references the autograd graph "
        "of every iteration it was added from, so nothing is freed until the loop ends: GPU memory "
        "grows until it runs out (the PyTorch FAQ's first entry). Only the number was wanted."
    )
    example = (
        "criterion = nn.CrossEntropyLoss()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n    loss.backward()\n    optimizer.step()\n    total_loss += loss"
    )
    use_instead = (
        "criterion = nn.CrossEntropyLoss()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n"
        "    loss = criterion(model(x), y)\n    loss.backward()\n    optimizer.step()\n    total_loss += loss.item()"
    )
    references = ("https://pytorch.org/docs/stable/notes/faq.html#my-model-reports-cuda-runtime-error-2-out-of-memory",)

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        if not _imports_torch(model):
            return
        analysis = model.analysis
        for accumulation in analysis.accumulations.values():
            context = accumulation.context
            data_loop = (context.kind == ContextKind.TRAIN and context.manual) or (
                context.kind == ContextKind.EVAL and type(context.node) is cst.For and not context.by_grad)
            function = accumulation.function
            if not data_loop or (function is not None and function.cls is not None and function.cls.is_model):
                continue  # only loops over batches; features collected inside a forward are needed
            grads = set()
            for grad in accumulation.grad:
                grads |= analysis.entry_grad(accumulation.function) if grad == Grad.FROM_CALLER else {grad}
            if grads != {Grad.ON}:
                continue
            value = accumulation.value
            if "\n" in value or len(value) > 40:
                shown, fix = "a tensor that carries its autograd graph", "`.item()` or `.detach()` of it"
            else:
                shown, fix = f"`{value}`, which carries its autograd graph", f"`{value}.item()` (or `.detach()`)"
            yield Finding(
                self.code,
                accumulation.node,
                f"`{accumulation.target}` accumulates {shown}: every iteration's graph stays in memory; "
                f"accumulate {fix} instead",
                statement=accumulation.statement,
            )


RULES = (MissingNoGrad, TrainingStepInEval, LossAccumulatesGraph)
