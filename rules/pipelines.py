"""Family 3: evaluation data pipelines (SKW3xx)."""
from __future__ import annotations

from typing import Iterator, List, Optional

from skewlint.lazy import libcst as cst

from skewlint.fix import edits
from skewlint.adapters import TEST_SIZES, has_role
from skewlint.adapters.vocabulary import PIPELINE_WORDS, TRAIN_FLAGS, TRANSFORM_KEYWORDS
from skewlint.diagnostics import Finding
from skewlint.registry import Rule
from skewlint.semantic.model import SemanticModel
from skewlint.semantic.contexts import is_eval_data_name
from skewlint.semantic.kinds import ContextKind
from skewlint.semantic.names import argument, argument_node, dotted, is_bool, keyword, last_name, literal, tokens
from skewlint.semantic.pipelines import is_tta
from skewlint.semantic.sinks import reads_any, only_displayed, written_out
from skewlint.semantic.walk import descendants

FAMILY = "evaluation data pipeline"
_GENERATOR_METHODS = ("flow_from_directory", "flow", "flow_from_dataframe")
# Folder datasets take the transform as their second positional argument.
_FOLDER_DATASETS = ("ImageFolder", "DatasetFolder")


def _steps_text(pipeline) -> str:
    steps = list(dict.fromkeys(pipeline.random_steps))
    return ", ".join(f"`{s}`" for s in steps[:3]) + (", ..." if len(steps) > 3 else "")


class AugmentationInEvalPipeline(Rule):
    code = "SKW301"
    name = "augmentation-in-eval-pipeline"
    family = FAMILY
    summary = "Random augmentation applied to evaluation data"
    what_it_does = (
        "Reports a pipeline with random augmentation (`RandomResizedCrop`, `ColorJitter`, albumentations "
        "transforms with `p` < 1, `ImageDataGenerator` augmentation arguments, `tf.image.random_*`, "
        "user functions that call random APIs) where it reaches evaluation data: a validation or test "
        "dataset, loader or generator (`CIFAR10(train=False, transform=train_tf)`, "
        "`val_gen = train_datagen.flow_from_directory(valdir)`, `val_ds.map(augment)`), or a "
        "pipeline variable named for evaluation (`val_transform = train_transform`). Test-time "
        "augmentation that says so (a name containing `tta`) is not reported."
    )
    why_bad = (
        "Wrong results: every evaluation sees randomly cropped, flipped, recolored inputs, so metrics "
        "are noisy from run to run, lower than the model's real accuracy, and not comparable with "
        "published numbers. Checkpoint selection on a noisy validation metric picks the wrong epoch."
    )
    example = (
        "train_tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])\n"
        "val_set = datasets.ImageFolder(valdir, transform=train_tf)"
    )
    use_instead = (
        "val_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])\n"
        "val_set = datasets.ImageFolder(valdir, transform=val_tf)"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        pipes = model.pipelines
        for site in model.calls:
            call = site.node
            func = call.func
            transform = _transform_argument(model, site)
            if transform is None and not (
                    type(func) is cst.Attribute and func.attr.value in _GENERATOR_METHODS + ("map",)):
                continue
            target = model.assigned_name(site)
            if transform is not None:
                yield from self._attached(model, site, transform, pipes.role(call, target))
                continue
            if type(func) is cst.Attribute and func.attr.value in _GENERATOR_METHODS:
                name = dotted(func.value)
                if name is not None and is_eval_data_name(name.rsplit(".", 1)[-1]):
                    continue  # reported where that evaluation generator is built
                generator = pipes.of(func.value)
                if generator is not None and generator.augments and not is_tta(target) and \
                        not only_displayed(model, call):  # a picture of augmented data is no evaluation
                    role = pipes.role(call, target)
                    if role and role[0] == "eval":
                        yield self._finding(site, dotted(func.value) or model.snippet(func.value), generator, role[1], call)
            elif type(func) is cst.Attribute and func.attr.value == "map" and call.args:
                role = pipes.role(func.value, target)
                if role and role[0] == "eval":
                    yield from self._attached(model, site, call.args[0].value, role)
        for site in model.attribute_assignments:  # `val_set.transform = train_tf`
            if site.node.attr.value in TRANSFORM_KEYWORDS:
                role = pipes.role(site.node.value)
                if role and role[0] == "eval":
                    yield from self._attached(model, site, site.value, role)
        for name, values in model.assignments.items():  # `val_transform = train_transform`
            if not is_eval_data_name(name.rsplit(".", 1)[-1]) or is_tta(name):
                continue
            for value in values:
                if type(value) is cst.Call and _train_flag(value):
                    continue  # `val_tf = build_transform(is_training=True)`: SKW303
                pipeline = pipes.of(value)
                if pipeline is not None and pipeline.augments:
                    yield self._finding(None, name, pipeline, f"`{name}` is evaluation data", value)

    def _attached(self, model, site, transform, role):
        if not role or role[0] != "eval":
            return
        name = dotted(transform)
        if is_tta(name) or is_tta(model.assigned_name(site)):
            model.silence(self.code, site.node, "test-time augmentation, named so")
            return
        if name is not None and is_eval_data_name(name.rsplit(".", 1)[-1]):
            return  # reported where that evaluation pipeline is built
        pipeline = model.pipelines.of(transform, scope=site.function)
        if pipeline is None or not pipeline.augments:
            return
        if only_displayed(model, site.node):
            model.silence(self.code, site.node, "the augmented data is only displayed (visualisation)")
        else:
            yield self._finding(site, name or model.snippet(transform), pipeline, role[1], transform)

    def _finding(self, site, name, pipeline, evidence, node):
        inside = node is pipeline.node and bool(pipeline.random_nodes)
        if inside:  # the pipeline is the evaluation's own: point at its (first) random step
            node = pipeline.random_nodes[0]
        related = ((pipeline.node, "the pipeline is built here"),) if pipeline.node is not node and not inside else ()
        where = " (built at line {line0})" if related else ""
        return Finding(
            self.code,
            node,
            f"`{name}` applies random augmentation ({_steps_text(pipeline)}){where} to evaluation data "
            f"({evidence}): metrics vary from run to run and understate the model; give evaluation a "
            "deterministic pipeline",
            statement=site.statement if site is not None else None,
            related=related,
        )


def _transform_argument(model, site) -> Optional[cst.BaseExpression]:
    call = site.node
    qualname = site.qualname
    if has_role(qualname, "pipeline-compose") or has_role(qualname, "transform-factory"):
        return None
    for name in TRANSFORM_KEYWORDS:
        value = keyword(call, name)
        if value is not None:
            return value
    last = qualname.rsplit(".", 1)[-1] if qualname else last_name(call.func)
    if last in _FOLDER_DATASETS and (qualname or dotted(call.func) is not None):
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) > 1:
            return positional[1].value
    return None


def _train_flag(call: cst.Call) -> Optional[str]:
    if not any(arg.keyword for arg in call.args):  # asked of every call: most pass no keyword
        return None
    for name in TRAIN_FLAGS:
        value = keyword(call, name)
        if value is not None and is_bool(value, True):
            return name
    return None


def _split_targets(site) -> List[str]:
    statement = site.statement
    names = []
    if type(statement) is cst.SimpleStatementLine:
        for small in statement.body:
            if type(small) is cst.Assign and small.value is site.node:
                for target in small.targets:
                    element = target.target
                    items = element.elements if type(element) in (cst.Tuple, cst.List) else [element]
                    for item in items:
                        value = item.value if type(item) is cst.Element else item
                        if dotted(value):
                            names.append(dotted(value))
    return names


class SplitInheritsTrainTransform(Rule):
    code = "SKW302"
    name = "split-inherits-train-transform"
    family = FAMILY
    summary = "A validation split carved out of a dataset that carries training augmentation"
    what_it_does = (
        "Reports `random_split`, `Subset` or `train_test_split` of a dataset built with an augmenting "
        "pipeline, where one of the parts is evaluation data (`train_set, val_set = random_split(...)`)."
    )
    why_bad = (
        "Wrong results: the parts share the parent dataset and its transform, so the validation split "
        "is evaluated with the training augmentation (random crops, flips, color jitter)."
    )
    example = (
        "train_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()])\n"
        "full = datasets.CIFAR10(root, train=True, transform=train_tf)\n"
        "train_set, val_set = random_split(full, [45000, 5000])"
    )
    use_instead = (
        "train_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()])\n"
        "train_full = datasets.CIFAR10(root, train=True, transform=train_tf)\n"
        "val_full = datasets.CIFAR10(root, train=True, transform=T.ToTensor())  # the same images\n"
        "indices = torch.randperm(len(train_full))\n"
        "train_set, val_set = Subset(train_full, indices[:45000]), Subset(val_full, indices[45000:])"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        pipes = model.pipelines
        for site in model.calls:
            if not has_role(site.qualname, "split") or not site.node.args:
                continue
            targets = _split_targets(site) or [model.assigned_name(site) or ""]
            evaluation = [t for t in targets if t and is_eval_data_name(t.rsplit(".", 1)[-1])
                          and not _transform_replaced(model, t)]
            if not evaluation:
                continue
            pipeline = _dataset_pipeline(model, site.node.args[0].value)
            if pipeline is None or not pipeline.augments:
                continue
            dataset = model.snippet(site.node.args[0].value)
            yield Finding(
                self.code,
                site.node,
                f"`{evaluation[0]}` is split from `{dataset}`, whose transform applies random augmentation "
                f"({_steps_text(pipeline)}, built at line {{line0}}): the evaluation split is augmented too; "
                "build the evaluation part from a dataset with a deterministic transform",
                statement=site.statement,
                related=((pipeline.node, "the augmenting pipeline"),),
            )


def _transform_replaced(model, name: str) -> bool:
    """`val_set.dataset.transform = test_tf` (after a `deepcopy`): the split's transform is replaced."""
    return any((dotted(site.node) or "").startswith(name + ".") and site.node.attr.value in TRANSFORM_KEYWORDS
               for site in model.attribute_assignments)


def _dataset_pipeline(model, dataset, depth: int = 0):
    """The transform pipeline a dataset expression was built with."""
    if depth > 4:
        return None
    if type(dataset) is cst.Call:
        for name in TRANSFORM_KEYWORDS:
            value = keyword(dataset, name)
            if value is not None:
                return model.pipelines.of(value)
        name = (dotted(dataset.func) or "").rsplit(".", 1)[-1]
        positional = [a for a in dataset.args if a.keyword is None]
        if name in _FOLDER_DATASETS and len(positional) > 1:
            return model.pipelines.of(positional[1].value)
        return None
    name = dotted(dataset)
    for value in model.assignments.get(name, ()) if name else ():
        found = _dataset_pipeline(model, value, depth + 1)
        if found is not None:
            return found
    return None


class TrainFlagInEvalPreprocessing(Rule):
    code = "SKW303"
    name = "train-flag-in-eval-preprocessing"
    family = FAMILY
    summary = "A training flag passed to preprocessing or a dataset in evaluation code"
    what_it_does = (
        "Reports a call in an evaluation context (or whose result is named as evaluation data) that "
        "passes `train=True`, `training=True`, `is_training=True`, `train_mode=True` or `augment=True` "
        "to a preprocessing or augmentation function, a transform factory (`create_transform`) or a "
        "dataset."
    )
    why_bad = (
        "Wrong results: the flag selects the training variant, so evaluation data is augmented (or, "
        "for a dataset, the evaluation reads the training split)."
    )
    example = "val_tf = create_transform(224, is_training=True)\ntest_set = CIFAR10(root, train=True)"
    use_instead = "val_tf = create_transform(224, is_training=False)\ntest_set = CIFAR10(root, train=False)"

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        analysis = model.analysis
        for site in model.calls:
            flag = _train_flag(site.node)
            if flag is None or not _is_preprocessing(model, site):
                continue
            target = model.assigned_name(site)
            if is_tta(target) or is_tta(dotted(site.node.func)):
                continue
            context, _ = analysis.contexts.get(site.node, (None, None))
            if target and is_eval_data_name(target.rsplit(".", 1)[-1]):
                evidence = f"the result is `{target}`"
            elif context is not None and context.kind == ContextKind.EVAL and not context.after_training and \
                    not (target and model.pipelines.role(None, target) == ("train", f"`{target}` is training data")):
                evidence = context.evidence  # (after training, a notebook loads its data for the next part)
                if context.by_name and not any(o.function is site.function for o in analysis.observations.values()):
                    model.silence(self.code, site.node, "a function named for testing that runs no model (a data check)")
                    continue
            else:
                continue
            if _flag_changes_only_outputs(model, site.node, flag):
                model.silence(self.code, site.node, f"`{flag}` only changes what the class returns (no augmentation, "
                                                    "no data choice in the code it gates)")
                continue
            if has_role(site.qualname, "dataset") and _carved(model, target):
                model.silence(self.code, site.node, "the training split, from which a validation part is carved")
                continue
            yield Finding(
                self.code,
                argument_node(site.node, None, flag) or site.node,
                f"`{flag}=True` selects the training variant of `{model.snippet(site.node.func)}` in evaluation "
                f"code ({evidence}); pass `{flag}=False`",
                statement=site.statement,
            )


def _flag_changes_only_outputs(model, call: cst.Call, flag: str) -> bool:
    """Does a class of this file use the flag only to choose among its own values (a dataset whose
    `is_training` decides whether labels come with the features)? The code the flag gates is read:
    a call, a string (a split's name or path) or a name from outside (a transform) in it may make a
    training variant, so it must hold none."""
    cls = model.local_class(call.func.value) if type(call.func) is cst.Name else None
    if cls is None:
        return False
    methods = [info for info in model.functions if info.cls is cls]
    carriers = {flag}  # the parameter, and the attributes it is kept in: `self.is_training = is_training`
    carriers.update(dotted(site.node) for site in model.attribute_assignments
                    if site.function in methods and dotted(site.value) == flag)
    regions = []
    for info in methods:
        local = {"self", *info.params}
        for node in descendants(info.node.body):
            if type(node) in (cst.If, cst.IfExp) and any(dotted(n) in carriers for n in descendants(node.test)):
                regions += [(part, local) for part in (node.body, node.orelse) if part is not None]
    return bool(regions) and all(_plain_values(part, local) for part, local in regions)


def _plain_values(node, local: set) -> bool:
    nodes = list(descendants(node))
    attributes = {id(n.attr) for n in nodes if type(n) is cst.Attribute}  # `self.X`: the `X` is no variable
    for inner in nodes:
        if type(inner) in (cst.Call, cst.SimpleString, cst.FormattedString, cst.ConcatenatedString):
            return False
        if type(inner) is cst.Name and id(inner) not in attributes and \
                inner.value not in local and inner.value not in ("True", "False", "None"):
            return False
    return True


def _carved(model, name: Optional[str]) -> bool:
    """Is the dataset `name` split (`random_split`, `Subset`) or read through a sampler of chosen
    indices (`DataLoader(valid_set, sampler=SubsetRandomSampler(valid_idx))`)? Then `train=True`
    picks the split a validation part is taken from, the usual way to hold one out."""
    if not name:
        return False
    for site in model.calls:
        args = site.node.args
        if not args or dotted(args[0].value) != name:
            continue
        if has_role(site.qualname, "split") or (has_role(site.qualname, "loader") and keyword(site.node, "sampler")):
            return True
    return False


def _is_preprocessing(model, site) -> bool:
    qualname = site.qualname
    if any(has_role(qualname, role) for role in ("dataset", "loader", "transform-factory", "pipeline-compose")):
        return True
    func = site.node.func
    name = dotted(func)
    if name is None or name == "self" or model.is_model(func):
        return False  # model calls are SKW105's
    words = set(tokens(name.rsplit(".", 1)[-1]))
    return bool(PIPELINE_WORDS.intersection(words)) or name.rsplit(".", 1)[-1].endswith(("Dataset", "Folder"))


class _LoaderRule(Rule):
    """SKW304/SKW305: an option of an evaluation loader that changes which samples are scored."""

    family = FAMILY

    def flagged(self, model, site):  # pragma: no cover - interface
        """(option text, keyword to set to False or None, its position, the node that sets the option:
        the argument, or the call) when the call has the option."""
        raise NotImplementedError

    def harm(self, model, site):  # pragma: no cover - interface
        """(detail for the message, None) when the option does harm here, else (None, why not)."""
        raise NotImplementedError

    option = ("", 0)  # the loader's keyword for the option, and its position

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        pipes = model.pipelines
        for site in model.calls:
            flagged = self.flagged(model, site)
            if flagged is not None:
                option, parameter, position, where = flagged
                role = pipes.role(site.node, model.assigned_name(site))
            elif has_role(site.qualname, "loader"):  # `drop_last=drop_last`, set True when `flag == "test"`
                option, parameter, position, role = _set_for_evaluation(site, *self.option)
                where = argument_node(site.node, self.option[1], self.option[0])
            else:
                continue
            if option is None:
                continue
            if not role and model.analysis.inference_script():
                role = ("eval", "this script loads weights and never trains")
            if not role or role[0] != "eval":
                continue
            detail, harmless = self.harm(model, site)
            if harmless:
                model.silence(self.code, site.node, harmless)
                continue
            change = edits.set_argument(site.node, parameter, "False", position=position) if parameter else None
            yield Finding(self.code, where or site.node, self.message.format(option=option, evidence=role[1], detail=detail),
                          statement=site.statement,
                          fix=edits.unsafe(f"Set `{parameter}=False`", change) if change else None)


class EvalLoaderDropLast(_LoaderRule):
    code = "SKW304"
    name = "eval-loader-drop-last"
    summary = "An evaluation loader that drops the last incomplete batch"
    what_it_does = (
        "Reports a DataLoader of evaluation data built with `drop_last=True`, and `tf.data` "
        "`batch(..., drop_remainder=True)` on evaluation data. Silent in files that run on TPU/XLA "
        "(`torch_xla`, `TPUStrategy`, `jax.pmap`): those compile for one batch shape, so full batches "
        "are required there (pad the last batch and mask it to score every sample)."
    )
    why_bad = (
        "Wrong results: up to `batch_size - 1` samples are silently left out of every evaluation, so "
        "metrics are computed on a subset that depends on the batch size."
    )
    example = "val_loader = DataLoader(val_set, batch_size=256, drop_last=True)"
    use_instead = "val_loader = DataLoader(val_set, batch_size=256)"
    message = "{option} on evaluation data ({evidence}): the last incomplete batch is never scored; remove it"
    option = ("drop_last", 8)
    fix_safety = (
        "Unsafe fix: sets `drop_last=False` (`drop_remainder=False` for `tf.data`). Unsafe because code "
        "after the loader may rely on full batches (a fixed batch dimension, BatchNorm with one sample)."
    )

    def flagged(self, model, site):
        call = site.node
        if has_role(site.qualname, "loader") and is_bool(argument(call, 8, "drop_last"), True):
            return "`drop_last=True`", "drop_last", 8, argument_node(call, 8, "drop_last")
        if type(call.func) is cst.Attribute and call.func.attr.value == "batch" and \
                is_bool(keyword(call, "drop_remainder"), True):
            return "`batch(..., drop_remainder=True)`", "drop_remainder", 1, argument_node(call, None, "drop_remainder")
        return None

    def harm(self, model, site):
        # On TPU/XLA (`torch_xla`, `TPUStrategy`, `jax.pmap`) every batch must have the same shape: a
        # dropped last batch is the price of compiling once, not an oversight.
        static = any(has_role(target, "static-shapes") for target in model.imports.aliases.values()) or \
            any(has_role(s.qualname, "static-shapes") for s in model.calls)
        if static:
            return None, "the file runs on TPU/XLA, where batches must be full"
        filled = _filled_exactly(model, site)
        return (None, f"{filled} test samples fill the batches exactly: nothing is dropped") if filled else (None, None)


def _filled_exactly(model, site) -> Optional[int]:
    """The size of a torchvision test split (`MNIST(..., train=False)`) that the loader's literal batch
    size divides, or None."""
    call = site.node
    if not has_role(site.qualname, "loader") or not call.args:
        return None
    dataset, size = call.args[0].value, argument(call, 1, "batch_size")
    at = model.assign_order.get(id(call))
    values = model.bound_before(dotted(dataset), at) if type(dataset) is not cst.Call else (dataset,)
    sizes = model.bound_before(size.value, at) if type(size) is cst.Name else (size,)
    if len(values) != 1 or len(sizes) != 1 or type(values[0]) is not cst.Call or type(sizes[0]) is not cst.Integer:
        return None
    qualname = model.qualify(values[0].func) or ""
    total = TEST_SIZES.get(qualname.rsplit(".", 1)[-1]) if qualname.startswith("torchvision.datasets.") else None
    batch = literal(sizes[0])
    if total is None or not is_bool(keyword(values[0], "train"), False) or not batch or total % batch:
        return None
    return total


def _set_for_evaluation(site, name: str, position: int) -> tuple:
    """(option text, None, None, ("eval", evidence)) when a loader's option is a variable that the
    function sets to True in a branch taken for evaluation data (`if flag == "test": drop_last = True`,
    where `flag` is a parameter); else (None,) * 4. No fix: the other branches need the option."""
    value = argument(site.node, position, name)
    function = site.function
    if type(value) is not cst.Name or function is None:
        return None, None, None, None
    for node in descendants(function.node.body):
        if type(node) is not cst.If or type(node.test) is not cst.Comparison or len(node.test.comparisons) != 1:
            continue
        test = node.test
        sides = [test.left, test.comparisons[0].comparator]
        parameter = next((s.value for s in sides if type(s) is cst.Name and s.value in function.params), None)
        string = next((s for s in sides if type(s) is cst.SimpleString), None)
        if parameter is None or string is None or type(test.comparisons[0].operator) is not cst.Equal:
            continue
        if not is_eval_data_name(literal(string)) or not _assigns_true(node.body, value.value):
            continue
        evidence = f"`{value.value}` is True when `{parameter} == {string.value}`"
        return f"`{name}={value.value}`", None, None, ("eval", evidence)
    return None, None, None, None


def _assigns_true(body, name: str) -> bool:
    return any(type(small) is cst.Assign and is_bool(small.value, True)
               and any(dotted(t.target) == name for t in small.targets)
               for line in body.body if type(line) is cst.SimpleStatementLine for small in line.body)


def _only_sampled(model, name: Optional[str]) -> bool:
    """Is the loader only used as `next(iter(loader))`: a random batch to look at, not a metric?"""
    if not name:
        return False
    sampled = sum(1 for site in model.calls
                  if dotted(site.node.func) == "iter" and site.node.args and dotted(site.node.args[0].value) == name)
    if not sampled:
        return False
    uses = sum(1 for node in descendants(model.module)
               if type(node) in (cst.Name, cst.Attribute) and dotted(node) == name)
    return uses - 1 == sampled  # every use but the assignment is inside `iter(...)`


class EvalLoaderShuffle(_LoaderRule):
    code = "SKW305"
    name = "eval-loader-shuffle"
    severity = "warning"
    summary = "An evaluation loader that shuffles"
    what_it_does = (
        "Reports a DataLoader of evaluation data built with `shuffle=True` or a `RandomSampler`, a "
        "Keras `flow_from_directory(..., shuffle=True)` and a `tf.data` `.shuffle()` of evaluation data, "
        "when the file pairs the outputs with something in the dataset's order: the dataset's "
        "`samples`/`imgs`/`targets`, a generator's `filenames`/`classes`, or writes per-sample outputs "
        "out (saved, or put into the rows of a table) while the loop keeps nothing of the batch but its "
        "inputs. A shuffle that only feeds an aggregate metric (accuracy, mean loss) changes nothing and is "
        "not reported. In a script that loads weights and never trains, every loader is evaluation data."
    )
    why_bad = (
        "Per-sample outputs no longer line up with the dataset's order (labels, file names, "
        "`generator.classes`), so saved predictions and confusion matrices are wrong, and runs are not "
        "reproducible. Aggregate metrics are unaffected."
    )
    example = ("test_loader = DataLoader(test_set, batch_size=64, shuffle=True)\n"
               "preds = torch.cat([model(x).argmax(1) for x, _ in test_loader])\n"
               "for (path, _), pred in zip(test_loader.dataset.samples, preds):\n    print(path, pred)")
    use_instead = ("test_loader = DataLoader(test_set, batch_size=64, shuffle=False)\n"
                   "preds = torch.cat([model(x).argmax(1) for x, _ in test_loader])\n"
                   "for (path, _), pred in zip(test_loader.dataset.samples, preds):\n    print(path, pred)")
    message = ("{option} on evaluation data ({evidence}) whose outputs are paired with {detail} in the "
               "dataset's order: they no longer line up; do not shuffle")
    option = ("shuffle", 2)
    fix_safety = (
        "Unsafe fix: sets `shuffle=False` where the option is a keyword or positional argument (a "
        "`RandomSampler` or `.shuffle()` is not changed). Unsafe because code may rely on a random order "
        "(sampling a few batches to look at)."
    )

    def flagged(self, model, site):
        return self._shuffles(model, site)

    def harm(self, model, site):
        call = site.node
        # Where the loader's outputs meet the data in its own order (the dataset's file list or labels,
        # a generator's `filenames`/`classes`); a shuffle that only feeds an aggregate metric is harmless.
        names = {model.assigned_name(site), dotted(call.func.value) if type(call.func) is cst.Attribute else None}
        if call.args and has_role(site.qualname, "loader"):
            names.add(dotted(call.args[0].value))
        names.discard(None)
        loaders = {n for n in names if n != (dotted(call.args[0].value) if call.args else None)}
        listed = _read_in_dataset_order(model, names | {f"{name}.dataset" for name in names}, loaders)
        paired = f"`{listed}`" if listed else _written_in_loader_order(model, names)
        return (paired, None) if paired else (None, "no output is paired with the data in its order")

    def _shuffles(self, model, site):
        call = site.node
        func = call.func
        if has_role(site.qualname, "loader") or (type(func) is cst.Attribute and func.attr.value in _GENERATOR_METHODS):
            if _only_sampled(model, model.assigned_name(site)):
                return None
            loader = has_role(site.qualname, "loader")
            if is_bool(argument(call, 2, "shuffle") if loader else keyword(call, "shuffle"), True):
                option = "`shuffle=True`" if keyword(call, "shuffle") is not None else "`True` for `shuffle` (by position)"
                return option, "shuffle", 2 if loader else None, argument_node(call, 2 if loader else None, "shuffle")
            sampler = keyword(call, "sampler")
            # `SubsetRandomSampler` selects a subset (a k-fold split): the order is not the point.
            if type(sampler) is cst.Call and (dotted(sampler.func) or "").rsplit(".", 1)[-1] == "RandomSampler":
                return "`RandomSampler`", None, None, sampler
        if type(func) is cst.Attribute and func.attr.value == "shuffle" and call.args and \
                not has_role(site.qualname, "random-api") and not (dotted(func.value) or "").startswith(("random", "np")):
            return "`.shuffle()`", None, None, call
        return None


# Attributes of datasets (torchvision `samples`/`imgs`/`targets`, Keras iterators' `filenames`/
# `classes`) that list the data in the dataset's order.
_ORDER_ATTRIBUTES = frozenset({"samples", "imgs", "targets", "labels", "filenames", "filepaths", "file_paths",
                               "classes", "image_ids", "ids", "paths", "img_paths", "image_paths", "files"})


def _read_in_dataset_order(model, owners, loaders) -> Optional[str]:
    """The first `owner.attribute` that lists the data of one of `owners` in dataset order and meets
    the loaders' outputs: in one statement (`zip(test_set.targets, predict(test_loader))`), or
    through the name it is bound to (`labels = test_set.targets` ... `confusion_matrix(labels, preds)`).
    A list read to filter or mask the dataset itself pairs nothing."""
    outputs = None  # what the loaders give: looked for only once a list in dataset order is read
    statements = [n for n in descendants(model.module) if type(n) in (cst.SimpleStatementLine, cst.For)]
    for statement in statements:
        part = statement.iter if type(statement) is cst.For else statement
        read = [node for node in descendants(part) if type(node) is cst.Attribute and
                node.attr.value in _ORDER_ATTRIBUTES and dotted(node.value) in owners]
        if not read:
            continue
        counted = {id(n.args[0].value) for n in descendants(part)  # `len(test_set.targets)` pairs nothing
                   if type(n) is cst.Call and dotted(n.func) == "len" and n.args}
        for node in read:
            if id(node) in counted:
                continue
            if outputs is None:
                outputs = _outputs(model, loaders)
            if _meets(part, outputs, loaders):
                return dotted(node)
            bound = _assigned_names(statement) if type(statement) is cst.SimpleStatementLine else set()
            if bound and any(_meets(other, outputs, loaders) and reads_any(other, bound)
                             for other in statements if other is not statement):
                return dotted(node)
    return None


def _outputs(model, loaders) -> set:
    """Names bound to what the loaders give: a call's result that takes a loader
    (`scores = predict(loader)`), a comprehension over one, values kept in a loop over one, and
    names computed from those (`preds = torch.cat(outs)`)."""
    found = set()
    for node in descendants(model.module):
        if type(node) is cst.For and _iterated(node.iter) in loaders:
            found |= set(_kept(node))
            found |= {t for line in descendants(node.body) if type(line) is cst.SimpleStatementLine
                      for t in _assigned_names(line)}
    lines = [n for n in descendants(model.module) if type(n) is cst.SimpleStatementLine]
    for _ in range(2):  # a couple of steps of derivation
        for line in lines:
            if _meets(line, found, loaders):
                found |= _assigned_names(line)
    return found


def _meets(part, outputs, loaders) -> bool:
    """Does this code read a loader's outputs, or take a loader in a call or a comprehension?"""
    for node in descendants(part):
        if type(node) is cst.Name and node.value in outputs:
            return True
        if type(node) is cst.Call and any(_iterated(arg.value) in loaders for arg in node.args) and \
                dotted(node.func) not in (*_LOOP_WRAPPERS, "len", "next"):
            return True
        if type(node) is cst.CompFor and _iterated(node.iter) in loaders:
            return True
    return False


def _assigned_names(line) -> set:
    """The plain names a line binds (`ood_set.imgs = ...` binds none: it changes `ood_set`)."""
    found = set()
    for small in line.body:
        for target in small.targets if type(small) is cst.Assign else (
                [small] if type(small) in (cst.AnnAssign, cst.AugAssign) else []):
            target = target.target
            elements = [e.value for e in target.elements] if type(target) in (cst.Tuple, cst.List) else [target]
            found |= {e.value for e in elements if type(e) is cst.Name}
    return found


def _written_in_loader_order(model, loaders) -> Optional[str]:
    """Where per-sample outputs of a loop over one of `loaders` are written out (saved, or put into
    the rows of a table) with nothing of the batch but its inputs kept: then the loader's order is
    the only key of each row. A loop that also keeps labels or ids pairs the rows itself."""
    for loop in descendants(model.module):
        if type(loop) is not cst.For or _iterated(loop.iter) not in loaders:
            continue
        if not _keeps_only_inputs(loop):
            continue
        kept = _kept(loop)
        if not kept:
            continue
        written = written_out(model, kept, after=loop)
        if written:
            return written
    return None


def _kept(loop) -> set:
    """The lists a loop appends to or extends (`preds.append(...)`)."""
    return {dotted(n.func.value) for n in descendants(loop.body) if type(n) is cst.Call and n.args
            and type(n.func) is cst.Attribute and n.func.attr.value in ("append", "extend")} - {None}


_LOOP_WRAPPERS = ("enumerate", "tqdm", "tqdm.tqdm", "iter")


def _iterated(expr) -> Optional[str]:
    """The loader a loop walks: `loader`, `enumerate(loader)`, `tqdm(loader)`."""
    while type(expr) is cst.Call and expr.args and dotted(expr.func) in _LOOP_WRAPPERS:
        expr = expr.args[0].value
    return dotted(expr)


def _keeps_only_inputs(loop) -> bool:
    """Does the loop bind nothing of a batch but its inputs: `img` of `for img, _, _ in loader` (the
    other fields dropped), or `images` of `for images in loader` when the body only passes it on or
    moves it (`images.to(device)`)? Not when the batch has other fields it may keep (labels, ids)."""
    target = loop.target
    if type(loop.iter) is cst.Call and dotted(loop.iter.func) == "enumerate" and type(target) is cst.Tuple:
        target = target.elements[-1].value
    if type(target) in (cst.Tuple, cst.List) and target.elements:
        names = [element.value for element in target.elements]
        return type(names[0]) is cst.Name and all(type(n) is cst.Name and n.value.startswith("_") for n in names[1:])
    if type(target) is not cst.Name:
        return False
    for node in descendants(loop.body):
        if type(node) is cst.Subscript and dotted(node.value) == target.value:
            return False  # `batch["image"]`: a batch with fields
        if type(node) is cst.Attribute and dotted(node.value) == target.value and not _called(node, loop.body):
            return False  # `batch.ids`
    return True


def _called(attribute, body) -> bool:
    """Is `x.attr` the function of a call (`x.to(device)`) somewhere in `body`?"""
    return any(type(n) is cst.Call and n.func is attribute for n in descendants(body))


RULES = (AugmentationInEvalPipeline, SplitInheritsTrainTransform, TrainFlagInEvalPreprocessing,
         EvalLoaderDropLast, EvalLoaderShuffle)
