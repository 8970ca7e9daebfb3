import pytest

from helpers import FIXTURES, codes, lint
from skewlint.run import suppressions


def test_noqa_on_first_line_of_multiline_statement():
    source = """
        import torch
        model = torch.hub.load("x", "y")
        model.training = (  # noqa: SKW104
            False
        )
        model.training = (
            False
        )
    """
    assert codes(source) == [(7, "SKW104")]


def test_other_linters_codes_do_not_blanket_ours():
    source = """
        import torch
        model = torch.hub.load("x", "y")
        model.eval  # noqa: E501,W291
        model.eval  # noqa:SKW103
        model.eval  # NOQA
    """
    assert codes(source) == [(4, "SKW103")]


def test_noqa_in_a_string_is_not_a_comment():
    source = """
        import torch
        model = torch.hub.load("x", "y")
        model.eval; s = "# noqa"
    """
    assert codes(source) == [(4, "SKW103")]


def test_file_level_codes():
    source = """
        # skewlint: noqa: SKW104
        import torch
        model = torch.hub.load("x", "y")
        model.eval
        model.training = False
    """
    assert codes(source) == [(5, "SKW103")]


def test_unused_suppression_is_reported_when_enabled():
    source = """
        import torch
        model = torch.hub.load("x", "y")
        model.eval()  # noqa: SKW103
        model.eval  # noqa: SKW103
        model.eval()  # skewlint: ignore[training-attribute-assigned]
        model.eval()  # noqa
    """
    found = lint(source, select=("SKW103", "SKW104", "SKW901"))
    assert sorted((d.location.row, d.code) for d in found) == [(4, "SKW901"), (6, "SKW901")]
    assert "SKW103" in found[0].message
    # Off by default.
    assert codes(source, select=("SKW103", "SKW104")) == []


BOTH = """
    import torch
    model = torch.hub.load("x", "y")
    model.training = False; model.eval  {comment}
"""


def _both(comment, select=("SKW103", "SKW104")):
    """The codes reported on a line with an SKW104 (column 1) and an SKW103 finding (SKW901, which
    reports unknown items, has its own test)."""
    return [code for _, code in codes(BOTH.format(comment=comment), select)]


def test_both_findings_without_a_suppression():
    assert _both("") == ["SKW103", "SKW104"]


@pytest.mark.parametrize("comment", ["# NOQA: skw104", "# noqa: Skw104", "# noqa:skw104", "# Noqa : SKW104"])
def test_codes_match_case_insensitively_and_only_their_rule(comment):
    # Never a blanket: SKW103 on the same line is still reported.
    assert _both(comment) == ["SKW103"]


def test_rule_names_and_prefixes_in_noqa():
    assert _both("# noqa: training-attribute-assigned") == ["SKW103"]
    assert _both("# noqa: E501, mode-method-not-called") == ["SKW104"]
    assert _both("# noqa: skw1") == []  # a prefix: every SKW1xx
    assert _both("# skewlint: ignore[SKW1]") == []


@pytest.mark.parametrize("comment, unknown", [
    ("# noqa: missing-eval-mod", ["missing-eval-mod"]),
    ("# noqa: SKW10x", ["SKW10x"]),
    ("# noqa: skw777", ["skw777"]),
    ("# noqa: because", ["because"]),
    ("# noqa: ALL", ["ALL"]),
    ("# skewlint: ignore[E501, mode-method-not-caled]", ["E501", "mode-method-not-caled"]),
])
def test_an_unknown_item_suppresses_nothing_and_is_recorded(comment, unknown):
    assert _both(comment) == ["SKW103", "SKW104"]
    parsed = suppressions.parse(BOTH.format(comment=comment))
    assert [item for _, _, item, _ in parsed.unknown] == unknown


def test_an_unknown_item_does_not_undo_the_known_ones():
    text = BOTH.format(comment="# noqa: SKW10x, SKW104")
    assert _both("# noqa: SKW10x, SKW104") == ["SKW103"]
    assert [(row, item) for row, _, item, _ in suppressions.parse(text).unknown] == [(4, "SKW10x")]


@pytest.mark.parametrize("comment", ["# noqa: E501", "# noqa: E501 line too long", "# noqa: BLE001 - a reason",
                                     "# noqa:", "# noqa: E501  # noqa-ish note"])
def test_other_linters_codes_and_prose_after_them_are_not_ours(comment):
    assert _both(comment) == ["SKW103", "SKW104"]
    assert list(suppressions.parse(BOTH.format(comment=comment)).unknown) == []


def test_file_level_rule_names_and_upper_case_noqa():
    assert _both("\n    # skewlint: noqa: training-attribute-assigned") == ["SKW103"]
    text = BOTH.format(comment="\n    # skewlint: noqa: SKW104, skw10x")
    assert [(row, item) for row, _, item, _ in suppressions.parse(text).unknown] == [(5, "skw10x")]
    # `# NOQA` is found in a file that mentions `noqa` nowhere in lower case.
    assert _both("# NOQA") == []


def test_every_noqa_of_a_comment_counts():
    # What the language server's quick fix writes after a list it does not parse.
    assert _both("# noqa: mode-method-not-called  # noqa: SKW104") == []
    assert _both("# noqa: E501  # noqa-ish note") == ["SKW103", "SKW104"]  # `noqa-ish` is no `# noqa`


def test_an_item_naming_no_rule_is_reported_by_skw901():
    source = """
        import torch
        model = torch.hub.load("x", "y")
        model.eval  # noqa: missing-eval-mod
        x = 1  # noqa: E501 long URL
    """
    found = lint(source, select=("SKW103", "SKW901"))
    assert sorted((d.location.row, d.code) for d in found) == [(4, "SKW103"), (4, "SKW901")]
    [typo] = [d for d in found if d.code == "SKW901"]
    assert "`missing-eval-mod` names no skewlint rule" in typo.message and typo.location.column == 13
    assert codes(source, select=("SKW103",)) == [(4, "SKW103")]  # off by default


def test_items_naming_no_rule_are_kept_for_a_warning_when_skw901_is_off():
    import textwrap

    from skewlint.registry import registry
    from skewlint.run.engine import lint_text

    source = textwrap.dedent("""
        import torch
        model = torch.hub.load("x", "y")
        model.eval()  # noqa: SKW1O1, missing-eval-mod
        x = 1  # noqa: E501 long URL
        y = 2  # skewlint: ignore[nope]
    """)
    off = lint_text(source, "a.py", registry().select([{"select": ["SKW103"]}]))
    assert off.diagnostics == []
    assert off.unknown_suppressions == [(4, None, "SKW1O1", "noqa"), (4, None, "missing-eval-mod", "noqa"),
                                        (6, None, "nope", "skewlint: ignore")]
    on = lint_text(source, "a.py", registry().select([{"select": ["SKW103", "SKW901"]}]))
    assert len(on.diagnostics) == 3 and on.unknown_suppressions == []  # SKW901 reports them instead


def test_notebook_items_naming_no_rule_name_their_cell():
    from test_notebook import notebook

    from skewlint.registry import registry
    from skewlint.run.notebook import lint_notebook

    data = notebook(["import torch\n"], ["x = 1\n", "y = 2  # noqa: SKW1O1\n"])
    result = lint_notebook(data, "nb.ipynb", registry().select([{"select": ["SKW1"]}]))
    assert result.unknown_suppressions == [(2, 2, "SKW1O1", "noqa")]


@pytest.mark.slow
def test_unknown_items_warn_on_stderr_without_changing_the_exit_code(tmp_path):
    from test_cli import run, write

    write(tmp_path, "a.py", "import torch\nmodel = torch.hub.load('x', 'y')\nmodel.eval()  # noqa: SKW1O1\n")
    for arguments in (("check", "a.py"), ("check", "a.py")):  # the second run reads the cache
        result = run(*arguments, cwd=tmp_path)
        assert result.returncode == 0 and "All checks passed!" in result.stdout
        assert result.stderr.splitlines() == ["skewlint: warning: a.py:3: unknown rule 'SKW1O1' in noqa"]
    result = run("check", "--extend-select", "SKW901", "a.py", cwd=tmp_path)
    assert result.returncode == 1 and "SKW1O1" in result.stdout and "warning" not in result.stderr


TRICKY_COMMENTS = [
    "x = '#' # one\n", 'x = "a\\"#" # two\n', "x = r'\\'#' # three\n", "s = '''#\n# not\n''' # four\n",
    's = """a""" + """#""" # five\n', "f = f'{x!r:#>5}#' # six\n", "x = 1 \\\n    + 2  # seven\n",
    "y = b'#'  # é eight\r\n# nine\r\n", "\t# ten\n", "x = ('#',  # eleven\n     '''\n#''')\n",
]


@pytest.mark.parametrize("text", TRICKY_COMMENTS + [p.read_text(encoding="utf-8")
                                                     for p in sorted(FIXTURES.rglob("*.py"))])
def test_the_comments_found_are_the_tokenizers(text):
    import io
    import tokenize

    from skewlint.run.suppressions import _comments

    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    assert list(_comments(text)) == [(t.start[0], t.start[1] + 1, t.string) for t in tokens if t.type == tokenize.COMMENT]
