"""Layer 2: framework adapters map qualified names onto the roles that rules speak of.

Each framework is one module here holding plain data: `ALIASES` (prefix rewrites that make two
spellings of one API the same name) and `ROLES` (role -> qualified names; a name ending in `.*`
covers everything under it). Adding a framework is adding a module to `FRAMEWORKS`.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Dict, FrozenSet, Iterable, Tuple

FRAMEWORKS = (
    "torch",
    "torchvision",
    "timm",
    "lightning",
    "transformers",
    "keras",
    "flax",
)

# Roles the rules use; an adapter may only fill these (a typo in a table fails at import).
ROLE_NAMES = frozenset(
    {
        "model-base",  # classes whose subclasses are models
        "model-factory",  # calls that return a model in TRAIN mode
        "eval-model-factory",  # calls that return a model already in EVAL mode
        "model-wrapper",  # calls that wrap their first argument and return the same model
        "functional-dropout",  # F.dropout & co. (training defaults to True)
        "functional-dropout-off-by-default",  # F.alpha_dropout & co. (training defaults to False)
        "attention-dropout",  # functions taking `dropout_p`
    }
)


def _load():
    aliases = []
    markers = set()
    exact: Dict[str, set] = {role: set() for role in ROLE_NAMES}
    prefixes: Dict[str, list] = {role: [] for role in ROLE_NAMES}
    for framework in FRAMEWORKS:
        module = import_module(f"skewlint.adapters.{framework}")
        aliases.extend(getattr(module, "ALIASES", {}).items())
        markers.update(module.MARKERS)
        for role, names in module.ROLES.items():
            if role not in ROLE_NAMES:
                raise ValueError(f"adapter {framework}: unknown role {role!r}")
            for name in names:
                if name.endswith(".*"):
                    prefixes[role].append(name[:-1])
                else:
                    exact[role].add(name)
    # Longest prefix first, so `tensorflow.python.keras` wins over `tensorflow`.
    aliases.sort(key=lambda item: -len(item[0]))
    table = {role: (frozenset(exact[role]), tuple(prefixes[role])) for role in ROLE_NAMES}
    return tuple(aliases), table, tuple(sorted(markers))


_ALIASES, _ROLES, FRAMEWORK_MARKERS = _load()


@lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """One spelling per API: `tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for old, new in _ALIASES:
        if qualname == old or qualname.startswith(old + "."):
            return new + qualname[len(old):]
    return qualname


def has_role(qualname, role: str) -> bool:
    if not qualname:
        return False
    exact, prefixes = _ROLES[role]
    return qualname in exact or qualname.startswith(prefixes)


def names_with_role(role: str) -> Iterable[str]:
    return _ROLES[role][0]
