"""Family 9: the tool itself. These rules are produced by the engine, not by a check of the model."""
from skewlint.registry import Rule


class UnusedSuppression(Rule):
    code = "SKW901"
    name = "unused-suppression"
    family = "tool"
    severity = "info"
    default = False
    markers = None
    summary = "A suppression comment that suppressed nothing"
    what_it_does = (
        "Reports a `# noqa: SKWnnn` or `# skewlint: ignore[...]` comment that suppressed no diagnostic, "
        "and an item of one that names no skewlint rule (`# noqa: missing-eval-mod`: a typo suppresses "
        "nothing)."
    )
    why_bad = (
        "A stale suppression hides the next real finding on that line, and tells readers about a "
        "problem that is no longer there."
    )
    example = "model.eval()  # noqa: SKW101"
    use_instead = "model.eval()"


class SyntaxErrorRule(Rule):
    code = "SKW999"
    name = "syntax-error"
    family = "tool"
    severity = "error"
    can_disable = False
    markers = None
    summary = "The file could not be read, decoded or parsed"
    what_it_does = (
        "Reports a file that skewlint could not read, decode (PEP 263 coding cookie, BOM) or parse, "
        "with the reader's or parser's message and position. Every other file is still linted."
    )
    why_bad = "No rule can check a file that cannot be parsed: its findings would be silently missing."
    example = "def evaluate(model, loader)\n    model.eval()"
    use_instead = "def evaluate(model, loader):\n    model.eval()"


RULES = (UnusedSuppression, SyntaxErrorRule)
