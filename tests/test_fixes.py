"""Fixes: every fixable rule's fixture against its expected output, idempotence, lint-clean results,
encodings and line endings kept byte for byte, and the safety of writing."""
import codecs
import os
import stat
from pathlib import Path

import pytest

from helpers import FIXTURES, lint
from skewlint.fix import apply
from skewlint.fix.apply import FixError, apply_edits, fix_bytes, fix_text, write_atomically
from skewlint.registry import registry

FIX_FIXTURES = sorted((FIXTURES / "fixes").glob("*.py"))
ALL = registry().select([{"select": ["ALL"]}])


def _code(path: Path) -> str:
    return path.name.split("_")[0].upper()


def test_every_rule_with_a_fix_has_a_fix_fixture():
    # A rule documents a fix in its "Fix safety"; each such rule needs a fixture here.
    documented = {rule.code for rule in registry() if rule.fix_safety != "No automatic fix is offered."}
    assert documented == {_code(path) for path in FIX_FIXTURES}


@pytest.mark.parametrize("path", FIX_FIXTURES, ids=lambda p: p.name)
def test_fix_gives_the_expected_file_then_nothing(path):
    text = path.read_bytes().decode("utf-8")
    expected = Path(f"{path}.fixed").read_bytes().decode("utf-8")
    first = fix_text(text, str(path), ALL, unsafe=True)
    assert first.text == expected
    assert first.fixed[_code(path)] > 0
    second = fix_text(first.text, str(path), ALL, unsafe=True)
    assert second.text == first.text and not second.fixed
    # The rule's findings are gone, except those the fixture marks as having no fix.
    left = [d for d in lint(first.text, select=[_code(path)]) if d.code == _code(path)]
    assert all(d.fix is None for d in left)
    assert len(left) == expected.count("# error: " + _code(path)) - first.fixed[_code(path)]


@pytest.mark.parametrize("path", FIX_FIXTURES, ids=lambda p: p.name)
def test_unsafe_fixes_wait_for_the_option(path):
    text = path.read_text(encoding="utf-8")
    safe_only = fix_text(text, str(path), ALL, unsafe=False)
    rule = registry().rules[_code(path)]
    if rule.fix_safety.startswith("Unsafe"):
        assert safe_only.text == text and not safe_only.fixed
    else:
        assert safe_only.fixed[rule.code] > 0


def test_safe_dropout_fixes_leave_the_unsafe_alpha_dropout():
    text = (FIXTURES / "fixes" / "skw106_training_follows_mode.py").read_text(encoding="utf-8")
    fixed = fix_text(text, "x.py", ALL, unsafe=False).text
    assert "F.alpha_dropout(x, 0.1)  # error" in fixed
    assert "F.dropout(x, 0.5, training=this.training)" in fixed


def test_two_fixes_adding_the_same_import_take_two_passes_and_add_it_once():
    source = (
        "import torch.nn as nn\n\n\ndef evaluate(model, loader):\n    model.eval()\n"
        "    return [model(x) for x in loader]\n\n\ndef validate(model, loader):\n    model.eval()\n"
        "    return [model(x) for x in loader]\n"
    )
    out = fix_text(source, "x.py", ALL, unsafe=True)
    assert out.fixed["SKW201"] == 2
    assert out.text.count("import torch\n") == 1 and out.text.count("@torch.no_grad()") == 2


def test_safe_fixes_go_first_and_can_settle_an_unsafe_one():
    source = ("import torch\nimport torchvision\n\nmodel = torchvision.models.resnet18()\n"
              "model.load_state_dict(torch.load('best.pt'))\nmodel.training = False\nprint(model(torch.load('batch.pt')))\n")
    out = fix_text(source, "x.py", ALL, unsafe=True)
    assert out.fixed == {"SKW104": 1, "SKW201": 1}  # SKW101 went with the SKW104 fix
    assert out.text.count("model.eval()") == 1


def test_aliased_torch_is_used_and_nothing_imported():
    source = ("import torch as T\n\n\ndef evaluate(model, loader):\n    model.eval()\n"
              "    return [model(x) for x in loader]\n")
    out = fix_text(source, "x.py", ALL, unsafe=True)
    assert "@T.no_grad()\ndef evaluate" in out.text and "import torch\n" not in out.text


def test_overlapping_edits_apply_once_and_identical_edits_count_for_both():
    text = "abcdef\n"
    first = {"edits": [{"content": "X", "location": {"row": 1, "column": 2}, "end_location": {"row": 1, "column": 4}}]}
    overlapping = {"edits": [{"content": "Y", "location": {"row": 1, "column": 3}, "end_location": {"row": 1, "column": 5}}]}
    new, applied = apply_edits(text, [first, overlapping, first])
    assert new == "aXdef\n" and applied == [0, 2]


def test_a_fix_that_breaks_the_code_is_not_kept(monkeypatch):
    monkeypatch.setattr(apply, "apply_edits", lambda text, fixes: ("def (:\n", [0]))
    with pytest.raises(FixError, match="does not parse"):
        fix_text("import torch\nmodel = torch.hub.load('a', 'b')\nmodel.eval\n", "x.py", ALL, unsafe=False)


def test_fixes_that_do_not_converge_are_not_kept(monkeypatch):
    # A fix that changes the text without removing its finding would otherwise loop for ever.
    monkeypatch.setattr(apply, "apply_edits", lambda text, fixes: (text + "\n", [0]))
    with pytest.raises(FixError, match="did not converge"):
        fix_text("import torch\nmodel = torch.hub.load('a', 'b')\nmodel.eval\n", "x.py", ALL, unsafe=False)


BUGGY_LINES = [b"import torch", b"model = torch.hub.load('a', 'b')  # caf\xc3\xa9", b"model.eval  # \xc3\xa9t\xc3\xa9",
               b"print(model)"]


@pytest.mark.parametrize("kind", ["crlf", "latin-1", "bom", "cr"])
def test_encodings_and_line_endings_are_kept_byte_for_byte(kind, tmp_path):
    lines = list(BUGGY_LINES)
    newline = b"\n"
    prefix = b""
    if kind == "crlf":
        newline = b"\r\n"
    elif kind == "cr":
        newline = b"\r"
    elif kind == "bom":
        prefix = codecs.BOM_UTF8
    if kind == "latin-1":
        lines = [b"# -*- coding: latin-1 -*-"] + [line.decode("utf-8").encode("latin-1") for line in lines]
    original = prefix + newline.join(lines) + newline
    path = tmp_path / "model.py"
    path.write_bytes(original)
    outcome = fix_bytes(original, str(path), ALL, unsafe=False)
    assert outcome.fixed["SKW103"] == 1
    eval_line = [line for line in lines if line.startswith(b"model.eval")][0]
    fixed_line = eval_line.replace(b"model.eval ", b"model.eval() ")
    assert outcome.data == original.replace(eval_line, fixed_line)
    write_atomically(str(path), outcome.data, expected=original)
    assert path.read_bytes() == outcome.data
    assert fix_bytes(path.read_bytes(), str(path), ALL, unsafe=False).data == outcome.data  # idempotent


def test_no_fix_where_libcst_does_not_reproduce_the_text():
    # libcst renders a file with old-Mac `\r` line ends without its last line break. A fix that
    # must render the whole module (here: adding `import torch`) would take that as an edit, so it
    # is not offered; fixes rendered within their statement are exact (the "cr" case above).
    source = ("import torch.nn as nn\r\r\rdef evaluate(model, loader):\r    model.eval()\r"
              "    return [model(x) for x in loader]\r")
    (diagnostic,) = lint(source, select=["SKW201"])
    assert diagnostic.fix is None
    assert fix_bytes(source.encode(), "x.py", ALL, unsafe=True).data == source.encode()
    lf = source.replace("\r", "\n")
    assert lint(lf, select=["SKW201"])[0].fix is not None


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path):
    path = tmp_path / "model.py"
    path.write_bytes(b"edited meanwhile\n")
    with pytest.raises(FixError, match="changed since it was read"):
        write_atomically(str(path), b"fixed\n", expected=b"original\n")
    assert path.read_bytes() == b"edited meanwhile\n"
    assert os.listdir(tmp_path) == ["model.py"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")
def test_permissions_and_symlinks_are_kept(tmp_path):
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    target.chmod(0o750)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomically(str(link), b"new\n", expected=b"old\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert sorted(os.listdir(tmp_path)) == ["link.py", "real.py"]  # no temporary file left


@pytest.mark.skipif(os.name != "posix", reason="POSIX hard links")
def test_a_hard_linked_file_is_not_separated_from_its_links(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    os.link(path, tmp_path / "b.py")
    with pytest.raises(FixError, match="hard links"):
        write_atomically(str(path), b"new\n", expected=b"old\n")
    assert (tmp_path / "b.py").read_bytes() == b"old\n"


def test_fix_objects_use_1_based_end_exclusive_ranges():
    (diagnostic,) = lint("import torch\nmodel = torch.hub.load('a', 'b')\n\nmodel.eval\n", select=["SKW103"])
    assert diagnostic.fix == {
        "applicability": "safe",
        "edits": [{"content": "()", "end_location": {"column": 11, "row": 4}, "location": {"column": 11, "row": 4}}],
        "message": "Call `model.eval()`",
    }


def test_notebook_findings_carry_no_fix():
    from skewlint.run.notebook import lint_cells

    cells = [(1, "import torch\nmodel = torch.hub.load('a', 'b')\n"), (2, "model.eval\n")]
    (diagnostic,) = [d for d in lint_cells(cells, "nb.ipynb", ALL).diagnostics if d.code == "SKW103"]
    assert diagnostic.cell == 2 and diagnostic.fix is None


def _apply_change(source: str, make):
    import libcst as cst

    from skewlint.fix.edits import edits_of, safe

    module = cst.parse_module(source)
    call = module.body[0].body[0].value
    change = make(call)
    if change is None:
        return None
    (edit,) = edits_of(safe("x", change), module, source)
    return source[:edit.start] + edit.content + source[edit.end:]


def test_set_argument_replaces_a_positional_or_keyword_value_or_adds_the_keyword():
    from skewlint.fix.edits import set_argument

    def shuffle_off(call):
        return set_argument(call, "shuffle", "False", position=2)

    assert _apply_change("DataLoader(ds, 32, True)\n", shuffle_off) == "DataLoader(ds, 32, False)\n"
    assert _apply_change("DataLoader(ds, shuffle=True)\n", shuffle_off) == "DataLoader(ds, shuffle=False)\n"
    assert _apply_change("DataLoader(ds, 32)\n", shuffle_off) == "DataLoader(ds, 32, shuffle=False)\n"
    assert _apply_change("DataLoader(\n    ds,\n)\n", shuffle_off) == "DataLoader(\n    ds,\n    shuffle=False,\n)\n"
    assert _apply_change("DataLoader(ds, **options)\n", shuffle_off) is None  # may already pass it
    assert _apply_change("DataLoader(*args)\n", shuffle_off) is None


def test_statement_local_rendering_gives_the_edits_of_whole_module_rendering(monkeypatch):
    # The engine renders only the top-level statement a fix touches; it must be the same edit.
    from skewlint.fix import edits
    from skewlint.run.engine import lint_file

    paths = sorted(FIXTURES.rglob("*.py"))
    local = {p: [d.fix for d in lint_file(str(p), ALL).diagnostics] for p in paths}
    assert sum(fix is not None for found in local.values() for fix in found) > 40
    monkeypatch.setattr(edits, "_local_edit", lambda *args: None)
    whole = {p: [d.fix for d in lint_file(str(p), ALL).diagnostics] for p in paths}
    assert local == whole


def test_a_file_without_a_final_newline_is_fixed_exactly():
    source = "import torch\nmodel = torch.hub.load('a', 'b')\nmodel.eval"
    assert fix_text(source, "x.py", ALL, unsafe=False).text == source + "()"


def test_a_file_changed_during_the_fix_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "model.py"
    path.write_bytes(b"original\n")
    real_chmod = os.chmod

    def edit_meanwhile(*args, **kwargs):  # another program saves the file while we write ours
        path.write_bytes(b"saved by the editor\n")
        return real_chmod(*args, **kwargs)

    monkeypatch.setattr(os, "chmod", edit_meanwhile)
    with pytest.raises(FixError, match="changed while"):
        write_atomically(str(path), b"fixed\n", expected=b"original\n")
    assert path.read_bytes() == b"saved by the editor\n" and os.listdir(tmp_path) == ["model.py"]


def test_a_change_that_changes_nothing_is_no_fix():
    import libcst as cst

    from skewlint.fix.edits import edits_of, replace, safe

    source = "model.eval\n"
    module = cst.parse_module(source)
    elsewhere = cst.parse_expression("model.eval")  # a node of another tree: nothing to replace
    with pytest.raises(ValueError):
        edits_of(safe("x", replace(elsewhere, "model.eval()")), module, source)
