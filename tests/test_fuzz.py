"""Fuzzing: programs generated from Python's grammar and AST (hypothesmith), and mutations of the
fixtures (deleted lines, swapped statements, truncations, ...). Whatever the input, linting returns
diagnostics or one SKW999 and never raises.

The suite's run is bounded and derandomized (the same examples every run, so CI is stable). A soak
draws new examples: `python -m pytest tests/test_fuzz.py --soak 5000` (examples per test).
"""
import hypothesmith
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import FIXTURES
from mutations import mutate
from never_raises import check_bytes, check_text

pytestmark = pytest.mark.slow  # fuzzing

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".py", ".ipynb"))
# Generated code names no framework: prefixed with imports, it reaches the semantic model and rules.
PREAMBLE = "import torch\nimport torch.nn.functional as F\nfrom tensorflow import keras\n"


def bounded(examples):
    def apply(test):
        soak = pytest.soak if getattr(pytest, "soak", 0) else 0
        return settings(
            max_examples=soak or examples,
            derandomize=not soak,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(test)
    return apply


@bounded(60)
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar(source):
    check_text(source)
    check_text(PREAMBLE + source)


@bounded(40)
@given(hypothesmith.from_node())
def test_programs_from_the_ast(source):
    check_text(source)
    check_bytes((PREAMBLE + source).encode("utf-8", "surrogatepass"))


@bounded(200)
@given(st.sampled_from(FIXTURE_FILES), st.data())
def test_mutated_fixtures(path, data):
    draw = lambda low, high: data.draw(st.integers(low, high))  # noqa: E731
    mutant = mutate(path.read_bytes(), draw, data.draw(st.integers(1, 4)))
    check_bytes(mutant, path.name)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.just("import torch\nm.eval\n"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
CELL = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw"]) | JSON},
    optional={"source": st.lists(st.sampled_from(["import torch\n", "model.eval\n", "%%bash\n", "x = (\n"]))
              | st.text(max_size=40) | JSON},
)
NOTEBOOK = st.fixed_dictionaries(
    {"cells": st.lists(CELL | JSON, max_size=5) | JSON},
    optional={"metadata": st.fixed_dictionaries({}, optional={"language_info": JSON}) | JSON},
)


@bounded(60)
@given(NOTEBOOK)
# The 10,400-example soak: a cell that does not parse next to one with a finding. Linting was right
# (the cell is left out, one SKW999 for it, the other cells linted); the invariant was older.
@example({"cells": [{"cell_type": "code", "source": ["model.eval\n"]},
                    {"cell_type": "code", "source": ["x = (\n"]}]})
def test_hand_edited_notebooks(document):
    """Found two crashes: a `source` list holding a number, `language_info` that is not an object."""
    import json

    check_bytes(("{\"torch\": 0, " + json.dumps(document)[1:]).encode(), "fuzzed.ipynb")


def test_fixture_files_are_found():
    assert len(FIXTURE_FILES) >= 20
