"""The per-file semantic model: one walk of the parsed module records what rules ask about.

Layers (ARCHITECTURE.md): imports (`imports.py`), adapters (`skewlint.adapters`), values (which names
hold models), and the index of classes, functions, calls and statements that the rules query.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, cast, FrozenSet, List, Optional, Set, Tuple

from skewlint.lazy import libcst as cst

from skewlint.adapters import PRETRAINED_NON_MODELS, framework_of, has_role
from skewlint.semantic.imports import Imports
from skewlint.semantic.names import argument, dotted, is_builtin, keyword, mentions
from skewlint.semantic.walk import descendants, fields, forget

if TYPE_CHECKING:  # built on first use, from the model
    from skewlint.semantic.pipelines import Pipelines
    from skewlint.semantic.state import Analysis

# Methods that return the module they are called on (so `Net().to(device)` is the same model).
SAME_MODULE_METHODS = frozenset(
    {"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "eval", "train", "requires_grad_",
     "to_empty", "share_memory"}
)
# Methods whose call marks the receiver as a model (ARCHITECTURE.md, "Model").
MODEL_METHODS = frozenset(
    {"eval", "train", "load_state_dict", "parameters", "named_parameters", "state_dict",
     "modules", "named_modules", "children", "named_children", "requires_grad_"}
)


_NO_SCOPE = object()


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    bases: List[str]  # qualified names where imported, dotted text otherwise
    is_model: bool = False
    framework: str = ""  # of the model base it derives from ("" for a local chain of unknown bases)


@dataclass(eq=False)
class FunctionInfo:
    node: cst.FunctionDef
    name: str
    cls: Optional[ClassInfo]
    parent: Optional["FunctionInfo"]
    params: List[str] = field(default_factory=list)
    decorators: List[str] = field(default_factory=list)  # qualified names or dotted text
    tested: Set[str] = field(default_factory=set)  # the names its (and nested code's) `if`/`while` tests read

    @property
    def is_method(self) -> bool:
        return self.cls is not None and self.parent is None


@dataclass(eq=False)
class Site:
    """A node of interest with where it sits: its function, its statement, enclosing `if` tests."""

    node: cst.CSTNode
    function: Optional[FunctionInfo]
    statement: cst.CSTNode
    guards: Tuple[cst.CSTNode, ...] = ()
    qualname: Optional[str] = None  # for calls: the callee's qualified name if imported
    value: Optional[cst.BaseExpression] = None  # for assignments: the value assigned


def mode_set_by(call: cst.Call, method: str) -> str:
    """The mode `model.eval()` / `model.train(flag)` sets: "eval", "train" or "unknown" (a flag)."""
    if method == "eval":
        return "eval"
    flag = argument(call, 0, "mode")
    if flag is None or (type(flag) is cst.Name and flag.value == "True"):
        return "train"
    return "eval" if type(flag) is cst.Name and flag.value == "False" else "unknown"


_CLOSING = {"(": ")", "[": "]", "{": "}"}


def shortened(text: str, limit: int = 40) -> str:
    """`text`'s first line within `limit` characters; when cut, `...` and the brackets it left open
    closed (`T.Compose([` becomes `T.Compose([...])`), so a message never quotes unbalanced code."""
    first = text.split("\n")[0].rstrip()
    if first == text and len(text) <= limit:
        return text
    cut = first if len(first) <= limit - 3 else first[:limit - 3]
    opened: List[str] = []
    quote = None
    for index, char in enumerate(cut):
        if quote is not None:
            quote = None if char == quote else quote
        elif char == "#":  # a comment inside the brackets: not code
            cut = cut[:index].rstrip()
            break
        elif char in "'\"":
            quote = char
        elif char in _CLOSING:
            opened.append(_CLOSING[char])
        elif opened and char == opened[-1]:
            opened.pop()
    return cut + "..." + (quote or "") + "".join(reversed(opened))


@dataclass(eq=False)
class SemanticModel:
    module: cst.Module
    path: str
    imports: Imports = field(default_factory=Imports)
    classes: Dict[cst.ClassDef, ClassInfo] = field(default_factory=dict)
    functions: List[FunctionInfo] = field(default_factory=list)
    function_names: Set[str] = field(default_factory=set)
    calls: List[Site] = field(default_factory=list)
    expression_statements: List[Site] = field(default_factory=list)
    attribute_assignments: List[Site] = field(default_factory=list)
    # name -> value expressions assigned to it (simple names and `self.x`), for value tracking
    assignments: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    model_names: Set[str] = field(default_factory=set)
    # id(assigned value) -> how many calls precede it in the source: orders assignments among calls
    assigned_at: Dict[int, int] = field(default_factory=dict)
    # id(assigned value) -> its rank among the file's assignments (names and attributes), in source order
    assign_order: Dict[int, int] = field(default_factory=dict)
    # id(value of an `=` assignment) -> the function whose body binds it (None: the module body; a
    # class body: _NO_SCOPE)
    value_scopes: Dict[int, object] = field(default_factory=dict)
    # id(value of an `=` assignment, or iterable of a `for`) -> id of the statement whose block holds it
    blocks: Dict[int, int] = field(default_factory=dict)
    # id(iterable of a `for`) -> (how many assignments precede it, its function): with `blocks`, which
    # binding of a reused name the loop reads
    loop_reads: Dict[int, Tuple[int, Optional[FunctionInfo]]] = field(default_factory=dict)
    # Classes and functions defined in code that does not parse (a notebook's exercise cells): they
    # exist, but nothing is known of them, so no finding may rest on what they are.
    unreadable: FrozenSet[str] = frozenset()
    # name -> (position, count, value) of each unpacking that binds it: `a, b = value`
    unpacked: Dict[str, List[Tuple[int, int, cst.BaseExpression]]] = field(default_factory=dict)
    # name -> values added with `+=` (lists of layers built step by step)
    augmented: Dict[str, List[cst.BaseExpression]] = field(default_factory=dict)
    # `(x - a) / b` expressions: hand-written normalization candidates
    standardizations: List[cst.BinaryOperation] = field(default_factory=list)
    # statement -> the calls directly in it (for compound statements: in its header)
    calls_by_statement: Dict[cst.CSTNode, List[Site]] = field(default_factory=dict)
    # function (None: the module body) -> its `return` statements
    returns: Dict[Optional[FunctionInfo], List[cst.Return]] = field(default_factory=dict)
    # The project index as this file sees it (classes and functions of other project files), or None
    # (`attach`); `stars` resolves `from module import *` of project modules at build time.
    project: Any = None  # run.index.ProjectView: semantic/ may not import run/, so not named here
    stars: Any = None
    mode_receivers: Set[str] = field(default_factory=set)
    _analysis: Optional["Analysis"] = None
    _order: Optional[Dict[int, int]] = None
    _built: Dict[int, Optional[Tuple[str, str, cst.Call]]] = field(default_factory=dict)  # construction() per value node
    _pipelines: Optional["Pipelines"] = None
    _by_function: Optional[Dict[Optional[FunctionInfo], List[Site]]] = None
    # qualify() per node once the imports are all known (None while the builder walks: an import
    # further down may still name a node's head); the node is kept so that its id stays its own.
    _qualified: Optional[Dict[int, Tuple[Optional[cst.CSTNode], Optional[str]]]] = None
    cache: Dict[str, object] = field(default_factory=dict)  # memos of the rules' whole-file queries
    silenced: Optional[List[Tuple[str, cst.CSTNode, str]]] = None  # `inspect --candidates`: (code, node, why) of findings held back

    @property
    def pipelines(self) -> Pipelines:
        """The pipeline model (transforms, random steps, data roles), built on first use."""
        if self._pipelines is None:
            from skewlint.semantic.pipelines import Pipelines

            self._pipelines = Pipelines(self)
        return self._pipelines

    def assigned_name(self, site: Site, anywhere: bool = False) -> Optional[str]:
        """The name a call's value is bound to: `val_loader = DataLoader(CIFAR10(...))` gives
        `val_loader` for both calls. With `anywhere`, the call may sit anywhere in the assigned
        value (`val_tf = Compose([..., Normalize(...)])`), not only in its chain of calls."""
        statement = site.statement
        if type(statement) is not cst.SimpleStatementLine:
            return None
        for small in statement.body:
            if type(small) is cst.Assign or type(small) is cst.AnnAssign:
                value = small.value
                if value is None:
                    continue
                inside = any(n is site.node for n in descendants(value)) if anywhere else _within(site.node, value)
                if inside:
                    return dotted(small.targets[0].target if isinstance(small, cst.Assign) else small.target)
        return None

    @property
    def analysis(self) -> Analysis:
        """The flow-sensitive analysis (mode, grad, contexts), computed once and shared by rules."""
        if self._analysis is None:
            from skewlint.semantic.state import analyse

            self._analysis = analyse(self)
        return self._analysis

    def release(self) -> None:
        """Drop what refers back to this model (its analysis, its pipelines, the rules' memos) and
        the walks kept of its tree (`walk.forget`): the file's tree is then freed when the file is
        done, not left to the cyclic collector."""
        self._analysis = self._pipelines = None
        self.cache.clear()
        forget()

    def snippet(self, node: cst.CSTNode) -> str:
        """How the code writes a value, for messages: `scaler`, `StandardScaler()`, `T.Compose([...])`
        (a value written over several lines or longer than 40 characters is cut, its brackets closed)."""
        return shortened(self.module.code_for_node(node))

    def inherited(self, name: str, cls: Optional[ClassInfo]) -> Optional[FunctionInfo]:
        """The method `name` of `cls` or of the first of its bases this file defines, and so on up."""
        while cls is not None:
            method = self.function_named(name, cls)
            if method is not None:
                return method
            cls = next((self.local_class(b) for b in cls.bases if self.local_class(b)), None)
        return None

    def function_named(self, name: str, cls: Optional[ClassInfo] = None) -> Optional[FunctionInfo]:
        for info in self.functions:
            if info.name == name and info.cls is cls and info.parent is None:
                return info
        return None

    def bindings_in(self, name: str, scope: Optional[FunctionInfo]) -> List[cst.BaseExpression]:
        """The values `name` is bound to in `scope` (a function, None for the module body) when that
        scope binds it, else everywhere in the file (names are per file, scopes are not)."""
        values = self.assignments.get(name, ())
        if len(values) < 2:
            return list(values)
        local = [v for v in values if self._scope_of(v) is scope]
        return local or list(values)

    def is_global(self, name: str) -> bool:
        """Is `name` bound by the module body only (a global that functions read)?"""
        values = self.assignments.get(name, ())
        return bool(values) and all(self._scope_of(v) is None for v in values)

    def bound_before(self, name: Optional[str], at: Optional[int]) -> List[cst.BaseExpression]:
        """The last value `name` is bound to before the assignment ranked `at` in `assign_order` (a
        notebook reuses names); every value when there is none or `at` is unknown."""
        values = self.assignments.get(name or "", ())
        earlier = [v for v in values if at is not None and self.assign_order.get(id(v), at) < at]
        return earlier[-1:] or list(values)

    def reaching(self, name: str, node: cst.CSTNode) -> List[cst.BaseExpression]:
        """The values `name` may hold where `node` (a `for` iterable) reads it: those its function
        can see (none for its parameter: the caller decides), and of those the last binding before
        it when that binding sits in the same block (straight-line code: a notebook or a function
        that reuses `loop = tqdm(...)` for training and then validation), else every one."""
        values = self.assignments.get(name, ())
        if id(node) not in self.loop_reads:
            return list(values)
        at, scope = self.loop_reads[id(node)]
        if "." not in name:
            if scope is not None and name in scope.params:
                return []
            values = self.visible_bindings(name, scope)
        if len(values) < 2:
            return list(values)
        earlier = [v for v in values if self.assign_order.get(id(v), at) < at]
        if earlier and self.blocks.get(id(earlier[-1])) == self.blocks[id(node)]:
            return earlier[-1:]
        return list(values)

    def visible_bindings(self, name: str, scope: Optional[FunctionInfo]) -> List[cst.BaseExpression]:
        """The values a plain name is bound to that code in `scope` can see: its own function's,
        the enclosing functions' and the module's (a parameter `x` of one function is not the `x`
        of the module). Dotted names (`self.scaler`) are not filtered."""
        values = self.assignments.get(name, ())
        if "." in name:
            return list(values)
        scopes: Set[Optional[FunctionInfo]] = {None}
        while scope is not None:
            scopes.add(scope)
            scope = scope.parent
        return [v for v in values if self._scope_of(v) in scopes]

    def _scope_of(self, value: cst.CSTNode) -> object:
        """The function (None: the module body) whose assignment binds `value`."""
        return self.value_scopes.get(id(value), _NO_SCOPE)

    def silence(self, code: str, node: cst.CSTNode, why: str) -> None:
        """A rule held a finding back for this reason (recorded only for `inspect --candidates`)."""
        if self.silenced is not None:
            self.silenced.append((code, node, why))

    def calls_in(self, function: Optional[FunctionInfo]) -> List[Site]:
        """The calls directly in a function (None: the module body), in source order."""
        if self._by_function is None:
            grouped: Dict[Optional[FunctionInfo], List[Site]] = {}
            for site in self.calls:
                grouped.setdefault(site.function, []).append(site)
            self._by_function = grouped
        return self._by_function.get(function, [])

    def qualify(self, node: Optional[cst.CSTNode]) -> Optional[str]:
        known = self._qualified
        if known is None:
            return self.imports.qualify(node)
        found = known.get(id(node))
        if found is not None and found[0] is node:
            return found[1]
        name = self.imports.qualify(node)
        known[id(node)] = (node, name)
        return name

    def source_order(self, node: object) -> int:
        """A call's rank in the source (other nodes come after every call): a stable order for
        sets of nodes, whose iteration order follows their hashes and changes from run to run."""
        if self._order is None:
            self._order = {id(site.node): index for index, site in enumerate(self.calls)}
        return self._order.get(id(node), len(self.calls))

    def is_model(self, node: cst.CSTNode) -> bool:
        """Is this expression a model by the evidence of the file (ARCHITECTURE.md, "Model")?"""
        text = dotted(node)
        while text is not None:
            if text in self.model_names:
                return True
            if not text.endswith(".module"):
                return False
            text = text[: -len(".module")]
        return False

    def is_model_value(self, value: cst.CSTNode) -> bool:
        """Does this expression produce a model: a factory, a model class, a wrapper, an alias?"""
        source = self._model_source(value)
        return source is True or (source is not None and self.is_model(source))

    def _model_source(self, value: cst.CSTNode) -> Any:
        """What decides whether `value` produces a model: True (it builds one), None (it cannot), or
        the expression it passes on (an alias, a wrapper's argument, the receiver of `.to(device)`),
        which is a model if the file's evidence says so."""
        if self.construction(value) is not None:
            return True
        if type(value) is cst.Call:
            func = value.func
            if has_role(self.qualify(func), "model-wrapper") and value.args:
                return self._model_source(value.args[0].value)
            if type(func) is cst.Attribute and func.attr.value in SAME_MODULE_METHODS:
                return self._model_source(func.value)
            return None
        return value

    def construction(self, value: Optional[cst.CSTNode]) -> Optional[Tuple[str, str, cst.Call]]:
        """(mode, framework, call) if `value` builds a new model: a factory or a model class (asked
        many times of the same values: computed once each)."""
        key = id(value)
        if key not in self._built:
            self._built[key] = self._construction(value)
        return self._built[key]

    def _construction(self, value: Optional[cst.CSTNode]) -> Optional[Tuple[str, str, cst.Call]]:
        """(mode, framework, call) if `value` builds a new model: a factory or a model class.

        `from_pretrained` gives an EVAL model (HuggingFace and timm-style loaders do); the rest TRAIN.
        Wrappers (`DDP(...)`, `torch.compile(...)`) and `.to()`/`.cuda()`/`.eval()` chains are looked
        through; the outermost `.eval()`/`.train()` decides the mode.
        """
        mode = None
        while type(value) is cst.Call:
            func = value.func
            if type(func) is cst.Attribute and func.attr.value in SAME_MODULE_METHODS and \
                    type(func.value) is cst.Call:
                if mode is None and func.attr.value in ("eval", "train"):
                    mode = mode_set_by(value, func.attr.value)
                value = func.value
            elif has_role(self.qualify(func), "model-wrapper") and value.args:
                value = value.args[0].value
            elif (inner := self._passed_through(value)) is not None:  # `gpu(Net())`: a helper returning `net.cuda()`
                value = inner
            else:
                break
        if type(value) is not cst.Call:
            return None
        func = value.func
        qualname = self.qualify(func)
        built = None
        if has_role(qualname, "eval-model-factory"):
            built = ("eval", framework_of(qualname))
        elif type(func) is cst.Attribute and func.attr.value == "from_pretrained":
            owner = (dotted(func.value) or "").rsplit(".", 1)[-1]
            if any(word in owner for word in PRETRAINED_NON_MODELS):
                return None  # tokenizers, processors, configs
            built = ("eval", framework_of(qualname) or "transformers")
        elif has_role(qualname, "model-factory"):
            built = ("train", framework_of(qualname))
        elif type(func) is cst.Name and self.local_class(func.value) is not None:
            local = self.local_class(func.value, models_only=True)
            if local is not None:
                built = ("train", local.framework or "torch")
        elif self.project is not None:
            entry = self.project_entry(func, "classes")
            if entry is not None and entry.data["model"]:
                built = ("train", entry.data["framework"] or "torch")
            elif entry is None:
                entry = self.project_entry(func, "functions")
                returned = entry.data.get("returns") if entry is not None else None
                if returned is not None and "class" in returned:  # `return UNet()`, UNet imported there
                    cls = self.project.resolve(entry.path, returned["class"], "classes")
                    if cls is not None and cls.data["model"]:
                        built = ("train", cls.data["framework"] or "torch")
                elif returned is not None:
                    built = (returned["mode"], returned["framework"])
        if built is None:
            return None
        return (mode or built[0], built[1], value)

    def _passed_through(self, call: cst.Call) -> Optional[cst.BaseExpression]:
        """The first argument of a call of a function of this file that returns it (through
        `.cuda()`, `.to(device)` and the like) on every path, else None."""
        if type(call.func) is not cst.Name or not call.args or call.args[0].keyword or call.args[0].star:
            return None
        info = self.function_named(call.func.value)
        returns = self.returns.get(info, ()) if info is not None and info.params else ()
        if not returns or info is None:
            return None
        for node in returns:
            value = same_model(node.value)
            if type(value) is not cst.Name or value.value != info.params[0]:
                return None
        return call.args[0].value

    def project_entry(self, func: cst.BaseExpression, kind: str) -> Any:
        """The class or function of another project file that `func` (a name or attribute chain)
        denotes, or None: not imported from the project, or not found there."""
        if self.project is None:
            return None
        qualname = self.qualify(func)
        if qualname is None:
            if type(func) is not cst.Name or not self.imports.star_modules or func.value in self.function_names:
                return None
            qualname = func.value  # perhaps from a `from module import *`
        return self.project.lookup(qualname, kind, self.imports.star_modules)

    def origin(self, call: cst.Call) -> str:
        """Where a class or function of another project file that `call` calls is defined, for messages."""
        for kind in ("classes", "functions"):
            entry = self.project_entry(call.func, kind)
            if entry is not None:
                return f" (`{entry.name}` from `{entry.where(self.project)}`)"
        return ""

    def mode_free(self, call: cst.Call) -> bool:
        """Is the model built by `call` free of mode-dependent layers (no dropout, no BatchNorm), so
        that its train/eval mode cannot change results? Unknown code counts as mode-dependent."""
        if self.qualify(call.func) == "torch.nn.Sequential":
            layers = []
            for arg in call.args:
                if arg.star == "*" and type(arg.value) is cst.Name:
                    items = self.list_items(arg.value.value)
                    if items is None:
                        return False
                    layers += items
                elif arg.star:
                    return False
                else:
                    layers.append(arg.value)
            layers = [value for layer in layers for value in (
                self.assignments.get(layer.value) or [layer] if type(layer) is cst.Name else [layer])]  # `append(layer)`
            return all(type(layer) is cst.Call and self._layer_mode_free(layer, set()) for layer in layers)
        local = self.local_class(call.func.value) if type(call.func) is cst.Name else None
        if local is not None:
            return self._class_mode_free(local, set())
        if dotted(call.func) in self.unreadable:
            return True  # no claim: its class is defined in code that does not parse (a notebook's blank)
        if (self.qualify(call.func) or "").startswith("torch.nn."):  # a bare layer: `nn.Linear(784, 10)`
            return self._layer_mode_free(call, set())
        entry = self.project_entry(call.func, "classes")
        return entry is not None and entry.data["mode_free"]

    def list_items(self, name: str) -> Optional[List[cst.BaseExpression]]:
        """The elements of a list the file builds from literals (`layers = []`, `layers += [...]`,
        `layers.append(x)`, `layers.extend([...])`), or None if anything else goes into it."""
        items = []
        for value in (*self.assignments.get(name, ()), *self.augmented.get(name, ())):
            if type(value) is not cst.List or any(type(e) is not cst.Element for e in value.elements):
                return None
            items += [e.value for e in value.elements]
        for site in self.calls:
            call = cast(cst.Call, site.node)
            func = call.func
            if type(func) is not cst.Attribute or dotted(func.value) != name:
                continue
            args = call.args
            if func.attr.value in ("append", "insert") and args:
                items.append(args[-1].value)
            elif func.attr.value == "extend" and args and type(args[0].value) is cst.List:
                items += [e.value for e in args[0].value.elements]
            else:
                return None  # another method: what the list holds is not known
        return items

    def _class_mode_free(self, cls: ClassInfo, seen: Set[ClassInfo],
                         unknown: Optional[List[str]] = None) -> bool:
        """Is the class free of mode-dependent layers? With `unknown` (a file's summary), classes of
        other files it builds or derives from are collected there instead of counting as
        mode-dependent: the importer resolves them."""
        if cls in seen:
            return True
        seen.add(cls)
        for base in cls.bases:
            local = self.local_class(base)
            if local is not None and not self._class_mode_free(local, seen, unknown):
                return False
            if local is None and not has_role(base, "mode-free-layer") and base not in self.unreadable and \
                    not self._project_mode_free(base):  # `class RNNLinear(nn.Linear)` adds to a mode-free layer
                if unknown is None or framework_of(base):
                    return False
                unknown.append(base)
        # The layers first: most networks have a mode-dependent one, and the walk below is the cost.
        return all(self._layer_mode_free(cast(cst.Call, site.node), seen, unknown) for site in self.calls
                   if site.function is not None and site.function.cls is cls) and not mentions(cls.node, "training")

    def _layer_mode_free(self, call: cst.Call, seen: Set[ClassInfo],
                         unknown: Optional[List[str]] = None) -> bool:
        qualname = self.qualify(call.func)
        if has_role(qualname, "mode-free-layer") or has_role(qualname, "tensor-constructor") or (
                qualname == "torch.nn.Sequential"):
            return True
        if has_role(qualname, "recurrent-layer"):
            dropout = keyword(call, "dropout")
            return dropout is None or (type(dropout) in (cst.Integer, cst.Float) and float(dropout.value) == 0)
        name = (qualname or dotted(call.func) or "").rsplit(".", 1)[-1]
        if qualname and qualname.startswith("torch.nn.") and not qualname.startswith("torch.nn.functional."):
            return False  # Dropout, BatchNorm and every layer not known to be mode-free
        local = self.local_class(call.func.value) if type(call.func) is cst.Name else None
        if local is not None:
            return self._class_mode_free(local, seen, unknown)
        if qualname is None and type(call.func) is cst.Name and is_builtin(call.func.value) and \
                call.func.value not in self.function_names:
            return True  # `raise ValueError(...)`, `len(...)`: Python's own, no layer
        entry = self.project_entry(call.func, "classes")
        if entry is not None:
            return bool(entry.data["mode_free"])
        reference = qualname or dotted(call.func)
        # Perhaps a class of another project file (any case: `inconv` from `from .unet_parts import *`).
        elsewhere = name[:1].isupper() or (qualname or "").startswith(".") or (
            qualname is None and type(call.func) is cst.Name and bool(self.imports.star_modules)
            and call.func.value not in self.function_names)
        if elsewhere and unknown is not None and reference and not framework_of(reference):
            unknown.append(reference)  # the importer resolves it
            return True
        if reference in self.unreadable:
            return True  # no claim: its definition does not parse
        if name[:1].isupper():
            return False  # an unknown class may be a module with dropout
        return "dropout" not in name.lower() and "batch_norm" not in name.lower()

    def _project_mode_free(self, qualname: str) -> bool:
        entry = self.project.lookup(qualname, "classes", self.imports.star_modules) if self.project else None
        return entry is not None and entry.data["mode_free"]

    def local_class(self, name: str, models_only: bool = False) -> Optional[ClassInfo]:
        for info in self.classes.values():
            if info.name == name and (info.is_model or not models_only):
                return info
        return None


def same_model(value: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """What a chain of calls that return the same model starts from: `net` of `net.cuda().eval()`."""
    while type(value) is cst.Call and type(value.func) is cst.Attribute and value.func.attr.value in SAME_MODULE_METHODS:
        value = value.func.value
    return value


def _within(node: cst.CSTNode, tree: cst.CSTNode) -> bool:
    if node is tree:
        return True
    if type(tree) is cst.Call:
        return any(_within(node, arg.value) for arg in tree.args) or _within(node, tree.func)
    if type(tree) is cst.Attribute:
        return _within(node, tree.value)
    return False


class _Builder:
    """The one walk over the tree that every rule shares (see `walk.py` for why not a CSTVisitor)."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.classes: List[ClassInfo] = []
        self.functions: List[Optional[FunctionInfo]] = [None]
        self.statements: List[cst.CSTNode] = [model.module]
        self.guards: List[cst.BaseExpression] = []
        self.mode_receivers: Set[str] = set()

    # statements --------------------------------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statements.append(node)

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statements.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.statements.append(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.statements.pop()

    def visit_If(self, node: cst.If) -> None:
        self.statements.append(node)
        self.guards.append(node.test)
        self._tested(node.test)

    def leave_If(self, node: cst.If) -> None:
        self.statements.pop()
        self.guards.pop()

    def _compound(self, node: cst.CSTNode) -> None:
        self.statements.append(node)

    def _leave_compound(self, node: cst.CSTNode) -> None:
        self.statements.pop()

    def visit_While(self, node: cst.While) -> None:
        self.statements.append(node)
        self._tested(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._tested(node.test)

    def _tested(self, test: cst.BaseExpression) -> None:
        names = {n.value for n in descendants(test) if type(n) is cst.Name}
        for info in self.functions:
            if info is not None:
                info.tested |= names

    def visit_For(self, node: cst.For) -> None:
        self.model.blocks[id(node.iter)] = id(self.statements[-1])
        self.model.loop_reads[id(node.iter)] = (len(self.model.assign_order), self.functions[-1])
        self.statements.append(node)

    visit_With = visit_Try = visit_TryStar = visit_Match = _compound
    leave_For = leave_While = leave_With = leave_Try = leave_TryStar = leave_Match = _leave_compound

    # scopes ------------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = []
        for arg in node.bases:
            bases.append(self.model.qualify(arg.value) or dotted(arg.value) or "")
        info = ClassInfo(node=node, name=node.name.value, bases=bases)
        self.model.classes[node] = info
        self.classes.append(info)
        self.statements.append(node)
        self.functions.append(None)  # class bodies are not inside the enclosing function

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()
        self.statements.pop()
        self.functions.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.functions[-1]
        # Methods are the functions of a class body (classes reset the function stack to None).
        cls = self.classes[-1] if self.classes and parent is None else None
        params = node.params
        names = [p.name.value for p in (*params.posonly_params, *params.params)]
        if cls is not None and names and not any(
            type(d.decorator) is cst.Name and d.decorator.value == "staticmethod" for d in node.decorators
        ):
            names = names[1:]  # `self` / `cls` is bound by the call
        names += [p.name.value for p in params.kwonly_params]
        decorators = []
        for decorator in node.decorators:
            target = decorator.decorator.func if type(decorator.decorator) is cst.Call else decorator.decorator
            decorators.append(self.model.qualify(target) or dotted(target) or "")
        info = FunctionInfo(node=node, name=node.name.value, cls=cls, parent=parent, params=names,
                            decorators=decorators)
        self.model.functions.append(info)
        self.functions.append(info)
        self.statements.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.statements.pop()

    # sites ---------------------------------------------------------------------------------------
    def walk(self, node: cst.CSTNode) -> None:
        node_type = type(node)
        plan = _PLANS.get(node_type)
        if plan is None:
            plan = _PLANS[node_type] = (_ENTER.get(node_type), fields(node_type), _LEAVE.get(node_type))
        enter, names, leave = plan
        if enter is not None:
            enter(self, node)
        for name in names:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for child in value:
                    child_type = type(child)
                    while child_type in _WRAPPERS:  # an argument, an element: go straight to its value
                        child = getattr(child, _WRAPPERS[child_type])
                        child_type = type(child)
                    walked = _WALKED.get(child_type)
                    if walked or walked is None and _walked(child_type):
                        self.walk(child)
            else:
                while value_type in _WRAPPERS:
                    value = getattr(value, _WRAPPERS[value_type])
                    value_type = type(value)
                walked = _WALKED.get(value_type)
                if walked or walked is None and _walked(value_type):
                    self.walk(value)
        if leave is not None:
            leave(self, node)

    def _site(self, node: cst.CSTNode, qualname: Optional[str] = None,
              value: Optional[cst.BaseExpression] = None) -> Site:
        return Site(node, self.functions[-1], self.statements[-1], tuple(self.guards), qualname, value)

    def visit_Import(self, node: cst.Import) -> None:
        self.model.imports.add(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        imports = self.model.imports
        imports.add(node)
        if type(node.names) is cst.ImportStar and self.model.stars is not None:
            for name, target in self.model.stars.star_aliases(imports.star_modules[-1]).items():
                imports.aliases.setdefault(name, target)

    def visit_Call(self, node: cst.Call) -> None:
        site = self._site(node, self.model.qualify(node.func))
        self.model.calls.append(site)
        self.model.calls_by_statement.setdefault(site.statement, []).append(site)
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in MODEL_METHODS:
            receiver = dotted(func.value)
            if receiver is not None:
                self.mode_receivers.add(receiver)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        left = node.left
        if type(node.operator) is cst.Divide and type(left) is cst.BinaryOperation and type(left.operator) is cst.Subtract:
            self.model.standardizations.append(node)

    def visit_Return(self, node: cst.Return) -> None:
        self.model.returns.setdefault(self.functions[-1], []).append(node)

    def visit_Expr(self, node: cst.Expr) -> None:
        self.model.expression_statements.append(self._site(node))

    def visit_Assign(self, node: cst.Assign) -> None:
        self._scoped(node.value)
        for target in node.targets:
            self._assigned(target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        name = dotted(node.target)
        if name is not None and type(node.operator) is cst.AddAssign:
            self.model.augmented.setdefault(name, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._scoped(node.value)
            self._assigned(node.target, node.value)

    def _scoped(self, value: cst.BaseExpression) -> None:
        # The function stack holds None for the module and for each class body entered.
        scope = self.functions[-1]
        self.model.value_scopes[id(value)] = _NO_SCOPE if scope is None and len(self.functions) > 1 else scope
        self.model.blocks[id(value)] = id(self.statements[-2])  # the stack ends with its own line

    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        self.model.assign_order.setdefault(id(value), len(self.model.assign_order))
        if type(target) is cst.Tuple or type(target) is cst.List:
            elements = target.elements
            for position, element in enumerate(elements):
                name = dotted(element.value)
                if name is not None:
                    self.model.unpacked.setdefault(name, []).append((position, len(elements), value))
            return
        if type(target) is cst.Attribute:
            self.model.attribute_assignments.append(self._site(target, value=value))
        name = dotted(target)
        if name is not None:
            self.model.assignments.setdefault(name, []).append(value)
            self.model.assigned_at[id(value)] = len(self.model.calls)


def _resolve_model_classes(model: SemanticModel) -> None:
    changed = True
    while changed:
        changed = False
        for info in model.classes.values():
            if info.is_model:
                continue
            for base in info.bases:
                local = model.local_class(base, models_only=True)
                if has_role(base, "model-base") or local is not None:
                    info.is_model = changed = True
                    info.framework = local.framework if local is not None else framework_of(base)
                    break
                if model.project is not None and model.local_class(base) is None:
                    entry = model.project.lookup(base, "classes", model.imports.star_modules)
                    if entry is not None and entry.data["model"]:
                        info.is_model = changed = True
                        info.framework = entry.data["framework"]
                        break


def _resolve_model_names(model: SemanticModel, receivers: Set[str]) -> None:
    # A model is a name the file calls mode/weight methods on, or one assigned a model value.
    names = model.model_names
    names |= {name for name in receivers if name != "self"}
    # Only what an assignment passes on (an alias, a wrapped name) depends on the names found: the
    # rest of each value is decided once.
    passed: Dict[str, List[cst.CSTNode]] = {}
    for name, values in model.assignments.items():
        if name not in names:
            sources = [model._model_source(value) for value in values]
            if any(source is True for source in sources):
                names.add(name)
            elif any(source is not None for source in sources):
                passed[name] = [source for source in sources if source is not None]
    changed = True
    while changed:
        changed = False
        for name, sources in passed.items():
            if name not in names and any(model.is_model(source) for source in sources):
                names.add(name)
                changed = True


_ENTER: Dict[type, Callable[["_Builder", Any], None]] = {}  # node type -> the builder's visit_/leave_ method, filled on first build
_LEAVE: Dict[type, Callable[["_Builder", Any], None]] = {}


_WALKED: Dict[type, bool] = {}  # node type -> does the walk enter it? Not leaves no method handles
# node type -> (its visit_ method, its fields, its leave_ method): one lookup per node of the walk
_PLANS: Dict[type, Tuple[Any, Tuple[str, ...], Any]] = {}


def _walked(value_type: type) -> bool:
    walked = issubclass(value_type, cst.CSTNode) and bool(
        fields(value_type) or value_type in _ENTER or value_type in _LEAVE)
    _WALKED[value_type] = walked
    return walked


# Node types that only wrap the one field that can hold code (the others hold names or punctuation).
# A fifth of the walk's nodes are arguments alone; no builder method handles any of these.
_WRAPPERS: Dict[type, str] = {}
_WRAPPED_FIELDS = {"Arg": "value", "Element": "value", "StarredElement": "value", "AssignTarget": "target",
                   "Annotation": "annotation", "SubscriptElement": "slice", "Index": "value",
                   "ComparisonTarget": "comparator", "Decorator": "decorator"}


def _dispatch() -> None:
    for name, method in vars(_Builder).items():
        kind, _, node = name.partition("_")
        if kind in ("visit", "leave") and hasattr(cst, node):
            (_ENTER if kind == "visit" else _LEAVE)[getattr(cst, node)] = method
    for node, wrapped in _WRAPPED_FIELDS.items():
        node_type = getattr(cst, node, None)
        if node_type is not None and node_type not in _ENTER and node_type not in _LEAVE and \
                fields(node_type)[:1] == (wrapped,):  # else (another libcst) the walk enters it
            _WRAPPERS[node_type] = wrapped


def build(module: cst.Module, path: str = "<unknown>", project: Any = None) -> SemanticModel:
    """The file's model; with `project` (a `ProjectView`), with the facts of the project's other files."""
    model = build_local(module, path, project)
    if project is not None:
        attach(model, project)
    return model


def build_local(module: cst.Module, path: str = "<unknown>", stars: Any = None) -> SemanticModel:
    """The model from the file alone (its star imports of project modules resolved by `stars`): what
    its summary for other files is made of, so that a summary never depends on which files were
    analysed before it."""
    if not _ENTER:
        _dispatch()
    model = SemanticModel(module=module, path=path, stars=stars)
    builder = _Builder(model)
    builder.walk(module)
    model._qualified = {}
    model.function_names = {info.name for info in model.functions}
    model.mode_receivers = builder.mode_receivers
    _resolve_model_classes(model)
    _resolve_model_names(model, model.mode_receivers)
    return model


def attach(model: SemanticModel, project: Any) -> None:
    """Add the facts of the project's other files to a model built from its file alone."""
    model.project = project
    model._built.clear()
    model._analysis = model._pipelines = None
    _resolve_model_classes(model)
    _resolve_model_names(model, model.mode_receivers)
