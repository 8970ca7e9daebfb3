"""Reading configuration files: the skewlint table of a file, the files it `extend`s, and a
validation that reports every problem of every file at once (not only the first)."""
from __future__ import annotations

import os
import re
import sys
from typing import Dict, List, Optional, Tuple

from skewlint.registry import SelectorError, registry


class ConfigError(Exception):
    """Configuration problems; each message names the file and says what is wrong."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = list(messages)

    def __str__(self) -> str:
        return "\n".join(self.messages)


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


def _output_format():
    from skewlint.report.output import FORMATS

    return (f"one of {', '.join(sorted(FORMATS))}", lambda v: isinstance(v, str) and v in FORMATS)


SCHEMA = {
    "extend": ("the path of another configuration file (a string)", lambda v: isinstance(v, str) and bool(v)),
    "select": _LIST,
    "extend-select": _LIST,
    "ignore": _LIST,
    "per-file-ignores": _PER_FILE,
    "exclude": _LIST,
    "extend-exclude": _LIST,
    "force-exclude": _BOOL,
    "respect-gitignore": _BOOL,
    "normalization": _NORMALIZATION,
    "fix": _BOOL,
    "unsafe-fixes": _BOOL,
    "output-format": _output_format(),
}


def load_table(path: str) -> Optional[dict]:
    """The skewlint table of a configuration file (None for a pyproject.toml without one)."""
    loaded = _load(path)
    return loaded[0] if loaded is not None else None


def _load(path: str) -> Optional[Tuple[dict, str]]:
    """The skewlint table of a configuration file and the file's text (None for a pyproject.toml
    without one)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: could not read: {error.strerror or error}") from None
    if sys.version_info >= (3, 11):  # imported when a configuration file is read, not by every run
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
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
        return None if table is None else (table, raw.decode("utf-8"))
    return data, raw.decode("utf-8")


_HEADER = re.compile(r"\[\[?\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")


def key_positions(text: str, pyproject: bool) -> Dict[str, Tuple[int, int]]:
    """Where each key of the skewlint table is written, (line, column) 1-based: `key = ...` in the
    table's own section, or the header of a subtable (`[tool.skewlint.key]`). Keys written otherwise
    (dotted keys, inline tables) get no position; a message without one names the file alone."""
    prefix = ["tool", "skewlint"] if pyproject else []
    positions: Dict[str, Tuple[int, int]] = {}
    section: List[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        column = len(line) - len(stripped) + 1
        header = _HEADER.match(stripped)
        if header:
            section = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if section[: len(prefix)] == prefix and len(section) > len(prefix):
                positions.setdefault(section[len(prefix)], (number, column))
            continue
        key = _KEY.match(stripped) if section == prefix else None
        if key:
            positions.setdefault(key.group(1).strip("\"'"), (number, column))
    return positions


def _value_position(text: str, start: Tuple[int, int], value: str) -> Tuple[int, int]:
    """Where the string `value` is first written at or after `start` (else `start`)."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: start[0] - 1])
    found = [i for i in (text.find(f'"{value}"', offset), text.find(f"'{value}'", offset)) if i >= 0]
    if not found:
        return start
    before = text[: min(found)]
    return before.count("\n") + 1, min(found) - (before.rfind("\n") + 1) + 1


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


def _at(path: str, position: Optional[Tuple[int, int]]) -> str:
    return f"{path}:{position[0]}:{position[1]}" if position else path


def validate(table: dict, path: str, text: str = "") -> List[str]:
    """Every problem of one table: unknown keys, values of the wrong type, unknown rule selectors;
    `path:line:column:` where `text` (the file's) shows where the key or selector is written."""
    problems = []
    positions = key_positions(text, os.path.basename(path) == "pyproject.toml")

    def where(key: str, selector: Optional[str] = None) -> str:
        position = positions.get(key)
        if position is not None and selector is not None:
            position = _value_position(text, position, selector)
        return _at(path, position)

    for key, value in table.items():
        if key not in SCHEMA:
            import difflib

            match = difflib.get_close_matches(key.replace("_", "-"), list(SCHEMA), n=1, cutoff=0.6)
            hint = f"; did you mean `{match[0]}`?" if match else ""
            problems.append(f"{where(key)}: unknown option `{key}`{hint} (known options: {', '.join(SCHEMA)})")
            continue
        description, check = SCHEMA[key]
        if not check(value):
            shown = f"`{value}`" if isinstance(value, str) and key == "output-format" else type(value).__name__
            problems.append(f"{where(key)}: `{key}` must be {description}, not {shown}")
            continue
        selectors = (value if key in ("select", "extend-select", "ignore")
                     else [s for group in value.values() for s in group] if key == "per-file-ignores" else ())
        problems += [f"{where(key, selector)}: {error}" for selector, error in selector_errors(selectors)]
    return problems


def selector_errors(selectors) -> List[Tuple[str, str]]:
    """(selector, message) for each unknown rule selector."""
    errors = []
    for selector in selectors:
        try:
            registry().resolve(selector)
        except SelectorError as error:
            errors.append((selector, str(error)))
    return errors


def load_chain(path: str) -> Tuple[List[Tuple[str, dict]], List[str]]:
    """The (path, table) of a configuration file and of the files it extends, the base first, and
    every problem found in them. `extend` is relative to the file that names it; a cycle is
    refused. An empty chain: a pyproject.toml without `[tool.skewlint]`."""
    chain: List[Tuple[str, dict]] = []
    problems: List[str] = []
    visited: List[str] = []
    current = path
    while True:
        visited.append(os.path.realpath(current))
        try:
            loaded = _load(current)
        except ConfigError as error:
            return chain, problems + error.messages
        if loaded is None:
            if chain:
                problems.append(f"{chain[0][0]}: `extend`: {current} has no [tool.skewlint] table")
            return chain, problems
        table, text = loaded
        problems += validate(table, current, text)
        chain.insert(0, (current, table))
        target = table.get("extend")
        if not isinstance(target, str) or not target:
            return chain, problems
        following = os.path.normpath(os.path.join(os.path.dirname(current), os.path.expanduser(target)))
        at = _at(current, key_positions(text, os.path.basename(current) == "pyproject.toml").get("extend"))
        if os.path.realpath(following) in visited:
            cycle = " -> ".join([name for name, _ in reversed(chain)] + [following])
            return chain, problems + [f"{at}: `extend` makes a cycle: {cycle}"]
        if not os.path.isfile(following):
            return chain, problems + [f"{at}: `extend`: {following}: configuration file not found"]
        current = following
