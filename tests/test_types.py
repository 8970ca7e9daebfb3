"""Types: mypy on the public interfaces (strict there, `[tool.mypy]` in pyproject.toml), the role
names every call site uses, and the enums that replaced strings between the semantic model and the
rules."""
import ast
import json

import pytest

from skewlint.adapters import METHOD_ROLES, ROLE_NAMES, has_role, hook_role, method_has_role, names_with_role
from skewlint.semantic.facts import ENTRY, FROM_CALLER, Fact
from skewlint.semantic.kinds import ContextKind, Grad, GradChoice, Mode
from typecheck import ROOT, baseline, compare, errors, run_mypy


@pytest.mark.slow  # starts mypy
def test_mypy_finds_no_new_errors(tmp_path):
    status, output = run_mypy(tmp_path)
    assert "source files" in output, output  # mypy ran (a configuration error reports nothing checked)
    found = errors(output)
    assert status == 0 or found, output
    new, fixed = compare(found, baseline())
    assert not new, "mypy (python tests/typecheck.py):\n" + "\n".join(new)
    assert not fixed, "fixed, remove from tests/data/mypy-baseline.txt:\n" + "\n".join(fixed)


def test_the_baseline_holds_only_model_bodies():
    """Only the bodies that were not to be edited with the annotations may have known errors."""
    assert all(line.startswith("skewlint/semantic/model.py: ") for line in baseline())


# ---- roles ----------------------------------------------------------------------------------------

ROLE_FUNCTIONS = {"has_role": (1, ROLE_NAMES), "names_with_role": (0, ROLE_NAMES),
                  "method_has_role": (1, METHOD_ROLES)}


def _role_arguments(tree):
    """(line, role name or None when it cannot be read) for every call of a role function; a name
    is followed to the tuple of literals a comprehension or loop takes it from."""
    sources = {}  # loop variable -> the literals it iterates over
    for node in ast.walk(tree):
        for target, iterable in ([(g.target, g.iter) for g in node.generators] if hasattr(node, "generators") else
                                 [(node.target, node.iter)] if isinstance(node, ast.For) else []):
            if isinstance(target, ast.Name) and isinstance(iterable, (ast.Tuple, ast.List, ast.Set)):
                sources.setdefault(target.id, []).extend(iterable.elts)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in ROLE_FUNCTIONS or len(node.args) <= ROLE_FUNCTIONS[name][0]:
            continue
        arg = node.args[ROLE_FUNCTIONS[name][0]]
        values = sources.get(arg.id, [None]) if isinstance(arg, ast.Name) else [arg]
        for value in values:
            role = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            yield name, node.lineno, role


SOURCES = sorted([*(ROOT / "linter").rglob("*.py"), *(ROOT / "rules").rglob("*.py")])


def test_every_role_a_call_names_exists():
    """A misspelt role in a call (`has_role(q, "grad_off")`) would only be false; mypy sees the
    Literal type in annotated code, this sees every call."""
    bad, seen = [], 0
    for path in SOURCES:
        for function, line, role in _role_arguments(ast.parse(path.read_text(encoding="utf-8"))):
            if path.name == "__init__.py" and path.parent.name == "adapters":
                continue  # the definitions
            seen += 1
            if role not in ROLE_FUNCTIONS[function][1]:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {function}(..., {role!r})")
    assert seen > 50
    assert not bad, "unknown (or unreadable) role names:\n" + "\n".join(bad)


def test_the_role_scan_reads_literals_and_loops():
    tree = ast.parse("has_role(q, 'grad-of')\nany(has_role(q, r) for r in ('loader', 'split'))\n"
                     "method_has_role(n, ROLE)\n")
    assert sorted(_role_arguments(tree)) == [("has_role", 1, "grad-of"), ("has_role", 2, "loader"),
                                             ("has_role", 2, "split"), ("method_has_role", 3, None)]


def test_an_unknown_role_is_refused_when_called():
    for call in (lambda: has_role("", "grad_off"), lambda: has_role("torch.no_grad", "grad_off"),
                 lambda: names_with_role("model_factory"), lambda: method_has_role("backward", "backward")):
        with pytest.raises(ValueError, match="unknown"):
            call()
    assert has_role("torch.no_grad", "grad-off") and not has_role(None, "grad-off")
    assert method_has_role("backward", "training-step")
    assert hook_role("validation_step", "lightning") == "managed-eval"


# ---- modes, grad states, context kinds ------------------------------------------------------------


def test_the_callers_mode_and_grad_state_are_different_things():
    assert ENTRY is Mode.ENTRY and FROM_CALLER is Grad.FROM_CALLER
    assert ENTRY != FROM_CALLER and FROM_CALLER != "entry" and "entry" not in {FROM_CALLER}


def test_modes_are_strings_where_they_are_stored():
    """The project index stores modes in JSON and compares what it reads back with the members."""
    assert json.dumps({"exit": [Mode.TRAIN, Mode.ENTRY]}) == '{"exit": ["train", "entry"]}'
    assert "eval" == Mode.EVAL and "eval" in {Mode.EVAL} and Mode.EVAL in {"eval"}
    assert f"{Mode.UNKNOWN}|{Mode.UNKNOWN:>8}|{str(Mode.TRAIN)}" == "unknown| unknown|train"
    assert Fact("eval").mode is Mode.EVAL and Fact("eval") == Fact(Mode.EVAL)
    assert hash(Fact("eval")) == hash(Fact(Mode.EVAL))


def test_kinds_that_stay_in_memory_never_equal_strings():
    for member in (*Grad, *GradChoice, *ContextKind):
        assert member != member.value
