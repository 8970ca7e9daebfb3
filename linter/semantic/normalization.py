"""Normalization constants: where a file normalizes its inputs, with what numbers, for which role
(training or evaluation). Constants are resolved through module-level names, tuples, lists,
`np.array`/`torch.tensor` and `(0.5,) * 3`, and compared as numbers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role
from skewlint.adapters.vocabulary import TRAIN_WORDS
from skewlint.semantic.contexts import is_eval_data_name
from skewlint.semantic.names import dotted, keyword, literal, tokens
from skewlint.semantic.walk import descendants

Numbers = Tuple[float, ...]
_ARRAY_CALLS = ("array", "asarray", "tensor", "as_tensor", "Tensor", "FloatTensor", "constant", "convert_to_tensor")


@dataclass(frozen=True)
class Norm:
    node: cst.CSTNode  # the call or expression that normalizes
    mean: Optional[Numbers]  # in the 0-1 pixel range where the API rescales (albumentations)
    std: Optional[Numbers]
    role: Optional[str]  # "train", "eval" or None
    evidence: str  # why the role (for messages)
    computed: bool = False  # the statistics are computed from data, not literals
    after_to_tensor: bool = False  # follows a 0-1 conversion (`ToTensor`) in the same pipeline
    api: str = ""
    statement: Optional[cst.CSTNode] = None  # the statement holding a call (to find its position by text)
    # The expressions that give the mean and the std (or variance) where the code writes them.
    mean_node: Optional[cst.CSTNode] = None
    std_node: Optional[cst.CSTNode] = None

    def constant_node(self, which: str, index: int):
        """Where the code writes value `index` of the mean or std (`which`): that element of a
        literal tuple or list, else the whole expression, else the normalizing call."""
        expr = self.mean_node if which == "mean" else self.std_node
        values = self.mean if which == "mean" else self.std
        if type(expr) in (cst.Tuple, cst.List) and values is not None and len(expr.elements) == len(values):
            return expr.elements[index].value
        return expr if expr is not None else self.node

    def plain(self) -> dict:
        return {"mean": list(self.mean) if self.mean else None, "std": list(self.std) if self.std else None}


def numbers_text(values) -> str:
    """Constants as messages write them: `(0.485, 0.456, 0.406)`."""
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"


def same(a: Optional[Numbers], b: Optional[Numbers], tolerance: float = 1e-3) -> bool:
    """Equal as numbers: one value broadcasts to three channels (`(0.5,)` is `(0.5, 0.5, 0.5)`)."""
    if a is None or b is None:
        return a is b
    if len(a) == 1 and len(b) > 1:
        a = a * len(b)
    if len(b) == 1 and len(a) > 1:
        b = b * len(a)
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=tolerance, abs_tol=tolerance * 1e-2) for x, y in zip(a, b))


class Constants:
    """Resolves expressions to tuples of numbers."""

    def __init__(self, model):
        self.model = model

    def numbers(self, expr, depth: int = 0) -> Optional[Numbers]:
        if depth > 5 or expr is None:
            return None
        if type(expr) in (cst.Integer, cst.Float):
            return (float(expr.value),)
        if type(expr) is cst.UnaryOperation and type(expr.operator) is cst.Minus:
            inner = self.numbers(expr.expression, depth + 1)
            return tuple(-x for x in inner) if inner and len(inner) == 1 else None
        if type(expr) in (cst.Tuple, cst.List):
            values = []
            for element in expr.elements:
                if type(element) is cst.StarredElement:
                    return None
                found = self.numbers(element.value, depth + 1)
                if found is None or len(found) != 1:
                    return None
                values.append(found[0])
            return tuple(values)
        if type(expr) is cst.BinaryOperation:
            left = self.numbers(expr.left, depth + 1)
            right = self.numbers(expr.right, depth + 1)
            if left is None or right is None:
                return None
            if type(expr.operator) is cst.Multiply:
                if type(expr.left) in (cst.Tuple, cst.List) and len(right) == 1 and right[0].is_integer():
                    return left * int(right[0])  # `(0.5,) * 3`
                if len(left) == 1 and len(right) == 1:
                    return (left[0] * right[0],)
            if type(expr.operator) is cst.Divide and len(right) == 1 and right[0] != 0:
                return tuple(x / right[0] for x in left)
            return None
        if type(expr) is cst.Call and expr.args:
            name = (dotted(expr.func) or "").rsplit(".", 1)[-1]
            if name in _ARRAY_CALLS:
                return self.numbers(expr.args[0].value, depth + 1)
            return None
        name = dotted(expr)
        if name is not None:
            values = self.model.assignments.get(name, ())
            if len(values) == 1:
                return self.numbers(values[0], depth + 1)
        return None

    def computed(self, expr, depth: int = 0) -> bool:
        """Is this a statistic computed from data (`x_train.mean(axis=0)`, `np.std(train)`)?"""
        if depth > 3 or expr is None:
            return False
        if type(expr) is cst.BinaryOperation:  # `x_train.mean(axis=0) / 255`
            return self.computed(expr.left, depth + 1) or self.computed(expr.right, depth + 1)
        if type(expr) is cst.Call:
            name = (dotted(expr.func) or "").rsplit(".", 1)[-1] if type(expr.func) is not cst.Attribute \
                else expr.func.attr.value
            return name in ("mean", "std", "var", "nanmean", "nanstd")
        name = dotted(expr)
        if name is not None:
            return any(self.computed(v, depth + 1) for v in self.model.assignments.get(name, ()))
        return False


def extract(model) -> List[Norm]:
    """Every normalization in the file, with its role where the pipeline or data says (two rules
    and the project summary ask: found once per model)."""
    key = ("normalizations", model.project is None)
    found = model.cache.get(key)
    if found is None:
        found = model.cache[key] = _extract(model)
    return found


def _extract(model) -> List[Norm]:
    constants = Constants(model)
    pipes = model.pipelines
    norms: List[Norm] = []
    for site in model.calls:
        call = site.node
        qualname = site.qualname or ""
        short = qualname.rsplit(".", 1)[-1]
        mean = std = None
        if short == "Normalize" and (qualname.startswith("torchvision.") or qualname.startswith("albumentations")):
            mean_expr = keyword(call, "mean") or _positional(call, 0)
            std_expr = keyword(call, "std") or _positional(call, 1)
            mean, std = constants.numbers(mean_expr), constants.numbers(std_expr)
            if qualname.startswith("albumentations"):
                if mean_expr is None:
                    mean = (0.485, 0.456, 0.406)
                if std_expr is None:
                    std = (0.229, 0.224, 0.225)
                scale = constants.numbers(keyword(call, "max_pixel_value"))
                if scale and scale[0] not in (0.0, 255.0) and mean:
                    factor = scale[0] / 255.0  # express in the 0-1 range of a 255 max
                    mean, std = tuple(m * factor for m in mean), tuple(s * factor for s in std or ())
            computed = constants.computed(mean_expr) or constants.computed(std_expr)
        elif has_role(qualname, "deterministic-transform") and short == "Normalization" and qualname.startswith("keras"):
            mean_expr, variance = keyword(call, "mean"), keyword(call, "variance")
            std_expr = None  # a variance: its values are not the std's
            if mean_expr is None:
                continue  # adapted from data: no constants
            mean = constants.numbers(mean_expr)
            var = constants.numbers(variance)
            std = tuple(math.sqrt(v) for v in var) if var and all(v >= 0 for v in var) else None
            computed = constants.computed(mean_expr)
        else:
            continue
        if mean is None and std is None and not computed:
            continue
        role, evidence = _role(model, pipes, site)
        norms.append(Norm(call, mean, std, role, evidence, computed, _after_to_tensor(model, site), short,
                          site.statement, mean_expr, std_expr))
    norms.extend(_hand_written(model, constants))
    return norms


def _positional(call: cst.Call, index: int):
    positional = [a for a in call.args if a.keyword is None]
    return positional[index].value if len(positional) > index else None


def _role(model, pipes, site) -> Tuple[Optional[str], str]:
    """The role of the pipeline a normalization sits in: the variable it is assigned to (directly or
    as part of a `Compose`), else the function it is in."""
    target = _enclosing_pipeline_name(model, site)
    if target:
        last = target.rsplit(".", 1)[-1]
        if is_eval_data_name(last):
            return "eval", f"`{target}`"
        if TRAIN_WORDS.intersection(tokens(last)):
            return "train", f"`{target}`"
    function = site.function
    if function is not None:
        words = set(tokens(function.name))
        if TRAIN_WORDS.intersection(words):
            return "train", f"`{function.name}()`"
        if is_eval_data_name(function.name) or words & {"predict", "inference", "infer", "evaluate", "test"}:
            return "eval", f"`{function.name}()`"
    return None, ""


def _enclosing_pipeline_name(model, site) -> Optional[str]:
    """`val_tf = T.Compose([..., T.Normalize(...)])`: the Normalize belongs to `val_tf`; in a dict
    of pipelines (`{"train": Compose(...), "val": Compose(...)}`), to its key."""
    statement = site.statement
    for small in getattr(statement, "body", ()) if type(statement) is cst.SimpleStatementLine else ():
        if type(small) is cst.Assign and type(small.value) is cst.Dict:
            for element in small.value.elements:
                if type(element) is cst.DictElement and type(element.key) is cst.SimpleString and \
                        any(n is site.node for n in descendants(element.value)):
                    key = literal(element.key)
                    return key if isinstance(key, str) else None
    return model.assigned_name(site, anywhere=True)


def _after_to_tensor(model, site) -> bool:
    """Does a 0-1 conversion (`ToTensor`, `ToDtype(scale=True)`, `ConvertImageDtype`) precede this
    Normalize in the same `Compose`?"""
    statement = site.statement
    seen = False
    for node in descendants(statement):
        if node is site.node:
            return seen
        if type(node) is cst.Call:
            name = (dotted(node.func) or "").rsplit(".", 1)[-1]
            if name in ("ToTensor", "ConvertImageDtype") or (name == "ToDtype" and keyword(node, "scale") is not None):
                seen = True
    return False


def _hand_written(model, constants: Constants) -> List[Norm]:
    """`(x - mean) / std` with constants, in the functions and module body of the file."""
    norms = []
    for node in model.standardizations:
        left = node.left
        mean = constants.numbers(left.right)
        std = constants.numbers(node.right)
        if mean is None or std is None or not (len(mean) in (1, 3) and len(std) in (1, 3)):
            continue
        if len(mean) == 1 and len(std) == 1 and mean[0] in (0.0, 1.0) and std[0] in (1.0, 2.0):
            continue  # arithmetic, not normalization constants
        norms.append(Norm(node, mean, std, None, "", False, False, "(x - mean) / std", None, left.right, node.right))
    return norms
