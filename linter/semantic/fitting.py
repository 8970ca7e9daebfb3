"""Functions that fit a preprocessor on their argument: `prep_input(X)` whose body runs
`StandardScaler().fit_transform(X[cols])`, or calls another such function with it. A call of one is a
fit on the data it passes, wherever the fit is written (SKW406 follows it like an inline fit).
"""
from __future__ import annotations

from typing import FrozenSet, Optional

from skewlint.adapters import has_role
from skewlint.lazy import libcst as cst
from skewlint.semantic.names import dotted
from skewlint.semantic.walk import descendants

_FITS = ("fit", "fit_transform")
# Every method that learns a preprocessor's state from data (Keras layers `adapt`, tokenizers `fit_on_texts`).
FIT_METHODS = ("fit", "fit_transform", "partial_fit", "adapt", "fit_on_texts", "fit_on_sequences")
_MAX_DEPTH = 3


def fitted_parameters(model, info, depth: int = 0) -> FrozenSet[str]:
    """The parameters whose rows a preprocessor of this function (or of a function it calls) is
    fitted on: the parameter itself or data the function makes from it."""
    # The file's own summary asks before the project is attached (from the file alone), its rules after.
    memo = model.cache.setdefault(("fitted_parameters", model.project is None), {})
    if info in memo:
        return memo[info]
    if depth > _MAX_DEPTH:
        return frozenset()
    memo[info] = frozenset()  # recursion
    if model.project is None and not _has_fits(model):
        return frozenset()  # a file's own summary: no fit in it, none through other files either
    by_function = model.cache.get("calls_by_function")
    if by_function is None:
        by_function = model.cache["calls_by_function"] = {}
        for site in model.calls:
            by_function.setdefault(site.function, []).append(site)
    fitted = []  # the data each fit inside the function (or in a function it calls) learns from
    for site in by_function.get(info, ()):
        call, func = site.node, site.node.func
        if type(func) is cst.Attribute and func.attr.value in _FITS and call.args and _preprocessor(model, func.value):
            fitted.append(call.args[0].value)
        else:
            fitted += [value for _, value in fitting_call(model, site, depth + 1)]
    if fitted:
        made_from = _made_from_parameters(model, info)
        memo[info] = frozenset(p for value in fitted for p in made_from.get(_root(value), ()))
    return memo[info]


def fitting_call(model, site, depth: int = 0) -> list:
    """(parameter, argument) for each argument a call passes to a function (of this file, a method
    of the caller's class, or a function of another project file) that fits a preprocessor on it."""
    func = site.node.func
    params: Optional[list] = None
    fitted: FrozenSet[str] = frozenset()
    callee = None
    if type(func) is cst.Name and func.value in model.function_names:
        callee = next((f for f in model.functions if f.name == func.value and f.cls is None), None)
    elif type(func) is cst.Attribute and dotted(func.value) == "self" and site.function is not None:
        callee = model.function_named(func.attr.value, site.function.cls)
    if callee is not None:
        params, fitted = callee.params, fitted_parameters(model, callee, depth)
    elif type(func) is cst.Name or site.qualname is not None:
        entry = model.project_entry(func, "functions")
        if entry is not None:
            params, fitted = entry.data["params"], frozenset(entry.data.get("fits", ()))
    if not fitted:
        return []
    pairs = []
    positional = [a for a in site.node.args if a.keyword is None and not a.star]
    for index, param in enumerate(params):
        if param not in fitted:
            continue
        value = next((a.value for a in site.node.args if a.keyword is not None and a.keyword.value == param), None)
        if value is None and index < len(positional):
            value = positional[index].value
        if value is not None:
            pairs.append((param, value))
    return pairs


def _has_fits(model) -> bool:
    found = model.cache.get("has_fits")
    if found is None:
        found = model.cache["has_fits"] = any(
            type(s.node.func) is cst.Attribute and s.node.func.attr.value in _FITS for s in model.calls)
    return found


def _made_from_parameters(model, info) -> dict:
    """Each name of the function -> the parameters its value is made from (`df = X[cols].copy()`)."""
    made = {param: {param} for param in info.params}
    lines = [n for n in descendants(info.node.body) if type(n) in (cst.Assign, cst.AugAssign, cst.AnnAssign)]
    for _ in range(3):
        for node in lines:
            value = node.value
            if value is None:
                continue
            sources = set()
            for name in descendants(value):
                if type(name) is cst.Name and name.value in made:
                    sources |= made[name.value]
            if not sources:
                continue
            targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
            for target in targets:
                for name in descendants(target):
                    if type(name) is cst.Name:
                        made.setdefault(name.value, set()).update(sources)
                        break  # the root of `df[cols] = ...`
    return made


def data_name(expr) -> Optional[str]:
    """The data an expression is made from: `X_test` of `X_test[cols]`, `df.to_numpy()`,
    `np.array(y).reshape(-1, 1)`."""
    for _ in range(6):
        if type(expr) is cst.Subscript:
            expr = expr.value
        elif type(expr) is cst.Call and type(expr.func) is cst.Attribute and dotted(expr.func.value) is None:
            expr = expr.func.value  # a method of a computed value: `np.array(y).reshape(-1, 1)`
        elif type(expr) is cst.Call and type(expr.func) is cst.Attribute and expr.args and \
                not expr.args[0].keyword and dotted(expr.args[0].value) is not None and \
                expr.func.attr.value in ("array", "asarray", "DataFrame", "Series", "tensor", "from_numpy"):
            expr = expr.args[0].value  # `np.array(y)`, `pd.DataFrame(X)`
        elif type(expr) is cst.Call and type(expr.func) is cst.Attribute:  # `X_test.values`, `df.to_numpy()`
            expr = expr.func.value
        else:
            break
    return dotted(expr)


def _root(expr) -> Optional[str]:
    name = data_name(expr)
    return name.split(".")[0] if name else None


def _preprocessor(model, receiver) -> bool:
    """Built by a class the adapters know as a fitted preprocessor (not a label encoder, not stateless)."""
    values = [receiver] if type(receiver) is cst.Call else model.assignments.get(dotted(receiver) or "", ())
    for value in values:
        if type(value) is cst.Call:
            qualname = model.qualify(value.func)
            if has_role(qualname, "fitted-preprocessor") and not (has_role(qualname, "label-encoder")
                                                                     or has_role(qualname, "stateless-preprocessor")):
                return True
    return False


def fits(model) -> list:
    """(call site, method, the data it learns from or None, that data's role or None) of each call
    that fits a preprocessor the adapters know (or adapts a Keras layer, fits a tokenizer), in
    source order (for `skewlint inspect`)."""
    found = []
    for site in model.calls:
        func = site.node.func
        if type(func) is not cst.Attribute or func.attr.value not in FIT_METHODS or not site.node.args:
            continue
        if func.attr.value in _FITS + ("partial_fit",) and not _preprocessor(model, func.value):
            continue  # a model's fit: training, not preprocessing
        data = data_name(site.node.args[0].value)
        found.append((site, func.attr.value, data, model.pipelines.role(None, data) if data else None))
    return found
