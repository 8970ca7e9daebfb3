"""What a file tells the files that import it: its summary in the project index (`index.py`).

Plain data (JSON-able), computed from the file's semantic model and analysis:
- `classes`: name -> line, whether it is a model (a framework module class, directly or through
  other project classes), its framework, its bases, whether it is free of mode-dependent layers,
  and the classes it builds that this file cannot see (`unknown_layers`: mode-free if they are);
- `functions`: name -> line, parameters, and per parameter (or attribute of one, `net.module`):
  the evaluations and training steps it runs with the caller's mode (`evaluates`, `trains`, with
  the evidence), its effect on the mode (`exit`: the possible modes after the call, `entry` for
  "unchanged"), and the model it returns (`returns`: its mode at construction);
- `imports` and `star`: the names it imports, so that a package's `__init__.py` that re-exports
  `from .unet_model import UNet` resolves to the class;
- `uses`: the project files whose summaries this one was built from (path -> digest), so that a
  cache entry that used it also depends on them.
"""
from __future__ import annotations

import re
from typing import Optional

from skewlint.lazy import libcst as cst
from skewlint.semantic.contexts import grad_effect, is_training_step
from skewlint.semantic.fitting import fitted_parameters
from skewlint.semantic.graphs import returns_graph_free



def exports(model, text: Optional[str] = None) -> dict:
    text = text if text is not None else model.module.code
    lines = _definition_lines(text)
    top = {id(statement) for statement in model.module.body}
    classes = {}
    for info in model.classes.values():
        if id(info.node) in top:
            unknown: list = []
            # A plain class too: a mixin without layers adds none to the models deriving from it.
            free = model._class_mode_free(info, set(), unknown)
            classes[info.name] = {"line": lines.get(("class", info.name), 1), "model": info.is_model,
                                  "framework": info.framework, "bases": info.bases,
                                  "mode_free": free and not unknown,
                                  "unknown_layers": sorted(set(unknown)) if free else []}
    functions = {}
    # The summaries of the module's functions, and of the methods of its classes that are not models
    # (trainers: a subclass in another file inherits `validate`); the module body is the file's own
    # business (its lint analyses it), not something an importer asks.
    from skewlint.semantic.state import Analysis

    analysis = Analysis(model)
    managing = _managing_classes(model)
    for info in model.functions:
        if info.parent is not None:
            continue
        if info.cls is None and id(info.node) in top:
            entry = _function_entry(analysis, info, lines.get(("def", info.name), 1))
            returned = _returned_model(model, info)
            if returned is not None:
                entry["returns"] = returned
            functions[info.name] = entry
        elif info.cls in managing and info.cls.name in classes and not info.cls.is_model and \
                not {"staticmethod", "classmethod"}.intersection(info.decorators):
            methods = classes[info.cls.name].setdefault("methods", {})
            line = _method_line(text, classes[info.cls.name]["line"], info.name)
            methods[info.name] = _function_entry(analysis, info, line, ["self"])
    return {
        "classes": classes,
        "functions": functions,
        "imports": dict(model.imports.aliases),
        "star": list(model.imports.star_modules),
        "uses": dict(model.stars.used) if model.stars is not None else {},
    }


def _managing_classes(model) -> set:
    """Classes with methods that switch modes, turn gradients off or take a training step (trainers):
    the ones whose inherited methods matter to a subclass in another file."""
    found = set()
    for site in model.calls:
        info = site.function
        if info is None or info.cls is None or info.cls in found:
            continue
        func = site.node.func
        if (type(func) is cst.Attribute and func.attr.value in ("eval", "train")) or \
                grad_effect(model, site.node) is not None or is_training_step(site):
            found.add(info.cls)
    found |= {info.cls for info in model.functions if info.cls is not None and any(
        grad_effect(model, d.decorator) is not None for d in info.node.decorators)}
    return found


def _function_entry(analysis, info, line: int, receiver=()) -> dict:
    """What a call does to the models it passes (a method's first parameter is its receiver)."""
    summary = analysis.summary(info)
    entry = {"line": line, "params": [*receiver, *info.params]}
    if summary is not None:
        params = set(entry["params"])
        of_params = (lambda found: {k: v for k, v in found.items() if k.split(".")[0] in params})
        entry["evaluates"] = {k: o.context.evidence for k, o in of_params(summary.evaluates).items()}
        entry["trains"] = {k: o.context.manual for k, o in of_params(summary.trains).items()}
        entry["exit"] = {k: sorted({f.mode for f in facts}) for k, facts in of_params(summary.exit).items()}
    if returns_graph_free(analysis.model, info):  # `accuracy(out, y)` giving a number: accumulating it keeps no graph
        entry["graph_free"] = True
    model = analysis.model
    if all(model._layer_mode_free(site.node, set()) for site in model.calls_in(info)):
        entry["layer_free"] = True  # builds no dropout or normalization layer, calls no such function
    fits = fitted_parameters(analysis.model, info)
    if fits:
        entry["fits"] = sorted(fits)
    return entry


def _method_line(text: str, class_line: int, name: str) -> int:
    """The line of the first `def name` after its class's line (method names repeat across classes)."""
    start = 0
    for _ in range(class_line - 1):
        start = text.find("\n", start) + 1
    match = re.compile(rf"^[ \t]+(?:async[ \t]+)?def[ \t]+{name}\b", re.MULTILINE).search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else class_line


def _returned_model(model, info) -> Optional[dict]:
    """What every `return` of the function gives, when it is a newly built model, directly or
    through a name bound only to it (`net = UNet(); ...; return net`): {mode, framework} for a model
    this file can tell, or {class} for an instance of a class it imports (the importer resolves it)."""
    values = []
    for node in model.returns.get(info, ()):
        if node.value is None:
            return None
        values += model.assignments.get(node.value.value, [None]) if type(node.value) is cst.Name else [node.value]
    found = {_built(model, value) for value in values}
    return dict(found.pop()) if len(found) == 1 and None not in found else None


def _built(model, value) -> Optional[tuple]:
    if type(value) is not cst.Call:
        return None
    built = model.construction(value)
    if built is not None:
        return (("mode", built[0]), ("framework", built[1]))
    qualname = model.qualify(value.func)
    if qualname is None and type(value.func) is cst.Name and model.imports.star_modules:
        qualname = value.func.value
    return (("class", qualname),) if qualname and qualname.rsplit(".", 1)[-1][:1].isupper() else None


_DEFINITION = re.compile(r"^(?:async[ \t]+)?(def|class)[ \t]+(\w+)", re.MULTILINE)


def _definition_lines(text: str) -> dict:
    """(keyword, name) -> line of the first module-level `def`/`class` of that name, in one pass."""
    lines: dict = {}
    row, position = 1, 0
    for match in _DEFINITION.finditer(text):
        row += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault((match.group(1), match.group(2)), row)
    return lines
