"""The facts the state pass computes and the rules read: a model's possible modes (`Fact`), the
program state at a point (`State`: modes, grad state, graph-carrying names), what a forward call
saw (`Observation`), graph-carrying accumulations, and a function's summary for its callers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Set, Tuple

from skewlint.lazy import libcst as cst

from skewlint.semantic.contexts import Context
from skewlint.semantic.kinds import Grad, GradChoice, GradEffect, Mode
from skewlint.semantic.model import ClassInfo, FunctionInfo

# A model's modes, and the grad states (`kinds.py`); the names the state pass has always used.
TRAIN_MODE, EVAL_MODE, UNKNOWN_MODE, ENTRY = Mode.TRAIN, Mode.EVAL, Mode.UNKNOWN, Mode.ENTRY
ON, OFF, FROM_CALLER = Grad.ON, Grad.OFF, Grad.FROM_CALLER
ANYWHERE, DIRECTLY, MANUALLY = 1, 2, 4  # where a statement's training steps are (Analysis.steps)

EACH = ".[]"  # the key suffix of "each element of" a list parameter a function loops over


@dataclass(frozen=True)
class Fact:
    """One possible mode of a model, and where it came from (for messages)."""

    mode: Mode  # given as a string too (`model.construction`, a summary read from the index)
    node: object = field(default=None, repr=False)
    how: str = ""
    by_call: bool = False  # set by `.eval()`/`.train()` (directly or in a called function)
    framework: str = ""
    inferred: bool = False  # TRAIN because a training step just ran on it (no call set it)

    def __post_init__(self) -> None:
        if type(self.mode) is not Mode:  # equal and hashed alike either way; a Mode from here on
            object.__setattr__(self, "mode", Mode(self.mode))


ENTRY_FACTS: FrozenSet[Fact] = frozenset({Fact(ENTRY)})


@dataclass
class Observation:
    node: cst.Call  # a forward call, or the call of a function that evaluates or trains the model
    key: str
    facts: FrozenSet[Fact]
    context: Context
    grad: FrozenSet[Grad]
    function: Optional[FunctionInfo]
    via: Optional["Observation"] = None  # for calls of summarised functions: the inner observation
    generate: bool = False  # HF `generate()`: a forward that disables gradients itself
    per_value: bool = False  # seen on one value of a loop variable (`phase == "val"`): no fix fits all

    def modes(self) -> Set[Mode]:
        return {fact.mode for fact in self.facts}

    def frameworks(self) -> Set[str]:
        return {fact.framework for fact in self.facts if fact.mode in (TRAIN_MODE, EVAL_MODE)}


@dataclass
class Accumulation:
    """`total += loss` / `losses.append(out)` in a loop, where the value may carry a graph."""

    node: cst.CSTNode  # the statement
    target: str
    value: str
    grad: FrozenSet[Grad]
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

    def __init__(self, modes: Optional[Dict[str, FrozenSet[Fact]]] = None,
                 grad: FrozenSet[Grad] = frozenset({ON}), graph: FrozenSet[str] = frozenset()) -> None:
        self.modes: Dict[str, FrozenSet[Fact]] = dict(modes or {})
        self.grad: FrozenSet[Grad] = grad
        self.graph: FrozenSet[str] = graph  # names that may hold a tensor carrying an autograd graph

    def copy(self) -> "State":
        return State(self.modes, self.grad, self.graph)

    def get(self, key: str) -> FrozenSet[Fact]:
        return self.modes.get(key, ENTRY_FACTS)

    def __eq__(self, other: object) -> bool:
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


def touch_key(info: Optional[FunctionInfo], key: str) -> Tuple[Optional[ClassInfo], str]:
    """`self.<attr>` keys are per class; other names are per file."""
    owner = info.cls if info is not None and key.startswith("self.") else None
    return owner, key


def grad_set(effect: GradEffect) -> FrozenSet[Grad]:
    """The grad states after a `with` or a decorator with this effect."""
    return frozenset({ON, OFF}) if isinstance(effect, GradChoice) else frozenset({effect})
