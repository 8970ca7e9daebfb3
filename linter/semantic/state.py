"""Layer 5: state. A flow-sensitive pass over each function for the mode of every model and the grad
state, with per-function summaries so that `train(); validate()` inside an epoch loop is understood.

Each function (and the module body) is interpreted once (`interpreter.py`), from an ENTRY state: a
model's mode at entry is whatever the caller had. The pass records (`facts.py`)
- observations: forward calls of a model with the possible modes there, the context (train/eval,
  with evidence) and the grad state; and calls of summarised functions with the caller's modes;
- a summary: the function's effect on the mode of each parameter, `self.<attr>` and global, and
  which of them it evaluates or trains while their mode is still the caller's.
Branches join (union of facts); loops iterate to a fixpoint, so a mode set at the end of the body
reaches its head. This module holds the `Analysis` of one file, which runs the pass and answers the
rules' questions about it (is a model trained here, loaded, mode-free; is this an inference script).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Set, Tuple

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role, method_has_role
from skewlint.adapters.vocabulary import MANAGED_COPY_WORDS, OPTIMIZER_NAME_PATTERN
from skewlint.semantic.branches import live_parts
from skewlint.semantic.contexts import EVAL, Context, is_pytest_file, is_training_step, updates_weights
from skewlint.semantic.kinds import Grad
from skewlint.semantic.model import FunctionInfo, SemanticModel
from skewlint.semantic.walk import descendants
from skewlint.semantic.names import dotted, keyword, last_name, strip_module, tokens
from skewlint.semantic.facts import (
    TRAIN_MODE, EVAL_MODE, ON, FROM_CALLER, ANYWHERE, DIRECTLY, MANUALLY, Fact, ENTRY_FACTS, Observation,
    Accumulation, Summary, touch_key,
)
from skewlint.semantic.walk import child_blocks, statements
from skewlint.semantic.interpreter import Interpreter

_OPTIMIZER_NAMES = re.compile(OPTIMIZER_NAME_PATTERN)


@lru_cache(maxsize=4096)
def _names_optimizer(name: str) -> bool:
    """Does a callable's name say it builds an optimizer? (Asked of every call; names repeat.)"""
    return bool(_OPTIMIZER_NAMES.search(name.lower()))


class Analysis:
    """The analysis of one file: run once, queried by every rule."""

    def __init__(self, model: SemanticModel):
        self.model = model
        self.observations: Dict[tuple, Observation] = {}
        self.contexts: Dict[cst.Call, tuple] = {}  # call -> (Context, grad state)
        self.function_contexts: Dict[Optional[FunctionInfo], Context] = {}
        self.summaries: Dict[FunctionInfo, Optional[Summary]] = {}
        # The grad states at the calls of each function, with the calling function.
        self.call_grads: Dict[FunctionInfo, Set[Tuple[Grad, Optional[FunctionInfo]]]] = {}
        self.call_kinds: Dict[FunctionInfo, set] = {}  # whether its calls pass constants to its tests
        self.accumulations: Dict[cst.CSTNode, Accumulation] = {}
        self.mode_touched: set = set()  # (class, key) that some code switches or hands to unknown code
        self._steps: Dict[object, int] = {}
        self.training_file = any(self.steps(statement) & ANYWHERE for statement in model.calls_by_statement) or any(
            _trains_elsewhere(site) for site in model.calls)
        self.optimized = _optimized_models(model)  # models whose parameters an optimizer updates
        self.loaded = _loaded_models(model)
        self.weights_loaded = next((s.node for s in model.calls if _loads_weights(s)), None)
        self.pytest = is_pytest_file(model.path)  # pytest files have no evaluation contexts
        self.module_facts: Dict[str, FrozenSet[Fact]] = {}
        # Functions evaluating by their name only (`infer`) that a training step calls: not evaluations.
        self.trained_through: set = set()
        self.backpropagated: Dict[Optional[FunctionInfo], Dict[str, set]] = {}  # what `.backward()` is called on
        self.loop_backward: Dict[int, set] = {}  # id(outermost loop) -> what `.backward()` is called on in it

    def run(self) -> "Analysis":
        Interpreter(self, None).run()
        for info in self.model.functions:
            self.summary(info)
        # A function that every call of the file specializes (`run_epoch(..., "val")`) is seen through
        # those calls: its unspecialized reading would join branches that no call takes together.
        specialized = {info for info, kinds in self.call_kinds.items() if kinds == {True}}
        if specialized:
            self.observations = {k: o for k, o in self.observations.items()
                                 if k[2] or o.function not in specialized}
        self._never_switched()
        return self

    def _never_switched(self) -> None:
        """A model built in `__init__` (or at module level) and never switched by any code of the file
        is still in its construction mode when a method (or function) evaluates it."""
        for observation in list(self.observations.values()):
            if observation.context.kind != EVAL or observation.facts != ENTRY_FACTS or observation.via:
                continue
            if observation.function is None or touch_key(observation.function, observation.key) in self.mode_touched:
                continue
            facts = self._construction_facts(observation.function, observation.key)
            if facts and all(f.mode in (TRAIN_MODE, EVAL_MODE) and not f.by_call for f in facts):
                observation.facts = facts

    def _construction_facts(self, info: FunctionInfo, key: str):
        head, _, rest = key.partition(".")
        if head == "self" and info.cls is not None:
            init = self.model.inherited("__init__", info.cls)
            summary = self.summaries.get(init) if init is not None else None
            return summary.exit.get(key) if summary else None
        if "." not in key and key not in info.params:
            return self.module_facts.get(key)
        return None

    def steps(self, statement, bindings=None) -> int:
        """Which training steps a statement performs (nested definitions excluded), as bits: ANYWHERE,
        DIRECTLY (not through a nested loop: an epoch loop trains through its batch loop) and
        MANUALLY (an optimizer step the code takes itself, directly). Every block the interpreter
        enters asks, for each of its statements, so each is computed once, bottom up."""
        # Nodes outlive the analysis (their own hash is a Python call); a loop followed one value
        # at a time asks again under each value (the bindings are constants).
        key = (id(statement), tuple(bindings.items())) if bindings else id(statement)
        found = self._steps.get(key)
        if found is not None:
            return found
        found = 0
        if type(statement) not in (cst.FunctionDef, cst.ClassDef):
            sites = self.model.calls_by_statement.get(statement, ())
            if any(is_training_step(site) for site in sites):
                found = ANYWHERE | DIRECTLY | (MANUALLY if any(updates_weights(site) for site in sites) else 0)
            if type(statement) not in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
                inside = 0
                live = live_parts(statement, bindings)
                for block in child_blocks(statement) if live is None else map(statements, live):
                    for child in block:
                        inside |= self.steps(child, bindings)
                found |= inside & ANYWHERE if type(statement) in (cst.For, cst.While) else inside
            if found and type(statement) in (cst.For, cst.While):
                found = ANYWHERE
        self._steps[key] = found
        return found

    def trains(self, statements, bit: int = ANYWHERE, bindings=None) -> bool:
        return any(self.steps(statement, bindings) & bit for statement in statements)

    def summary(self, info: FunctionInfo, bindings: Optional[Dict[str, object]] = None) -> Optional[Summary]:
        """The function's summary; with `bindings`, for a call that passes those constants to the
        parameters its branches test (`train_and_valid(..., is_train=False)`)."""
        key = (info, tuple(sorted(bindings.items(), key=repr))) if bindings else info
        if key not in self.summaries:
            self.summaries[key] = None  # recursion: a call to a function being analysed is unknown
            self.summaries[key] = Interpreter(self, info, bindings).run()
        return self.summaries[key]

    def observe(self, observation: Observation, bindings=None) -> None:
        """One observation per call and model (the last pass of a loop decides), and per value of the
        loop variables that a loop is followed with."""
        variant = tuple(sorted(bindings.items(), key=repr)) if bindings else ()
        self.observations[(observation.node, observation.key, variant)] = observation

    def entry_grad(self, info: Optional[FunctionInfo],
                   seen: Optional[Set[Optional[FunctionInfo]]] = None) -> FrozenSet[Grad]:
        """The grad states a function can be entered with: from its calls in this file, else ON."""
        if info is None:
            return frozenset({ON})
        grads = self.call_grads.get(info)
        if not grads:
            return frozenset({ON})
        seen = (seen or set()) | {info}
        result = set()
        for grad, caller in grads:
            if grad == FROM_CALLER:
                result |= {ON} if caller in seen else self.entry_grad(caller, seen)
            else:
                result.add(grad)
        return frozenset(result)

    def resolved_grad(self, observation: Observation) -> FrozenSet[Grad]:
        result = set()
        for grad in observation.grad:
            result |= self.entry_grad(observation.function) if grad == FROM_CALLER else {grad}
        return frozenset(result)

    def trained(self, key: str, function: Optional[FunctionInfo] = None) -> bool:
        """Is this model trained in this file (optimizer over its parameters, or `.train()` on it)?"""
        return _same_model(key, self.optimized, function)

    def has_weights(self, key: str, fact: Fact, function: Optional[FunctionInfo] = None) -> bool:
        """Does the model hold trained weights: trained or loaded in this file, or built pretrained?
        (A freshly built model fed random input is a shape check, not an evaluation.)"""
        if self.trained(key, function) or _same_model(key, self.loaded, function):
            return True
        call = fact.node
        if fact.by_call or type(call) is not cst.Call:
            return True
        if has_role(self.model.qualify(call.func), "pretrained-factory"):
            return True
        for name in ("pretrained", "weights", "checkpoint_path", "pretrained_cfg"):
            value = keyword(call, name)
            if value is not None and not (type(value) is cst.Name and value.value in ("False", "None")):
                return True
        return False

    def mode_free(self, key: str, facts, function: Optional[FunctionInfo] = None) -> bool:
        """Is every model this key may hold (in `function`) built from mode-free layers only?"""
        built = [self.model.construction(f.node) if type(f.node) is cst.Call else None for f in facts]
        calls = [b[2] for b in built if b is not None]
        if calls and None not in built:
            return all(self.model.mode_free(call) for call in calls)  # the constructions that reach here
        for value in self.model.bindings_in(key, function):
            built = self.model.construction(value)
            if built is not None:
                calls.append(built[2])
            elif type(value) is cst.Call and (self.model.qualify(value.func) or "").startswith("torch.nn.") and \
                    not has_role(self.model.qualify(value.func), "model-wrapper"):  # `DataParallel(model)`: the same model
                calls.append(value)  # a bare layer trained as the model
            elif type(value) is cst.Call and type(value.func) is cst.Name and (
                    self.model.local_class(value.func.value) or value.func.value in self.model.unreadable):
                calls.append(value)  # a class of the file (`class Scaled(nn.Linear)`), or of a cell that does not parse
        return bool(calls) and all(self.model.mode_free(call) for call in calls)

    def inference_script(self) -> bool:
        return self.weights_loaded is not None and not self.training_file


def _optimized_models(model: SemanticModel) -> Dict[str, set]:
    """Models whose `.parameters()` reach an optimizer's constructor, models put in train mode
    somewhere and models a framework fits: these are trained; a frozen feature extractor set to eval
    on purpose is neither. Name -> the functions where the evidence is (None for the module body)."""
    found: Dict[str, set] = {}
    for site in model.calls:
        func = site.node.func
        if type(func) is cst.Attribute and (func.attr.value == "train" or (
                method_has_role(func.attr.value, "fit") and model.is_model(func.value))):  # Keras `model.fit(...)`
            found.setdefault(strip_module(dotted(func.value) or ""), set()).add(site.function)
        name = site.qualname.rsplit(".", 1)[-1] if site.qualname else last_name(func)
        if not _names_optimizer(name):
            continue
        for arg in site.node.args:
            for node in descendants(arg.value):
                if type(node) is cst.Call and type(node.func) is cst.Attribute and \
                        node.func.attr.value in ("parameters", "named_parameters"):
                    found.setdefault(strip_module(dotted(node.func.value) or ""), set()).add(site.function)
    found.pop("", None)
    return found


def _loaded_models(model: SemanticModel) -> Dict[str, set]:
    found: Dict[str, set] = {}
    for site in model.calls:
        func = site.node.func
        if type(func) is cst.Attribute and method_has_role(func.attr.value, "weights-load"):
            found.setdefault(strip_module(dotted(func.value) or ""), set()).add(site.function)
    found.pop("", None)
    return found


def _same_model(key: str, evidence: Dict[str, set], function: Optional[FunctionInfo] = None) -> bool:
    """Is there evidence for `key` (up to `.module` wrappers) that applies where it is used? A name
    local to a function needs evidence in that function or the module body; `self.x` in its class;
    a parameter or a global, anywhere."""
    functions = evidence.get(strip_module(key))
    if not functions:
        return False
    if function is None or key.split(".")[0] in function.params:
        return True
    if key.startswith("self."):
        return any(f is not None and f.cls is function.cls for f in functions)
    return function in functions or None in functions


def is_managed_copy(key: str) -> bool:
    """EMA, teacher and target networks: their mode is managed on purpose
    (fixtures/model_mode/must_not_fire_managed_and_unknown.py)."""
    return bool(MANAGED_COPY_WORDS.intersection(tokens(key.rsplit(".", 1)[-1])))


def _trains_elsewhere(site) -> bool:
    """Signs of training done by code this file calls: `train_one_epoch(...)` imported from a sibling
    module, an optimizer or scheduler built here, `model.train()`. Such a file is no inference script."""
    func = site.node.func
    name = last_name(func)
    words = set(tokens(name))
    if type(func) is cst.Attribute and name == "train" and not site.node.args:
        return True
    if {"train", "training", "fit"} & words and type(func) is not cst.Attribute:
        return True
    return _names_optimizer(name) or "scheduler" in words


def _loads_weights(site) -> bool:
    if has_role(site.qualname, "weights-load"):
        return True
    func = site.node.func
    return type(func) is cst.Attribute and method_has_role(func.attr.value, "weights-load")


def analyse(model: SemanticModel) -> Analysis:
    return Analysis(model).run()
