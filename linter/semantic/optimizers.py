"""Which models a training step updates: the parameters its optimizer was built over.

A GAN step trains one network while the other, in eval mode on purpose, only feeds its loss:
`disc.eval()` then `opt_g.step()` with `opt_g = Adam(gen.parameters())` trains `gen`, not `disc`.
"""
from __future__ import annotations

from typing import Optional

from skewlint.lazy import libcst as cst
from skewlint.semantic.contexts import updates_weights
from skewlint.semantic.names import dotted, strip_module
from skewlint.semantic.walk import descendants


def stepped_models(model, node, region, function) -> Optional[set]:
    """The models updated by the optimizer step that follows the forward call `node` in its training
    region (a loop body repeats: past the last step comes the first); None when unknown."""
    if region is None:
        return None
    inside = {id(n) for n in descendants(region)}
    calls = [site for site in model.calls_in(function) if id(site.node) in inside]
    position = next((i for i, site in enumerate(calls) if site.node is node), None)
    if position is None:
        return None
    steps = [site for site in calls[position:] + calls[:position] if updates_weights(site)]
    return optimizer_models(model, _optimizer(steps[0].node)) if steps else None


def _optimizer(call: cst.Call) -> Optional[str]:
    """`opt.step()`, `opt.apply_gradients(...)`: the receiver; `scaler.step(opt)`: the argument."""
    if call.func.attr.value == "step" and call.args and call.args[0].keyword is None:
        return dotted(call.args[0].value)
    return dotted(call.func.value)


def optimizer_models(model, name: Optional[str], depth: int = 0) -> Optional[set]:
    """The models whose `.parameters()` the optimizer `name` was built over, following the names
    its construction uses once; None if any construction of it is out of sight."""
    values = model.assignments.get(name, ()) if name else ()
    if not values or depth > 1:
        return None
    found = set()
    for value in values:
        if any(type(n) is cst.Name and n.value == name for n in descendants(value)):
            continue  # `model, opt = accelerator.prepare(model, opt)`: the same optimizer, wrapped
        models = {strip_module(dotted(n.func.value) or "") for n in descendants(value)
                  if type(n) is cst.Call and type(n.func) is cst.Attribute
                  and n.func.attr.value in ("parameters", "named_parameters")}
        for inner in descendants(value):
            if type(inner) is cst.Name and inner.value != name and inner.value in model.assignments:
                followed = optimizer_models(model, inner.value, depth + 1)
                models |= followed or set()
        models.discard("")
        if not models:
            return None
        found |= models
    return found or None

