"""`skewlint inspect FILE`: what the semantic model concluded, so a user can see why a rule fired or
stayed silent (models and where their mode comes from, contexts with evidence, each forward call)."""
from __future__ import annotations

from typing import List

from skewlint.lazy import libcst as cst

from skewlint.positions import every
from skewlint.semantic.model import build
from skewlint.source import decode, read_bytes


def describe(path: str) -> str:
    from skewlint.engine import _project_view

    text = decode(read_bytes(path)).text
    module = cst.parse_module(text)
    model = build(module, path, _project_view(path))
    analysis = model.analysis
    positions = every(module)

    def line(node) -> str:
        return str(positions[node].start.line) if node in positions else "?"

    def facts(fs) -> str:
        parts = []
        for fact in sorted(fs, key=lambda f: (f.mode, model.source_order(f.node), f.how)):
            where = f" (line {line(fact.node)}: {fact.how})" if fact.node is not None and fact.how else ""
            parts.append(fact.mode.upper() + where)
        return ", ".join(parts) or "?"

    out: List[str] = [f"{path}"]
    role = "inference script" if analysis.inference_script() else (
        "training" if analysis.training_file else "no training step")
    out.append(f"  file: {role}{'; pytest file (no evaluation contexts)' if analysis.pytest else ''}")
    out.append("  models:")
    for name in sorted(model.model_names):
        out.append(f"    {name}")
    out.append("  functions:")
    for info in model.functions:
        context = analysis.function_contexts.get(info)
        if context is None:
            continue
        owner = f"{info.cls.name}." if info.cls is not None else ""
        evidence = f": {context.evidence}" if context.evidence else ""
        out.append(f"    line {line(info.node)} {owner}{info.name}(): {context.kind}{evidence}")
    found = model.project.found() if model.project is not None else []
    if found:
        out.append("  from other files of the project:")
        out.extend(f"    {line}" for line in found)
    out.append("  forward calls:")
    observations = sorted(analysis.observations.values(),
                          key=lambda o: (int(line(o.node)) if line(o.node) != "?" else 0, o.key))
    for observation in observations:
        code = module.code_for_node(observation.node).splitlines()[0][:60]
        kind = "call of an evaluating/training function" if observation.via is not None else "forward"
        evidence = f" ({observation.context.evidence})" if observation.context.evidence else ""
        grad = "/".join(sorted(analysis.resolved_grad(observation)))
        out.append(f"    line {line(observation.node)} `{code}` [{kind}] model `{observation.key}`: "
                   f"mode {facts(observation.facts)}; context {observation.context.kind}{evidence}; grad {grad}")
    out.append("  (modes: TRAIN, EVAL, UNKNOWN after code skewlint cannot see; ENTRY: whatever the caller had)")
    return "\n".join(out) + "\n"
