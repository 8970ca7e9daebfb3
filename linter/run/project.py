"""The project phase: cross-file rules over the files' summaries, after every file is linted.

A file's summary is small plain data (cached with its diagnostics): its role (training, inference
or neither) and its normalization constants, each with its role, position and whether a
suppression comment covers SKW402 there. SKW402 compares an inference file's constants with the
training constants of its directory (when those agree) or with `[tool.skewlint.normalization]`."""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional

from skewlint.diagnostics import Diagnostic, Location
from skewlint.registry import registry

CODE = "SKW402"


def summarize(model, module, text: str, enabled: frozenset) -> Optional[dict]:
    """The file's summary for the project phase, or None when it has nothing to contribute."""
    if CODE not in enabled:
        return None
    from skewlint.semantic.normalization import extract

    norms = [n for n in extract(model) if n.mean is not None and n.std is not None and not n.computed]
    if not norms:
        return None
    from skewlint.run import suppressions
    from skewlint.run.positions import Spans

    analysis = model.analysis
    role = "inference" if analysis.inference_script() else ("training" if analysis.training_file else "other")
    positions = Spans(module, text)
    comments = suppressions.parse(text)
    name = registry().rules[CODE].name
    entries = []
    for norm in norms:
        span = positions.find(norm.node, within=norm.statement)
        entries.append({
            "role": norm.role, "mean": list(norm.mean), "std": list(norm.std),
            "row": span.start.line, "column": span.start.column + 1,
            "end_row": span.end.line, "end_column": span.end.column + 1,
            "suppressed": comments.covers(CODE, name, {span.start.line}),
        })
    return {"role": role, "norms": entries}


def check(results, declared: Callable[[str], Optional[tuple]]) -> None:
    """Add SKW402 diagnostics to the results of inference and evaluation files whose constants
    differ from their directory's training constants or the declared ones."""
    from skewlint.semantic.normalization import numbers_text, same

    by_directory: Dict[str, List] = {}
    for result in results:
        summary = getattr(result, "summary", None)
        if summary:
            by_directory.setdefault(os.path.dirname(result.path), []).append(result)
    rule = registry().rules[CODE]
    for directory, items in by_directory.items():
        training = [(result, n) for result in items if result.summary["role"] == "training"
                    for n in result.summary["norms"] if n["role"] != "eval"]
        agreed = None
        if training and all(same(tuple(n["mean"]), tuple(training[0][1]["mean"])) and
                            same(tuple(n["std"]), tuple(training[0][1]["std"])) for _, n in training):
            agreed = training[0]
        for result in items:
            reference = declared(result.path)
            inference = result.summary["role"] == "inference"
            for norm in result.summary["norms"]:
                if norm["suppressed"] or norm["role"] == "train":
                    continue
                # `source` is the subject of the message's second clause, with its verb.
                if reference is not None and (inference or norm["role"] == "eval"):
                    mean, std = reference
                    source = "`[tool.skewlint.normalization]` in the configuration declares"
                    related = ()
                elif agreed is not None and inference:
                    mean, std = tuple(agreed[1]["mean"]), tuple(agreed[1]["std"])
                    cell = agreed[1].get("cell")  # a notebook's rows count in their cell
                    where = f"cell {cell}, line {agreed[1]['row']}" if cell is not None else f"line {agreed[1]['row']}"
                    source = f"the training code of this directory (`{agreed[0].path}` {where}) uses"
                    related = ((Location(agreed[1]["row"], agreed[1]["column"]),
                                f"{f'cell {cell}: ' if cell is not None else ''}the training normalization",
                                agreed[0].path),)
                else:
                    continue
                if same(tuple(norm["mean"]), tuple(mean)) and same(tuple(norm["std"]), tuple(std)):
                    continue
                result.diagnostics.append(Diagnostic(
                    code=rule.code, name=rule.name, severity=rule.severity,
                    message=(f"normalizes with mean={numbers_text(norm['mean'])}, std={numbers_text(norm['std'])} but "
                             f"{source} mean={numbers_text(mean)}, std={numbers_text(std)}; use the training constants"),
                    filename=result.path, location=Location(norm["row"], norm["column"]), cell=norm.get("cell"),
                    end_location=Location(norm["end_row"], norm["end_column"]), noqa_row=norm["row"], url=rule.url(),
                    related=related,
                ))

