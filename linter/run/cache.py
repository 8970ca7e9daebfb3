"""The result cache: `.skewlint_cache/`, one JSON entry per (file, display name, settings).

An entry is reused only if everything that could change the result is unchanged: the bytes of the
file (SHA-256), skewlint's version and code (a stamp of its installed sources, so an editable
install never serves results of older rules), libcst's and Python's versions, and the resolved
settings. The entry's name is derived from the path and settings, not from the content, so an
edited file overwrites its own entry instead of leaving a stale one behind. An entry holds the
file's diagnostics, its summary for the project phase (plain data, or None), and the digests of the
other project files whose summaries it used (the project index): it is stale when one of them changed.

Entries are written atomically (a temporary file, then a rename); an entry that is truncated,
corrupt, of another format or another version is ignored and rebuilt. A cache directory that
cannot be written disables the cache for the run, with one warning.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from typing import Callable, Optional

from skewlint import __version__, atomic_write
from skewlint.diagnostics import Diagnostic, Location
from skewlint.run.engine import FileResult
from skewlint.run.index import digest  # one content digest for cache entries and the project index

DEFAULT_DIR = ".skewlint_cache"
FORMAT = 2  # bump when the layout of an entry changes
TAG_NAME = "CACHEDIR.TAG"
# https://bford.info/cachedir/: backup and archiving tools skip a directory holding this file.
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by skewlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


class Cache:
    def __init__(self, directory: str, warn: Callable[[str], None]):
        self.directory = os.path.abspath(directory)
        self._warn = warn
        self.enabled = True
        self._ready = False
        self._stamp = _code_stamp()
        self._settings_keys: dict = {}
        self.hits = self.misses = 0
        self._unencodable = False
        self._digests: dict = {}

    # -- lookup -----------------------------------------------------------------------------
    def load(self, job, data: bytes) -> Optional[FileResult]:
        """The cached result of this file with exactly these bytes, or None."""
        if not self.enabled:
            return None
        try:
            with open(self._entry_path(job), "r", encoding="utf-8") as handle:
                entry = json.load(handle)
            if (
                entry["format"] != FORMAT
                or entry["version"] != __version__
                or entry["stamp"] != self._stamp
                or entry["content"] != digest(data)
                or any(self._digest_of(path) != used for path, used in entry["result"]["dependencies"].items())
            ):
                raise ValueError("stale")
            result = _result_from_plain(entry["result"], job.display)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.misses += 1  # missing, stale, truncated or corrupt: lint again, then overwrite
            return None
        self.hits += 1
        return result

    def _digest_of(self, path: str) -> Optional[str]:
        """The digest of a project file a result used (its summary, `index.py`), once per run (many
        results use the same files); None if it is gone."""
        if path not in self._digests:
            try:
                with open(path, "rb") as handle:
                    self._digests[path] = digest(handle.read())
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    # -- store ------------------------------------------------------------------------------
    def store(self, job, content_digest: str, result: FileResult) -> None:
        if not self.enabled:
            return
        try:
            plain = _result_to_plain(result)
        except (TypeError, ValueError) as error:  # a bug in a rule's summary: skip this entry only
            if not self._unencodable:
                self._unencodable = True
                self._warn(f"not caching the result of {job.display}: {error}")
            return
        entry = {"format": FORMAT, "version": __version__, "stamp": self._stamp, "content": content_digest,
                 "result": plain}
        path = self._entry_path(job)
        try:
            self._prepare()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            atomic_write.write_text(path, json.dumps(entry, separators=(",", ":")))
        except OSError as error:  # read-only, full or foreign-owned directory
            self.enabled = False
            self._warn(f"cannot write the cache in {self.directory} ({error.strerror or error}); "
                       "continuing without it")

    def _prepare(self) -> None:
        """Create the directory with its tag and a `.gitignore` that keeps it out of version control."""
        if self._ready:
            return
        os.makedirs(self.directory, exist_ok=True)
        for name, text in ((TAG_NAME, TAG), (".gitignore", "# Created by skewlint automatically.\n*\n")):
            target = os.path.join(self.directory, name)
            if not os.path.exists(target):
                atomic_write.write_text(target, text)  # another run may be creating it at the same moment
        self._ready = True

    def _entry_path(self, job) -> str:
        key = hashlib.sha256(
            json.dumps([os.path.abspath(job.path), job.display, self._settings_key(job)]).encode()
        ).hexdigest()
        return os.path.join(self.directory, "entries", key[:2], key[2:] + ".json")

    def _settings_key(self, job) -> str:
        """Everything in the settings that could change a file's result: the rules enabled for it,
        and the whole Settings object (options added later for rules are then covered too), and
        whether fixes carry their edits."""
        memo = (id(job.settings), job.enabled, job.edits)
        key = self._settings_keys.get(memo)
        if key is None:
            settings = dataclasses.asdict(job.settings) if dataclasses.is_dataclass(job.settings) else None
            # default=repr: a setting that JSON cannot spell still counts (at worst it never matches)
            key = json.dumps([sorted(job.enabled), _plain(settings), job.edits], sort_keys=True, default=repr)
            self._settings_keys[memo] = key
        return key


def clean(directory: str) -> bool:
    """Remove a cache directory; refuse one that skewlint did not create (a mistyped `--cache-dir`
    must not delete someone's files). Returns whether something was removed."""
    if not os.path.isdir(directory):
        return False
    try:
        with open(os.path.join(directory, TAG_NAME), encoding="utf-8") as handle:
            ours = "skewlint" in handle.read()
    except OSError:
        ours = False
    if not ours:
        raise ValueError(f"{directory} is not a skewlint cache (no skewlint {TAG_NAME}); not removing it")
    import shutil  # `skewlint clean` only

    shutil.rmtree(directory)
    return True


def _code_stamp() -> str:
    """Which code produces the results: versions, and the size and mtime of every installed source
    file of skewlint and its rules (a few dozen stat calls)."""
    import skewlint
    import skewlint.rules

    parts = [str(FORMAT), __version__, sys.version.split()[0], _libcst_version()]
    for package in (skewlint, skewlint.rules):
        root = os.path.dirname(os.path.abspath(package.__file__))
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    stat = os.stat(os.path.join(directory, name))
                    parts.append(f"{os.path.relpath(os.path.join(directory, name), root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _libcst_version() -> str:
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - a missing version only makes the cache more conservative
        return "unknown"


def _plain(value):
    """JSON-able and deterministic: sets sorted (their order varies between processes)."""
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# -- (de)serialization of results: tagged JSON, exact round trip --------------------------------
def _result_to_plain(result: FileResult) -> dict:
    return {
        "parsed": result.parsed,
        "diagnostics": [_encode(d) for d in result.diagnostics],
        "summary": _encode(getattr(result, "summary", None)),
        "dependencies": dict(result.dependencies),
        "unknown_suppressions": _encode(result.unknown_suppressions),
    }


def _result_from_plain(plain: dict, display: str) -> FileResult:
    result = FileResult(display, [_decode(d) for d in plain["diagnostics"]], parsed=plain["parsed"],
                        dependencies=dict(plain["dependencies"]),
                        unknown_suppressions=_decode(plain.get("unknown_suppressions", [])))
    if any(field.name == "summary" for field in dataclasses.fields(FileResult)):
        result.summary = _decode(plain["summary"])  # type: ignore[attr-defined]
    return result


def _encode(value):
    if isinstance(value, Location):
        return {"@loc": [value.row, value.column]}
    if isinstance(value, Diagnostic):
        return {"@diag": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"@tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"cannot cache a dict with {type(next(k for k in value if not isinstance(k, str))).__name__} keys")
        return {"@dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, (set, frozenset)):
        return {"@set" if isinstance(value, set) else "@frozenset": sorted((_encode(v) for v in value), key=repr)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value):
    if isinstance(value, dict):
        (tag, inner), = value.items()
        if tag == "@loc":
            return Location(*inner)
        if tag == "@diag":
            return Diagnostic(**{k: _decode(v) for k, v in inner.items()})
        if tag == "@tuple":
            return tuple(_decode(v) for v in inner)
        if tag == "@dict":
            return {k: _decode(v) for k, v in inner.items()}
        if tag in ("@set", "@frozenset"):
            return (set if tag == "@set" else frozenset)(_decode(v) for v in inner)
        raise ValueError(f"unknown tag {tag}")
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
