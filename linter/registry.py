"""The rule base class, the registry of all rules, and rule selection (codes, prefixes, names, ALL)."""
from __future__ import annotations

import difflib
import re
from typing import ClassVar, Dict, Iterable, Iterator, List, Sequence

from skewlint.adapters import FRAMEWORK_MARKERS

DOCS_URL = "https://github.com/skewlint/skewlint/blob/main/docs/rules.md#{anchor}"
SEVERITIES = ("error", "warning", "info")
_CODE = re.compile(r"^SKW\d{3}$")


class Rule:
    """A rule: a stable code, a kebab-case name, and its documentation.

    Subclasses implement `check(model)`, yielding `Finding`s, on the file's shared semantic model.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[str]
    severity: ClassVar[str] = "error"
    default: ClassVar[bool] = True
    # Can the user switch it off? (SKW999 cannot be.)
    can_disable: ClassVar[bool] = True
    summary: ClassVar[str]
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    fix_safety: ClassVar[str] = "No automatic fix is offered."
    references: ClassVar[Sequence[str]] = ()
    # Prefilter: byte strings of which one must occur in a file for this rule to need a parse
    # (by default the framework names of the adapters); empty means always parse; None marks
    # rules the engine produces itself (SKW901, SKW999).
    markers: ClassVar = FRAMEWORK_MARKERS

    def check(self, model) -> Iterator:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(anchor=f"{cls.code.lower()}-{cls.name}")

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation as Markdown, in ruff's section layout."""
        parts = [
            f"# {cls.name} ({cls.code})",
            "",
            f"Family: {cls.family}. Severity: {cls.severity}. "
            f"Default: {'on' if cls.default else 'off'}.",
            "",
            "## What it does",
            cls.what_it_does.strip(),
            "",
            "## Why is this bad?",
            cls.why_bad.strip(),
            "",
            "## Example",
            "```python",
            cls.example.strip("\n"),
            "```",
            "",
            "## Use instead",
            "```python",
            cls.use_instead.strip("\n"),
            "```",
            "",
            "## Fix safety",
            cls.fix_safety.strip(),
        ]
        if cls.references:
            parts += ["", "## References"] + [f"- {ref}" for ref in cls.references]
        return "\n".join(parts) + "\n"

    @classmethod
    def as_dict(cls) -> dict:
        return {
            "code": cls.code,
            "name": cls.name,
            "family": cls.family,
            "severity": cls.severity,
            "default": cls.default,
            "summary": cls.summary,
            "url": cls.url(),
            "explanation": cls.documentation(),
        }


class SelectorError(ValueError):
    """An unknown rule selector; the message carries a did-you-mean suggestion."""


class Registry:
    def __init__(self, rules: Iterable[type]):
        self.rules: Dict[str, type] = {}
        self.by_name: Dict[str, type] = {}
        for rule in rules:
            assert _CODE.match(rule.code), rule.code
            assert rule.code not in self.rules and rule.name not in self.by_name, rule.code
            assert rule.severity in SEVERITIES, rule.code
            self.rules[rule.code] = rule
            self.by_name[rule.name] = rule
        self.rules = dict(sorted(self.rules.items()))

    def __iter__(self):
        return iter(self.rules.values())

    def get(self, code_or_name: str):
        return self.rules.get(code_or_name.upper()) or self.by_name.get(code_or_name.lower())

    def defaults(self) -> frozenset:
        return frozenset(code for code, rule in self.rules.items() if rule.default)

    def always_on(self) -> frozenset:
        return frozenset(code for code, rule in self.rules.items() if not rule.can_disable)

    def resolve(self, selector: str) -> frozenset:
        """The codes a selector names: a code, a code prefix (`SKW1`), a rule name, or `ALL`."""
        text = selector.strip()
        if text.upper() == "ALL":
            return frozenset(self.rules)
        rule = self.get(text)
        if rule is not None:
            return frozenset({rule.code})
        prefix = text.upper()
        if re.fullmatch(r"SKW\d{0,3}", prefix):
            codes = frozenset(code for code in self.rules if code.startswith(prefix))
            if codes:
                return codes
        raise SelectorError(self._unknown(text))

    def _unknown(self, text: str) -> str:
        candidates = ["ALL"] + list(self.rules) + list(self.by_name)
        candidates += sorted({code[:n] for code in self.rules for n in (4, 5)})
        probe = text.upper() if text.upper().startswith("SKW") else text.lower()
        match = difflib.get_close_matches(probe, candidates, n=1, cutoff=0.5)
        hint = f"; did you mean `{match[0]}`?" if match else ""
        return f"unknown rule selector `{text}`{hint} (`skewlint rule --all` lists the rules)"

    def select(self, layers: Sequence[dict]) -> frozenset:
        """Apply selection layers in order (configuration first, then the command line), as ruff does.

        Each layer may hold `select` (replaces what came before), `extend-select` (adds) and
        `ignore` (removes). Rules that cannot be disabled are always kept.
        """
        enabled = set(self.defaults())
        for layer in layers:
            if layer.get("select") is not None:
                enabled = set(self.resolve_all(layer["select"]))
            enabled |= self.resolve_all(layer.get("extend-select") or ())
            enabled -= self.resolve_all(layer.get("ignore") or ())
        return frozenset(enabled) | self.always_on()

    def resolve_all(self, selectors: Iterable[str]) -> frozenset:
        codes: set = set()
        for selector in selectors:
            codes |= self.resolve(selector)
        return frozenset(codes)


_REGISTRY: List[Registry] = []


def registry() -> Registry:
    """The registry of every rule in `skewlint.rules` (built once)."""
    if not _REGISTRY:
        from skewlint.rules import ALL_RULES

        _REGISTRY.append(Registry(ALL_RULES))
    return _REGISTRY[0]
