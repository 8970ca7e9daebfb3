"""Notebooks: code cells linted as one module, IPython syntax masked line for line, locations as
(cell, row in cell), suppressions inside cells."""
import json

import pytest

from skewlint.diagnostics import Diagnostic, Location
from skewlint.run.notebook import _relocate, lint_notebook, mask, to_module
from skewlint.registry import registry
from test_cli import run, write

BUGGY_CELL = ["import torch\n", "model = torch.hub.load('x', 'y')\n", "model.eval\n"]


def notebook(*cells, language="python"):
    def cell(source):
        if isinstance(source, tuple):  # ("markdown", text)
            return {"cell_type": source[0], "metadata": {}, "source": source[1]}
        return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    document = {"cells": [cell(c) for c in cells], "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"language_info": {"name": language}}}
    return json.dumps(document).encode()


def lint(data):
    return lint_notebook(data, "nb.ipynb", registry().select([{"select": ["ALL"]}])).diagnostics


def positions(data):
    return [(d.cell, d.location.row, d.location.column, d.code) for d in lint(data)]


@pytest.mark.parametrize("line, masked", [
    ("%matplotlib inline", "pass  # (magic)"),
    ("!pip install torch", "pass  # (magic)"),
    ("    !ls", "pass  # (magic)"),  # a cell indented as a whole runs dedented, as in IPython
    ("model?", "pass  # (magic)"),
    ("torch.nn??", "pass  # (magic)"),
    ("?model", "pass  # (magic)"),
    ("files = !ls", "files = None"),
    ("a, b = %sx ls", "a, b = None"),
    ("x = 1", "x = 1"),
    ("x = a % b", "x = a % b"),
])
def test_mask_one_line(line, masked):
    assert mask(line) == [masked]


def test_mask_keeps_python_that_looks_like_magic():
    source = "msg = ('%s'\n       % 1)\nok = (a\n      != b)\ns = '''\n!not a magic\n'''\n"
    assert mask(source) == source.splitlines()


def test_mask_cell_magics_and_continuations():
    assert mask("%%bash\necho hi\nif [ x ]; then\n") == ["# (cell magic)"] * 3
    assert mask("%%time\nmodel.eval\n") == ["# (cell magic)", "model.eval"]
    assert mask("!pip install \\\n    torch\nx = 1\n") == ["pass  # (magic)", "# (magic)", "x = 1"]
    # Every line maps to one line: the row count never changes.
    assert len(mask("if x:\n    %time f()\n")) == 2


def test_locations_are_cell_and_row_in_cell():
    data = notebook(("markdown", "# Title"), ["%matplotlib inline\n", "x = 1\n"], BUGGY_CELL,
                    ["!nvidia-smi\n", "model.eval\n", "model.training = False"])
    assert positions(data) == [(3, 3, 1, "SKW103"), (4, 2, 1, "SKW103"), (4, 3, 1, "SKW104")]
    diagnostic = lint(data)[0]
    assert diagnostic.end_location == Location(3, 11) and diagnostic.noqa_row == 3


def test_module_text_keeps_one_line_per_cell_line():
    text, starts, broken = to_module(notebook(["a = 1\n", "b = 2"], ("markdown", "x"), ["%time c = 3\n"]))
    assert text == "a = 1\nb = 2\npass  # (magic)\n"
    assert starts == [(1, 1, 0), (3, 3, 0)] and broken == []


def test_suppressions_inside_cells():
    data = notebook(BUGGY_CELL[:2], ["model.eval  # noqa: SKW103\n", "model.eval  # skewlint: ignore[mode-method-not-called]\n",
                                     "model.eval\n"])
    assert positions(data) == [(2, 3, 1, "SKW103")]
    assert positions(notebook(["# skewlint: noqa\n"], BUGGY_CELL)) == []


def test_syntax_error_points_into_its_cell_and_the_other_cells_are_linted():
    data = notebook(BUGGY_CELL, ["x = 1\n", "def f(:\n", "    pass\n"], ["model = # YOUR CODE HERE\n"])
    errors = [d for d in lint(data) if d.code == "SKW999"]
    assert [(e.cell, e.location.row) for e in errors] == [(2, 2), (3, 1)]
    assert ("SKW103", 1) in {(d.code, d.cell) for d in lint(data)}  # the cell that parses is linted



def test_the_fuzz_invariant_takes_a_notebook_with_a_cell_that_does_not_parse():
    """Regression (the fuzz soak): `never_raises` held every SKW999 to be a file's only diagnostic."""
    from never_raises import check_bytes

    data = notebook(BUGGY_CELL, ["x = (\n"])
    assert [(d.code, d.cell) for d in check_bytes(data, "fuzzed.ipynb").diagnostics] == [("SKW103", 1), ("SKW999", 2)]

def test_ipython_leading_indent_and_wildcard_help():
    data = notebook(["import torch\n", "model = torch.nn.Linear(2, 2)\n"], ["torch.*Tensor?\n"],
                    ["  x = 1\n", "  model.eval\n"])
    [found] = lint(data)
    assert (found.code, found.cell, found.location) == ("SKW103", 3, Location(2, 3))


def test_unreadable_and_foreign_notebooks():
    [error] = lint(b'{"cells": [torch')
    assert error.code == "SKW999" and "could not read notebook" in error.message
    assert lint(notebook(BUGGY_CELL, language="R")) == []
    assert lint(notebook(["print('no framework here')\n"])) == []


def test_related_locations_in_earlier_cells_name_their_cell():
    _, starts, _ = to_module(notebook(["a\n", "b\n"], ["c\n", "d\n"]))
    diagnostic = Diagnostic(code="SKW103", name="n", severity="error", message="m", filename="nb.ipynb",
                            location=Location(4, 1), end_location=Location(4, 2), noqa_row=4,
                            related=((Location(2, 1), "built here"), (Location(3, 5), "moved here")))
    moved = _relocate(diagnostic, starts)
    assert (moved.cell, moved.location) == (2, Location(2, 1))
    assert moved.related == ((Location(2, 1), "cell 1: built here"), (Location(1, 5), "moved here"))


@pytest.mark.slow
def test_console_script_finds_and_reports_notebooks(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "eval.ipynb").write_bytes(notebook(("markdown", "x"), ["!ls\n", *BUGGY_CELL]))
    write(tmp_path, "clean.py", "import torch\n")
    # Jupyter's autosave copies are excluded by default: no duplicate findings.
    (tmp_path / "nb" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "nb" / ".ipynb_checkpoints" / "eval-checkpoint.ipynb").write_bytes(notebook(BUGGY_CELL))
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 1 and "checkpoint" not in result.stdout
    assert result.stdout.replace("\\", "/").splitlines()[0].startswith("nb/eval.ipynb:cell 2:4:1: SKW103 ")
    data = json.loads(run("check", "--output-format", "json", ".", cwd=tmp_path).stdout)
    assert (data[0]["cell"], data[0]["location"]) == (2, {"column": 1, "row": 4})
    full = run("check", "--output-format", "full", ".", cwd=tmp_path).stdout
    assert "4 | model.eval" in full


@pytest.mark.slow
def test_notebook_on_stdin(tmp_path):
    result = run("check", "--stdin-filename", "eval.ipynb", "-", cwd=tmp_path,
                 stdin=notebook(BUGGY_CELL).decode())
    assert result.returncode == 1 and result.stdout.startswith("eval.ipynb:cell 1:3:1: SKW103")


@pytest.mark.slow
def test_findings_are_ordered_by_cell_then_row(tmp_path):
    # Cell 2's finding is on row 3, cell 3's on row 1: cell order wins over row order.
    (tmp_path / "nb.ipynb").write_bytes(notebook(BUGGY_CELL, ["model.training = False\n"]))
    lines = run("check", "nb.ipynb", cwd=tmp_path).stdout.splitlines()
    assert [line.split(": ")[0] for line in lines[:2]] == ["nb.ipynb:cell 1:3:1", "nb.ipynb:cell 2:1:1"]


def test_fit_before_split_across_cells():
    data = notebook(["from sklearn.preprocessing import StandardScaler\n",
                     "from sklearn.model_selection import train_test_split\n"],
                    ["sX = StandardScaler()\n", "X = sX.fit_transform(X)\n"],
                    ("markdown", "Now split"),
                    ["X_train, X_test, y_train, y_test = train_test_split(X, y)\n"])
    assert positions(data) == [(2, 2, 5, "SKW406")]


LOADED_GPT = ["model = GPT(vocab=100, dim=8)\n", "model.load_state_dict(torch.load('gpt.pt'))\n",
              "logits = model(tokens)\n"]
GPT_CLASS = ["class GPT(nn.Module):\n", "    def __init__(self, vocab, dim):\n", "        super().__init__()\n",
             "        self.embed = nn.Embedding(vocab, dim)\n", "        self.block = Block(dim)\n",
             "    def forward(self, x):\n", "        return self.block(self.embed(x))\n"]


def test_a_layer_defined_in_a_cell_that_does_not_parse_is_not_assumed_mode_dependent():
    """An exercise notebook: `Block` is defined in a cell with a placeholder, so nothing is known of
    it; a model made of it is not reported as evaluated in training mode."""
    imports = ["import torch\n", "import torch.nn as nn\n"]
    exercise = ["class Block(nn.Module):\n", "    def forward(self, x):\n", "        return <YOUR CODE>\n"]
    found = [d.code for d in lint(notebook(imports, exercise, GPT_CLASS, LOADED_GPT))]
    assert "SKW999" in found and "SKW101" not in found
    solved = ["class Block(nn.Module):\n", "    def __init__(self, dim):\n", "        super().__init__()\n",
              "        self.drop = nn.Dropout(0.1)\n", "    def forward(self, x):\n", "        return self.drop(x)\n"]
    assert "SKW101" in [d.code for d in lint(notebook(imports, solved, GPT_CLASS, LOADED_GPT))]
    unknown = lint(notebook(imports, GPT_CLASS, LOADED_GPT))  # `Block` defined nowhere: may have dropout
    assert "SKW101" in [d.code for d in unknown]


def test_a_model_whose_class_is_in_a_cell_that_does_not_parse_is_not_assumed_mode_dependent():
    """The network's own class has a blank to fill in (`self.fc2 = # COMPLETE HERE`): its layers are
    unknown, so a prediction after training is not reported as made in training mode."""
    imports = ["import torch\n", "import torch.nn as nn\n"]
    net = ["class Net(nn.Module):\n", "    def __init__(self):\n", "        super().__init__()\n",
           "        self.fc1 = nn.Linear(4, 8)\n", "        self.fc2 = {}\n", "    def forward(self, x):\n",
           "        return self.fc2(torch.relu(self.fc1(x)))\n"]
    train = ["net = Net()\n", "opt = torch.optim.SGD(net.parameters(), lr=0.1)\n", "for epoch in range(10):\n",
             "    opt.zero_grad()\n", "    loss = ((net(x) - y) ** 2).mean()\n", "    loss.backward()\n",
             "    opt.step()\n"]
    predict = ["pred = net(x_new).detach()\n"]
    blank = [line.format("# COMPLETE HERE") for line in net]
    found = [d.code for d in lint(notebook(imports, blank, train, predict))]
    assert "SKW999" in found and "SKW101" not in found
    dropout = [line.format("nn.Dropout(0.5)") for line in net]
    assert "SKW101" in [d.code for d in lint(notebook(imports, dropout, train, predict))]


def test_one_forward_in_a_cell_is_a_demonstration_a_loop_over_data_is_an_evaluation():
    setup = ["import torch\n", "model = torch.hub.load('x', 'y')\n", "model.eval()\n"]
    demo = ["out = model(sample)\n", "out.argmax(1)\n"]
    found = [(d.cell, d.code) for d in lint(notebook(setup, demo))]
    assert (2, "SKW201") not in found
    loop = ["for images, labels in test_loader:\n", "    out = model(images)\n"]
    assert (2, "SKW201") in [(d.cell, d.code) for d in lint(notebook(setup, loop))]


def test_messages_cite_the_cell_and_its_line_of_other_evidence():
    """A message that cites another line names its cell and the line in that cell, not the row of
    the joined cells (issue 18)."""
    data = notebook(["import torch\n", "import torchvision\n", "import torchvision.transforms as T\n"],
                    ("markdown", "# data"),
                    ["train_tf = T.Compose([\n", "    T.RandomHorizontalFlip(),\n", "    T.ToTensor(),\n", "])\n"],
                    ["ds = torchvision.datasets.CIFAR10('d', train=False, transform=train_tf)\n"])
    [finding] = [d for d in lint(data) if d.code == "SKW301"]
    assert finding.cell == 4
    assert "(built at cell 3, line 1)" in finding.message and "line 4)" not in finding.message
    assert finding.related == ((Location(1, 12), "cell 3: the pipeline is built here"),)
