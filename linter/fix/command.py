"""`skewlint check --fix` and its companions, with ruff's semantics:

- `--fix` applies the safe fixes (`--unsafe-fixes`: the unsafe ones too), writes the files and
  reports what remains; `--fix-only` does the same and reports nothing but the count fixed;
  `--diff` writes nothing and prints a unified diff of what `--fix` would change (it implies
  `--fix-only`); `--show-fixes` lists what was fixed, per file and rule.
- Exit status: `--fix` 1 if findings remain; `--fix-only` 0; `--diff` 1 if there is anything to
  fix; `--exit-non-zero-on-fix` also 1 whenever something was fixed.
- Code read from stdin is never written anywhere but stdout: `--fix` prints the fixed source there
  (the whole source, fixed or not) and the report goes to stderr.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Tuple

from skewlint.fix import apply
from skewlint.fix.apply import FixError, applicable, fix_bytes, unified_diff, write_atomically
from skewlint.run.source import SourceError, decode, read_bytes

APPLY, DIFF = "apply", "diff"


@dataclass(frozen=True)
class FixOptions:
    mode: Optional[str] = None  # None: report only; APPLY: fix the files; DIFF: print what would change
    only: bool = False  # --fix-only / --diff: do not report the findings that remain
    unsafe: bool = False
    show_fixes: bool = False
    exit_non_zero_on_fix: bool = False

    @classmethod
    def from_flags(cls, fix, fix_only, diff, unsafe_fixes, show_fixes, exit_non_zero_on_fix) -> "FixOptions":
        mode = DIFF if diff else APPLY if (fix or fix_only) else None
        return cls(mode, only=bool(diff or fix_only), unsafe=bool(unsafe_fixes), show_fixes=bool(show_fixes),
                   exit_non_zero_on_fix=bool(exit_non_zero_on_fix))


@dataclass
class FixRun:
    fixed: Dict[str, Counter] = field(default_factory=dict)  # display name -> code -> count
    diffs: List[str] = field(default_factory=list)
    stdin_output: Optional[bytes] = None  # --fix on stdin: the source to print

    @property
    def total(self) -> int:
        return sum(sum(counter.values()) for counter in self.fixed.values())


def run(results, paths: Dict[str, Tuple[str, frozenset]], stdin: Dict[str, Tuple[bytes, frozenset]],
        options: FixOptions, warn: Callable[[str], None]) -> FixRun:
    """Fix each result's file that has an applicable fix; its diagnostics become those that remain.
    `paths`: display name -> (path on disk, enabled rules); `stdin`: display name -> (bytes, enabled)."""
    outcome_run = FixRun()
    for result in results:
        from_stdin = result.path in stdin
        if from_stdin and options.mode == APPLY:
            outcome_run.stdin_output = stdin[result.path][0]  # unchanged unless fixed below
        if not any(applicable(d.fix, options.unsafe) for d in result.diagnostics):
            continue
        if from_stdin:
            data, enabled = stdin[result.path]
            path = None
        elif result.path in paths:
            path, enabled = paths[result.path]
            try:
                data = read_bytes(path)
            except SourceError as error:
                warn(f"{result.path}: {error}; not fixed")
                continue
        else:
            continue
        try:
            fixed = fix_bytes(data, result.path, enabled, options.unsafe, path)
            if options.mode == APPLY and path is not None and fixed.data != data:
                write_atomically(path, fixed.data, expected=data)
        except FixError as error:
            warn(f"{result.path}: {error}")
            continue
        if options.mode == DIFF and fixed.data != data:
            outcome_run.diffs.append(unified_diff(decode(data).text, fixed.text, result.path))
        if from_stdin and options.mode == APPLY:
            outcome_run.stdin_output = fixed.data
        if options.mode == APPLY:
            result.diagnostics = fixed.remaining
            if hasattr(fixed.result, "summary"):  # the project phase reads the fixed file's facts
                result.summary = fixed.result.summary
        if fixed.fixed:
            outcome_run.fixed[result.path] = fixed.fixed
    return outcome_run


def fixed_summary(fixed: Dict[str, Counter]) -> str:
    from skewlint.registry import registry

    return apply.fixed_summary(fixed, {code: rule.name for code, rule in registry().rules.items()})


def for_display(diagnostics, options: FixOptions, output_format: str):
    """The concise `[*]` marks a fix that `--fix` would apply with these options, as ruff marks it;
    after fixing, nothing is marked. Other formats show every fix with its applicability."""
    if output_format != "concise":
        return diagnostics
    return [d if d.fix is None or would_fix(d, options) else replace(d, fix=None) for d in diagnostics]


def would_fix(diagnostic, options: FixOptions) -> bool:
    """Would `--fix` with these options fix it? (After fixing, what remains is not marked fixable.)"""
    return options.mode is None and applicable(diagnostic.fix, options.unsafe)


def hint(diagnostics, options: FixOptions) -> str:
    """`[*] 2 fixable with the --fix option (1 hidden fix can be enabled with --unsafe-fixes).`"""
    if options.mode is not None:
        return ""
    fixable = sum(1 for d in diagnostics if applicable(d.fix, options.unsafe))
    hidden = sum(1 for d in diagnostics if d.fix and not applicable(d.fix, options.unsafe))
    hidden_text = (f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
                   "`--unsafe-fixes` option")
    if fixable and hidden:
        return f"[*] {fixable} fixable with the `--fix` option ({hidden_text}).\n"
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option.\n"
    if hidden:
        return f"No fixes available ({hidden_text}).\n"
    return ""


def found_summary(remaining: int, files: int, fixed: int) -> Optional[str]:
    """After --fix: `Found 3 diagnostics (2 fixed, 1 remaining).`, as ruff counts them; None when
    nothing was fixed (the usual summary applies)."""
    if not fixed:
        return None
    total = remaining + fixed
    return f"Found {total} diagnostic{'s' if total != 1 else ''} ({fixed} fixed, {remaining} remaining).\n"


def only_summary(options: FixOptions, fixed: int) -> str:
    """--fix-only / --diff: `Fixed 2 diagnostics.` / `Would fix 2 diagnostics.`"""
    if not fixed:
        return ""
    noun = f"{fixed} diagnostic{'s' if fixed != 1 else ''}"
    return f"Fixed {noun}.\n" if options.mode == APPLY else f"Would fix {noun}.\n"


def exit_status(options: FixOptions, remaining: int, fixed: int) -> int:
    """0 or 1 by ruff's rules (errors, exit status 2, are the caller's)."""
    if options.mode == DIFF:
        return 1 if fixed else 0
    if options.only:
        return 1 if options.exit_non_zero_on_fix and fixed else 0
    if options.exit_non_zero_on_fix and fixed:
        return 1
    return 1 if remaining else 0
