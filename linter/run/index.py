"""The project index: what the other files of a project tell the file being linted.

`from models import Net` names a class of the project's `models.py`; `from engine import evaluate`
a function of `engine.py`. Their summaries (plain data: `semantic/exports.py`) say whether `Net` is
a mode-dependent model and what `evaluate` does to the mode of each parameter, so that
`model = Net()` is a model in training mode and `evaluate(model, loader)` is an evaluation, even
though the class and the function are out of the linted file's sight.

Modules are resolved as Python resolves them for a project: relative imports from the importing
file's package; absolute ones from the importing file's directory, the project root (the nearest
ancestor holding `.git`, `pyproject.toml`, `setup.py`, `setup.cfg` or `skewlint.toml`) and its
`src/`. A module that is not a file of the project (a pip dependency) stays unknown: nothing is
guessed from a name.

A summary is made from its file alone (its star imports resolved), so it never depends on which
files were analysed before it (import cycles, `--jobs`, the order pre-commit passes files); what it
names in other files (a base class, the class of a returned model) the importer resolves through
their summaries. Each is computed once per process and content (keyed by the bytes' digest, so a
language server sees edits): from the file's own lint when the runner lints it first, else from a
parse of its own. A file's result records the digests of the files whose summaries it used, so its
cache entry is reused only while they are unchanged.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import Dict, List, Optional, Tuple

_ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "skewlint.toml")
# Packages taken as never being project modules, to save the stats of looking (a project file of
# the same name would shadow them; names projects use for their own files, like `datasets`, are not here).
_LIBRARIES = frozenset({
    "torch", "torchvision", "torchaudio", "tensorflow", "keras", "jax", "flax", "optax", "numpy", "scipy",
    "sklearn", "pandas", "timm", "transformers", "diffusers", "lightning", "pytorch_lightning", "albumentations",
    "cv2", "PIL", "matplotlib", "os", "sys", "math", "random", "json", "re", "collections", "typing", "functools",
    "itertools", "argparse", "logging", "time", "pathlib", "copy", "tqdm", "seaborn", "accelerate",
})
_MAX_DEPTH = 8  # re-exports followed (`__init__.py` importing from a submodule), and base classes
_MAX_BYTES = 2 * 2**20


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Index:
    """The summaries of the project files this process has seen, by absolute path and content."""

    def __init__(self) -> None:
        self._summaries: Dict[str, Tuple[str, Optional[dict]]] = {}
        self._roots: Dict[str, str] = {}
        self._busy: set = set()  # files being summarized: an import cycle reads them as unknown
        self._path_entries: Dict[tuple, List[str]] = {}
        # Files this process lints later (`expect`); the module parsed to summarize one of them
        # early (an import cycle) is kept until its lint takes it: one parse per file per run.
        self._expected: set = set()
        self._parsed: Dict[str, tuple] = {}

    def remember(self, path: str, content_digest: str, summary: Optional[dict]) -> None:
        """The summary of a file just linted: an importer linted later in this process reuses it."""
        self._summaries[os.path.abspath(path)] = (content_digest, summary)

    def expect(self, paths) -> None:
        self._expected = {os.path.abspath(p) for p in paths}
        self._parsed.clear()

    def parsed(self, path: str, text: str):
        """The module of `path` parsed from this `text` to summarize it, if there is one (once)."""
        self._expected.discard(path)
        kept = self._parsed.pop(path, None)
        return kept[1] if kept is not None and kept[0] == text else None

    def summary(self, path: str) -> Tuple[Optional[str], Optional[dict]]:
        """(digest, summary) of a project file; (None, None) if it cannot be read, and a None
        summary if it cannot be parsed or is being summarized (an import cycle)."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(_MAX_BYTES + 1)
        except OSError:
            return None, None
        if len(data) > _MAX_BYTES:
            return None, None
        content = digest(data)
        known = self._summaries.get(path)
        if known is not None and known[0] == content:
            return known
        if path in self._busy:
            return content, None
        self._busy.add(path)
        try:
            summary = _summarize(data, path, self)
        finally:
            self._busy.discard(path)
        self._summaries[path] = (content, summary)
        return content, summary

    def root(self, directory: str) -> str:
        found = self._roots.get(directory)
        if found is None:
            found = directory
            current = directory
            while True:
                if any(os.path.exists(os.path.join(current, marker)) for marker in _ROOT_MARKERS):
                    found = current
                    break
                parent = os.path.dirname(current)
                if parent == current:
                    break
                current = parent
            self._roots[directory] = found
        return found

    def path_entries(self, path: str) -> List[str]:
        """The relative directories a file adds to `sys.path` with literal strings."""
        try:
            key = (path, os.stat(path).st_mtime_ns)  # an editor's server sees the file change
            found = self._path_entries.get(key)
            if found is None:
                with open(path, "rb") as handle:
                    entries = [m.group(1).decode("utf-8", "replace") for m in _SYS_PATH.finditer(handle.read(_MAX_BYTES))]
                found = self._path_entries[key] = [e for e in entries if not os.path.isabs(e)]
        except OSError:
            return []
        return found

    def view(self, path: str) -> "ProjectView":
        return ProjectView(self, os.path.abspath(path))


class ProjectView:
    """The index as one file sees it: its imports resolved from where it is."""

    def __init__(self, index: Index, path: str):
        self.index = index
        self.path = path
        self.used: Dict[str, str] = {}  # path -> digest of every project file whose summary was read
        self._found: Dict[tuple, Optional[Entry]] = {}

    def lookup(self, qualname: Optional[str], kind: str, star_modules=()) -> Optional["Entry"]:
        """The class or function (`kind`) a qualified name (`models.Net`, `.engine.evaluate`) or a
        star-imported bare name denotes in the project, or None."""
        if not qualname:
            return None
        memo = (qualname, kind)
        if memo not in self._found:
            self._found[memo] = self._lookup(qualname, kind, star_modules)
        return self._found[memo]

    def _lookup(self, qualname: str, kind: str, star_modules) -> Optional["Entry"]:
        if "." not in qualname.lstrip("."):
            for module in star_modules:
                found = self._find(self.path, f"{module}.{qualname}", kind, 0)
                if found is not None:
                    return found
            return None
        return self._find(self.path, qualname, kind, 0)

    def method(self, base: str, name: str, star_modules=()) -> Optional["Entry"]:
        """The method `name` that a class deriving from `base` (a class of another project file)
        inherits: from that class or, through the bases its file names, from theirs."""
        entry = self.lookup(base, "classes", star_modules)
        for depth in range(_MAX_DEPTH):
            if entry is None:
                return None
            found = entry.data.get("methods", {}).get(name)
            if found is not None:
                return Entry("functions", f"{entry.name}.{name}", entry.path, found)
            entry = next(filter(None, (self.resolve(entry.path, b, "classes", depth + 1)
                                       for b in entry.data["bases"])), None)
        return None

    def _find(self, importer: str, qualname: str, kind: str, depth: int) -> Optional["Entry"]:
        if depth > _MAX_DEPTH:
            return None
        dots = len(qualname) - len(qualname.lstrip("."))
        parts = qualname[dots:].split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self._module(importer, "." * dots + ".".join(parts[:cut]))
            if path is not None:
                return self._in_module(path, parts[cut:], kind, depth)
        return None

    def _module(self, importer: str, module: str) -> Optional[str]:
        """The project file of a module (`models`, `.engine`, `pkg.sub`) imported by `importer`."""
        dots = len(module) - len(module.lstrip("."))
        parts = module[dots:].split(".") if module[dots:] else []
        if not dots and parts[0] in _LIBRARIES:
            return None
        directory = os.path.dirname(importer)
        if dots:
            for _ in range(dots - 1):
                directory = os.path.dirname(directory)
            bases = [directory]
        else:
            root = self.index.root(directory)
            bases = list(dict.fromkeys([directory, root, os.path.join(root, "src")]))
        for base in bases:
            found = _module_file(base, parts)
            if found is not None:
                return found
        if not dots:  # `sys.path.insert(1, "./preprocessing")` in the importer, from the root or its directory
            for entry in self.index.path_entries(importer):
                for base in dict.fromkeys([os.path.join(root, entry), os.path.join(directory, entry)]):
                    found = _module_file(os.path.normpath(base), parts)
                    if found is not None:
                        return found
        return None

    def _inherited(self, entry: "Entry", depth: int) -> "Entry":
        """What a class's summary, made from its file alone, could not tell: a class deriving from a
        model class of another project file is a model (mode-dependent, as models are); a model
        whose only unknown layers are mode-free classes of other project files is mode-free."""
        if entry.kind != "classes":
            return entry
        data = entry.data
        if not data["model"]:
            for base in data["bases"]:
                found = self.resolve(entry.path, base, "classes", depth + 1)
                if found is not None and found.data["model"]:
                    data = {**data, "model": True, "framework": found.data["framework"], "mode_free": False,
                            "unknown_layers": []}
                    return Entry(entry.kind, entry.name, entry.path, data)
            return entry
        unknown = data.get("unknown_layers")
        if unknown and all(self._mode_free(entry.path, name, depth + 1) for name in unknown):
            return Entry(entry.kind, entry.name, entry.path, {**data, "mode_free": True, "unknown_layers": []})
        return entry

    def _mode_free(self, path: str, name: str, depth: int) -> bool:
        found = self.resolve(path, name, "classes", depth)
        if found is not None:
            return found.data["mode_free"]
        # A helper function the model calls (`seq_lengths(x)`): no layer, unless it builds one.
        function = self.resolve(path, name, "functions", depth)
        return function is not None and function.data.get("layer_free", False)

    def resolve(self, path: str, qualname: str, kind: str, depth: int = 0) -> Optional["Entry"]:
        """A name as the project file at `path` uses it: a qualified name it imports, a name it
        defines, or one of its star imports."""
        if depth > _MAX_DEPTH or not qualname:
            return None
        if "." in qualname.lstrip("."):
            return self._find(path, qualname, kind, depth)
        content, summary = self.index.summary(path)
        if summary is None:
            return None
        self.used[path] = content
        if qualname in summary[kind]:
            return self._inherited(Entry(kind, qualname, path, summary[kind][qualname]), depth)
        return next((e for e in (self._find(path, f"{m}.{qualname}", kind, depth + 1) for m in summary["star"])
                     if e is not None), None)

    def star_aliases(self, module: str, importer: Optional[str] = None, depth: int = 0) -> Dict[str, str]:
        """The library names a `from module import *` of the project brings (`nn` -> `torch.nn`)."""
        path = self._module(importer or self.path, module) if depth <= _MAX_DEPTH else None
        if path is None:
            return {}
        content, summary = self.index.summary(path)
        if summary is None:
            return {}
        self.used[path] = content
        self.used.update(summary["uses"])
        found = {}
        for inner in summary["star"]:
            found.update(self.star_aliases(inner, path, depth + 1))
        found.update({name: target for name, target in summary["imports"].items() if not target.startswith(".")})
        return found

    def _in_module(self, path: str, names: List[str], kind: str, depth: int) -> Optional["Entry"]:
        content, summary = self.index.summary(path)
        if content is None:
            return None
        self.used[path] = content
        if summary is None:
            return None
        self.used.update(summary["uses"])
        name, rest = names[0], names[1:]
        if rest:  # `pkg.sub.Net` where `pkg/__init__.py` imports `sub`: follow the module
            target = summary["imports"].get(name)
            return self._find(path, ".".join([target, *rest]), kind, depth + 1) if target else None
        entry = summary[kind].get(name)
        if entry is not None:
            return self._inherited(Entry(kind, name, path, entry), depth)
        target = summary["imports"].get(name)
        if target is not None:
            return self._find(path, target, kind, depth + 1)
        for module in summary["star"]:
            found = self._find(path, f"{module}.{name}", kind, depth + 1)
            if found is not None:
                return found
        return None

    def found(self) -> List[str]:
        """What the file's lookups found, one line each, for `skewlint inspect`."""
        lines = []
        for (qualname, _), entry in sorted(self._found.items(), key=lambda item: item[0]):
            if entry is not None:
                lines.append(f"`{qualname}`: {entry.describe(self)}")
        return lines

    def relative(self, path: str) -> str:
        try:
            return os.path.relpath(path, self.index.root(os.path.dirname(self.path)))
        except ValueError:  # another drive (Windows)
            return path


_SYS_PATH = re.compile(rb"""sys\.path\.(?:insert\([ \t]*\d+[ \t]*,|append\()[ \t]*[rRuU]?['"]([^'"\n]+)['"][ \t]*\)""")
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w., \t]*)|import[ \t]+([\w., \t]+))",
                     re.MULTILINE)


def _module_file(base: str, parts: List[str]) -> Optional[str]:
    stem = os.path.join(base, *parts)
    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")) if parts else (
            os.path.join(base, "__init__.py"),):
        if os.path.isfile(candidate):
            return candidate
    return None


def imported_files(path: str, data: bytes) -> List[str]:
    """The project files a file imports, found by a scan of its import statements (no parse): the
    runner lints them first, so that their summaries are ready when the importer asks."""
    view = INDEX.view(path)
    found = []
    for match in _IMPORT.finditer(data):
        if match.group(3) is not None:
            modules = [m.split()[0] for m in match.group(3).decode("ascii", "replace").split(",") if m.strip()]
        else:
            module = match.group(1).decode("ascii", "replace")
            names = [n.split()[0] for n in match.group(2).decode("ascii", "replace").split(",") if n.strip()]
            modules = [module] + [f"{module}.{n}" if module.rstrip(".") else module + n for n in names]
        for module in modules:
            target = view._module(view.path, module) if module.strip(".") else None
            if target is not None:
                found.append(target)
    return found


class Entry:
    """A class or function of another project file: its summary and where it is."""

    __slots__ = ("kind", "name", "path", "data")

    def __init__(self, kind: str, name: str, path: str, data: dict):
        self.kind, self.name, self.path, self.data = kind, name, path, data

    def where(self, view: ProjectView) -> str:
        return f"{view.relative(self.path)}:{self.data['line']}"

    def describe(self, view: ProjectView) -> str:
        data = self.data
        if self.kind == "classes":
            what = "not a model" if not data["model"] else (
                "a model without mode-dependent layers" if data["mode_free"] else "a model with mode-dependent layers")
            return f"class `{self.name}` at `{self.where(view)}`, {what}"
        facts = [f"evaluates `{k}` ({v})" for k, v in data.get("evaluates", {}).items()]
        facts += [f"trains `{k}`" for k in data.get("trains", {})]
        facts += [f"leaves `{k}` {'/'.join(m.upper() for m in v)}" for k, v in data.get("exit", {}).items()]
        returned = data.get("returns")
        if returned is not None:
            facts.append(f"returns a `{returned['class']}`" if "class" in returned else
                         f"returns a model in {returned['mode'].upper()} mode")
        return f"function `{self.name}` at `{self.where(view)}`" + (": " + "; ".join(facts) if facts else "")


def _summarize(data: bytes, path: str, index: Index) -> Optional[dict]:
    """Parse a project file that is imported but not (yet) linted in this process, and summarize it."""
    from skewlint.run import engine, nesting
    from skewlint.run.source import SourceError, decode

    try:
        text = decode(data).text
    except SourceError:
        return None
    if nesting.too_deep(text):
        return None
    try:
        module = engine._parse(text)
    except Exception:  # noqa: BLE001 - a file that does not parse tells nothing
        return None
    from skewlint.semantic.exports import exports
    from skewlint.semantic.model import build_local

    if path in index._expected:
        index._parsed[path] = (text, module)
    try:
        return exports(build_local(module, path, index.view(path)), text)
    except RecursionError:
        return None


INDEX = Index()  # one per process: a worker keeps its summaries for the run
