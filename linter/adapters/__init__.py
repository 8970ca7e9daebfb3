"""Layer 2: framework adapters map qualified names onto the roles that rules speak of.

Each framework is one module here holding plain data: `MARKERS` (bytes that make a file worth
parsing), `ALIASES` (prefix rewrites that make two spellings of one API the same name), `ROLES`
(role -> qualified names; a name ending in `.*` covers everything under it), `METHODS` (role ->
method names, for APIs reached through objects: `loss.backward()`), `HOOKS` (role -> names of
methods the framework itself calls) and `MODULE_MODES` (whether its models have train/eval modes).
Adding a framework is adding a module to `FRAMEWORKS`.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Dict, FrozenSet, Iterable, List, Literal, Optional, Set, Tuple, cast, get_args

FRAMEWORKS = (
    "torch",
    "torchvision",
    "timm",
    "lightning",
    "transformers",
    "keras",
    "tensorflow",
    "flax",
    "albumentations",
    "sklearn",
    "numpy",
    "display",
    "storage",
)

# Roles the rules use; an adapter may only fill these (a typo in a table fails at import, a typo in
# a rule's `has_role(name, "...")` fails type checking and, when called, raises ValueError).
Role = Literal[
    "model-base",  # classes whose subclasses are models
    "model-factory",  # calls that return a model in TRAIN mode
    "eval-model-factory",  # calls that return a model already in EVAL mode
    "grad-free-factory",  # calls that return a callable running without gradients by itself
    "model-wrapper",  # calls that wrap their first argument and return the same model
    "functional-dropout",  # F.dropout & co. (training defaults to True)
    "functional-dropout-off-by-default",  # F.alpha_dropout & co. (training defaults to False)
    "attention-dropout",  # functions taking `dropout_p`
    "dropout-layer",  # dropout modules (a subclass that always drops is Monte Carlo dropout)
    "grad-off",  # context managers / decorators that disable gradient recording
    "grad-on",  # ... that enable it again
    "grad-set",  # `set_grad_enabled(flag)`: the flag decides
    "training-step",  # calls that update weights or compute gradients (jax.grad, ...)
    "weights-load",  # calls that load trained weights
    "pretrained-factory",  # model factories that return trained weights
    "mode-free-layer",  # layers whose output does not depend on train/eval mode
    "recurrent-layer",  # mode-free unless built with `dropout=`
    "composite-layer",  # built-in modules made of submodules (`Sequential`, `Transformer`)
    "pipeline-compose",  # compositions of data transforms: `Compose([...])`
    "random-transform",  # random augmentation steps (`RandomResizedCrop`, `ColorJitter`, ...)
    "deterministic-transform",  # steps that never vary (`Resize`, `Normalize`; albumentations p=1)
    "probabilistic-transform",  # random through `p` < 1 (albumentations' `p` defaults to 0.5)
    "coin-flip-transform",  # random only through `p`: certain at p=1 (a test-time flip), a no-op at 0
    "random-api",  # random number generators (`random.random`, `np.random.rand`, `torch.rand`)
    "transform-factory",  # builds a train or eval pipeline from a flag (`create_transform(is_training=)`)
    "image-generator",  # Keras `ImageDataGenerator`: augments through its arguments
    "dataset",  # dataset constructors (`ImageFolder`, `CIFAR10`, `load_dataset`)
    "loader",  # batching loaders (`DataLoader`)
    "split",  # splitting a dataset (`random_split`, `Subset`, `train_test_split`)
    "label-encoder",  # fitted on labels: its categories, not statistics of the features
    "stateless-preprocessor",  # `fit` learns no statistics (only the number of columns): a refit changes nothing
    "embedding",  # fitted on the data it embeds (t-SNE): a plot, unless a model is fed with it
    "display",  # calls that turn a value into a picture: plots, image grids, `imshow`
    "persist",  # calls that write a value out: `np.save`, `torch.save`, `pickle.dump`
    "graph-free-metric",  # metrics that are not differentiable: their values (or their objects') carry no graph
    "graph-free-result",  # calls whose result is never a tensor with a graph (numpy, math): accumulating it is safe
    "tensor-constructor",  # calls that build tensors, not layers: a model class that calls them gains no mode
    "static-shapes",  # TPU/XLA backends that compile for fixed shapes: full batches are required
    "fitted-preprocessor",  # scalers, encoders, PCA, vectorizers, `Normalization` layers, tokenizers
]
ROLE_NAMES: FrozenSet[str] = frozenset(get_args(Role))
MethodRole = Literal[
    "training-step",  # `loss.backward()`, `accelerator.backward(loss)`, `state.apply_gradients`
    "optimizer-step",  # `step`/`zero_grad`: a training step when the receiver is an optimizer
    "tape-gradient",  # `tape.gradient(...)`: a training step when the receiver is a tape
    "fit",  # framework-managed training
    "weights-load",  # `model.load_state_dict(...)`, `Model.from_pretrained(...)`
    "forward",  # calls that run a model's forward pass besides `model(x)`
    "generate",  # forward passes that disable gradients themselves (HF `generate`)
    "display",  # `ax.imshow(...)`, `writer.add_image(...)`: the value becomes a picture
    "persist",  # `df.to_csv(...)`, `writer.writerows(...)`: the value becomes rows of a file
]
METHOD_ROLES: FrozenSet[str] = frozenset(get_args(MethodRole))
HookRole = Literal[
    "managed-eval",  # called by the framework in eval mode with gradients off (Lightning)
    "managed-train",  # called by the framework for training (Lightning `training_step`)
    "eval-step",  # user evaluation code that the framework calls (Keras `test_step`)
]
HOOK_ROLES: FrozenSet[str] = frozenset(get_args(HookRole))


# role -> (exact qualified names, prefixes); role -> method names; framework -> role -> method names
_RoleTable = Dict[str, Tuple[FrozenSet[str], Tuple[str, ...]]]
_Tables = Tuple[Tuple[Tuple[str, str], ...], _RoleTable, Tuple[bytes, ...], Dict[str, FrozenSet[str]],
                Dict[str, Dict[str, FrozenSet[str]]], FrozenSet[str]]


def _load() -> _Tables:
    aliases: List[Tuple[str, str]] = []
    markers: Set[bytes] = set()
    methods: Dict[str, Set[str]] = {role: set() for role in METHOD_ROLES}
    hooks: Dict[str, Dict[str, FrozenSet[str]]] = {}  # framework -> role -> method names
    frameworks: List[Tuple[str, str]] = []  # (qualified-name prefix, framework)
    modeless: Set[str] = set()
    exact: Dict[str, Set[str]] = {role: set() for role in ROLE_NAMES}
    prefixes: Dict[str, List[str]] = {role: [] for role in ROLE_NAMES}
    for framework in FRAMEWORKS:
        module = import_module(f"skewlint.adapters.{framework}")
        aliases.extend(getattr(module, "ALIASES", {}).items())
        markers.update(module.MARKERS)
        frameworks.append((module.__name__.rsplit(".", 1)[-1], framework))
        if not getattr(module, "MODULE_MODES", True):
            modeless.add(framework)
        for role, names in getattr(module, "METHODS", {}).items():
            if role not in METHOD_ROLES:
                raise ValueError(f"adapter {framework}: unknown METHODS role {role!r}")
            methods[role].update(names)
        for role, names in getattr(module, "HOOKS", {}).items():
            if role not in HOOK_ROLES:
                raise ValueError(f"adapter {framework}: unknown HOOKS role {role!r}")
            hooks.setdefault(framework, {})[role] = frozenset(names)
        for role, names in module.ROLES.items():
            if role not in ROLE_NAMES:
                raise ValueError(f"adapter {framework}: unknown role {role!r}")
            for name in names:
                if name.endswith("*"):
                    prefixes[role].append(name[:-1])
                else:
                    exact[role].add(name)
    # Longest prefix first, so `tensorflow.python.keras` wins over `tensorflow`.
    aliases.sort(key=lambda item: -len(item[0]))
    table = {role: (frozenset(exact[role]), tuple(prefixes[role])) for role in ROLE_NAMES}
    frozen = {role: frozenset(names) for role, names in methods.items()}
    return tuple(aliases), table, tuple(sorted(markers)), frozen, hooks, frozenset(modeless)


_ALIASES, _ROLES, FRAMEWORK_MARKERS, _METHODS, _HOOKS, MODELESS_FRAMEWORKS = _load()
PRETRAINED_NON_MODELS: Tuple[str, ...] = import_module("skewlint.adapters.transformers").PRETRAINED_NON_MODELS
GRAD_FREE_CALLABLES: Tuple[str, ...] = import_module("skewlint.adapters.transformers").GRAD_FREE_CALLABLES
RANDOM_UNLESS_SCALAR: Dict[str, Tuple[str, int]] = import_module("skewlint.adapters.torchvision").RANDOM_UNLESS_SCALAR
P_POSITION: Dict[str, int] = import_module("skewlint.adapters.torchvision").P_POSITION
TEST_SIZES: Dict[str, int] = import_module("skewlint.adapters.torchvision").TEST_SIZES
GENERATOR_AUGMENTATIONS: Tuple[str, ...] = import_module("skewlint.adapters.keras").GENERATOR_AUGMENTATIONS


@lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """One spelling per API: `tensorflow.keras.layers.Dense` -> `keras.layers.Dense` (rewrites
    chain: `tensorflow.keras.preprocessing...` -> `keras.preprocessing...` -> `keras.legacy...`)."""
    for _ in range(4):
        for old, new in _ALIASES:
            if qualname == old or qualname.startswith(old + "."):
                qualname = new + qualname[len(old):]
                break
        else:
            return qualname
    return qualname


def _unknown(role: str, kind: str) -> ValueError:
    return ValueError(f"unknown {kind} {role!r}: adapters/__init__.py lists the roles")


def has_role(qualname: Optional[str], role: Role) -> bool:
    """Does an adapter give the API `qualname` (canonical, `model.qualify`'s) this role?"""
    try:
        exact, prefixes = _ROLES[role]
    except KeyError:
        raise _unknown(role, "role") from None
    if not qualname:
        return False
    return qualname in exact or qualname.startswith(prefixes)


def names_with_role(role: Role) -> Iterable[str]:
    try:
        return _ROLES[role][0]
    except KeyError:
        raise _unknown(role, "role") from None


def method_has_role(name: str, role: MethodRole) -> bool:
    """Is a method of this name (called on any object) given this role (`backward`: training-step)?"""
    try:
        return name in _METHODS[role]
    except KeyError:
        raise _unknown(role, "METHODS role") from None


def hook_role(name: str, framework: str = "") -> Optional[HookRole]:
    """The role of a method that a framework calls itself (`validation_step`), or None. With the
    class's framework known, only its hooks count (Keras and Lightning both have `test_step`)."""
    for owner, roles in _HOOKS.items():
        if framework and owner != framework:
            continue
        for role, names in roles.items():
            if name in names:
                return cast(HookRole, role)
    return None


def framework_of(qualname: Optional[str]) -> str:
    """The framework of a model API (`keras` for `keras.Model` and `tensorflow...`), or ''."""
    if not qualname:
        return ""
    head = qualname.split(".")[0]
    if head in ("tensorflow", "keras"):
        return "keras"
    if head in ("flax", "jax"):
        return "flax"
    return head if head in FRAMEWORKS else ""


def has_module_modes(framework: str) -> bool:
    """Do this framework's models have train/eval modes (PyTorch-style)? Keras and Flax do not."""
    return framework not in MODELESS_FRAMEWORKS
