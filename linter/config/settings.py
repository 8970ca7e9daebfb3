"""Configuration: `[tool.skewlint]` in the nearest `pyproject.toml`, or a `skewlint.toml`.

Each file is governed by the nearest configuration found walking up from its directory (as ruff
does); `--config FILE` names one for every file. Command-line options are applied on top.
"""
from __future__ import annotations

import difflib
import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from skewlint.registry import SelectorError, registry

CONFIG_FILES = (".skewlint.toml", "skewlint.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".skewlint_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist",
    "node_modules", "site-packages", "venv",
)

# key -> (type description, validator)
_LIST = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v))
_BOOL = ("a boolean", lambda v: isinstance(v, bool))
_PER_FILE = (
    "a table of glob -> list of rule selectors",
    lambda v: isinstance(v, dict)
    and all(isinstance(k, str) and _LIST[1](i) for k, i in v.items()),
)
def _numbers(value) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _normalization_entry(entry) -> bool:
    return (isinstance(entry, dict) and set(entry) <= {"mean", "std", "files"} and {"mean", "std"} <= set(entry)
            and _numbers(entry["mean"]) and _numbers(entry["std"])
            and isinstance(entry.get("files", ""), str))


_NORMALIZATION = (
    "a table with `mean` and `std` (lists of numbers) and an optional `files` glob, or a list of such tables",
    lambda v: _normalization_entry(v) or (isinstance(v, list) and bool(v) and all(_normalization_entry(e) for e in v)),
)
SCHEMA = {
    "select": _LIST,
    "extend-select": _LIST,
    "ignore": _LIST,
    "per-file-ignores": _PER_FILE,
    "exclude": _LIST,
    "extend-exclude": _LIST,
    "force-exclude": _BOOL,
    "respect-gitignore": _BOOL,
    "normalization": _NORMALIZATION,
}


class ConfigError(Exception):
    """A configuration problem; the message names the file and says what is wrong."""


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
        patterns = self.exclude + self.extend_exclude
        names = relative.split("/") if ancestors else [os.path.basename(relative)]
        return any(matches(p, relative, names) for p in patterns)


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


def matches(pattern: str, relative: str, names=None) -> bool:
    """ruff's exclusion semantics: a pattern without `/` matches a file or directory name (`names`,
    by default every component of `relative`); one with `/` matches the path relative to the
    project root, or anything under it."""
    pattern = pattern.rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
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


def load_table(path: str) -> Optional[dict]:
    """The skewlint table of a configuration file (None for a pyproject.toml without one)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: could not read: {error.strerror or error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:  # TOML is UTF-8; tomllib itself would raise this uncaught
        row = raw[: error.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{row}: invalid TOML: not UTF-8 ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(_toml_error(path, str(error), raw)) from None
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("skewlint")
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.skewlint] must be a table")
        return table
    return data


def _toml_error(path: str, message: str, raw: bytes) -> str:
    """`path:line:column: invalid TOML: what`, the form editors jump to (tomllib puts the position
    at the end of its message, and says "end of document" for an unclosed construct)."""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        return f"{path}:{match.group(1)}:{match.group(2)}: invalid TOML: {message[: match.start()]}"
    if message.endswith("(at end of document)"):
        row = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
        return f"{path}:{max(row, 1)}: invalid TOML: {message[: -len('(at end of document)')].strip()} at the end of the file"
    return f"{path}: invalid TOML: {message}"


def validate(table: dict, path: str) -> None:
    rules = registry()
    for key, value in table.items():
        if key not in SCHEMA:
            match = difflib.get_close_matches(key.replace("_", "-"), list(SCHEMA), n=1, cutoff=0.6)
            hint = f"; did you mean `{match[0]}`?" if match else ""
            known = ", ".join(SCHEMA)
            raise ConfigError(f"{path}: unknown option `{key}`{hint} (known options: {known})")
        description, check = SCHEMA[key]
        if not check(value):
            raise ConfigError(f"{path}: `{key}` must be {description}, not {type(value).__name__}")
    try:
        for key in ("select", "extend-select", "ignore"):
            rules.resolve_all(table.get(key) or ())
        for selectors in (table.get("per-file-ignores") or {}).values():
            rules.resolve_all(selectors)
    except SelectorError as error:
        raise ConfigError(f"{path}: {error}") from None


def build_settings(table: dict, root: str, source: Optional[str], overrides: Overrides) -> Settings:
    rules = registry()
    try:
        enabled = rules.select([table, overrides.layer()])
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
        extend_exclude=tuple(table.get("extend-exclude", ())) + tuple(overrides.extend_exclude),
        force_exclude=pick(overrides.force_exclude, "force-exclude", False),
        respect_gitignore=pick(overrides.respect_gitignore, "respect-gitignore", True),
        source=source,
        normalization=_declared(table.get("normalization")),
    )


def _declared(value) -> tuple:
    entries = [value] if isinstance(value, dict) else list(value or ())
    return tuple((e.get("files", ""), tuple(map(float, e["mean"])), tuple(map(float, e["std"]))) for e in entries)


class Resolver:
    """Finds and caches the settings of each directory."""

    def __init__(self, overrides: Overrides, cwd: Optional[str] = None):
        self.overrides = overrides
        self.cwd = os.path.abspath(cwd or os.getcwd())
        self._by_dir: Dict[str, Settings] = {}
        self._fixed: Optional[Settings] = None
        if overrides.config is not None:
            path = os.path.abspath(overrides.config)
            if not os.path.isfile(path):
                raise ConfigError(f"{overrides.config}: configuration file not found")
            table = load_table(path) or {}
            validate(table, overrides.config)
            self._fixed = build_settings(table, os.path.dirname(path), path, overrides)
        # The command line's own selectors are checked once, up front.
        try:
            registry().select([overrides.layer()])
            for selectors in overrides.per_file_ignores.values():
                registry().resolve_all(selectors)
        except SelectorError as error:
            raise ConfigError(str(error)) from None

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
                table = load_table(candidate)
                if table is None:  # a pyproject.toml without [tool.skewlint]
                    continue
                validate(table, candidate)
                settings = build_settings(table, directory, candidate, self.overrides)
                break
        if settings is None:
            parent = os.path.dirname(directory)
            if parent != directory:
                settings = self._for_dir(parent)
            else:
                settings = build_settings({}, self.cwd, None, self.overrides)
        self._by_dir[directory] = settings
        return settings
