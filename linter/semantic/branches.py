"""Loops over a few constants, followed one value at a time.

`for phase in ["train", "val"]:` with `if phase == "train": model.train() else: model.eval()` takes
its training step only on the iteration where `phase == "train"`, right after `model.train()`.
Joining both branches would put the step in "train or eval" mode; following each value decides every
branch that compares the loop variable with a constant.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from skewlint.lazy import libcst as cst
from skewlint.semantic.names import literal
from skewlint.semantic.walk import descendants

_MAX_VALUES = 6
_CONSTANTS = {"True": True, "False": False, "None": None}


def constant(node) -> tuple:
    """(True, value) for a literal string, number or True/False/None, else (False, None)."""
    if type(node) in (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float):
        try:
            return True, literal(node)
        except Exception:  # an f-string part, a malformed literal: not a constant we can use
            return False, None
    if type(node) is cst.Name and node.value in _CONSTANTS:
        return True, _CONSTANTS[node.value]
    return False, None


def literal_values(node, assignments: Dict[str, list]) -> Optional[List[object]]:
    """The values a `for` loop's variable takes, when it iterates over a short literal list (directly
    or through a name assigned once) and its body branches on the variable; else None."""
    if type(node) is not cst.For or type(node.target) is not cst.Name:
        return None
    iterable = node.iter
    if type(iterable) is cst.Name:
        values = assignments.get(iterable.value, ())
        iterable = values[0] if len(values) == 1 else None
    if type(iterable) not in (cst.List, cst.Tuple) or not 0 < len(iterable.elements) <= _MAX_VALUES:
        return None
    result = []
    for element in iterable.elements:
        if type(element) is not cst.Element:
            return None
        ok, value = constant(element.value)
        if not ok:
            return None
        result.append(value)
    name = node.target.value
    if not any(type(n) is cst.If and _mentions(n.test, name) for n in descendants(node.body)):
        return None
    return result


def _mentions(expr, name: str) -> bool:
    return any(type(n) is cst.Name and n.value == name for n in descendants(expr))


def decide(expr, bindings: Dict[str, object]) -> Optional[bool]:
    """The truth of a test under the loop variables' current values, None when it depends on more."""
    kind = type(expr)
    if kind is cst.Name:
        if expr.value in bindings:
            return bool(bindings[expr.value])
        ok, value = constant(expr)
        return bool(value) if ok else None
    if kind is cst.UnaryOperation and type(expr.operator) is cst.Not:
        inner = decide(expr.expression, bindings)
        return None if inner is None else not inner
    if kind is cst.BooleanOperation:
        left, right = decide(expr.left, bindings), decide(expr.right, bindings)
        if type(expr.operator) is cst.And:
            return False if False in (left, right) else (True if left and right else None)
        return True if True in (left, right) else (False if left is False and right is False else None)
    if kind is cst.Comparison and len(expr.comparisons) == 1:
        target = expr.comparisons[0]
        left, right = _value(expr.left, bindings), _value(target.comparator, bindings)
        if left is _UNKNOWN or right is _UNKNOWN:
            return None
        operator = type(target.operator)
        try:
            if operator in (cst.Equal, cst.Is):
                return left == right
            if operator in (cst.NotEqual, cst.IsNot):
                return left != right
            if operator is cst.In:
                return left in right
            if operator is cst.NotIn:
                return left not in right
        except TypeError:
            return None
    return None


_UNKNOWN = object()


def _value(expr, bindings: Dict[str, object]):
    if type(expr) is cst.Name and expr.value in bindings:
        return bindings[expr.value]
    if type(expr) in (cst.List, cst.Tuple, cst.Set):
        values = [_value(e.value, bindings) for e in expr.elements if type(e) is cst.Element]
        return _UNKNOWN if _UNKNOWN in values or len(values) != len(expr.elements) else tuple(values)
    ok, value = constant(expr)
    return value if ok else _UNKNOWN


def live_parts(statement, bindings: Dict[str, object]) -> Optional[list]:
    """For an `if` decided by the bindings: the parts that run (its body, or its `else`/`elif`), None
    when undecided."""
    if not bindings or type(statement) is not cst.If:
        return None
    truth = decide(statement.test, bindings)
    if truth is None:
        return None
    part = statement.body if truth else statement.orelse
    return [] if part is None else [part]


def constant_arguments(call, callee) -> Optional[Dict[str, object]]:
    """The constants a call passes (or leaves at their literal defaults) to parameters that the
    function's `if` tests, by parameter name; None when there are none."""
    node = callee.node
    wanted = [p for p in callee.params if p in callee.tested]
    if not wanted:
        return None
    defaults = {p.name.value: p.default for p in (*node.params.posonly_params, *node.params.params,
                                                  *node.params.kwonly_params) if p.default is not None}
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        return None  # `f(*args, **kwargs)`: where each value goes is unknown
    found = {}
    for name in wanted:
        value = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)
        index = callee.params.index(name)
        if value is None and index < len(positional) and name not in [p.name.value for p in node.params.kwonly_params]:
            value = positional[index].value
        if value is None:
            value = defaults.get(name)
        ok, constant_value = constant(value) if value is not None else (False, None)
        if ok:
            found[name] = constant_value
    return found or None

