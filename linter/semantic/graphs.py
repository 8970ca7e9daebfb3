"""Autograd graphs (SKW203): which values may carry a graph, and which of them a loop keeps across
iterations (`total += loss`). A mixin of `interpreter.Interpreter`, and the file-level questions
it asks: what `.backward()` is called on, which functions return graph-free values."""
from __future__ import annotations

from typing import Dict, Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role
from skewlint.semantic.contexts import Context
from skewlint.semantic.model import FunctionInfo, same_model
from skewlint.semantic.walk import descendants
from skewlint.semantic.names import chain_root, dotted
from skewlint.semantic.facts import OFF, Accumulation, State
from skewlint.semantic.walk import simple_lines, statements


class Graphs:
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
            for line in simple_lines(statements(loop.body)):
                for small in line.body:
                    if type(small) is cst.Assign:
                        for target in small.targets:
                            # `total = total + x` accumulates; `loss = f(...)` anywhere in the body resets
                            if not (type(small.value) is cst.BinaryOperation and
                                    dotted(small.value.left) == dotted(target.target)):
                                names.add(dotted(target.target))
            self._loop_assigned[loop] = names
        return self._loop_assigned[loop]


# Attributes of a tensor that hold no graph.
_GRAPHLESS_ATTRIBUTES = frozenset({"data", "shape", "dtype", "device", "ndim", "requires_grad", "grad", "is_cuda"})


# Calls whose result holds no graph.
_DETACHING_CALLS = frozenset({"item", "detach", "tolist", "numpy", "float", "int", "bool", "len", "str", "argmax",
                              "argmin", "size", "dim", "numel", "eq", "ne", "gt", "lt", "ge", "le", "isnan",
                              "isinf", "print", "detach_", "clone_detach", "round"})


def _backward_receivers(model, function) -> Dict[str, set]:
    """The names whose value (or an item or attribute of it) a function calls `.backward()` on,
    each with the code of what is back-propagated (`output["loss"]`)."""
    found: Dict[str, set] = {}
    for site in model.calls_in(function):
        root = backward_root(site.node)
        if root is not None:
            found.setdefault(root, set()).add(model.module.code_for_node(site.node.func.value))
    return found


def _backward_receivers_in(loop) -> set:
    """The names a loop calls `.backward()` on (or on an item or attribute of)."""
    found = set()
    for node in descendants(loop.body):
        root = backward_root(node) if type(node) is cst.Call else None
        if root is not None:
            found.add(root)
    return found


def backward_root(call: cst.Call) -> Optional[str]:
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
    lines = list(simple_lines(statements(loop.body)))
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
