"""What a call or an assignment does to the state: `.eval()`/`.train()`, a forward pass observed
with its context, a function of this file or of the project applied through its summary, a
model handed to code that cannot be read, a name bound to a model or an alias of one. A mixin of
`interpreter.Interpreter`, whose attributes (`model`, `info`, `analysis`, `aliases`...) it uses."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Dict, FrozenSet, Optional

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role, method_has_role
from skewlint.adapters.vocabulary import MODE_KEEPING_CALLS, MODEL_WORDS, NOT_MODEL_WORDS
from skewlint.semantic.branches import constant_arguments, decide
from skewlint.semantic.contexts import EVAL, TRAIN, UNKNOWN, Context
from skewlint.semantic.model import SAME_MODULE_METHODS, FunctionInfo, mode_set_by
from skewlint.semantic.walk import descendants
from skewlint.semantic.names import argument, dotted, last_name, tokens
from skewlint.semantic.facts import (
    TRAIN_MODE, UNKNOWN_MODE, ENTRY, EACH, Fact, ENTRY_FACTS, Observation, State, touch_key,
)
from skewlint.semantic.walk import targets


class Effects:
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
            self.analysis.mode_touched.add(touch_key(self.info, key))

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
            if inner_key.endswith(EACH):  # the loop visits every element of a non-empty literal
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
        param = inner_key[: -len(EACH)]
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
        if cls is None or type(func) is not cst.Attribute or type(func.value) is not cst.Name or \
                func.value.value != "self":
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
        generate = type(func) is cst.Attribute and method_has_role(func.attr.value, "generate")
        if generate or type(func) is cst.Attribute and method_has_role(func.attr.value, "forward"):
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
        not_model, model_word = _named(key)
        if not_model:
            return False
        if state.get(key) != ENTRY_FACTS or key in self.model.model_names:
            return True
        if not allow_entry:
            return False
        if key in self.params:
            return True
        head, _, rest = key.partition(".")
        return head == "self" and rest != "" and "." not in rest and model_word

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

    def assign(self, target, value, state: State) -> None:
        # Graphs only matter where they can accumulate: inside loops (SKW203).
        carries = bool(self.loop_nodes) and (self.carries_graph(value, state) or self._backpropagated(target, value))
        if type(target) is cst.Subscript and not carries and state.graph:
            # `output["loss"] = output["loss"].detach()`: the item that held the graph no longer does
            root = dotted(target.value)
            if root in state.graph and self.model.module.code_for_node(target) in self._backward_receivers().get(root, ()):
                state.graph = state.graph - {root}
        for element in targets(target):
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


def _derives(model, cls, base, depth: int = 0) -> bool:
    """Does the local class `cls` derive from the local class `base` (directly or not)?"""
    if depth > 8:
        return False
    for name in cls.bases:
        local = model.local_class(name)
        if local is base or (local is not None and _derives(model, local, base, depth + 1)):
            return True
    return False


@lru_cache(maxsize=4096)
def _named(key: str) -> tuple:
    """(its last name says it is no model, ... says it is one): asked of every call's receiver."""
    words = tokens(key.rsplit(".", 1)[-1])
    return bool(NOT_MODEL_WORDS.intersection(words)), bool(MODEL_WORDS.intersection(words))


def _mentions_training(expr) -> bool:
    return any(type(n) is cst.Name and {"train", "training"}.intersection(tokens(n.value))
               for n in descendants(expr))


def _harmless(func) -> bool:
    return last_name(func) in MODE_KEEPING_CALLS and dotted(func) is not None
