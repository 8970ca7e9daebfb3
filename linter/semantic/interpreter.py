"""The interpreter of one function (or the module body): statements in order, branches joined,
loops to a fixpoint, every call and assignment applied to the `State` (calls and assignments in
`effects.py`, autograd graphs in `graphs.py`). `state.Analysis` runs one per function."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Dict, List, Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role
from skewlint.adapters.vocabulary import TRAINING_WORDS
from skewlint.semantic.branches import decide, literal_values, live_parts
from skewlint.semantic.contexts import (
    EVAL, MANAGED, TRAIN, UNKNOWN, Context, eval_iterable, framework_hook, function_context, grad_effect,
    is_eval_data_name, train_iterable,
)
from skewlint.semantic.kinds import GradChoice
from skewlint.semantic.model import FunctionInfo
from skewlint.semantic.names import dotted, literal, tokens
from skewlint.semantic.facts import (
    ON, OFF, FROM_CALLER, ANYWHERE, DIRECTLY, MANUALLY, EACH, ENTRY_FACTS, Summary, State, join, grad_set,
)
from skewlint.semantic.walk import simple_lines, statements, targets
from skewlint.semantic.effects import Effects
from skewlint.semantic.graphs import Graphs, backward_root

if TYPE_CHECKING:  # the analysis runs the interpreter
    from skewlint.semantic.state import Analysis

_MAX_LOOP_PASSES = 4


class Interpreter(Effects, Graphs):
    """One pass over one function (`info`; None: the module body), with constants bound to the
    parameters or loop variables a call or an unrolled loop fixes (`bindings`)."""

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
                    grad = grad_set(effect)
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
                    here = context if trains[start] or not any(trains[:start]) or (
                        index < len(body) and self._feeds_step(body[start:index], body[index])) else \
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

    def _feeds_step(self, statements, step) -> bool:
        """Do `statements` compute what the training statement `step` back-propagates (`loss = ...`
        then `loss.backward()`)? Then they are the forward of a step written out without a loop,
        not code that runs after training has ended."""
        roots = {backward_root(site.node) for site in self.model.calls_by_statement.get(step, ())} - {None}
        return any(name in roots for line in simple_lines(statements) for small in line.body
                   if type(small) in (cst.Assign, cst.AugAssign, cst.AnnAssign)
                   for target in (small.targets if type(small) is cst.Assign else [small])
                   for name in [dotted(target.target)])

    def visible(self, key: str) -> bool:
        """Is this model visible to callers: a parameter, `self.<attr>` or a global?"""
        head = key.split(".")[0]
        return self.info is not None and (head in self.params or head == "self" or head not in self.locals)

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
                    state.grad = grad_set(effect)
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
            head.graph = head.graph | {n for n in map(dotted, targets(node.target)) if n is not None}
        each = type(node) is cst.For and type(node.target) is cst.Name and type(node.iter) is cst.Name \
            and node.iter.value in self.params  # `for m in models:` each element of a parameter
        if each:
            self.aliases[node.target.value] = node.iter.value + EACH
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
            if effect is GradChoice.EITHER and self.bindings:  # `torch.set_grad_enabled(phase == "train")`
                truth = decide(item.item.args[0].value, self.bindings)
                effect = effect if truth is None else (ON if truth else OFF)
            inner_state.grad = grad_set(effect)
            if effect == OFF and context.kind == UNKNOWN and not self.analysis.pytest:
                inner = Context(EVAL, f"it runs under `{dotted(_callee(item.item))}()`", node, by_grad=True)
        end = self.block(statements(node.body), inner_state, inner)
        if end is not None:
            end.grad = state.grad
        return end


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
        bounds.append(literal(value))
    return 1 <= len(bounds) <= 2 and bounds[-1] > (bounds[0] if len(bounds) == 2 else 0)


def _callee(expr):
    return expr.func if type(expr) is cst.Call else expr
