"""Family 4: preprocessing parity (SKW4xx)."""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set

from skewlint.lazy import libcst as cst

from skewlint.adapters import has_role
from skewlint.adapters.vocabulary import PREPROCESSING_WORDS, SPLIT_WORDS
from skewlint.adapters.statistics import KNOWN_STATISTICS
from skewlint.diagnostics import Finding
from skewlint.registry import Rule
from skewlint.semantic.model import SemanticModel
from skewlint.semantic.contexts import is_eval_data_name
from skewlint.semantic.fitting import FIT_METHODS, data_name, fitting_call
from skewlint.semantic.names import dotted, keyword, tokens
from skewlint.semantic.normalization import extract, numbers_text, same
from skewlint.semantic.sinks import only_displayed
from skewlint.semantic.walk import descendants, own_nodes

FAMILY = "preprocessing parity"
_TRANSFORM_METHODS = ("transform", "fit_transform", "texts_to_sequences", "texts_to_matrix")
_PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "evaluate", "score")



def _describe(norm) -> str:
    parts = []
    if norm.mean is not None:
        parts.append(f"mean={numbers_text(norm.mean)}")
    if norm.std is not None:
        parts.append(f"std={numbers_text(norm.std)}")
    return ", ".join(parts) or "statistics computed from the data"


class NormalizationMismatch(Rule):
    code = "SKW401"
    name = "normalization-mismatch"
    family = FAMILY
    summary = "Evaluation normalizes with other constants than training, in one file"
    what_it_does = (
        "Compares the normalization of a file's evaluation pipeline (mean, std) with its training "
        "pipeline's and reports the evaluation constants when they differ, including literal "
        "constants at evaluation against statistics computed from the training data."
    )
    why_bad = (
        "Wrong results: the model sees inputs on another scale than it was trained on; accuracy drops "
        "by an amount nobody attributes to preprocessing."
    )
    example = (
        "train_tf = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])\n"
        "val_tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])"
    )
    use_instead = (
        "MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)\n"
        "train_tf = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])\n"
        "val_tf = T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        norms = extract(model)
        train = [n for n in norms if n.role == "train"]
        if not train:
            return
        reference = train[0]
        if any(not same(n.mean, reference.mean) or not same(n.std, reference.std) or n.computed != reference.computed
               for n in train[1:]):
            return  # training itself is not consistent: nothing definite to compare with
        for norm in norms:
            if norm.role != "eval":
                continue
            if reference.computed and not norm.computed and (norm.mean or norm.std):
                why = "training uses statistics computed from its data, evaluation hard-codes"
            elif reference.computed or norm.computed:
                continue
            elif same(norm.mean, reference.mean) and same(norm.std, reference.std):
                continue
            else:
                why = f"training ({reference.evidence}) uses {_describe(reference)} at line {{line0}}, evaluation"
            yield Finding(
                self.code,
                norm.node,
                f"evaluation normalization ({norm.evidence}) differs from training: {why} {_describe(norm)}; "
                "use the training constants",
                related=((reference.node, "the training normalization"),),
            )


class CrossFileNormalizationMismatch(Rule):
    code = "SKW402"
    name = "cross-file-normalization-mismatch"
    family = FAMILY
    summary = "An inference file normalizes differently from the project's training code"
    what_it_does = (
        "After every file is linted (the project phase), compares the normalization constants that an "
        "inference script (a file that loads weights and never trains) hard-codes with the training "
        "constants of the same directory, when all training files there agree, or with the constants "
        "declared in `[tool.skewlint.normalization]` (`mean`, `std`, optionally per `files` glob), "
        "which also apply to evaluation pipelines in any file."
    )
    why_bad = (
        "Wrong results in production: the deployed model sees inputs on another scale than in "
        "training, and no test in the training repository exercises the inference script."
    )
    example = (
        "# train.py\nnormalize = T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))\n"
        "for x, y in train_loader:\n    ...\n    optimizer.step()\ntorch.save(model.state_dict(), \"model.pt\")\n"
        "# predict.py\nmodel.load_state_dict(torch.load(\"model.pt\"))\n"
        "normalize = T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))"
    )
    use_instead = (
        "# constants.py\nMEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)\n"
        "# train.py\nfrom constants import MEAN, STD\nnormalize = T.Normalize(MEAN, STD)\n"
        "for x, y in train_loader:\n    ...\n    optimizer.step()\ntorch.save(model.state_dict(), \"model.pt\")\n"
        "# predict.py\nfrom constants import MEAN, STD\nmodel.load_state_dict(torch.load(\"model.pt\"))\n"
        "normalize = T.Normalize(MEAN, STD)"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        return iter(())  # a project rule: `skewlint/run/project.py` reports it from the files' summaries


class SuspiciousNormalizationConstants(Rule):
    code = "SKW403"
    name = "suspicious-normalization-constants"
    family = FAMILY
    severity = "warning"
    summary = "Normalization constants that are a near miss of well-known statistics"
    what_it_does = (
        "Reports normalization constants that are almost ImageNet, CIFAR-10/100, MNIST or CLIP "
        "statistics: one value mistyped, mean and std swapped, channels reversed (BGR order with "
        "RGB images), or 0-255 values applied after `ToTensor()` has scaled pixels to 0-1; and a "
        "division by 255 of pixels that `tf.image.convert_image_dtype(..., tf.float32)` or `to_tensor` "
        "already scaled to 0-1."
    )
    why_bad = (
        "Wrong results: the inputs are shifted or scaled differently from what the pretrained weights "
        "expect. Accuracy drops a little or a lot, and the cause is invisible in the code."
    )
    example = "T.Normalize(mean=(0.485, 0.465, 0.406), std=(0.229, 0.224, 0.225))"
    use_instead = "T.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))"

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        bgr = "cv2" in model.imports.aliases.values() or any(v.startswith("cv2") for v in model.imports.aliases.values())
        for norm in extract(model):
            problem, where = _near_miss(norm, bgr)
            if problem:
                yield Finding(self.code, where, f"{problem}; check the constants")
        for division, scaling in _rescaled_twice(model):
            yield Finding(
                self.code, division,
                f"`{model.snippet(division)}` divides pixels that `{model.snippet(scaling)}` at line {{line0}} "
                "already scaled to 0-1: inputs end up in 0-1/255, not the range the model expects; remove one "
                "of the two scalings", related=((scaling, "the first scaling"),))


def _rescaled_twice(model):
    """(division by 255, the call that already scaled to 0-1) in each function, following the names
    the scaled pixels are bound to through calls that keep their range (`tf.image.resize(x, ...)`)."""
    if not any(_scales_to_unit(model, site.node) for site in model.calls if site.qualname):
        return
    for scope in [info.node.body for info in model.functions] + [model.module]:
        unit = {}  # name -> the call that scaled its pixels to 0-1
        checked = set()
        for node in own_nodes(scope):
            single = type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name
            for inner in descendants(node.value) if single else (node,):  # the value before its binding
                if id(inner) not in checked and type(inner) is cst.BinaryOperation and \
                        type(inner.operator) is cst.Divide and type(inner.right) in (cst.Integer, cst.Float) and \
                        float(inner.right.value) == 255 and data_name(inner.left) in unit:
                    yield inner, unit[data_name(inner.left)]
                checked.add(id(inner))
            if not single:
                continue
            target, value = node.targets[0].target.value, node.value
            if type(value) is cst.Call and _scales_to_unit(model, value):
                unit[target] = value
            elif type(value) is cst.Call and value.args and data_name(value.args[0].value) in unit and \
                    type(value.func) is cst.Attribute and value.func.attr.value in _RANGE_KEEPING:
                unit[target] = unit[data_name(value.args[0].value)]
            else:
                unit.pop(target, None)


# Calls that keep the 0-1 range of their first argument (resizing, reshaping, cropping, casting).
_RANGE_KEEPING = ("resize", "reshape", "resize_with_pad", "resize_with_crop_or_pad", "central_crop", "crop_to_bounding_box",
                  "cast", "expand_dims", "squeeze", "transpose", "permute", "unsqueeze", "interpolate", "flip_left_right")


def _scales_to_unit(model, call: cst.Call) -> bool:
    """`tf.image.convert_image_dtype(img, tf.float32)` (integers to 0-1) or torchvision's `to_tensor`."""
    qualname = model.qualify(call.func) or ""
    if qualname.endswith("convert_image_dtype") and qualname.startswith("tensorflow"):
        dtype = call.args[1].value if len(call.args) > 1 else None
        return dtype is not None and "float" in (dotted(dtype) or "")
    return qualname.endswith("functional.to_tensor") and qualname.startswith("torchvision")


def _near_miss(norm, bgr_images: bool) -> tuple:
    """(the problem, the node that holds it: the mistyped value, the mean, or the whole
    normalization when both constants are wrong), or (None, None)."""
    mean, std = norm.mean, norm.std
    if mean is None or std is None:
        return None, None
    if norm.after_to_tensor and max(mean) > 1.5:
        return (f"mean {numbers_text(mean)} is in the 0-255 range but `ToTensor()` has already scaled pixels to "
                "0-1: divide the constants by 255"), norm.mean_node or norm.node
    for name, (known_mean, known_std) in KNOWN_STATISTICS.items():
        if same(mean, known_mean, 2e-3) and same(std, known_std, 2e-3):
            return None, None
    for name, (known_mean, known_std) in KNOWN_STATISTICS.items():
        if len(mean) != len(known_mean) or len(std) != len(known_std):
            continue
        if same(mean, known_std, 2e-3) and same(std, known_mean, 2e-3):
            return f"mean and std are swapped: these are the {name} statistics the wrong way round", norm.node
        if len(mean) == 3 and not bgr_images and same(mean, known_mean[::-1], 2e-3) and same(std, known_std[::-1], 2e-3):
            return f"the {name} statistics in reversed (BGR) channel order, with RGB images", norm.node
        differences = [(which, index, got, want)
                       for which, values, expected in (("mean", mean, known_mean), ("std", std, known_std))
                       for index, (got, want) in enumerate(zip(values, expected)) if not same((got,), (want,), 2e-3)]
        if len(differences) == 1 and abs(differences[0][2] - differences[0][3]) < 0.1:
            which, index, got, want = differences[0]
            return (f"{which} value {got:g} is a near miss of the {name} statistics ({want:g})",
                    norm.constant_node(which, index))
    return None, None


class TransformerFitOnEvalData(Rule):
    code = "SKW404"
    name = "transformer-fit-on-eval-data"
    family = FAMILY
    summary = "A fitted preprocessor fit (or refit) on evaluation data"
    what_it_does = (
        "Reports `fit`, `fit_transform` or `partial_fit` of a fitted preprocessor (scikit-learn "
        "scalers, encoders, imputers, PCA, vectorizers; Keras `Normalization.adapt`, `TextVectorization`; "
        "tokenizers' `fit_on_texts`) whose data is validation or test data."
    )
    why_bad = (
        "Wrong results: the preprocessor learns the evaluation data's statistics (or vocabulary), so "
        "evaluation is no longer on unseen data and scores are optimistic; a refit also makes "
        "evaluation inputs differ from what the model was trained on."
    )
    example = "scaler.fit(X_train)\nX_train = scaler.transform(X_train)\nX_test = scaler.fit_transform(X_test)"
    use_instead = "scaler.fit(X_train)\nX_train = scaler.transform(X_train)\nX_test = scaler.transform(X_test)"

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        for site in model.calls:
            func = site.node.func
            if type(func) is not cst.Attribute or func.attr.value not in FIT_METHODS or not site.node.args:
                continue
            data = data_name(site.node.args[0].value)
            if data is None or not is_eval_data_name(data.rsplit(".", 1)[-1]):
                continue
            receiver = model.snippet(func.value)
            if any(has_role(model.qualify(v.func), "embedding") for v in _built_by(model, func.value)):
                if not _feeds_a_model(model, site):
                    model.silence(self.code, site.node, "an embedding (t-SNE) that feeds no model: a plot")
                    continue
                message = (f"`{receiver}.{func.attr.value}()` embeds evaluation data `{data}` on its own and a "
                           "model is fed with it: its coordinates do not match the training embedding, and it "
                           "has no `transform` for new data; use one that has (PCA, UMAP) fitted on the training data")
            elif _is_preprocessor(model, func.value, func.attr.value):
                if _stateless(model, _built_by(model, func.value, model.source_order(site.node))):
                    model.silence(self.code, site.node, "a stateless preprocessor: its fit learns nothing from the data")
                    continue
                if _label_encoder(model, site) and not _labels_encoded_in_training(model):
                    model.silence(self.code, site.node, "a label encoder learns only the label set, and no "
                                                        "encoder is fitted on training labels to differ from it")
                    continue
                if _only_plotted(model, site):  # `plt.scatter(*PCA(2).fit_transform(X_test).T)`
                    model.silence(self.code, site.node, "the result is only displayed (visualisation)")
                    continue
                apply = _APPLY.get(func.attr.value, "`{}.transform()`").format(receiver)
                message = (f"`{receiver}.{func.attr.value}()` learns from evaluation data `{data}`: fit "
                           f"preprocessors on the training data only and use {apply} on evaluation data")
            else:
                continue
            yield Finding(self.code, site.node, message, statement=site.statement)


def _label_encoder(model, site) -> bool:
    built = _built_by(model, site.node.func.value, model.source_order(site.node))
    return any(has_role(model.qualify(v.func), "label-encoder") for v in built)


def _labels_encoded_in_training(model) -> bool:
    """Does the file fit a label encoder on data that is not evaluation data? Only then can a mapping
    learned from evaluation labels differ from the one the model's labels were encoded with."""
    for site in model.calls:
        func = site.node.func
        if type(func) is cst.Attribute and func.attr.value in FIT_METHODS and site.node.args and \
                _label_encoder(model, site):
            data = data_name(site.node.args[0].value)
            if data is not None and not is_eval_data_name(data.rsplit(".", 1)[-1]):
                return True
    return False


def _only_plotted(model, site) -> bool:
    """Is a `fit_transform` result only plotted, and the fitted object used for nothing else?"""
    receiver = dotted(site.node.func.value)
    if receiver is not None and any(s is not site and type(s.node.func) is cst.Attribute
                                    and dotted(s.node.func.value) == receiver for s in model.calls):
        return False
    return only_displayed(model, site.node)


# How a fitted preprocessor is applied to new data, by the method that fits it (Keras layers are called).
_APPLY = {"adapt": "the layer itself (`{}(x)`)", "fit_on_texts": "`{}.texts_to_sequences()`",
          "fit_on_sequences": "`{}.sequences_to_matrix()`"}


def _feeds_a_model(model, site) -> bool:
    """Does what the fit returns reach a model (`fit`, `predict`, `score`, `evaluate` of something)?
    A name the call reads counts when the binding that reaches the call is made from the fit's
    result (a notebook that reuses `Z` for something else later feeds nothing)."""
    order = model.source_order(site.node)
    targets = _derived(model, _assigned_names(site.statement), order)

    def made_from_fit(name: str, at: int) -> bool:
        before = [v for v in model.assignments.get(name, ()) if model.assigned_at.get(id(v), 0) <= at]
        return not before or model.assigned_at.get(id(before[-1]), 0) <= order or bool(_roots(before[-1]) & targets)

    return bool(targets) and any(
        type(call.node.func) is cst.Attribute and call.node.func.attr.value in ("fit",) + _PREDICT_METHODS
        and model.source_order(call.node) > order
        and any(made_from_fit(root, model.source_order(call.node)) for a in call.node.args for root in _roots(a.value) & targets)
        for call in model.calls)


def _is_preprocessor(model, receiver, method: str) -> bool:
    """A fitted transformer: a class the adapters know, or any object the file also calls
    `transform` on (its own methods say what it is, whatever its class)."""
    if method in ("adapt", "fit_on_texts", "fit_on_sequences"):
        return True
    name = dotted(receiver)
    if name and any(_transforms(site, name) for site in model.calls):
        return True
    return any(has_role(model.qualify(value.func), "fitted-preprocessor") for value in _built_by(model, receiver))


def _stateless(model, built) -> bool:
    """Built by a preprocessor whose fit learns no statistics (`PolynomialFeatures`, `Normalizer`)."""
    return any(has_role(model.qualify(value.func), "stateless-preprocessor") for value in built)


def _transforms(site, name: str) -> bool:
    """Is the call `name.transform(...)`?"""
    func = site.node.func
    return type(func) is cst.Attribute and func.attr.value == "transform" and dotted(func.value) == name


def _built_by(model, receiver, before: Optional[int] = None) -> List[cst.Call]:
    """The constructor calls a receiver comes from: `StandardScaler()` itself, or what its name is
    bound to (with `before`, the last binding before that point: a notebook reuses `model`)."""
    if type(receiver) is cst.Call:
        return [receiver]
    name = dotted(receiver)
    values = [v for v in (model.assignments.get(name, ()) if name else ()) if type(v) is cst.Call]
    if before is not None:
        earlier = [v for v in values if model.source_order(v) < before]
        return earlier[-1:] if earlier else values
    return values


class PreprocessingFitBeforeSplit(Rule):
    code = "SKW406"
    name = "preprocessing-fit-before-split"
    family = FAMILY
    summary = "A preprocessor fitted on all rows before they are split into training and evaluation parts"
    what_it_does = (
        "Reports `fit`/`fit_transform` of a fitted transformer (a scaler, imputer, vectorizer, PCA, a "
        "feature selector, a `ColumnTransformer` or `Pipeline`, or any object the file also calls "
        "`transform` on) on data that the same code later splits into training and evaluation parts "
        "with `train_test_split` (or another splitting API the adapters know), followed "
        "through the assignments in between. Not reported: fitting on the training part only; a "
        "`Pipeline` handed to `cross_val_score` or `GridSearchCV` (it is fitted per fold); label "
        "encoders; a fitted object that never transforms the data (its result unused); "
        "cross-validation of data preprocessed as a whole (a milder leak between folds)."
    )
    why_bad = (
        "Data leakage: the test rows shape the fitted statistics (means, variances, vocabularies, "
        "components, imputed values), so the evaluation is not on unseen data and scores are "
        "optimistic. Yang et al. found this in a large share of public notebooks."
    )
    example = (
        "X = StandardScaler().fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)"
    )
    use_instead = (
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n"
        "scaler = StandardScaler().fit(X_train)\nX_train, X_test = scaler.transform(X_train), scaler.transform(X_test)"
    )
    references = (
        "https://doi.org/10.1145/3551349.3556918",  # Yang et al., Data Leakage in Notebooks, ASE 2022
        "https://scikit-learn.org/stable/common_pitfalls.html#data-leakage",
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        splits = [site for site in model.calls if _split_of(model, site) is not None]
        if not splits:
            return
        parts = {name for site in splits for name in _assigned_names(site.statement)}
        for site in model.calls:
            func = site.node.func
            if type(func) is cst.Attribute and func.attr.value in ("fit", "fit_transform") and site.node.args:
                data_node, what = site.node.args[0].value, f"`{model.snippet(func.value)}.{func.attr.value}()`"
            else:  # `X_prepared = prep_input(X)`, a function that fits a preprocessor on its argument
                fitted = fitting_call(model, site)
                if not fitted:
                    continue
                data_node, what = fitted[0][1], f"`{dotted(func) or 'the call'}()` fits a preprocessor that"
            data = data_name(data_node)
            root = data.split(".")[0] if data else None
            if root is None or root in parts or is_eval_data_name(root):
                continue  # a part of a split (or evaluation data: SKW404's)
            order = model.source_order(site.node)
            targets = _assigned_names(site.statement)
            if type(func) is not cst.Attribute or func.attr.value not in ("fit", "fit_transform"):
                if not targets:
                    continue
                derived = _derived(model, targets, order)
            else:
                receiver = dotted(func.value)
                built = _built_by(model, func.value, order)
                if any(has_role(model.qualify(v.func), "label-encoder") for v in built):
                    model.silence(self.code, site.node, "a label encoder: fitted on labels, not feature statistics")
                    continue
                if _stateless(model, built):
                    model.silence(self.code, site.node, "a stateless preprocessor: its fit learns nothing from the data")
                    continue
                known = any(has_role(model.qualify(v.func), "fitted-preprocessor") for v in built)
                if func.attr.value == "fit_transform":
                    if not targets or not (known or _transformed_later(model, receiver, order)):
                        continue  # the transformed data is not used, or no transformer
                    derived = _derived(model, targets, order)  # the statistics travel with the transformed data
                elif _transformed_later(model, receiver, order, parts):
                    derived = _derived(model, {root}, order)  # `scaler.fit(X)`, then parts of `X` transformed
                else:
                    continue
            for split in splits:
                end = model.source_order(split.node)
                used = {name for arg in split.node.args for name in _roots(arg.value) & derived}
                if split.function is not site.function or end <= order or not used:
                    continue
                if _rebound(model, used, order, end, derived):
                    model.silence(self.code, site.node, "the split data is rebound after the fit")
                else:
                    yield Finding(
                        self.code, site.node,
                        f"{what} learns from every row of `{data}`, "
                        f"which `{_split_of(model, split)}` at line {{line0}} later splits into training and "
                        "evaluation parts: the evaluation rows shape what is fitted; split first and fit "
                        "on the training part (or put the step in a `Pipeline`)",
                        statement=site.statement, related=((split.node, "the split"),))
                    break


def _transformed_later(model, receiver: Optional[str], order: int, parts: Optional[Set[str]] = None) -> bool:
    """Does `receiver.transform(...)` follow the fit before the name is bound to something else (of
    `parts` of a split, when given)? Its methods say it is a transformer, whatever its class."""
    if receiver is None:
        return False
    for site in model.calls:
        here = model.source_order(site.node)
        if here <= order:
            continue
        if _transforms(site, receiver):
            if parts is None or any(_roots(a.value) & parts for a in site.node.args):
                return True
        elif receiver in _assigned_names(site.statement) and site.node is _value_of(site.statement):
            return False  # `model = PCA()` after a `model.fit(X, y)`: another object
    return False


def _rebound(model, names: Set[str], start: int, end: int, derived: Set[str]) -> bool:
    """Is one of `names` bound between the fit and the split to data not made from the fitted
    result (`X = housing.data` in a later notebook cell)? Then the split splits other data."""
    for name in names:
        for value in model.assignments.get(name, ()):
            if start < model.assigned_at.get(id(value), 0) <= end and not (_roots(value) & derived):
                return True
    return False


def _value_of(statement):
    """The value of a one-target assignment statement, or None."""
    if type(statement) is cst.SimpleStatementLine and len(statement.body) == 1 and \
            type(statement.body[0]) in (cst.Assign, cst.AnnAssign):
        return statement.body[0].value
    return None


def _split_of(model, site) -> Optional[str]:
    """The name of a call that splits data into training and held-out evaluation parts, or None.
    Cross-validation (`cross_val_score`, `KFold.split`) is not counted: data preprocessed as a whole
    before it leaks between folds, a milder model-selection leak that textbooks show on purpose."""
    return (dotted(site.node.func) or "the split") if has_role(site.qualname, "split") else None


def _assigned_names(statement) -> Set[str]:
    """The root names a simple statement assigns (`X`, `X_train, X_test`, `df` of `df[cols] = ...`)."""
    found = set()
    if type(statement) is not cst.SimpleStatementLine:
        return found
    for small in statement.body:
        targets = [t.target for t in small.targets] if type(small) is cst.Assign else (
            [small.target] if type(small) in (cst.AnnAssign, cst.AugAssign) else [])
        for target in targets:
            found |= _roots(target)
    return found


def _roots(expr) -> Set[str]:
    """The names an expression is made of, by their root (`df` for `df.loc[:, cols]`)."""
    return {node.value for node in descendants(expr) if type(node) is cst.Name}


def _derived(model, names: Set[str], after: int = -1) -> Set[str]:
    """`names` and every name the file binds, after the call numbered `after`, to a value made from
    them (`X_df = pd.DataFrame(X)`)."""
    derived = set(names)
    changed = True
    while changed:
        changed = False
        for name, values in model.assignments.items():
            root = name.split(".")[0]
            if root not in derived and any(model.assigned_at.get(id(v), 0) > after and _roots(v) & derived
                                           for v in values):
                derived.add(root)
                changed = True
    return derived


class PreprocessingSkippedAtInference(Rule):
    code = "SKW405"
    name = "preprocessing-skipped-at-inference"
    family = FAMILY
    summary = "Preprocessing applied before training but not before prediction"
    what_it_does = (
        "Follows the inputs of `fit` and of `predict`/`predict_proba`/`evaluate`/`score` of the same "
        "model through their assignments, and reports a prediction whose inputs skip a deterministic "
        "preprocessing step (a fitted transformer's `transform`, a preprocessing function) that the "
        "training inputs went through; also a Keras `ImageDataGenerator(rescale=...)` for training "
        "and an evaluation generator without the rescale. Augmentation is exempt."
    )
    why_bad = (
        "Wrong results: the model was trained on transformed features and is asked to predict on raw "
        "ones (unscaled, unencoded, 0-255 instead of 0-1); predictions are garbage or quietly worse."
    )
    example = (
        "X_train = scaler.fit_transform(X_train)\nmodel.fit(X_train, y_train)\n"
        "predictions = model.predict(X_test)"
    )
    use_instead = (
        "X_train = scaler.fit_transform(X_train)\nmodel.fit(X_train, y_train)\n"
        "predictions = model.predict(scaler.transform(X_test))"
    )

    def check(self, model: SemanticModel) -> Iterator[Finding]:
        fits = {}  # receiver -> its most recent `fit` so far, in source order
        for site in model.calls:
            func = site.node.func
            if type(func) is not cst.Attribute or not site.node.args:
                continue
            receiver = dotted(func.value)
            if func.attr.value == "fit" and receiver and not _is_preprocessor(model, func.value, "fit"):
                written: Dict[str, str] = {}
                steps = _steps(model, site.node.args[0].value, set(), site.function, written=written)
                fits[receiver] = (site, steps - {_UNKNOWN}, written)
                continue
            if func.attr.value not in _PREDICT_METHODS:
                continue
            fitted = fits.get(receiver or "")
            if fitted is None or not fitted[1]:
                continue
            data = site.node.args[0].value
            if data_name(data) is None and type(data) is not cst.Call:
                continue
            steps = _steps(model, data, set(), site.function)
            missing = sorted(fitted[1] - steps)
            if not missing or _UNKNOWN in steps or not _counterparts(model, fitted[0].node.args[0].value, data):
                continue
            step = fitted[2].get(missing[0], missing[0])
            yield Finding(
                self.code,
                site.node,
                f"the training inputs of `{dotted(func.value)}.fit()` (line {{line0}}) go through `{step}`, "
                f"but the inputs of `{dotted(func.value)}.{func.attr.value}()` do not; apply the same "
                "preprocessing before predicting",
                statement=site.statement,
                related=((fitted[0].node, "the model is fitted on preprocessed inputs here"),),
            )
        yield from _generator_rescale(self.code, model)




def _counterparts(model, train_input, eval_input) -> bool:
    """Are these the two sides of one split (`X_train` / `X_test`)? Only then is a step the first
    went through and the second did not a skipped step, not a different data flow."""
    def stems(expr, word_test):
        result = set()
        for name in _names(model, expr, set()):
            words = tokens(name.rsplit(".", 1)[-1])
            if word_test(words):
                result.add(tuple(w for w in words if w not in SPLIT_WORDS))
        return result

    train = stems(train_input, lambda words: bool({"train", "training"} & set(words)))
    evaluation = stems(eval_input, lambda words: is_eval_data_name("_".join(words)))
    return bool(train & evaluation)


def _names(model, expr, seen: Set[str], depth: int = 0) -> Set[str]:
    """The names an input is computed from, following assignments."""
    if depth > 6 or expr is None:
        return set()
    found: Set[str] = set()
    name = dotted(expr)
    if name is not None:
        if name in seen:
            return set()
        seen.add(name)
        found.add(name)
        for value in model.assignments.get(name, ()):
            found |= _names(model, value, seen, depth + 1)
        return found
    if type(expr) is cst.Call:
        if type(expr.func) is cst.Attribute:
            found |= _names(model, expr.func.value, seen, depth + 1)
        for arg in expr.args[:1]:
            found |= _names(model, arg.value, seen, depth + 1)
    elif type(expr) is cst.Subscript:
        found |= _names(model, expr.value, seen, depth + 1)
    elif type(expr) is cst.BinaryOperation:
        found |= _names(model, expr.left, seen, depth + 1)
    elif type(expr) in (cst.Tuple, cst.List) and expr.elements:
        found |= _names(model, expr.elements[0].value, seen, depth + 1)
    return found


def _steps(model, expr, seen: Set[str], scope=None, depth: int = 0,
           written: Optional[Dict[str, str]] = None) -> Set[str]:
    """The deterministic preprocessing steps an input went through: fitted transformers'
    `transform`/`fit_transform` (by receiver) and preprocessing functions of the file (by name).
    `written`, when given, gets each step as the code wrote it (`scaler.fit_transform()`), for messages:
    the step itself is named by receiver so that `fit_transform` and `transform` are the same step."""
    if depth > 6 or expr is None:
        return set()
    while type(expr) is cst.Subscript:
        expr = expr.value
    if type(expr) is cst.Call:
        func = expr.func
        found: Set[str] = set()
        if type(func) is cst.Attribute and func.attr.value in _TRANSFORM_METHODS:
            step = f"{dotted(func.value) or 'transformer'}.transform"
            found.add(step)
            if written is not None:
                written.setdefault(step, f"{model.snippet(func.value)}.{func.attr.value}()")
        elif type(func) is cst.Name and model.function_named(func.value) is not None and \
                PREPROCESSING_WORDS.intersection(tokens(func.value)):
            found.add(f"{func.value}()")
        for arg in expr.args[:1]:
            found |= _steps(model, arg.value, seen, scope, depth + 1, written)
        if type(func) is cst.Attribute and func.attr.value not in _TRANSFORM_METHODS:
            found |= _steps(model, func.value, seen, scope, depth + 1, written)  # `scaler.transform(x).astype(...)`
        return found
    if type(expr) is cst.BinaryOperation and type(expr.operator) is cst.Divide:
        right = expr.right
        if type(right) in (cst.Float, cst.Integer) and float(right.value) == 255.0:
            return {"/ 255"} | _steps(model, expr.left, seen, scope, depth + 1, written)
    if type(expr) is cst.BinaryOperation:  # `images + noise * 0.1`: what the data went through before
        return _steps(model, expr.left, seen, scope, depth + 1, written) | \
            _steps(model, expr.right, seen, scope, depth + 1, written)
    if type(expr) in (cst.Tuple, cst.List) and expr.elements:  # `(x_test, y_test)`: the inputs
        return _steps(model, expr.elements[0].value, seen, scope, depth + 1, written)
    name = dotted(expr)
    if name is None or name in seen:
        return set()
    seen = seen | {name}
    found = set()
    for value in model.visible_bindings(name, scope):
        found |= _steps(model, value, seen, scope, depth + 1, written)
    for position, count, value in model.unpacked.get(name, ()):
        part = _unpacked_part(model, value, position, count)
        found |= {_UNKNOWN} if part is None else _steps(model, part, seen, scope, depth + 1, written)
    return found


_UNKNOWN = "?"  # a step set that may be incomplete: an input unpacked from what the file cannot follow


def _unpacked_part(model, value, position: int, count: int):
    """What `position` of `count` unpacked names is bound to: an element of a literal tuple, or the
    array a split cuts it from (`X_train, X_test, y_train, y_test = train_test_split(X, y)`); None
    when the file cannot tell (`X, y = prepare(X, y)`)."""
    if type(value) in (cst.Tuple, cst.List) and len(value.elements) == count:
        return value.elements[position].value
    if type(value) is cst.Call and has_role(model.qualify(value.func), "split"):
        arrays = [arg.value for arg in value.args if arg.keyword is None]
        if arrays and count == 2 * len(arrays):
            return arrays[position // 2]
    return None


def _generator_rescale(code: str, model):
    """Keras: a training `ImageDataGenerator(rescale=...)` and an evaluation generator without one."""
    generators = {}
    for name, values in model.assignments.items():
        for value in values:
            if type(value) is cst.Call and has_role(model.qualify(value.func), "image-generator"):
                generators[name] = value
    train = [(n, v) for n, v in generators.items() if {"train", "training"} & set(tokens(n)) and keyword(v, "rescale")]
    if not train:
        return
    for name, value in generators.items():
        if is_eval_data_name(name.rsplit(".", 1)[-1]) and keyword(value, "rescale") is None:
            yield Finding(
                code,
                value,
                f"`{train[0][0]}` rescales training images (`rescale=`) but `{name}` does not: evaluation "
                "images stay in 0-255; pass the same `rescale`",
            )


RULES = (NormalizationMismatch, CrossFileNormalizationMismatch, SuspiciousNormalizationConstants, TransformerFitOnEvalData,
         PreprocessingSkippedAtInference, PreprocessingFitBeforeSplit)
