from helpers import codes, lint


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
