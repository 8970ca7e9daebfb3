"""Layer 4: contexts. Which code trains, which evaluates, and the evidence for it (ARCHITECTURE.md,
"Evaluation context"). Pure functions of the semantic model; the state pass (`state.py`) applies
them while it walks each function."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role, hook_role, method_has_role
from skewlint.adapters.vocabulary import (
    CALIBRATION_FRAGMENTS, CALIBRATION_WORDS, DATA_SUFFIXES, EVAL_DATA_WORDS, EVAL_FUNCTION_WORDS, NOT_OPTIMIZER_WORDS,
    OPTIMIZER_WORDS, SPLIT_KEYWORDS, TRAINING_WORDS,
)
from skewlint.semantic.kinds import ContextKind, Grad, GradChoice, GradEffect
from skewlint.semantic.names import dotted, keyword, literal, tokens

# Iterable wrappers looked through: `enumerate(val_loader)`, `tqdm(val_loader, ...)`.
_ITERABLE_WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "zip", "progress_bar", "track", "islice"})

TRAIN, EVAL, MANAGED, UNKNOWN = ContextKind.TRAIN, ContextKind.EVAL, ContextKind.MANAGED, ContextKind.UNKNOWN


@dataclass(frozen=True)
class Context:
    """What a region of code does (`kind`), and why we think so (`evidence`, for messages)."""

    kind: ContextKind
    evidence: str = ""
    node: object = None  # the node that is the evidence (a loop, a `with`, a function)
    # For TRAIN: the code steps an optimizer itself (not only `fit()`, which trains elsewhere).
    manual: bool = True
    # Evaluation evidence of a region that trains anyway (`validate()` calling `optimizer.step()`,
    # a loop over `val_loader` with `loss.backward()`): what SKW202 reports.
    eval_evidence: str = ""
    # EVAL only because gradients are off (`with torch.no_grad():`), no name or data evidence.
    by_grad: bool = False
    # TRAIN: this code comes after the last training step of its loop (logging, periodic sampling).
    after_step: bool = False
    # EVAL: the script (or function) runs it after its training is over: inference on the trained
    # model (SKW101, SKW105), but no claim that it is a metric loop (SKW201 stays out).
    after_training: bool = False
    # EVAL only because of the function's name (`infer`, `predict`): the weakest evidence, which a
    # call from a training step overrides.
    by_name: bool = False


def is_pytest_file(path: str) -> bool:
    name = os.path.basename(path)
    parts = path.replace(os.sep, "/").split("/")
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or "tests" in parts[:-1]


def eval_word(name: str) -> bool:
    return bool(EVAL_FUNCTION_WORDS.intersection(tokens(name)))


def is_calibration(name: str) -> bool:
    words = tokens(name)
    lowered = name.lower()
    return bool(CALIBRATION_WORDS.intersection(words)) or any(part in lowered for part in CALIBRATION_FRAGMENTS)


@lru_cache(maxsize=4096)
def is_eval_data_name(name: str) -> bool:
    """`val_loader`, `testset`, `X_test`: evaluation data by name. A name that also says training
    (`train_eval_loader`: the training set, evaluated) is not. (Asked of every assigned name and
    loader; names repeat.)"""
    words = tokens(name)
    if "train" in words or "training" in words:
        return False
    for word in words:
        if word in EVAL_DATA_WORDS:
            return True
        for prefix in EVAL_DATA_WORDS:
            if word.startswith(prefix) and word[len(prefix):] in DATA_SUFFIXES:
                return True
            if word.endswith(prefix) and word[: -len(prefix)] in DATA_SUFFIXES:
                return True
    return False


def _string_value(node) -> Optional[str]:
    if type(node) is cst.SimpleString:
        try:
            value = literal(node)
            return value if isinstance(value, str) else None
        except Exception:  # pragma: no cover - odd literals
            return None
    return None


def built_for_eval(call: cst.Call) -> Optional[str]:
    """Evidence that a dataset/loader call builds evaluation data: `train=False`, `split="val"`, ..."""
    train = keyword(call, "train")
    if type(train) is cst.Name and train.value == "False":
        return "`train=False`"
    for name in SPLIT_KEYWORDS:
        text = _string_value(keyword(call, name))
        if text is not None and is_eval_data_name(text):
            return f'`{name}="{text}"`'
    for arg in call.args[:1]:
        text = _string_value(arg.value)
        if text is not None and any(is_eval_data_name(part) for part in text.replace("\\", "/").split("/")):
            return f'the path "{text}"'
    return None


def eval_iterable(model, expr, depth: int = 0) -> Optional[str]:
    """Why `expr` (the iterable of a `for`) is evaluation data, or None."""
    if depth > 3:
        return None
    if type(expr) is cst.Call:
        func_name = dotted(expr.func) or ""
        if func_name.split(".")[-1] in _ITERABLE_WRAPPERS:
            for arg in expr.args:
                found = eval_iterable(model, arg.value, depth + 1)
                if found:
                    return found
            return None
        evidence = built_for_eval(expr)
        if evidence:
            return f"it iterates over data built with {evidence}"
        if expr.args and has_role(model.qualify(expr.func), "loader"):  # `DataLoader(test_set)`
            return eval_iterable(model, expr.args[0].value, depth + 1)
        if type(expr.func) is cst.Attribute:  # `val_ds.batch(32)`, `val_loader.items()`
            return eval_iterable(model, expr.func.value, depth + 1)
        return None
    if type(expr) is cst.Subscript:
        return eval_iterable(model, expr.value, depth + 1)
    name = dotted(expr)
    if name is None:
        return None
    last = name.split(".")[-1]
    if is_eval_data_name(last):
        return f"it iterates over `{name}`"
    for value in (model.reaching(name, expr) if depth == 0 else model.assignments.get(name, ()))[:3]:
        found = eval_iterable(model, value, depth + 1)
        if found:
            return found.replace("over data built", f"over `{name}`, built") if "data built" in found else found
    return None


def train_iterable(expr) -> bool:
    """Is this (the iterable of a `for`) named as training data: `train_loader`, `enumerate(trainloader)`?"""
    while type(expr) is cst.Call:
        func_name = (dotted(expr.func) or "").split(".")[-1]
        if func_name not in _ITERABLE_WRAPPERS or not expr.args:
            return False
        expr = expr.args[0].value
    name = dotted(expr)
    if name is None:
        return False
    return any(w in ("train", "training") or (w.startswith("train") and w[5:] in DATA_SUFFIXES)
               for w in tokens(name.rsplit(".", 1)[-1]))


def updates_weights(site) -> bool:
    """An optimizer step: `optimizer.step()`, `scaler.step(optimizer)`, `apply_gradients`, `minimize`."""
    func = site.node.func
    return (type(func) is cst.Attribute and func.attr.value in ("step", "apply_gradients", "minimize")
            and is_training_step(site, manual_only=True))


def is_training_step(site, manual_only: bool = False) -> bool:
    """Does this call update weights or compute gradients? (`loss.backward()`, `optimizer.step()`,
    `tape.gradient(...)`, `jax.grad(...)`; and `model.fit(...)` unless `manual_only`)"""
    if has_role(site.qualname, "training-step"):
        return True
    func = site.node.func
    if type(func) is not cst.Attribute:
        return False
    method = func.attr.value
    if method_has_role(method, "training-step") or (method_has_role(method, "fit") and not manual_only):
        return True
    tape = method_has_role(method, "tape-gradient")
    if not tape and not method_has_role(method, "optimizer-step"):
        return False  # most calls: the receiver's name is not asked
    receiver = dotted(func.value) or ""
    words = tokens(receiver.split(".")[-1]) if receiver else []
    if tape:
        return "tape" in words
    if method == "zero_grad":
        return False  # clears gradients; alone it trains nothing (evaluation loops call it too)
    if NOT_OPTIMIZER_WORDS.intersection(words):
        return False
    return any(w.startswith("optim") or w in OPTIMIZER_WORDS for w in words)


def grad_effect(model, expr) -> Optional[GradEffect]:
    """OFF, ON or EITHER for a context manager / decorator expression, None if unrelated."""
    target = expr.func if type(expr) is cst.Call else expr
    qualname = model.qualify(target)
    name = (qualname or dotted(target) or "").split(".")[-1].lower()
    if has_role(qualname, "grad-off") or "no_grad" in name or "inference_mode" in name:
        return Grad.OFF
    if has_role(qualname, "grad-on"):
        return Grad.ON
    if has_role(qualname, "grad-set") and type(expr) is cst.Call and expr.args:
        flag = expr.args[0].value
        if type(flag) is cst.Name and flag.value in ("True", "False"):
            return Grad.ON if flag.value == "True" else Grad.OFF
        return GradChoice.EITHER
    return None


def framework_hook(info) -> Optional[str]:
    """The role of a method that a framework calls itself (Lightning's `validation_step`), or None.
    A class without base classes is no framework's subclass: its methods are the user's own."""
    cls = info.cls
    if cls is None or info.parent is not None or not [b for b in cls.bases if b not in ("object", "")]:
        return None
    return hook_role(info.name, cls.framework)


def function_context(model, info, trains: bool, trains_directly: bool, manual: bool) -> Context:
    """A function's own context from its name, hooks and decorators (loops refine it). A function
    that trains anywhere is no evaluation; its own body is a training step only if it trains there."""
    name = info.name
    role = framework_hook(info)
    if role == "managed-eval":
        return Context(MANAGED, f"`{name}` is called by the framework in eval mode", info.node)
    evaluates = eval_word(name) and not TRAINING_WORDS.intersection(tokens(name))
    eval_evidence = f"`{name}` is an evaluation function" if evaluates else ""
    if role == "managed-train" or trains_directly:
        return Context(TRAIN, f"`{name}` performs a training step", info.node, manual=role is None and manual,
                       eval_evidence=eval_evidence if role is None else "")
    if trains:
        return Context(UNKNOWN, eval_evidence=eval_evidence)
    if role == "eval-step":
        return Context(EVAL, f"`{name}` is the framework's evaluation step", info.node)
    if is_calibration(name):
        return Context(MANAGED, f"`{name}` updates statistics on purpose", info.node)
    if eval_word(name):
        return Context(EVAL, f"`{name}` is an evaluation function", info.node, by_name=True)
    return Context(UNKNOWN)
