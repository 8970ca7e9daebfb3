"""The pipeline model: data transforms, their random steps, and the train/eval role of the data they
reach (ARCHITECTURE.md, "Pipeline"). Built on demand from the semantic model's index; values are followed
through assignments, dict lookups (`transforms["train"]`), `functools.partial` and the functions
of the file, including those that build a train or eval pipeline from a flag."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from skewlint.lazy import libcst as cst

from skewlint.adapters import GENERATOR_AUGMENTATIONS, P_POSITION, RANDOM_UNLESS_SCALAR, has_role
from skewlint.adapters.vocabulary import EVAL_DATA_WORDS, SPLIT_KEYWORDS, TRAIN_FLAGS, TRAIN_WORDS
from skewlint.semantic.contexts import built_for_eval, is_eval_data_name
from skewlint.semantic.names import argument, dotted, is_bool, keyword, literal, tokens
from skewlint.semantic.walk import descendants

if TYPE_CHECKING:  # the model builds its pipelines on first use
    from skewlint.semantic.model import SemanticModel

_MAX_DEPTH = 6


@dataclass(frozen=True)
class Pipeline:
    node: cst.CSTNode  # where it is built
    random_steps: Tuple[str, ...]  # the random augmentation steps, by name
    random_nodes: Tuple[cst.CSTNode, ...] = ()  # the steps of a composition that are random, in order
    # Each step of a composition, in order, with the random augmentations it applies (none: deterministic).
    steps: Tuple[Tuple[cst.CSTNode, Tuple[str, ...]], ...] = ()

    @property
    def augments(self) -> bool:
        return bool(self.random_steps)


def is_tta(name: Optional[str]) -> bool:
    """Test-time augmentation that says so: random steps on evaluation data on purpose."""
    return bool(name) and ("tta" in tokens(name) or "tta" in name.lower())


_ANY = object()  # `of(..., scope=_ANY)`: names resolved over the whole file


class Pipelines:
    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self._functions: Dict[object, Optional[Pipeline]] = {}

    # pipelines -------------------------------------------------------------------------------------
    def of(self, expr, depth: int = 0, flags: Optional[dict] = None, scope=_ANY) -> Optional[Pipeline]:
        """The pipeline an expression denotes, or None when it is not (known to be) one. With `scope`
        (the function the expression is in, None for the module body), a name is what that scope
        binds it to, when it does."""
        if depth > _MAX_DEPTH or expr is None:
            return None
        model = self.model
        if type(expr) is cst.Call:
            qualname = model.qualify(expr.func)
            if has_role(qualname, "pipeline-compose") or (
                qualname in ("torch.nn.Sequential", "keras.Sequential") and self._all_transforms(expr)
            ):
                steps = _steps(expr)
                per_step = [(step, self._random_steps(step, depth)) for step in steps]
                return Pipeline(expr, tuple(r for _, found in per_step for r in found),
                                tuple(step for step, found in per_step if found), tuple(per_step))
            if has_role(qualname, "transform-factory"):
                flag = _flag(expr, ("is_training", "training", "train"))
                return Pipeline(expr, (f"{dotted(expr.func)}(is_training=True)",) if flag else ())
            if has_role(qualname, "image-generator"):
                given = self._keywords(expr)
                used = tuple(name for name in GENERATOR_AUGMENTATIONS if _non_default(given.get(name)))
                return Pipeline(expr, tuple(f"ImageDataGenerator({name}=...)" for name in used))
            if qualname == "functools.partial" and expr.args:
                return self.of(expr.args[0].value, depth + 1)
            if type(expr.func) is cst.Name and self.model.local_class(expr.func.value) is not None:
                cls = self.model.local_class(expr.func.value)
                if not _is_transform_class(cls):
                    return None  # a dataset or a model that happens to call `random`
            random = self._random_steps(expr, depth)
            if random or self._is_transform(expr):
                return Pipeline(expr, random)
            if type(expr.func) is cst.Name:  # a function of this file that builds a pipeline
                info = model.function_named(expr.func.value)
                if info is not None:
                    return self._returned(info, _bound_flags(info, expr), depth)
            if type(expr.func) is cst.Attribute and dotted(expr.func.value) == "self":  # `self.train_transform()`
                methods = [f for f in model.functions if f.name == expr.func.attr.value and f.cls is not None]
                if len(methods) == 1:
                    return self._returned(methods[0], _bound_flags(methods[0], expr), depth)
            return None
        if type(expr) is cst.IfExp:
            # `self.train_transform() if self.val_transforms is None else self.val_transforms`: what the
            # code supplies itself decides, when the other branch is the caller's (unknown)
            branches = [self.of(expr.body, depth + 1, scope=scope), self.of(expr.orelse, depth + 1, scope=scope)]
            known = [b for b in branches if b is not None]
            return known[0] if len(known) == 1 or (known and all(b.augments == known[0].augments for b in known)) \
                else None
        if type(expr) is cst.Subscript:
            key = _subscript_key(expr)
            for value in self._values(expr.value):
                if type(value) is cst.Dict and key is not None:
                    for element in value.elements:
                        if type(element) is cst.DictElement and _string(element.key) == key:
                            return self.of(element.value, depth + 1)
            return None
        if type(expr) is cst.Lambda:
            random = self._random_calls(expr.body, depth)
            return Pipeline(expr, random) if random else None
        name = dotted(expr)
        if name is None:
            return None
        if type(expr) is cst.Name:
            info = model.function_named(name)
            if info is not None:  # a function used as a transform (`ds.map(augment)`)
                return self._function_as_transform(info)
        found = [self.of(value, depth + 1, scope=scope) for value in self._bound(name, scope)]
        found = [p for p in found if p is not None]
        if found and all(p.augments for p in found):
            return found[0]
        if found and not any(p.augments for p in found):
            return found[0]
        return None

    def _all_transforms(self, call: cst.Call) -> bool:
        steps = _steps(call)
        return bool(steps) and all(self._is_transform(s) or self._random_steps(s, 0) for s in steps)

    def _is_transform(self, expr) -> bool:
        if type(expr) is not cst.Call:
            return False
        qualname = self.model.qualify(expr.func)
        if has_role(qualname, "probabilistic-transform") and not (qualname or "").rsplit(".", 1)[-1][:1].isupper():
            return False  # albumentations' functional helpers are not transforms
        return any(has_role(qualname, role) for role in
                   ("deterministic-transform", "random-transform", "probabilistic-transform", "pipeline-compose"))

    def _random_steps(self, step, depth: int) -> Tuple[str, ...]:
        """The random steps in one step of a pipeline (a transform, a nested composition, a lambda)."""
        if type(step) is cst.Lambda:
            return self._random_calls(step.body, depth)
        if type(step) is not cst.Call:
            return ()
        qualname = self.model.qualify(step.func)
        name = (dotted(step.func) or "").rsplit(".", 1)[-1] or "transform"
        if has_role(qualname, "pipeline-compose") or qualname in ("torch.nn.Sequential", "keras.Sequential"):
            inner = tuple(r for s in _steps(step) for r in self._random_steps(s, depth + 1))
            if inner or _probability(step) is None or _probability(step) >= 1:
                return inner
            return (name,)
        if has_role(qualname, "coin-flip-transform"):
            p = _probability(step, P_POSITION.get(name))
            if p is not None and p <= 0:
                return ()
            if p is not None and p >= 1:  # always applied: as random as what it applies
                return tuple(r for s in _steps(step) for r in self._random_steps(s, depth + 1))
        if has_role(qualname, "random-transform"):
            exempt = RANDOM_UNLESS_SCALAR.get(name)
            if exempt is not None:
                value = keyword(step, exempt[0])
                if value is None and len(step.args) > exempt[1] and not step.args[exempt[1]].keyword:
                    value = step.args[exempt[1]].value
                if type(value) in (cst.Integer, cst.Float):
                    return ()
            return (name,)
        if has_role(qualname, "probabilistic-transform") and name[:1].isupper():  # classes, not helpers
            p = _probability(step)
            deterministic = has_role(qualname, "deterministic-transform")
            if deterministic and (p is None or p >= 1):
                return ()
            if p is not None and p <= 0:
                return ()
            return (f"{name}(p={p:g})" if p is not None else name,)
        if type(step.func) is cst.Name:  # a transform class of this file
            cls = self.model.local_class(step.func.value)
            if cls is not None:
                return self._random_calls(cls.node)
        return ()

    def _random_calls(self, node, depth: int = _MAX_DEPTH) -> Tuple[str, ...]:
        """Calls of random APIs or random transforms anywhere under `node`; with depth left, also
        calls of augmenting pipelines held in variables (`lambda x, y: (augmentation(x), y)`)."""
        found = []
        for inner in descendants(node):
            if type(inner) is cst.Call:
                qualname = self.model.qualify(inner.func)
                if _is_random(self.model, inner):
                    found.append(dotted(inner.func) or qualname)
                elif depth < _MAX_DEPTH and qualname is None and type(inner.func) is cst.Name:
                    info = self.model.function_named(inner.func.value)
                    # `preprocess(x, mode="eval")`: what the function does with these arguments
                    held = self._function_as_transform(info, _bound_flags(info, inner)) if info is not None \
                        else self.of(inner.func, depth + 1)
                    if held is not None and held.augments:
                        found.extend(held.random_steps)
        return tuple(dict.fromkeys(found))

    def _function_as_transform(self, info, flags: Optional[dict] = None) -> Optional[Pipeline]:
        """A function of this file used as a transform, as a call with these flags runs it: the
        random calls in branches the flags rule out do not count."""
        flags = flags or {}
        key = (info, tuple(sorted(flags.items())))
        if key not in self._functions:
            random = [dotted(node.func) or self.model.qualify(node.func) for node in descendants(info.node)
                      if type(node) is cst.Call and _is_random(self.model, node) and _reachable(info, node, flags)]
            self._functions[key] = Pipeline(info.node, tuple(dict.fromkeys(random))) if random else None
        return self._functions[key]

    def _returned(self, info, flags: dict, depth: int) -> Optional[Pipeline]:
        """The pipeline a function of this file returns, given the training flags of the call."""
        results = []
        for node in descendants(info.node):
            if type(node) is cst.Return and node.value is not None:
                if not _reachable(info, node, flags):
                    continue
                results.append(self.of(node.value, depth + 1, scope=info))
        results = [r for r in results if r is not None]
        if not results:
            return None
        augmenting = [r for r in results if r.augments]
        return augmenting[0] if augmenting and len(augmenting) == len(results) else (
            results[0] if not augmenting else None)

    def _keywords(self, call: cst.Call) -> dict:
        """A call's keyword arguments, with `**args` expanded where `args` is a dict literal: bound
        once, or the default of the parameter of that name (`data_gen_args=dict(rotation_range=10)`)."""
        found = {}
        for arg in call.args:
            if arg.keyword is not None:
                found[arg.keyword.value] = arg.value
            elif arg.star == "**" and type(arg.value) is cst.Name:
                name = arg.value.value
                values = list(self.model.assignments.get(name, ()))
                values += [p.default for info in self.model.functions for p in info.node.params.params
                           if p.name.value == name and p.default is not None]
                if len(values) == 1:
                    found.update(_dict_items(values[0]))
        return found

    def _bound(self, name: str, scope) -> list:
        """The values a name is bound to: in `scope` when it binds it there, else anywhere."""
        return self.model.assignments.get(name, ()) if scope is _ANY else self.model.bindings_in(name, scope)

    def _values(self, expr):
        name = dotted(expr)
        return self.model.assignments.get(name, ()) if name else ()

    # data roles ------------------------------------------------------------------------------------
    def built(self) -> list:
        """(call site, pipeline) of each composition, transform factory or image generator the file
        builds, in source order (for `skewlint inspect`)."""
        roles = ("pipeline-compose", "transform-factory", "image-generator")
        found = []
        for site in self.model.calls:
            if any(has_role(site.qualname, role) for role in roles):
                pipeline = self.of(site.node)
                if pipeline is not None:
                    found.append((site, pipeline))
        return found

    def loaders(self) -> list:
        """(call site, `shuffle` argument, `drop_last` argument, the data's role or None) of each
        data loader the file builds (an argument None: the loader's default, off)."""
        return [(site, argument(site.node, 2, "shuffle"), argument(site.node, 8, "drop_last"),
                 self.role(site.node, self.model.assigned_name(site)))
                for site in self.model.calls if has_role(site.qualname, "loader")]

    def role(self, expr, target: Optional[str] = None, depth: int = 0) -> Optional[Tuple[str, str]]:
        """("eval" | "train", evidence) for data: from the name it is bound to, how it was built,
        and the data it wraps (`DataLoader(val_set)`)."""
        if target:
            named = _name_role(target)
            if named:
                return named
        if depth > _MAX_DEPTH or expr is None:
            return None
        if type(expr) is cst.Call:
            evidence = built_for_eval(expr)
            if evidence:
                return "eval", f"built with {evidence}"
            train = keyword(expr, "train")
            split = _string(keyword(expr, "split")) or _string(keyword(expr, "subset"))
            if is_bool(train, True) or (split and TRAIN_WORDS.intersection(tokens(split))):
                return "train", "built from the training split"
            qualname = self.model.qualify(expr.func)
            if has_role(qualname, "loader") and expr.args:
                return self.role(expr.args[0].value, None, depth + 1)
            if type(expr.func) is cst.Attribute:  # `val_ds.batch(32)`, `gen.flow_from_directory(...)`
                return self.role(expr.func.value, None, depth + 1)
            return None
        name = dotted(expr)
        if name is None:
            return None
        named = _name_role(name)
        if named:
            return named
        for value in self.model.assignments.get(name, ())[:3]:
            found = self.role(value, None, depth + 1)
            if found:
                return found
        return None


def _is_random(model, call: cst.Call) -> bool:
    qualname = model.qualify(call.func)
    return has_role(qualname, "random-api") or has_role(qualname, "random-transform")


def _is_transform_class(cls) -> bool:
    """A class used as a transform: callable, and not a dataset (no `__getitem__`) or a model."""
    methods = {f.name.value for f in cls.node.body.body if type(f) is cst.FunctionDef}
    return "__call__" in methods and "__getitem__" not in methods and not cls.is_model


def _name_role(name: str) -> Optional[Tuple[str, str]]:
    last = name.rsplit(".", 1)[-1]
    if is_eval_data_name(last):
        return "eval", f"`{name}` is evaluation data"
    if TRAIN_WORDS.intersection(tokens(last)):
        return "train", f"`{name}` is training data"
    return None


def _steps(call: cst.Call) -> list:
    value = call.args[0].value if call.args and call.args[0].keyword is None else keyword(call, "transforms")
    if type(value) in (cst.List, cst.Tuple):
        return [e.value for e in value.elements]
    return [a.value for a in call.args if a.keyword is None]


def _probability(call: cst.Call, position: Optional[int] = None) -> Optional[float]:
    """The constant probability a transform applies with: `p=`, `p` by position, `always_apply=True`."""
    value = keyword(call, "p")
    if value is None and position is not None and len(call.args) > position and not call.args[position].keyword:
        value = call.args[position].value
    if type(value) in (cst.Integer, cst.Float):
        return float(value.value)
    always = keyword(call, "always_apply")
    if type(always) is cst.Name and always.value == "True":
        return 1.0
    return None


def _non_default(value) -> bool:
    if value is None:
        return False
    if type(value) in (cst.Integer, cst.Float):
        return float(value.value) != 0
    if type(value) is cst.Name:
        return value.value not in ("False", "None")
    return True


def _string(node) -> Optional[str]:
    if type(node) is cst.SimpleString:
        value = literal(node)
        return value if isinstance(value, str) else None
    return None


def _subscript_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        return _string(node.slice[0].slice.value)
    return None


def _flag(call: cst.Call, names) -> Optional[bool]:
    for name in names:
        value = keyword(call, name)
        if value is not None:
            return True if is_bool(value, True) else (False if is_bool(value, False) else None)
    return None


def _bound_flags(info, call: cst.Call) -> dict:
    """The values (True/False) a call gives the function's training-flag parameters; and the
    strings it gives other parameters that the function's `if` tests read (`mode="eval"`)."""
    flags = {}
    for index, param in enumerate(info.params):
        named = param in TRAIN_FLAGS + SPLIT_KEYWORDS or (EVAL_DATA_WORDS | TRAIN_WORDS).intersection(tokens(param))
        if not named and param not in info.tested:
            continue
        value = keyword(call, param)
        if value is None:
            positional = [a for a in call.args if a.keyword is None]
            value = positional[index].value if index < len(positional) else None
        if not named:
            if type(value) is cst.SimpleString and _string(value) is not None:
                flags[param] = _string(value)  # compared as written
            continue
        if is_bool(value, True):
            flags[param] = True
        elif is_bool(value, False):
            flags[param] = False
        elif type(value) is cst.SimpleString:  # `get_transform("train")` / `get_transform("val")`
            text = _string(value) or ""
            flags[param] = bool(TRAIN_WORDS.intersection(tokens(text)))
    return flags


def _reachable(info, node, flags: dict) -> bool:
    """Is this `return` reachable with these flags? Follows `if train:` / `if not train:` /
    `if split == "train":` branches on the flags only, and the code after an `if` whose taken
    branch returns."""
    if not flags:
        return True
    returned_before = False
    for statement in descendants(info.node):
        if statement is node:
            return not returned_before
        if type(statement) is not cst.If:
            continue
        verdict = _test(statement.test, flags)
        if verdict is None:
            continue
        in_body = any(n is node for n in descendants(statement.body))
        in_else = statement.orelse is not None and any(n is node for n in descendants(statement.orelse))
        if (in_body and not verdict) or (in_else and verdict):
            return False
        taken = statement.body if verdict else statement.orelse
        if not in_body and not in_else and taken is not None and _ends_in_return(taken):
            returned_before = True
    return not returned_before


def _ends_in_return(block) -> bool:
    body = getattr(block, "body", None)
    body = getattr(body, "body", body)
    if not body:
        return False
    last = body[-1]
    return type(last) is cst.SimpleStatementLine and any(type(s) is cst.Return for s in last.body)


def _test(test, flags: dict) -> Optional[bool]:
    if type(test) is cst.Name and test.value in flags:
        return flags[test.value] if isinstance(flags[test.value], bool) else None
    if type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
        inner = _test(test.expression, flags)
        return None if inner is None else not inner
    if type(test) is cst.Comparison and type(test.left) is cst.Name and test.left.value in flags \
            and len(test.comparisons) == 1:
        text = _string(test.comparisons[0].comparator)
        if text is not None and isinstance(flags[test.left.value], str):
            same = text == flags[test.left.value]
            operator = test.comparisons[0].operator
            return same if type(operator) is cst.Equal else (not same if type(operator) is cst.NotEqual else None)
        if text is not None:
            same = bool(TRAIN_WORDS.intersection(tokens(text))) == flags[test.left.value]
            operator = test.comparisons[0].operator
            if type(operator) is cst.Equal:
                return same
            if type(operator) is cst.NotEqual:
                return not same
    return None


def _dict_items(value) -> dict:
    """The string keys and values of `dict(a=1)` or `{"a": 1}`."""
    if type(value) is cst.Call and dotted(value.func) == "dict":
        return {a.keyword.value: a.value for a in value.args if a.keyword is not None}
    if type(value) is cst.Dict:
        return {_string(e.key): e.value for e in value.elements if type(e) is cst.DictElement and _string(e.key)}
    return {}
