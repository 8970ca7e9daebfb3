"""Configuration: `[tool.skewlint]` in the nearest `pyproject.toml`, or a `skewlint.toml`.

Each file is governed by the nearest configuration found walking up from its directory (as ruff
does); `--config FILE` names one for every file. Command-line options are applied on top.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from skewlint.config.files import ConfigError, load_chain, selector_errors
from skewlint.registry import SelectorError, registry

__all__ = ["ConfigError", "Overrides", "Resolver", "Settings", "matches"]

CONFIG_FILES = (".skewlint.toml", "skewlint.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".skewlint_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist",
    "node_modules", "site-packages", "venv",
)


@dataclass(frozen=True)
class Settings:
    """The resolved settings that govern the files under `root`."""

    root: str
    enabled: frozenset
    per_file_ignores: Tuple[Tuple[str, frozenset], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    force_exclude: bool = False
    respect_gitignore: bool = True
    source: Optional[str] = None  # the configuration file, if any
    # Declared training normalization: (files glob or "", mean, std) entries, for SKW402.
    normalization: Tuple[Tuple[str, Tuple[float, ...], Tuple[float, ...]], ...] = ()
    extends: Tuple[str, ...] = ()  # the files `source` extends, nearest first
    # Options of the run, not of a file: those of the configuration that governs the working
    # directory apply (None: not set there). The command line overrides them.
    fix: Optional[bool] = None
    unsafe_fixes: Optional[bool] = None
    output_format: Optional[str] = None

    def declared_normalization(self, path: str):
        """The (mean, std) declared for this file in `[tool.skewlint.normalization]`, or None."""
        relative = _relative(path, self.root)
        for pattern, mean, std in self.normalization:
            if not pattern or matches(pattern, relative):
                return mean, std
        return None

    def enabled_for(self, path: str) -> frozenset:
        """The rules enabled for one file, after `per-file-ignores`."""
        if not self.per_file_ignores:
            return self.enabled
        relative = _relative(path, self.root)
        ignored = set()
        for pattern, codes in self.per_file_ignores:
            if matches(pattern, relative):
                ignored |= codes
        return self.enabled - (ignored - registry().always_on())

    def is_excluded(self, path: str, ancestors: bool = False) -> bool:
        """Does an exclude pattern match this path? With `ancestors`, a match on any of its
        directories counts too (for files named explicitly; a walk checks each directory itself)."""
        relative = _relative(path, self.root)
        plain, patterns = _split_patterns(self.exclude + self.extend_exclude)
        names = relative.split("/") if ancestors else [os.path.basename(relative)]
        return not plain.isdisjoint(names) or any(matches(p, relative, names) for p in patterns)


@lru_cache(maxsize=64)
def _split_patterns(patterns: Tuple[str, ...]) -> Tuple[frozenset, Tuple[str, ...]]:
    """(the names that patterns without `/` or wildcards match exactly, the other patterns): a walk
    asks of every file, and a set answers the default names at once."""
    plain, other = set(), []
    for pattern in patterns:
        name = _normalized(pattern)
        if "/" in name or any(char in name for char in "*?["):
            other.append(pattern)
        else:
            plain.add(name)
    return frozenset(plain), tuple(other)


def _relative(path: str, root: str) -> str:
    """The path relative to `root` with `/` separators, or its absolute path if outside `root`."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        relative = ".."
    if relative == ".." or relative.startswith(".." + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _normalized(pattern: str) -> str:
    """A pattern without its trailing `/` and leading `./`."""
    pattern = pattern.rstrip("/")
    return pattern[2:] if pattern.startswith("./") else pattern


def matches(pattern: str, relative: str, names=None) -> bool:
    """ruff's exclusion semantics: a pattern without `/` matches a file or directory name (`names`,
    by default every component of `relative`); one with `/` matches the path relative to the
    project root, or anything under it."""
    pattern = _normalized(pattern)
    if "/" not in pattern:
        parts = names if names is not None else relative.split("/")
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*")


@dataclass
class Overrides:
    """What the command line says, applied on top of every configuration file."""

    config: Optional[str] = None
    select: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    exclude: Optional[List[str]] = None
    extend_exclude: List[str] = field(default_factory=list)
    force_exclude: Optional[bool] = None
    respect_gitignore: Optional[bool] = None

    def layer(self) -> dict:
        return {"select": self.select, "extend-select": self.extend_select, "ignore": self.ignore}


def build_settings(chain: List[Tuple[str, dict]], root: str, overrides: Overrides) -> Settings:
    """The settings of a configuration chain (the extended files first, the file itself last) with
    the command line on top. As ruff merges `extend`: each file's keys replace its base's, rule
    selections apply in order (a base's `select`, then the file's `extend-select`, ...) and
    `extend-exclude` accumulates. Patterns of an extended file are relative to its own directory."""
    tables = [_rebased(table, os.path.dirname(os.path.abspath(path)), root) for path, table in chain]
    table: dict = {}
    for layer in tables:
        table.update(layer)
    rules = registry()
    try:
        enabled = rules.select(tables + [overrides.layer()])
        per_file = dict(table.get("per-file-ignores") or {})
        per_file.update(overrides.per_file_ignores)
        per_file_ignores = tuple((p, rules.resolve_all(s)) for p, s in per_file.items())
    except SelectorError as error:
        raise ConfigError(str(error)) from None

    def pick(cli, key, default):
        return cli if cli is not None else table.get(key, default)

    exclude = overrides.exclude if overrides.exclude is not None else table.get("exclude", DEFAULT_EXCLUDE)
    return Settings(
        root=root,
        enabled=enabled,
        per_file_ignores=per_file_ignores,
        exclude=tuple(exclude),
        extend_exclude=tuple(p for layer in tables for p in layer.get("extend-exclude", ()))
        + tuple(overrides.extend_exclude),
        force_exclude=pick(overrides.force_exclude, "force-exclude", False),
        respect_gitignore=pick(overrides.respect_gitignore, "respect-gitignore", True),
        source=chain[-1][0] if chain else None,
        normalization=_declared(table.get("normalization")),
        extends=tuple(path for path, _ in reversed(chain[:-1])),
        fix=table.get("fix"),
        unsafe_fixes=table.get("unsafe-fixes"),
        output_format=table.get("output-format"),
    )


def _rebased(table: dict, directory: str, root: str) -> dict:
    """An extended file's path patterns (those with a `/`), made relative to `root`; outside it,
    absolute (paths outside the root are matched absolute)."""
    if os.path.normpath(directory) == os.path.normpath(root):
        return table

    def rebase(pattern: str) -> str:
        if "/" not in pattern.rstrip("/"):
            return pattern  # a name: matched anywhere
        absolute = os.path.normpath(os.path.join(directory, pattern))
        relative = os.path.relpath(absolute, root)
        return (absolute if relative == ".." or relative.startswith(".." + os.sep) else relative).replace(os.sep, "/")

    table = dict(table)
    for key in ("exclude", "extend-exclude"):
        if isinstance(table.get(key), list):
            table[key] = [rebase(p) for p in table[key]]
    if isinstance(table.get("per-file-ignores"), dict):
        table["per-file-ignores"] = {rebase(p): codes for p, codes in table["per-file-ignores"].items()}
    entries = table.get("normalization")
    if entries is not None:
        entries = [entries] if isinstance(entries, dict) else entries
        table["normalization"] = [dict(e, files=rebase(e["files"])) if e.get("files") else e for e in entries]
    return table


def _declared(value) -> tuple:
    entries = [value] if isinstance(value, dict) else list(value or ())
    return tuple((e.get("files", ""), tuple(map(float, e["mean"])), tuple(map(float, e["std"]))) for e in entries)


class Resolver:
    """Finds and caches the settings of each directory.

    `collect`: configuration problems are recorded in `errors` (every one of every file, the
    directory falling back to the defaults) instead of raised at the first, for the caller to
    report them all (`raise_errors()`) once it has looked everywhere."""

    def __init__(self, overrides: Overrides, cwd: Optional[str] = None, collect: bool = False):
        self.overrides = overrides
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self.errors: List[str] = []
        self.read: List[str] = []  # every configuration file looked at (for --watch)
        self._collect = collect
        self._by_dir: Dict[str, Settings] = {}
        self._fixed: Optional[Settings] = None
        # The command line's own selectors are checked once, up front.
        self._problems(message for _, message in selector_errors(
            (overrides.select or []) + overrides.extend_select + overrides.ignore
            + [s for selectors in overrides.per_file_ignores.values() for s in selectors]))
        if overrides.config is not None:
            if not os.path.isfile(overrides.config):
                self._problems([f"{overrides.config}: configuration file not found"])
                chain = []
            else:
                chain, problems = self._load(overrides.config)
                chain = [] if self._problems(problems) else chain
            root = os.path.dirname(os.path.abspath(overrides.config))
            self._fixed = self._build(chain, root)

    def _load(self, path: str):
        chain, problems = load_chain(path)
        self.read += [path] + [name for name, _ in chain if name != path]
        return chain, problems

    def _problems(self, problems) -> bool:
        """Record (or raise) problems; whether there were any."""
        problems = list(problems)
        if problems and not self._collect:
            raise ConfigError(*problems)
        self.errors += [problem for problem in problems if problem not in self.errors]
        return bool(problems)

    def _build(self, chain, root: str) -> Settings:
        if self.errors:  # the command line's selectors are wrong: nothing is linted anyway
            return build_settings([], root, Overrides())
        return build_settings(chain, root, self.overrides)

    def raise_errors(self) -> None:
        """With `collect`: raise every problem found so far, if any."""
        if self.errors:
            raise ConfigError(*self.errors)

    def for_path(self, path: str) -> Settings:
        """Settings for a file or directory: those of the nearest configuration above it."""
        if self._fixed is not None:
            return self._fixed
        absolute = os.path.abspath(path)
        directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        return self._for_dir(directory)

    def _for_dir(self, directory: str) -> Settings:
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        settings = None
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                chain, problems = self._load(candidate)
                if not chain and not problems:  # a pyproject.toml without [tool.skewlint]
                    continue
                settings = self._build([] if self._problems(problems) else chain, directory)
                break
        if settings is None:
            parent = os.path.dirname(directory)
            if parent != directory:
                settings = self._for_dir(parent)
            else:
                settings = self._build([], self.cwd)
        self._by_dir[directory] = settings
        return settings
