"""`skewlint inspect FILE`: what the semantic model concluded, so a user can see why a rule fired or
stayed silent (models and where their mode comes from, contexts with evidence, each forward call)."""
from __future__ import annotations

from collections import Counter
from typing import List, Optional

from skewlint.lazy import libcst as cst

from skewlint.run.positions import every
from skewlint.semantic.names import dotted
from skewlint.semantic.model import build
from skewlint.run.source import decode, read_bytes


def describe(path: str, candidates: Optional[Counter] = None) -> str:
    """The report for one file; with `candidates` (a tally of exemptions to add to), also every
    finding each rule considered: reported, or held back and why."""
    from skewlint.run.engine import _project_view

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
        out.append(f"    line {line(info.node)} {owner}{info.name}(): {context.kind.value}{evidence}")
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
        grad = "/".join(sorted(g.value for g in analysis.resolved_grad(observation)))
        out.append(f"    line {line(observation.node)} `{code}` [{kind}] model `{observation.key}`: "
                   f"mode {facts(observation.facts)}; context {observation.context.kind.value}{evidence}; grad {grad}")
    out.extend(_data(model, line))
    out.extend(LEGEND)
    if candidates is not None:
        out.append("  candidates (reported, or held back and why):")
        out.extend(_candidates(model, line, candidates) or ["    none"])
    return "\n".join(out) + "\n"


LEGEND = [
    "  legend:",
    "    modes: TRAIN (dropout active, BatchNorm learning batch statistics), EVAL (inference behaviour),",
    "      UNKNOWN (after code skewlint cannot read, e.g. a library call that takes the model).",
    "    ENTRY: the function does not set the mode before this point, so the model is in whatever mode",
    "      its caller left it in. Nothing is wrong by itself: the mode is checked where the function is",
    "      called (those calls are listed as `call of an evaluating/training function`).",
    "    grad: on (an autograd graph is built), off (under `torch.no_grad()` or `inference_mode`);",
    "      a function's grad state comes from its callers, entry when no caller in the file says.",
]


def _data(model, line) -> List[str]:
    """Pipelines, normalizations, loaders and fitted preprocessors, as the semantic model sees them."""
    from skewlint.semantic.fitting import fits
    from skewlint.semantic.normalization import extract, numbers_text

    pipes = model.pipelines
    norms = extract(model)
    by_node = {id(norm.node): norm for norm in norms}

    def role(found) -> str:
        if not found:
            return "data of no known role"
        return f"{'evaluation' if found[0] == 'eval' else 'training'} data ({found[1]})"

    out = ["  pipelines (each step: random augmentation, normalization or deterministic):"]
    for site, pipeline in pipes.built():
        name = model.assigned_name(site)
        label = f"`{name}`" if name else f"`{model.snippet(site.node)}`"
        out.append(f"    line {line(site.node)} {label} for {role(pipes.role(site.node, name))}; "
                   + ("random: its output varies from call to call" if pipeline.augments else "deterministic"))
        for step, random in pipeline.steps:
            # A step written as a name (`normalize`) is the normalization it is bound to.
            bound = model.assignments.get(dotted(step) or "", ()) if type(step) is cst.Name else ()
            norm = by_node.get(id(step)) or next((by_node[id(v)] for v in bound if id(v) in by_node), None)
            if random:
                why = f"random augmentation ({', '.join(f'`{r}`' for r in random)})"
            elif norm is not None and norm.mean is not None:
                why = f"normalization, mean={numbers_text(norm.mean)}, std={numbers_text(norm.std)}"
            else:
                why = "deterministic"
            out.append(f"      `{model.snippet(step)}`: {why}")
        if not pipeline.steps and pipeline.augments:
            out.append(f"      random: {', '.join(f'`{r}`' for r in pipeline.random_steps)}")
    if len(out) == 1:
        out.append("    none")
    out.append("  normalizations (the constants, their role, where they come from):")
    for norm in norms:
        constants = (f"mean={numbers_text(norm.mean)}, std={numbers_text(norm.std)}" if norm.mean is not None and
                     norm.std is not None else "constants not known")
        source = "computed from data" if norm.computed else "written in the code"
        if norm.after_to_tensor:
            source += ", after a 0-1 conversion (`ToTensor`)"
        use = {"train": "training", "eval": "evaluation"}.get(norm.role or "", "no known role")
        evidence = f" ({norm.evidence})" if norm.evidence else ""
        out.append(f"    line {line(norm.node)} `{model.snippet(norm.node)}`: {constants}; {source}; {use}{evidence}")
    if not norms:
        out.append("    none")
    out.append("  loaders (shuffle and drop_last change which samples are scored, and in which order):")
    loaders = pipes.loaders()
    for site, shuffle, drop_last, found in loaders:
        options = ", ".join(f"{option}={model.snippet(value) if value is not None else 'False (default)'}"
                            for option, value in (("shuffle", shuffle), ("drop_last", drop_last)))
        out.append(f"    line {line(site.node)} `{model.snippet(site.node)}`: {options}; {role(found)}")
    if not loaders:
        out.append("    none")
    out.append("  fitted preprocessors (what learns its state from which data):")
    fitted = fits(model)
    for site, method, data, found in fitted:
        receiver = model.snippet(site.node.func.value)
        learned = f"`{data}`, {role(found)}" if data else "data skewlint cannot name"
        out.append(f"    line {line(site.node)} `{receiver}.{method}()` learns from {learned}")
    if not fitted:
        out.append("    none")
    return out



def _candidates(model, line, tally: Counter) -> List[str]:
    from skewlint.run.engine import _run_rules
    from skewlint.registry import registry

    model.silenced = []
    rows = []
    for finding in _run_rules(model, registry().rules):
        message = finding.message
        for index, (node, _) in enumerate(finding.related):
            message = message.replace(f"{{line{index}}}", line(node))
        rows.append((finding.node, finding.code, f"reported: {message.split(': ')[0]}"))
    for code, node, why in model.silenced:
        rows.append((node, code, f"silent at `{model.snippet(node)}`: {why}"))
        tally[(code, why)] += 1
    model.silenced = None

    def number(node) -> int:
        text = line(node)
        return int(text) if text.isdigit() else 0

    return [f"    line {line(node)} {code} {text}"
            for node, code, text in sorted(rows, key=lambda r: (number(r[0]), r[1], r[2]))]


def tally_text(tally: Counter) -> str:
    """How often each exemption held a finding back, over every file inspected."""
    lines = ["exemptions (findings held back, over all files):"]
    lines += [f"  {count:5d}  {code}  {why}" for (code, why), count in
              sorted(tally.items(), key=lambda item: (-item[1], item[0]))]
    return "\n".join(lines) + "\n"
