"""Applying fixes: non-overlapping edits per pass, passes until nothing is left to fix, a re-parse
before anything is kept, and the atomic write of the fixed file.

A file is never left half-written: the fixed bytes go to a temporary file in the same directory
(same file system) which then replaces the original by a rename, with the original's permissions.
The file is skipped if its bytes changed since they were read, if its text does not survive a
decode/encode round trip, if a fix produced code that does not parse, or if fixes do not converge.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from skewlint import atomic_write
from skewlint.diagnostics import Diagnostic
from skewlint.fix.edits import SAFE, line_starts, offset

# Passes over one file: a pass applies every fix that does not overlap another; overlapping ones
# (two fixes adding `import torch`) wait for the next pass, on the new text.
MAX_PASSES = 10


class FixError(Exception):
    """The file was not fixed (and not written); the message says why."""


def applicable(fix: Optional[dict], unsafe: bool) -> bool:
    # A fix without an `edits` key is declared only (the engine renders edits when they are needed).
    return bool(fix and fix.get("edits", True)) and (unsafe or fix.get("applicability") == SAFE)


def apply_edits(text: str, fix_objects: Sequence[dict]) -> Tuple[str, List[int]]:
    """Apply the fixes that do not touch an edit of an earlier one (in text order); returns the
    new text and the indexes of the fixes applied. An edit identical to one applied counts as
    applied (two findings fixed by the same change)."""
    starts = line_starts(text)

    def spans(fix: dict) -> List[Tuple[int, int, str]]:
        return sorted((offset(starts, e["location"]["row"], e["location"]["column"]),
                       offset(starts, e["end_location"]["row"], e["end_location"]["column"]),
                       e.get("content") or "") for e in fix["edits"])

    candidates = sorted(((spans(fix), index) for index, fix in enumerate(fix_objects)), key=lambda item: item[0])
    taken: List[Tuple[int, int, str]] = []
    applied: List[int] = []
    for edits, index in candidates:
        if all(edit in taken for edit in edits):
            applied.append(index)
            continue
        # Touching counts as overlapping: two insertions at one point have no defined order.
        if any(start <= other_end and other_start <= end
               for start, end, _ in edits for other_start, other_end, _ in taken):
            continue
        taken.extend(edits)
        applied.append(index)
    out, position = [], 0
    for start, end, content in sorted(taken):
        out.append(text[position:start])
        out.append(content)
        position = end
    out.append(text[position:])
    return "".join(out), sorted(applied)


@dataclass
class Outcome:
    text: str  # the fixed text (the original if nothing was fixed)
    fixed: Counter = field(default_factory=Counter)  # code -> number of findings fixed
    remaining: List[Diagnostic] = field(default_factory=list)  # the findings of the fixed text
    result: object = None  # the FileResult of the fixed text (its summary, for the project phase)


def fix_text(text: str, display: str, enabled: frozenset, unsafe: bool, path: Optional[str] = None) -> Outcome:
    """Lint, apply the applicable fixes, lint again, until nothing applicable is left.
    Raises FixError if a pass produced code that does not parse or fixes do not converge."""
    from skewlint.run.engine import lint_text

    compiled = _compiles(text)
    fixed: Counter = Counter()
    for _ in range(MAX_PASSES):
        result = lint_text(text, display, enabled, path)
        candidates = [d for d in result.diagnostics if applicable(d.fix, unsafe)]
        # Safe fixes first, unsafe ones on the text they left: `model.training = False` fixed to
        # `model.eval()` also settles the SKW101 whose fix would insert a second `model.eval()`.
        if any(d.fix["applicability"] == SAFE for d in candidates):
            candidates = [d for d in candidates if d.fix["applicability"] == SAFE]
        if not candidates:
            return Outcome(text, fixed, result.diagnostics, result)
        new_text, applied = apply_edits(text, [d.fix for d in candidates])
        if not applied or new_text == text:
            return Outcome(text, fixed, result.diagnostics, result)
        codes = sorted({candidates[i].code for i in applied})
        # The re-parse: what the next pass lints must parse, and compile if the original did.
        if not _parses(new_text) or (compiled and not _compiles(new_text)):
            raise FixError(f"a fix of {', '.join(codes)} produced code that does not parse; "
                           "nothing was written (please report this)")
        fixed.update(candidates[i].code for i in applied)
        text = new_text
    raise FixError(f"fixes did not converge after {MAX_PASSES} passes; nothing was written (please report this)")


def _parses(text: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _compiles(text: str) -> bool:
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True, flags=0x400)  # PyCF_ONLY_AST
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass
class FileOutcome(Outcome):
    original: bytes = b""
    data: bytes = b""  # the fixed bytes


def fix_bytes(data: bytes, display: str, enabled: frozenset, unsafe: bool, path: Optional[str] = None) -> FileOutcome:
    """Fix a file's bytes, keeping its encoding, BOM and line endings. Raises FixError."""
    from skewlint.run.source import SourceError, decode

    try:
        source = decode(data)
    except SourceError as error:
        raise FixError(str(error)) from None
    if _encode(source.text, source.encoding, source.bom) != data:
        raise FixError("its text does not survive decoding and encoding again; not fixed")
    outcome = fix_text(source.text, display, enabled, unsafe, path)
    try:
        new = _encode(outcome.text, source.encoding, source.bom) if outcome.text != source.text else data
    except UnicodeEncodeError:
        raise FixError(f"the fixed code cannot be encoded as {source.encoding}; not fixed") from None
    return FileOutcome(outcome.text, outcome.fixed, outcome.remaining, outcome.result, original=data, data=new)


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


def write_atomically(path: str, data: bytes, expected: bytes) -> None:
    """Replace the file's bytes with `data` if they are still `expected`. Raises FixError."""
    import tempfile  # with --fix only

    real = os.path.realpath(path)  # a symlink keeps pointing at the fixed file
    try:
        info = os.stat(real)
        if info.st_nlink > 1:
            raise FixError(f"it has {info.st_nlink} hard links, which a rename would separate; not fixed")
        with open(real, "rb") as handle:
            if handle.read() != expected:
                raise FixError("it changed since it was read; not fixed")
        handle_fd, temporary = tempfile.mkstemp(dir=os.path.dirname(real), prefix=f".{os.path.basename(real)}.",
                                                suffix=".skewlint-tmp")
    except OSError as error:
        raise FixError(f"could not write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle_fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except OSError:
                pass  # not ours to give away: the new file belongs to us, as any editor's would
        with open(real, "rb") as handle:  # once more, right before the rename: the window is small
            if handle.read() != expected:
                raise FixError("it changed while it was being fixed; not fixed")
        os.replace(temporary, real)
    except OSError as error:
        atomic_write.discard(temporary)
        raise FixError(f"could not write: {error.strerror or error}") from None
    except BaseException:  # FixError above, KeyboardInterrupt: no temporary file left behind
        atomic_write.discard(temporary)
        raise


def unified_diff(before: str, after: str, display: str) -> str:
    """A unified diff of the file (`git apply` / `patch -p0` read it), as ruff prints with --diff."""
    import difflib  # with --diff only

    lines = difflib.unified_diff(_lines(before), _lines(after), fromfile=display, tofile=display)
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> List[str]:
    """Lines with their endings, broken where Python breaks them (not at form feeds)."""
    return _LINE.findall(text)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def fixed_summary(fixed: Dict[str, Counter], names: Dict[str, str]) -> str:
    """`--show-fixes`: what was fixed, per file and rule, as ruff enumerates it."""
    total = sum(sum(counter.values()) for counter in fixed.values())
    if not total:
        return ""
    out = [f"\nFixed {total} diagnostic{'s' if total != 1 else ''}:\n"]
    for filename in sorted(fixed):
        counter = fixed[filename]
        if not counter:
            continue
        out.append(f"- {filename}:\n")
        width = max(len(str(count)) for count in counter.values())
        for code, count in sorted(counter.items()):
            out.append(f"    {count:>{width}} × {code} ({names.get(code, code)})\n")
    return "".join(out) + "\n"
