"""Layer 5: state. A flow-sensitive pass over each function for the mode of every model and the grad
state, with per-function summaries so that `train(); validate()` inside an epoch loop is understood.

Each function (and the module body) is interpreted once, from an ENTRY state: a model's mode at
entry is whatever the caller had. The pass records
- observations: forward calls of a model with the possible modes there, the context (train/eval,
  with evidence) and the grad state; and calls of summarised functions with the caller's modes;
- a summary: the function's effect on the mode of each parameter, `self.<attr>` and global, and
  which of them it evaluates or trains while their mode is still the caller's.
Branches join (union of facts); loops iterate to a fixpoint, so a mode set at the end of the body
reaches its head.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role, method_has_role
from skewlint.adapters.vocabulary import (
    MANAGED_COPY_WORDS, MODE_KEEPING_CALLS, MODEL_WORDS, NOT_MODEL_WORDS, OPTIMIZER_NAME_PATTERN, TRAINING_WORDS,
)
from skewlint.semantic.branches import constant_arguments, decide, literal_values, live_parts
from skewlint.semantic.contexts import (
    EVAL,
    MANAGED,
    TRAIN,
    UNKNOWN,
    Context,
    eval_iterable,
    framework_hook,
    function_context,
    grad_effect,
    is_eval_data_name,
    is_pytest_file,
    is_training_step,
    train_iterable,
    updates_weights,
)
from skewlint.semantic.model import SAME_MODULE_METHODS, FunctionInfo, SemanticModel, mode_set_by, same_model
from skewlint.semantic.walk import descendants
from skewlint.semantic.names import argument, chain_root, dotted, keyword, last_name, strip_module, tokens

TRAIN_MODE, EVAL_MODE, UNKNOWN_MODE, ENTRY = "train", "eval", "unknown", "entry"
ON, OFF, FROM_CALLER = "on", "off", "entry"
ANYWHERE, DIRECTLY, MANUALLY = 1, 2, 4  # where a statement's training steps are (Analysis.steps)
_MAX_LOOP_PASSES = 4
_EACH = ".[]"  # the key suffix of "each element of" a list parameter a function loops over
_OPTIMIZER_NAMES = re.compile(OPTIMIZER_NAME_PATTERN)


@dataclass(frozen=True)
class Fact:
    """One possible mode of a model, and where it came from (for messages)."""

    mode: str
    node: object = field(default=None, repr=False)
    how: str = ""
    by_call: bool = False  # set by `.eval()`/`.train()` (directly or in a called function)
    framework: str = ""
    inferred: bool = False  # TRAIN because a training step just ran on it (no call set it)


ENTRY_FACTS = frozenset({Fact(ENTRY)})


@dataclass
class Observation:
    node: cst.Call  # a forward call, or the call of a function that evaluates or trains the model
    key: str
    facts: FrozenSet[Fact]
    context: Context
    grad: FrozenSet[str]
    function: Optional[FunctionInfo]
    via: Optional["Observation"] = None  # for calls of summarised functions: the inner observation
    generate: bool = False  # HF `generate()`: a forward that disables gradients itself
    per_value: bool = False  # seen on one value of a loop variable (`phase == "val"`): no fix fits all

    def modes(self) -> set:
        return {fact.mode for fact in self.facts}

    def frameworks(self) -> set:
        return {fact.framework for fact in self.facts if fact.mode in (TRAIN_MODE, EVAL_MODE)}


@dataclass
class Accumulation:
    """`total += loss` / `losses.append(out)` in a loop, where the value may carry a graph."""

    node: cst.CSTNode  # the statement
    target: str
    value: str
    grad: FrozenSet[str]
    function: Optional[FunctionInfo]
    statement: cst.CSTNode
    context: Context


@dataclass
class Summary:
    exit: Dict[str, FrozenSet[Fact]] = field(default_factory=dict)
    evaluates: Dict[str, Observation] = field(default_factory=dict)
    trains: Dict[str, Observation] = field(default_factory=dict)
    # Forwards of a caller's model in no context of their own (`self._forward_pass(x)`): they run in
    # the context of the call.
    forwards: Dict[str, Observation] = field(default_factory=dict)


class State:
    __slots__ = ("modes", "grad", "graph")

    def __init__(self, modes=None, grad=frozenset({ON}), graph=frozenset()):
        self.modes: Dict[str, FrozenSet[Fact]] = dict(modes or {})
        self.grad: FrozenSet[str] = grad
        self.graph: FrozenSet[str] = graph  # names that may hold a tensor carrying an autograd graph

    def copy(self) -> "State":
        return State(self.modes, self.grad, self.graph)

    def get(self, key: str) -> FrozenSet[Fact]:
        return self.modes.get(key, ENTRY_FACTS)

    def __eq__(self, other) -> bool:
        return (isinstance(other, State) and self.modes == other.modes and self.grad == other.grad
                and self.graph == other.graph)


def join(*states: Optional[State]) -> Optional[State]:
    live = [s for s in states if s is not None]
    if not live:
        return None
    result = live[0].copy()
    for other in live[1:]:
        for key in set(result.modes) | set(other.modes):
            result.modes[key] = result.get(key) | other.get(key)
        result.grad = result.grad | other.grad
        result.graph = result.graph | other.graph
    return result


class Analysis:
    """The analysis of one file: run once, queried by every rule."""

    def __init__(self, model: SemanticModel):
        self.model = model
        self.observations: Dict[tuple, Observation] = {}
        self.contexts: Dict[cst.Call, tuple] = {}  # call -> (Context, grad state)
        self.function_contexts: Dict[Optional[FunctionInfo], Context] = {}
        self.summaries: Dict[FunctionInfo, Optional[Summary]] = {}
        self.call_grads: Dict[FunctionInfo, set] = {}  # grad states at the calls of each function
        self.call_kinds: Dict[FunctionInfo, set] = {}  # whether its calls pass constants to its tests
        self.accumulations: Dict[cst.CSTNode, Accumulation] = {}
        self.mode_touched: set = set()  # (class, key) that some code switches or hands to unknown code
        self._steps: Dict[int, int] = {}
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
        _Interpreter(self, None).run()
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
            if observation.function is None or _touch_key(observation.function, observation.key) in self.mode_touched:
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
        key = id(statement)  # nodes outlive the analysis; their own hash is a Python call
        found = None if bindings else self._steps.get(key)
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
                for block in _child_blocks(statement) if live is None else map(statements, live):
                    for child in block:
                        inside |= self.steps(child, bindings)
                found |= inside & ANYWHERE if type(statement) in (cst.For, cst.While) else inside
            if found and type(statement) in (cst.For, cst.While):
                found = ANYWHERE
        if not bindings:
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
            self.summaries[key] = _Interpreter(self, info, bindings).run()
        return self.summaries[key]

    def observe(self, observation: Observation, bindings=None) -> None:
        """One observation per call and model (the last pass of a loop decides), and per value of the
        loop variables that a loop is followed with."""
        variant = tuple(sorted(bindings.items(), key=repr)) if bindings else ()
        self.observations[(observation.node, observation.key, variant)] = observation

    def entry_grad(self, info: Optional[FunctionInfo], seen=None) -> FrozenSet[str]:
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

    def resolved_grad(self, observation: Observation) -> FrozenSet[str]:
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
        if not _OPTIMIZER_NAMES.search(name.lower()):
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
    """EMA, teacher and target networks: their mode is managed on purpose (RULES.md must-not-fire)."""
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
    return bool(_OPTIMIZER_NAMES.search(name.lower())) or "scheduler" in words


def _touch_key(info: Optional[FunctionInfo], key: str) -> tuple:
    """`self.<attr>` keys are per class; other names are per file."""
    owner = info.cls if info is not None and key.startswith("self.") else None
    return owner, key


def _loads_weights(site) -> bool:
    if has_role(site.qualname, "weights-load"):
        return True
    func = site.node.func
    return type(func) is cst.Attribute and method_has_role(func.attr.value, "weights-load")


class _Interpreter:
    def __init__(self, analysis: Analysis, info: Optional[FunctionInfo], bindings=None):
        self.analysis = analysis
        self.model = analysis.model
        self.info = info
        self.summary = Summary()
        self.aliases: Dict[str, str] = {}
        self.returns: List[State] = []
        self.loops: List[tuple] = []  # (continue states, break states)
        self.loop_nodes: List[cst.CSTNode] = []
        self.steps_follow = False  # does a training step follow, later in an enclosing block of the loop?
        self._loop_assigned: Dict[cst.CSTNode, set] = {}
        self.params = set(info.params) if info is not None else set()
        self.locals: set = set()  # names bound in this function: not visible to callers
        # Loop variables followed one constant at a time, and parameters a call passes constants to.
        self.bindings: Dict[str, object] = dict(bindings or {})
        self.not_modules: frozenset = frozenset()  # keys an `isinstance(x, nn.Module)` test says are not

    # entry and exit ------------------------------------------------------------------------------
    def run(self) -> Summary:
        model, info = self.model, self.info
        if info is None:
            body = model.module.body
            context = Context(UNKNOWN)
            if self.analysis.inference_script():
                context = Context(EVAL, "this script loads weights and never trains", self.analysis.weights_loaded)
            state = State(grad=frozenset({ON}))
        else:
            body = statements(info.node.body)
            bound = self.bindings
            trains = self.analysis.trains
            context = function_context(model, info, trains(body, ANYWHERE, bound), trains(body, DIRECTLY, bound),
                                       trains(body, MANUALLY, bound))
            if bound and context.kind != TRAIN and trains(body) and not self.analysis.pytest:
                passed = ", ".join(f"{name}={value!r}" for name, value in bound.items())
                context = Context(EVAL, f"`{info.name}({passed})` takes none of the training steps it takes "
                                        "with other arguments", info.node)
            grad = frozenset({FROM_CALLER})
            for decorator in info.node.decorators:
                effect = grad_effect(model, decorator.decorator)
                if effect is not None:
                    grad = _grad_set(effect)
                    if effect == OFF and context.kind == UNKNOWN:
                        context = Context(EVAL, f"`{info.name}` runs under `@{dotted(_callee(decorator.decorator))}`",
                                          info.node, by_grad=True)
            if framework_hook(info) == "managed-eval":
                grad = frozenset({OFF})
            if context.kind == UNKNOWN and info.name == "main" and info.cls is None and \
                    self.analysis.inference_script():
                context = Context(EVAL, "this script loads weights and never trains", self.analysis.weights_loaded)
            state = State(grad=grad)
        if self.analysis.pytest:
            context = Context(UNKNOWN)
        self.analysis.function_contexts[info] = context
        trains = [bool(self.analysis.steps(s) & ANYWHERE) for s in body]
        if context.kind == UNKNOWN and any(trains) and not self.analysis.pytest:
            # What a script does with a model once a training loop is over is inference: the statements
            # after a training statement (up to the next one) run in that context.
            end, start = state, 0
            for index in range(1, len(body) + 1):
                if index == len(body) or trains[index] != trains[start]:
                    here = context if trains[start] or not any(trains[:start]) else \
                        Context(EVAL, "it runs after training has ended", body[start - 1], after_training=True)
                    end = self.block(body[start:index], end, here) if end is not None else None
                    start = index
        else:
            end = self.block(body, state, context)
        final = join(end, *self.returns)
        if info is None and final is not None:
            self.analysis.module_facts = final.modes
        if final is not None:
            for key, facts in final.modes.items():
                if facts != ENTRY_FACTS and self.visible(key):
                    self.summary.exit[key] = facts
        return self.summary

    def visible(self, key: str) -> bool:
        """Is this model visible to callers: a parameter, `self.<attr>` or a global?"""
        head = key.split(".")[0]
        return self.info is not None and (head in self.params or head == "self" or head not in self.locals)

    # statements ----------------------------------------------------------------------------------
    def block(self, statements, state: Optional[State], context: Context) -> Optional[State]:
        outer_follows = self.steps_follow
        # steps_from[i]: is there a training step in statements[i:]? Asked only in a training region
        # (a loop body starts its own region; nested blocks keep this context or leave training).
        steps_from = [outer_follows] * (len(statements) + 1)
        if context.kind == TRAIN and not context.after_step and not outer_follows:
            for index in range(len(statements) - 1, -1, -1):
                steps_from[index] = steps_from[index + 1] or bool(self.analysis.steps(statements[index], self.bindings) & DIRECTLY)
        drawn = None  # a periodic evaluation: a batch of evaluation data drawn after the training step
        for index, statement in enumerate(statements):
            if state is None:
                break
            here = context
            if context.kind == TRAIN and not context.after_step and not steps_from[index]:
                # Code after the last training step of its loop (logging, a periodic evaluation after
                # `.eval()`) is no training step, though it runs in a training loop.
                here = dataclasses.replace(context, after_step=True)
            if here.kind == TRAIN and here.after_step:
                drawn = drawn or self._eval_batch(statement)
                if drawn:
                    here = Context(EVAL, drawn, statement)
            self.steps_follow = steps_from[index + 1]
            state = self.statement(statement, state, here)
        self.steps_follow = outer_follows
        return state

    def _eval_batch(self, statement) -> Optional[str]:
        """Evidence that a statement draws one batch of evaluation data: `next(iter(test_loader))`."""
        for site in self.model.calls_by_statement.get(statement, ()):
            call = site.node
            if type(call.func) is cst.Name and call.func.value == "next" and call.args:
                evidence = eval_iterable(self.model, call.args[0].value)
                if evidence:
                    return evidence.replace("it iterates over", "it evaluates a batch drawn from", 1)
        return None

    def statement(self, node, state: State, context: Context) -> Optional[State]:
        if type(node) in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
            return self.simple(node, state, context)
        if type(node) in (cst.FunctionDef, cst.ClassDef):
            return state
        self.calls(node, state, context)  # the header: `if` test, `for` iterable, `with` items
        if type(node) is cst.If:
            live = live_parts(node, self.bindings)
            if live is not None:  # decided by a loop variable's value
                return self.block(statements(live[0]), state, context) if live else state
            module, negated = self._module_test(node.test)
            outer = self.not_modules
            # `if isinstance(net, nn.Module): ... else: net(X)`: in the other branch it is a function
            self.not_modules = outer | {module} if module and negated else outer
            then = self.block(statements(node.body), state.copy(), context)
            self.not_modules = outer | {module} if module and not negated else outer
            other = self.orelse(node.orelse, state, context)
            self.not_modules = outer
            return join(then, other)
        if type(node) in (cst.For, cst.While):
            return self.loop(node, state, context)
        if type(node) is cst.With:
            return self.with_block(node, state, context)
        if type(node) in (cst.Try, cst.TryStar):
            body = self.block(statements(node.body), state.copy(), context)
            start = join(state, body)
            handlers = [self.block(statements(h), start.copy(), context) for h in node.handlers]
            other = self.block(statements(node.orelse), body, context) if node.orelse and body else body
            end = join(other, *handlers)
            if node.finalbody is not None and end is not None:
                end = self.block(statements(node.finalbody), end, context)
            return end
        if type(node) is cst.Match:
            branches = [self.block(statements(case), state.copy(), context) for case in node.cases]
            return join(state, *branches)
        return state

    def orelse(self, node, state: State, context: Context) -> Optional[State]:
        if node is None:
            return state.copy()
        if type(node) is cst.If:
            return self.statement(node, state.copy(), context)
        return self.block(statements(node), state.copy(), context)

    def simple(self, node, state: State, context: Context) -> Optional[State]:
        self.calls(node, state, context)
        for small in node.body:
            if type(small) is cst.Assign:
                for target in small.targets:
                    if type(small.value) is cst.BinaryOperation and dotted(small.value.left) == dotted(target.target):
                        self.accumulate(small, target.target, small.value.right, state, node, context)
                    self.assign(target.target, small.value, state)
            elif type(small) is cst.AnnAssign and small.value is not None:
                self.assign(small.target, small.value, state)
            elif type(small) is cst.AugAssign:
                self.accumulate(small, small.target, small.value, state, node, context)
                name = dotted(small.target)
                if name is not None and self.carries_graph(small.value, state):
                    state.graph = state.graph | {name}
            elif type(small) is cst.Expr and type(small.value) is cst.Call:
                call = small.value
                effect = grad_effect(self.model, call)
                qualname = self.model.qualify(call.func)
                if effect is not None and has_role(qualname, "grad-set"):
                    state.grad = _grad_set(effect)
                if type(call.func) is cst.Attribute and call.func.attr.value in ("append", "extend") and call.args:
                    self.accumulate(small, call.func.value, call.args[0].value, state, node, context)
            elif type(small) in (cst.Return, cst.Raise):
                if type(small) is cst.Return:
                    self.returns.append(state)
                return None
            elif type(small) is cst.Continue and self.loops:
                self.loops[-1][0].append(state)
                return None
            elif type(small) is cst.Break and self.loops:
                self.loops[-1][1].append(state)
                return None
        return state

    def loop(self, node, state: State, context: Context) -> Optional[State]:
        values = literal_values(node, self.model.assignments)
        if values is not None:
            return self.unrolled(node, values, state, context)
        inner = self.loop_context(node, context)
        head = state
        if type(node) is cst.For and self.loop_nodes and self.carries_graph(node.iter, state):
            # `for head in outputs:` each element of a graph-carrying value carries it too
            head = state.copy()
            head.graph = head.graph | {n for n in map(dotted, _targets(node.target)) if n is not None}
        each = type(node) is cst.For and type(node.target) is cst.Name and type(node.iter) is cst.Name \
            and node.iter.value in self.params  # `for m in models:` each element of a parameter
        if each:
            self.aliases[node.target.value] = node.iter.value + _EACH
        breaks: List[State] = []
        for _ in range(_MAX_LOOP_PASSES):
            end, continues, breaks = self.iteration(node, head, inner)
            new_head = join(head, end, *continues)
            if new_head == head:
                break
            head = new_head
        if each:
            self.aliases.pop(node.target.value, None)
        # After a loop that runs at least once, only states at the end of an iteration leave it.
        end = join(end, *continues, *breaks) if _runs_once_at_least(node, self.model.assignments) else \
            join(head, *breaks)
        if node.orelse is not None and end is not None:
            end = self.block(statements(node.orelse), end, context)
        return end

    def unrolled(self, node: cst.For, values: list, state: State, context: Context) -> Optional[State]:
        """`for phase in ["train", "val"]:` one iteration per value, in order."""
        name = node.target.value
        outer = self.bindings
        exits: List[State] = []
        for value in values:
            self.bindings = {**outer, name: value}
            end, continues, breaks = self.iteration(node, state, self.loop_context(node, context))
            exits.extend(breaks)
            state = join(end, *continues)
            if state is None:
                break
        self.bindings = outer
        end = join(state, *exits)
        if node.orelse is not None and end is not None:
            end = self.block(statements(node.orelse), end, context)
        return end

    def iteration(self, node, head: State, inner: Context) -> tuple:
        """One pass over a loop's body: its end state, and the states at `continue` and `break`."""
        self.loops.append(([], []))
        self.loop_nodes.append(node)
        outer_follows, self.steps_follow = self.steps_follow, False  # a loop body is its own region
        end = self.block(statements(node.body), head.copy(), inner)
        self.steps_follow = outer_follows
        self.loop_nodes.pop()
        continues, breaks = self.loops.pop()
        return end, continues, breaks

    def loop_context(self, node, context: Context) -> Context:
        inner = context
        body = statements(node.body)
        trains = self.analysis.trains
        evidence = eval_iterable(self.model, node.iter) if type(node) is cst.For else None
        if evidence is None and type(node) is cst.For:
            evidence = self._bound_eval_data(node.iter)
        if self.analysis.pytest:
            pass
        elif trains(body, DIRECTLY, self.bindings):
            # A loop over training data is training, whatever the function is called.
            inherited = "" if type(node) is cst.For and train_iterable(node.iter) else context.eval_evidence
            adapts = self.info is not None and TRAINING_WORDS.intersection(tokens(self.info.name))
            inner = Context(TRAIN, "the loop performs a training step", node,
                            manual=trains(body, MANUALLY, self.bindings),
                            eval_evidence="" if adapts else (evidence or inherited))
        elif evidence and context.kind != MANAGED and not trains(body, ANYWHERE, self.bindings):
            inner = Context(EVAL, evidence, node)
        return inner

    def _module_test(self, test) -> tuple:
        """(key, negated) for `isinstance(key, nn.Module)` or `not isinstance(...)`, else (None, False)."""
        negated = type(test) is cst.UnaryOperation and type(test.operator) is cst.Not
        call = test.expression if negated else test
        if type(call) is cst.Call and dotted(call.func) == "isinstance" and len(call.args) == 2 and \
                has_role(self.model.qualify(call.args[1].value), "model-base"):
            return self.key_of(call.args[0].value), negated
        return None, False

    def _bound_eval_data(self, iterable) -> Optional[str]:
        """`dataloaders[phase]` on the iteration where `phase == "val"`."""
        while type(iterable) is cst.Call and iterable.args:  # `enumerate(...)`, `tqdm(...)`
            iterable = iterable.args[0].value
        if type(iterable) is not cst.Subscript or len(iterable.slice) != 1:
            return None
        index = iterable.slice[0].slice
        if type(index) is cst.Index and type(index.value) is cst.Name:
            value = self.bindings.get(index.value.value)
            if isinstance(value, str) and is_eval_data_name(value):
                return f"it iterates over `{dotted(iterable.value) or 'the data'}[{value!r}]`"
        return None

    def with_block(self, node: cst.With, state: State, context: Context) -> Optional[State]:
        inner_state = state.copy()
        inner = context
        for item in node.items:
            effect = grad_effect(self.model, item.item)
            if effect is None:
                continue
            if effect == "either" and self.bindings:  # `torch.set_grad_enabled(phase == "train")`
                truth = decide(item.item.args[0].value, self.bindings)
                effect = effect if truth is None else (ON if truth else OFF)
            inner_state.grad = _grad_set(effect)
            if effect == OFF and context.kind == UNKNOWN and not self.analysis.pytest:
                inner = Context(EVAL, f"it runs under `{dotted(_callee(item.item))}()`", node, by_grad=True)
        end = self.block(statements(node.body), inner_state, inner)
        if end is not None:
            end.grad = state.grad
        return end

    # calls ---------------------------------------------------------------------------------------
    def calls(self, statement, state: State, context: Context) -> None:
        for site in self.model.calls_by_statement.get(statement, ()):
            if site.function is not self.info:
                continue  # a lambda or a nested definition's decorator
            self.call(site, state, context)

    def call(self, site, state: State, context: Context) -> None:
        node = site.node
        self.analysis.contexts[node] = (context, state.grad)
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in ("eval", "train"):
            key = self.key_of(func.value)
            if key is not None:
                mode = mode_set_by(node, func.attr.value)
                if any(_mentions_training(guard) and decide(guard, self.bindings) is None for guard in site.guards):
                    mode = UNKNOWN_MODE  # `if training: model.train() else: model.eval()` chooses on purpose
                self.set(state, key, frozenset({Fact(mode, node, f"`{dotted(func.value) or key}.{func.attr.value}()`",
                                                      by_call=True)}))
            return
        callee, receiver = self.callee(func)
        if callee is not None:
            self.apply(site, callee, receiver, state, context)
            return
        inherited = self.inherited(func)
        if inherited is not None:
            self.apply_project(site, inherited, state, receiver="self")
            return
        for override in self.overrides(func):
            # `self.validate()` in a base class runs a subclass's method: it is entered with this grad state
            self.analysis.call_grads.setdefault(override, set()).update((g, self.info) for g in state.grad)
        entry = self.model.project_entry(func, "functions") if type(func) is not cst.Attribute or \
            site.qualname is not None else None
        if entry is not None and "exit" in entry.data:
            self.apply_project(site, entry, state)
            return
        key, generate = self.forward_key(func, state)
        if key is not None and key in self.not_modules:
            return  # a plain function in the branch where `isinstance(key, nn.Module)` is false
        if key is not None:
            facts = state.get(key)
            self.observe(node, key, facts, context, state.grad, generate=generate)
            if any(f.mode == ENTRY for f in facts) and context.kind == TRAIN and context.manual and \
                    not context.after_step and self.analysis.trained(key, self.info):
                # A model this function trains runs its training step in the caller's mode, which is
                # training mode (else SKW102 is the caller's): what evaluates it next sees that mode.
                how = f"the training forward `{dotted(func) or key}(...)`"
                self.set(state, key, frozenset({f for f in facts if f.mode != ENTRY} |
                                               {Fact(TRAIN_MODE, node, how, inferred=True)}))
            return
        if has_role(site.qualname, "model-wrapper") or _harmless(func):
            return
        for arg in node.args:
            key = self.key_of(arg.value)
            if key is not None and self._is_model_key(key, state):
                self.set(state, key, frozenset({Fact(UNKNOWN_MODE, node, "a call to code skewlint cannot see")}))

    def set(self, state: State, key: str, facts: FrozenSet[Fact]) -> None:
        state.modes[key] = facts
        if any(f.by_call or f.mode == UNKNOWN_MODE for f in facts):
            self.analysis.mode_touched.add(_touch_key(self.info, key))

    def observe(self, node, key, facts, context, grad, via=None, generate=False) -> None:
        observation = Observation(node, key, facts, context, grad, self.info, via=via, generate=generate,
                                  per_value=bool(self.bindings))
        self.analysis.observe(observation, self.bindings)
        if any(f.mode == ENTRY for f in facts) and self.visible(key):
            target = self.summary.evaluates if context.kind == EVAL else (
                self.summary.trains if context.kind == TRAIN else
                self.summary.forwards if context.kind == UNKNOWN and not self.analysis.pytest else None)
            if target is not None and key not in target:
                target[key] = observation

    def apply(self, site, callee: FunctionInfo, receiver: Optional[str], state: State, context: Context) -> None:
        """A call of a function of this file: apply its summary with the caller's models."""
        self.analysis.call_grads.setdefault(callee, set()).update((g, self.info) for g in state.grad)
        node = site.node
        constants = constant_arguments(node, callee)
        self.analysis.call_kinds.setdefault(callee, set()).add(bool(constants))
        summary = self.analysis.summary(callee, constants)
        mapping = self.arguments(node, callee.params)
        if summary is None:  # recursion
            for key in filter(None, mapping.values()):
                self.set(state, key, frozenset({Fact(UNKNOWN_MODE, node)}))
            return

        def translate(key: str) -> Optional[str]:
            head, dot, rest = key.partition(".")
            if head == "self":
                return f"{receiver}.{rest}" if receiver and rest else None
            if head in mapping:
                return mapping[head] + dot + rest if mapping[head] else None
            return key  # a global

        training_step = context.kind == TRAIN and context.manual and not context.after_step
        for inner in (summary.evaluates, summary.trains):
            for inner_key, observation in inner.items():
                key = translate(inner_key)
                if key is None:
                    continue
                if training_step and observation.context.by_name:
                    # `y = self.infer(x)` inside a training step is part of the training
                    self.analysis.trained_through.add(callee)
                    continue
                self.observe(node, key, state.get(key), observation.context, state.grad, via=observation)
        if context.kind in (EVAL, TRAIN):
            for inner_key, observation in summary.forwards.items():
                key = translate(inner_key)
                if key is not None:  # the helper's forward is this context's
                    self.observe(node, key, state.get(key), context, state.grad,
                                 via=dataclasses.replace(observation, context=context))
        for inner_key, facts in summary.exit.items():
            keys = [translate(inner_key)]
            if inner_key.endswith(_EACH):  # the loop visits every element of a non-empty literal
                keys = self._elements(node, callee, inner_key)
                facts = frozenset(f for f in facts if f.mode != ENTRY) or facts
            for key in keys:
                if key is None:
                    continue
                new = set()
                for fact in facts:
                    if fact.mode == ENTRY:
                        new |= state.get(key)
                    else:
                        new.add(Fact(fact.mode, fact.node, f"{fact.how} in `{callee.name}()`", fact.by_call,
                                     fact.framework))
                self.set(state, key, frozenset(new))

    def _elements(self, call, callee: FunctionInfo, inner_key: str) -> list:
        """`set_mode("eval", [gen, disc])`: the models of a list literal passed to a parameter whose
        elements the function loops over (its summary speaks of `models.[]`)."""
        param = inner_key[: -len(_EACH)]
        if param not in callee.params:
            return []
        value = argument(call, callee.params.index(param), param)
        if type(value) not in (cst.List, cst.Tuple):
            return []
        return [self.key_of(e.value) for e in value.elements if type(e) is cst.Element]

    def arguments(self, call, params) -> Dict[str, Optional[str]]:
        """Each parameter of the called function -> the key of the model the call passes, if any."""
        mapping: Dict[str, Optional[str]] = {}
        for index, param in enumerate(params):
            value = argument(call, index, param)
            mapping[param] = self.key_of(value) if value is not None else None
        return mapping

    def apply_project(self, site, entry, state: State, receiver: Optional[str] = None) -> None:
        """A call of a function (or, with its receiver, a method) of another project file: apply its
        summary from the index."""
        node, data = site.node, entry.data
        where = entry.where(self.model.project)
        params = data["params"]
        if receiver is None:
            mapping = self.arguments(node, params)
        else:
            mapping = {params[0]: receiver, **self.arguments(node, params[1:])}

        def translate(key: str) -> Optional[str]:
            head, dot, rest = key.partition(".")
            return mapping[head] + dot + rest if mapping.get(head) else None

        for inner_key, evidence in data["evaluates"].items():
            key = translate(inner_key)
            if key is not None:
                inner = Observation(node, inner_key, ENTRY_FACTS, Context(EVAL, f"{evidence}, in `{where}`"),
                                    frozenset(), None)
                self.observe(node, key, state.get(key), inner.context, state.grad, via=inner)
        for inner_key, manual in data["trains"].items():
            key = translate(inner_key)
            if key is not None:
                inner = Observation(node, inner_key, ENTRY_FACTS,
                                    Context(TRAIN, f"`{entry.name}()` trains it, in `{where}`", manual=manual),
                                    frozenset(), None)
                self.observe(node, key, state.get(key), inner.context, state.grad, via=inner)
        for inner_key, modes in data["exit"].items():
            key = translate(inner_key)
            if key is None:
                continue
            new = set(state.get(key)) if ENTRY in modes else set()
            new |= {Fact(mode, node, f"`{entry.name}()` (`{where}`)", by_call=True) for mode in modes if mode != ENTRY}
            self.set(state, key, frozenset(new))

    def inherited(self, func):
        """The index's entry for `self.m(...)` when `m` comes from a base class of another file."""
        if type(func) is not cst.Attribute or type(func.value) is not cst.Name or func.value.value != "self" \
                or self.info is None or self.info.cls is None or self.model.project is None:
            return None
        cls, seen = self.info.cls, set()
        while cls is not None and cls.name not in seen:
            seen.add(cls.name)
            for base in cls.bases:
                if self.model.local_class(base) is None:
                    entry = self.model.project.method(base, func.attr.value, self.model.imports.star_modules)
                    if entry is not None:
                        return entry
            cls = next((self.model.local_class(b) for b in cls.bases if self.model.local_class(b)), None)
        return None

    def overrides(self, func) -> list:
        """The methods of this file's subclasses that `self.<name>(...)` may run when this class has none."""
        cls = self.info.cls if self.info is not None else None
        if cls is None or type(func) is not cst.Attribute or dotted(func.value) != "self":
            return []
        model = self.model
        found = []
        for info in model.functions:
            if info.name == func.attr.value and info.cls is not None and info.parent is None and \
                    _derives(model, info.cls, cls):
                found.append(info)
        return found

    def callee(self, func):
        """(function of this file, receiver key) for `f(...)` / `self.m(...)`, else (None, None)."""
        model = self.model
        if type(func) is cst.Name:
            if func.value not in model.function_names:
                return None, None
            for info in model.functions:
                if info.name == func.value and info.cls is None and (
                    info.parent is None or info.parent is self.info
                ):
                    return info, None
            return None, None
        if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value == "self":
            method = model.inherited(func.attr.value, self.info.cls if self.info is not None else None)
            if method is not None:
                return method, "self"
        return None, None

    def forward_key(self, func, state: State):
        """(model key, is `generate`) if this call runs a model's forward pass."""
        generate = False
        if type(func) is cst.Attribute and (
            method_has_role(func.attr.value, "forward") or method_has_role(func.attr.value, "generate")
        ):
            generate = method_has_role(func.attr.value, "generate")
            target = func.value
        else:
            target = func
        if self.model.qualify(target) is not None:
            return None, False
        key = self.key_of(target)
        if key is None or not self._is_model_key(key, state, allow_entry=True):
            return None, False
        return key, generate

    def _is_model_key(self, key: str, state: State, allow_entry: bool = False) -> bool:
        """Is `key` a model here? Known ones always; with `allow_entry`, also a parameter or a
        `self.<attr>` named like a model, whose mode is the caller's (for the summary)."""
        words = tokens(key.rsplit(".", 1)[-1])
        if NOT_MODEL_WORDS.intersection(words):
            return False
        if state.get(key) != ENTRY_FACTS or key in self.model.model_names:
            return True
        if not allow_entry:
            return False
        if key in self.params:
            return True
        head, _, rest = key.partition(".")
        return head == "self" and rest != "" and "." not in rest and bool(MODEL_WORDS.intersection(words))

    def key_of(self, expr) -> Optional[str]:
        """The model an expression denotes: `model.to(dev)`, `DDP(model)`, `model.module`, aliases."""
        for _ in range(8):
            if type(expr) is cst.Call:
                func = expr.func
                if type(func) is cst.Attribute and func.attr.value in SAME_MODULE_METHODS:
                    expr = func.value
                    continue
                if has_role(self.model.qualify(func), "model-wrapper") and expr.args:
                    expr = expr.args[0].value
                    continue
                return None
            break
        text = dotted(expr)
        if text is None:
            return None
        while text.endswith(".module"):
            text = text[: -len(".module")]
        seen = set()
        while text in self.aliases and text not in seen:
            seen.add(text)
            text = self.aliases[text]
        return text

    # autograd graphs (SKW203) -----------------------------------------------------------------
    def carries_graph(self, expr, state: State) -> bool:
        """May this expression be a tensor that carries an autograd graph (a model output, a loss
        computed from one), given the grad state? `.item()`, `.detach()`, `float()` drop it."""
        if state.grad == frozenset({OFF}):
            return False
        if type(expr) is cst.Name:
            return expr.value in state.graph
        if type(expr) is cst.Attribute:
            return expr.attr.value not in _GRAPHLESS_ATTRIBUTES and self.carries_graph(expr.value, state)
        if type(expr) is cst.Subscript:
            return self.carries_graph(expr.value, state)
        if type(expr) is cst.BinaryOperation:
            return self.carries_graph(expr.left, state) or self.carries_graph(expr.right, state)
        if type(expr) is cst.UnaryOperation:
            return self.carries_graph(expr.expression, state)
        if type(expr) in (cst.List, cst.Tuple):
            return any(self.carries_graph(e.value, state) for e in expr.elements)
        if type(expr) is cst.Call:
            func = expr.func
            last = func.attr.value if type(func) is cst.Attribute else (dotted(func) or "").rsplit(".", 1)[-1]
            if last in _DETACHING_CALLS:
                return False
            if type(func) is cst.Attribute and self.carries_graph(func.value, state):
                return True
            key, generate = self.forward_key(func, state)
            if key is not None and not generate:
                return True
            if self._returns_graph_free(func) or self._metric(func) or \
                    has_role(self.model.qualify(func), "graph-free-result"):
                return False
            return any(self.carries_graph(arg.value, state) for arg in expr.args)
        return False

    def _metric(self, func) -> bool:
        """A metric that is not differentiable: `accuracy(...)`, or `acc_fn(...)` with `acc_fn` built
        by `Accuracy(...)` (through `.to(device)`)."""
        if has_role(self.model.qualify(func), "graph-free-metric"):
            return True
        return any(type(value) is cst.Call and has_role(self.model.qualify(value.func), "graph-free-metric")
                   for value in map(chain_root, self.model.assignments.get(dotted(func) or "", ())))

    def _backpropagated(self, target, value) -> bool:
        """Is `target`, bound to the result of a call, back-propagated in this function
        (`loss = agent.loss(batch); loss.backward()`, `out = step(batch); out["loss"].backward()`)?
        Only a tensor with a graph can be: the call's result carries one, whatever the call is."""
        if type(value) is not cst.Call:
            return False
        func = value.func
        last = func.attr.value if type(func) is cst.Attribute else (dotted(func) or "").rsplit(".", 1)[-1]
        if last in _DETACHING_CALLS:
            return False
        name = dotted(target)
        if name not in self._backward_receivers():
            return False
        # The backward must run in the loop that holds the binding (a notebook's earlier cell that
        # back-propagates its own `loss` says nothing of `loss = mini_batch(...)` here).
        outer = self.loop_nodes[0] if self.loop_nodes else None
        if outer is None:
            return True
        found = self.analysis.loop_backward.get(id(outer))
        if found is None:
            found = self.analysis.loop_backward[id(outer)] = _backward_receivers_in(outer)
        return name in found

    def _backward_receivers(self) -> Dict[str, set]:
        found = self.analysis.backpropagated.get(self.info)
        if found is None:
            found = self.analysis.backpropagated[self.info] = _backward_receivers(self.model, self.info)
        return found

    def _returns_graph_free(self, func) -> bool:
        """Is `func` a function of this file, or of another project file, whose every `return`
        gives a value without a graph (`.item()`, `float(...)`, a number): `accuracy(out, y)`
        returning `(...).sum().item()`?"""
        callee, _ = self.callee(func)
        if callee is None:
            callee = self._method_of_instance(func)
        if callee is None:
            entry = self.model.project_entry(func, "functions")
            return entry is not None and entry.data.get("graph_free", False)
        return returns_graph_free(self.model, callee)

    def _method_of_instance(self, func) -> Optional[FunctionInfo]:
        """The method `net.evaluation` calls when every binding of `net` builds the same class of
        this file (directly or through `.to(device)`-like calls), else None."""
        if type(func) is not cst.Attribute or type(func.value) is not cst.Name:
            return None
        model = self.model
        classes = set()
        for value in map(same_model, model.assignments.get(func.value.value, ())):
            cls = model.local_class(value.func.value) if type(value) is cst.Call and type(value.func) is cst.Name else None
            if cls is None:
                return None
            classes.add(cls)
        return model.inherited(func.attr.value, classes.pop()) if len(classes) == 1 else None

    def accumulate(self, small, target, value, state: State, statement, context: Context) -> None:
        """Record `total += loss` / `losses.append(loss)` inside a loop where `loss` carries a graph
        and the accumulator outlives the iteration."""
        name = dotted(target)
        if not self.loop_nodes or name is None or not self.carries_graph(value, state):
            return
        if name in self._assigned_in(self.loop_nodes[-1]):
            return  # reset every iteration
        scopes = [*self.loop_nodes[:-1], *([self.info.node] if self.info is not None else [])]
        inner = self.loop_nodes[-1]
        if any(name in self._assigned_in(scope) and (_backward_of(scope, name) or _steps_after(scope, inner))
               for scope in scopes):
            # a loss summed over heads, crops or time steps, reset and back-propagated every step (of
            # an enclosing loop, or of the function a training loop calls once per sequence); or
            # glimpses kept during a step whose backward, after them, needs their graph anyway
            return
        code = self.model.module.code_for_node(value)
        self.analysis.accumulations[small] = Accumulation(small, name, code, state.grad, self.info, statement,
                                                          context)

    def _assigned_in(self, loop) -> set:
        if loop not in self._loop_assigned:
            names = set()
            for line in _simple_lines(statements(loop.body)):
                for small in line.body:
                    if type(small) is cst.Assign:
                        for target in small.targets:
                            # `total = total + x` accumulates; `loss = f(...)` anywhere in the body resets
                            if not (type(small.value) is cst.BinaryOperation and
                                    dotted(small.value.left) == dotted(target.target)):
                                names.add(dotted(target.target))
            self._loop_assigned[loop] = names
        return self._loop_assigned[loop]

    def assign(self, target, value, state: State) -> None:
        # Graphs only matter where they can accumulate: inside loops (SKW203).
        carries = bool(self.loop_nodes) and (self.carries_graph(value, state) or self._backpropagated(target, value))
        if type(target) is cst.Subscript and not carries and state.graph:
            # `output["loss"] = output["loss"].detach()`: the item that held the graph no longer does
            root = dotted(target.value)
            if root in state.graph and self.model.module.code_for_node(target) in self._backward_receivers().get(root, ()):
                state.graph = state.graph - {root}
        for element in _targets(target):
            element_name = dotted(element)
            if element_name is not None and (carries or element_name in state.graph):
                state.graph = state.graph | {element_name} if carries else state.graph - {element_name}
        name = dotted(target)
        if name is None:
            return
        if "." not in name and self.info is not None:
            self.locals.add(name)
        built = self.model.construction(value)
        if built is not None:
            mode, framework, call = built
            self.aliases.pop(name, None)
            how = f"`{dotted(call.func) or 'the model'}(...)`{self.model.origin(call)} builds it"
            self.set(state, name, frozenset({Fact(mode, call, how, framework=framework)}))
            return
        key = self.key_of(value) if type(value) is not cst.Call or self._wraps(value) else None
        if key == name:  # `model = model.to(device)`, `model = DDP(model)`
            return
        if key is not None and self._is_model_key(key, state, allow_entry=True):
            self.aliases[name] = key
            return
        if name in state.modes or name in self.aliases:
            self.aliases.pop(name, None)
            state.modes[name] = frozenset({Fact(UNKNOWN_MODE, value)})

    def _wraps(self, call: cst.Call) -> bool:
        func = call.func
        return (type(func) is cst.Attribute and func.attr.value in SAME_MODULE_METHODS) or has_role(
            self.model.qualify(func), "model-wrapper")


# Attributes of a tensor that hold no graph.
_GRAPHLESS_ATTRIBUTES = frozenset({"data", "shape", "dtype", "device", "ndim", "requires_grad", "grad", "is_cuda"})
# Calls whose result holds no graph.
_DETACHING_CALLS = frozenset({"item", "detach", "tolist", "numpy", "float", "int", "bool", "len", "str", "argmax",
                              "argmin", "size", "dim", "numel", "eq", "ne", "gt", "lt", "ge", "le", "isnan",
                              "isinf", "print", "detach_", "clone_detach", "round"})


def _derives(model, cls, base, depth: int = 0) -> bool:
    """Does the local class `cls` derive from the local class `base` (directly or not)?"""
    if depth > 8:
        return False
    for name in cls.bases:
        local = model.local_class(name)
        if local is base or (local is not None and _derives(model, local, base, depth + 1)):
            return True
    return False


def _backward_receivers(model, function) -> Dict[str, set]:
    """The names whose value (or an item or attribute of it) a function calls `.backward()` on,
    each with the code of what is back-propagated (`output["loss"]`)."""
    found: Dict[str, set] = {}
    for site in model.calls:
        root = _backward_root(site.node) if site.function is function else None
        if root is not None:
            found.setdefault(root, set()).add(model.module.code_for_node(site.node.func.value))
    return found


def _backward_receivers_in(loop) -> set:
    """The names a loop calls `.backward()` on (or on an item or attribute of)."""
    found = set()
    for node in descendants(loop.body):
        root = _backward_root(node) if type(node) is cst.Call else None
        if root is not None:
            found.add(root)
    return found


def _backward_root(call: cst.Call) -> Optional[str]:
    """The name `x.backward()` (`x["loss"].backward()`, `x.loss.backward()`) is called on, else None."""
    func = call.func
    if type(func) is not cst.Attribute or func.attr.value != "backward":
        return None
    root = func.value
    while type(root) in (cst.Subscript, cst.Attribute):
        root = root.value
    return root.value if type(root) is cst.Name else None


def _steps_after(scope, inner) -> bool:
    """Does `scope` call `.backward()` outside its inner loop `inner` (after the time steps)?"""
    within = {id(n) for n in descendants(inner)}
    return any(type(n) is cst.Call and type(n.func) is cst.Attribute and n.func.attr.value == "backward"
               and id(n) not in within for n in descendants(scope.body))


def _backward_of(loop, name: str) -> bool:
    """Does the loop's body back-propagate `name`, or a value made from it (`loss = ce + w * name`),
    with `x.backward()`, `backward(x)` or `scaler.scale(x).backward()`?"""
    names = {name}
    lines = list(_simple_lines(statements(loop.body)))
    for _ in range(3):  # `a += name; loss = a + b`: a few steps of derivation
        for line in lines:
            for small in line.body:
                targets = [t.target for t in small.targets] if type(small) is cst.Assign else (
                    [small.target] if type(small) is cst.AugAssign else [])
                if targets and any(type(n) is cst.Name and n.value in names for n in descendants(small.value)):
                    names.update(filter(None, map(dotted, targets)))
    for node in descendants(loop.body):
        if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "backward":
            receiver = node.func.value
            if dotted(receiver) in names or any(dotted(arg.value) in names for arg in node.args) or (
                    type(receiver) is cst.Call and any(dotted(arg.value) in names for arg in receiver.args)):
                return True
    return False


def _runs_once_at_least(node, assignments) -> bool:
    """`for epoch in range(1, 10):` a loop over a range that is not empty: its bounds are integer
    literals, or names the file binds once, to one (`NUM_EPOCHS = 3`)."""
    if type(node) is not cst.For or type(node.iter) is not cst.Call or dotted(node.iter.func) != "range":
        return False
    bounds = []
    for arg in node.iter.args:
        value = arg.value
        if type(value) is cst.Name and len(assignments.get(value.value, ())) == 1:
            value = assignments[value.value][0]
        if type(value) is not cst.Integer or arg.keyword:
            return False
        bounds.append(value.evaluated_value)
    return 1 <= len(bounds) <= 2 and bounds[-1] > (bounds[0] if len(bounds) == 2 else 0)


def returns_graph_free(model, info: FunctionInfo, seen: frozenset = frozenset()) -> bool:
    returns = model.returns.get(info, ())
    return bool(returns) and all(_graph_free(node.value, model, info, seen) for node in returns)


def _graph_free(value, model, scope=None, seen: frozenset = frozenset()) -> bool:
    """A returned value that holds no graph: a number, a detaching call, or a name the file binds
    only to such values (`n = n + 1` binds `n` to itself: `seen` ends the walk)."""
    if type(value) in (cst.Integer, cst.Float, cst.Comparison):
        return True  # a number, or a comparison (`pred == label`: booleans carry no graph)
    if type(value) is cst.Attribute:
        return value.attr.value in _GRAPHLESS_ATTRIBUTES  # `out.shape`, `loss.data`
    if type(value) is cst.Subscript:
        return _graph_free(value.value, model, scope, seen)
    if type(value) is cst.BinaryOperation:
        return _graph_free(value.left, model, scope, seen) and _graph_free(value.right, model, scope, seen)
    if type(value) is cst.Call:
        func = value.func
        last = func.attr.value if type(func) is cst.Attribute else (dotted(func) or "").rsplit(".", 1)[-1]
        if has_role(model.qualify(func), "graph-free-result"):
            return True  # `np.mean(losses)`
        called = f"{func.value}()" if type(func) is cst.Name else None  # marked apart from variables in `seen`
        if called is not None and called not in seen and model.function_named(func.value) is not None:
            # `get_sensitivity(...)` of the same file, itself returning a float
            return returns_graph_free(model, model.function_named(func.value), seen | {called})
        # `(pred == label).sum()`: a method of a graph-free value is graph-free
        return last in _DETACHING_CALLS or (type(func) is cst.Attribute and _graph_free(func.value, model, scope, seen))
    if type(value) is cst.Name:
        if value.value in seen:
            return True  # the other bindings decide
        seen = seen | {value.value}
        bound = model.bindings_in(value.value, scope)
        return bool(bound) and all(type(v) is not cst.Name and _graph_free(v, model, scope, seen) for v in bound)
    return False


def _targets(target) -> list:
    if type(target) in (cst.Tuple, cst.List):
        return [t for e in target.elements for t in _targets(e.value)]
    return [target]


def _simple_lines(block):
    for statement in block:
        if type(statement) in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
            yield statement
        elif type(statement) not in (cst.FunctionDef, cst.ClassDef):
            for inner in _child_blocks(statement):
                yield from _simple_lines(inner)


def statements(part) -> list:
    """The statements of a suite: an indented block's lines, a one-line suite (`if x: f()`) as a
    single simple statement, an `elif` as itself; `else`/`finally`/handlers through their body."""
    if part is None:
        return []
    if type(part) is cst.If:
        return [part]
    if type(part) is cst.IndentedBlock:
        return list(part.body)
    if type(part) is cst.SimpleStatementSuite:
        return [part]
    return statements(part.body)


def _child_blocks(statement):
    """The statement lists directly inside a compound statement."""
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(statement, attr, None)
        if part is not None:
            yield statements(part)
    for handler in getattr(statement, "handlers", ()):
        yield statements(handler)
    for case in getattr(statement, "cases", ()):
        yield statements(case)


def _mentions_training(expr) -> bool:
    return any(type(n) is cst.Name and {"train", "training"}.intersection(tokens(n.value))
               for n in descendants(expr))


def _callee(expr):
    return expr.func if type(expr) is cst.Call else expr


def _grad_set(effect: str) -> FrozenSet[str]:
    return frozenset({ON, OFF}) if effect == "either" else frozenset({effect})


def _harmless(func) -> bool:
    name = dotted(func)
    return name is not None and name.rsplit(".", 1)[-1] in MODE_KEEPING_CALLS


def analyse(model: SemanticModel) -> Analysis:
    return Analysis(model).run()
