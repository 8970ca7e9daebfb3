"""Where a value goes. A result that only reaches a picture (`plt.imshow`, a scatter plot, a saved
image grid) is a visualisation: augmented validation images shown to the reader, a t-SNE of test
features. No metric is computed from it, so nothing about evaluation can be wrong there.
"""
from __future__ import annotations

from typing import Optional

from skewlint.adapters import has_role, method_has_role
from skewlint.lazy import libcst as cst
from skewlint.semantic.names import dotted
from skewlint.semantic.walk import descendants, own_nodes, parents

_MAX_HOPS = 3


def only_displayed(model, node, hops: int = 0) -> bool:
    """Does every path of the value of `node` (an expression) end in a display call? Followed through
    the names it is assigned to and the loops over it; anything else it reaches (a metric, a loss, a
    return, a model) makes it more than a picture."""
    held_by = parents(model.module)
    current = node
    while True:
        parent = held_by.get(id(current))
        if parent is None:
            return False
        if type(parent) is cst.Arg:
            call = held_by.get(id(parent))
            if type(call) is cst.Call and _displays(model, call):
                return True
            if type(call) is cst.Call and type(call.func) is cst.Attribute and \
                    method_has_role(call.func.attr.value, "fit") and model.is_model(call.func.value):
                return False  # `model.fit(..., validation_data=data)`: what it returns is a history, not the data
        elif type(parent) in (cst.Assign, cst.AnnAssign) and current is parent.value:
            targets = [t.target for t in parent.targets] if type(parent) is cst.Assign else [parent.target]
            return hops < _MAX_HOPS and _names_displayed(model, targets, parent, hops)
        elif type(parent) is cst.For and current is parent.iter:
            return hops < _MAX_HOPS and _names_displayed(model, [parent.target], parent, hops)
        elif isinstance(parent, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            return False
        current = parent


def in_loop(model, node) -> bool:
    """Does `node` run repeatedly within its function: inside a loop or a comprehension?"""
    held_by = parents(model.module)
    current = held_by.get(id(node))
    while current is not None and type(current) not in (cst.FunctionDef, cst.Lambda, cst.Module):
        if type(current) in (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp):
            return True
        current = held_by.get(id(current))
    return False


def repeated_draws(model, node) -> bool:
    """Does `node` run as repeated draws of one result: in the nearest loop or comprehension, over a
    `range(...)` whose variable it does not read (`[model(x, training=True) for _ in range(100)]`)?
    That is Monte Carlo sampling, averaged afterwards, not one evaluation."""
    held_by = parents(model.module)
    current = held_by.get(id(node))
    while current is not None and type(current) not in (cst.FunctionDef, cst.Lambda, cst.Module):
        loop = current.for_in if type(current) in (cst.ListComp, cst.SetComp, cst.GeneratorExp) else (
            current if type(current) is cst.For else None)
        if loop is not None:
            read = {n.value for n in descendants(node) if type(n) is cst.Name}
            counter = {n.value for n in descendants(loop.target) if type(n) is cst.Name}
            return (type(loop.iter) is cst.Call and dotted(loop.iter.func) == "range"
                    and not counter & read)
        current = held_by.get(id(current))
    return False


def written_out(model, names, after) -> Optional[str]:
    """Where the values of `names` are written out after the statement `after`, in its scope: passed
    to a call that saves (`np.save`, `df.to_csv`) or put into the rows of a table (`table[:] = preds`),
    directly or through names assigned from them (`df = pd.DataFrame({"label": preds})`). Returns
    that place as text, or None."""
    names = set(names)
    inside = {id(n) for n in descendants(after)}
    passed = False
    for node in own_nodes(_scope(model, after)):
        if node is after:
            passed = True
        if not passed or id(node) in inside:
            continue
        if type(node) is cst.Assign and reads_any(node.value, names):
            for target in node.targets:
                if type(target.target) is cst.Subscript:
                    return f"the rows of `{dotted(target.target.value) or 'a table'}`"
                names |= {n.value for n in descendants(target.target) if type(n) is cst.Name}
        elif type(node) is cst.Call:
            func = node.func
            saves = has_role(model.qualify(func), "persist") or (
                type(func) is cst.Attribute and method_has_role(func.attr.value, "persist"))
            if saves and (any(reads_any(arg.value, names) for arg in node.args) or
                          (type(func) is cst.Attribute and reads_any(func.value, names))):
                return f"the rows `{dotted(func) or 'a save'}(...)` writes"
    return None


def reads_any(expr, names) -> bool:
    """Does `expr` read one of `names`?"""
    return any(type(n) is cst.Name and n.value in names for n in descendants(expr))


def _names_displayed(model, targets, binding, hops: int) -> bool:
    names = set()
    for target in targets:
        for inner in descendants(target):
            if type(inner) is cst.Name:
                names.add(inner.value)
            elif type(inner) in (cst.Attribute, cst.Subscript):
                return False  # `self.images = ...`: followed nowhere
    bound = {id(n) for target in targets for n in descendants(target)}
    scope = _scope(model, binding)
    uses = [n for n in descendants(scope) if type(n) is cst.Name and n.value in names and id(n) not in bound]
    if uses:
        skipped = _not_references(model, scope)
        uses = [n for n in uses if id(n) not in skipped]
    used = [n for n in uses if not _is_target(model, n)]
    return bool(used) and all(only_displayed(model, use, hops + 1) for use in used)


def _not_references(model, scope) -> set:
    """Ids of the names in `scope` that do not read a variable: attribute names (`x.image`) and the
    dotted module names of imports (`from keras.preprocessing.image import ...`)."""
    key = ("not references", id(scope))
    found = model.cache.get(key)
    if found is None:
        found = set()
        for node in descendants(scope):
            if type(node) is cst.Attribute:
                found.add(id(node.attr))
            elif type(node) in (cst.Import, cst.ImportFrom):
                found.update(id(n) for n in descendants(node))
        model.cache[key] = found
    return found


def _displays(model, call: cst.Call) -> bool:
    func = call.func
    if has_role(model.qualify(func), "display"):
        return True
    return type(func) is cst.Attribute and method_has_role(func.attr.value, "display")


def _is_target(model, name: cst.Name) -> bool:
    """A name being rebound (`x = ...`, `for x in ...`) is not a use of the old value."""
    held_by = parents(model.module)
    current, parent = name, held_by.get(id(name))
    while parent is not None and type(parent) in (cst.Tuple, cst.List, cst.Element, cst.StarredElement):
        current, parent = parent, held_by.get(id(parent))
    return (type(parent) is cst.AssignTarget or (type(parent) is cst.For and current is parent.target)
            or (type(parent) in (cst.AnnAssign, cst.AugAssign) and current is parent.target))


def _scope(model, node):
    """The function that binds the name, else the module."""
    held_by = parents(model.module)
    current = held_by.get(id(node))
    while current is not None and type(current) not in (cst.FunctionDef, cst.Lambda):
        current = held_by.get(id(current))
    return current if current is not None else model.module


def straight_line(model, earlier, later) -> Optional[list]:
    """The statements of one block from the one that holds `earlier` to the one that holds `later`,
    when `earlier` comes first in that block (code that runs in order), else None."""
    held_by = parents(model.module)
    statement = earlier
    while statement is not None and type(statement) not in (cst.SimpleStatementLine, cst.SimpleStatementSuite):
        statement = held_by.get(id(statement))
    block = held_by.get(id(statement)) if statement is not None else None
    if block is None:
        return None
    body = list(getattr(block, "body", ()))
    current = later
    while current is not None and held_by.get(id(current)) is not block:
        current = held_by.get(id(current))
    if current is None or statement not in body or current not in body:
        return None
    start, end = body.index(statement), body.index(current)
    return body[start:end + 1] if start < end else None

