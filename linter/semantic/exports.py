"""What a file tells the files that import it: its summary in the project index (`index.py`).

Plain data (JSON-able), computed from the file's semantic model and analysis:
- `classes`: name -> line, whether it is a model (a framework module class, directly or through
  other project classes), its framework, whether it is free of mode-dependent layers;
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

from skewlint.semantic.names import dotted


def exports(model, text: Optional[str] = None) -> dict:
    text = text if text is not None else model.module.code
    top = {id(statement) for statement in model.module.body}
    classes = {}
    for info in model.classes.values():
        if id(info.node) in top:
            classes[info.name] = {"line": _line(text, "class", info.name), "model": info.is_model,
                                  "framework": info.framework,
                                  "mode_free": info.is_model and model._class_mode_free(info, set())}
    functions = {}
    analysis = model.analysis
    for info in model.functions:
        if info.cls is not None or info.parent is not None or id(info.node) not in top:
            continue
        summary = analysis.summary(info)
        entry = {"line": _line(text, "def", info.name), "params": info.params}
        if summary is not None:
            params = set(info.params)
            of_params = (lambda found: {k: v for k, v in found.items() if k.split(".")[0] in params})
            entry["evaluates"] = {k: o.context.evidence for k, o in of_params(summary.evaluates).items()}
            entry["trains"] = {k: o.context.manual for k, o in of_params(summary.trains).items()}
            entry["exit"] = {k: sorted({f.mode for f in facts}) for k, facts in of_params(summary.exit).items()}
        returned = _returned_model(model, info)
        if returned is not None:
            entry["returns"] = returned
        functions[info.name] = entry
    project = model.project
    return {
        "classes": classes,
        "functions": functions,
        "imports": dict(model.imports.aliases),
        "star": list(model.imports.star_modules),
        "uses": dict(project.used) if project is not None else {},
    }


def _returned_model(model, info) -> Optional[dict]:
    """{mode, framework} when every `return` of the function returns a newly built model, directly
    or through a name bound only to built models (`net = UNet(); ...; return net`)."""
    built = []
    for node in model.returns.get(info, ()):
        value = node.value
        if value is None:
            return None
        if type(value) is cst.Name:
            values = model.assignments.get(value.value, ())
            found = [model.construction(v) for v in values]
            if not found or any(f is None for f in found):
                return None
            built += found
        else:
            found = model.construction(value)
            if found is None:
                return None
            built.append(found)
    if not built or len({(mode, framework) for mode, framework, _ in built}) != 1:
        return None
    mode, framework, call = built[0]
    return {"mode": mode, "framework": framework, "how": f"`{dotted(call.func) or 'a model'}(...)`"}


def _line(text: str, keyword: str, name: str) -> int:
    match = re.search(rf"^(?:async[ \t]+)?{keyword}[ \t]+{re.escape(name)}\b", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1
