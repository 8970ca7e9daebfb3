"""Run mypy on skewlint's public interfaces, as `[tool.mypy]` in pyproject.toml configures it.

The package is installed as `skewlint` from the folders `linter/` and `rules/`; mypy finds modules
by folder names, so it checks a tree of links laid out as the installed package. Errors known
before the check existed (`tests/data/mypy-baseline.txt`: bodies of `semantic/model.py` whose
fields and locals are typed `object`, not to be changed with the annotations) are told apart from
new ones.

    python tests/typecheck.py          # mypy's output, then new and fixed errors; exit 1 on new ones
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "data" / "mypy-baseline.txt"
_ERROR = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+): error: (?P<message>.*?)  \[(?P<code>[a-z-]+)\]$")


def run_mypy(work: Path) -> Tuple[int, str]:
    """mypy's exit status and output, run on a linked tree in `work`."""
    package = work / "skewlint"
    package.mkdir()
    for entry in sorted((ROOT / "linter").iterdir()):
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "rules").symlink_to(ROOT / "rules")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(work / "cache"), "--show-error-codes"],
        cwd=work, capture_output=True, text=True,
    )
    return done.returncode, done.stdout + done.stderr


def errors(output: str) -> List[str]:
    """The errors, keyed without line numbers (`path: [code] message`), so that edits elsewhere in a
    file do not change them."""
    found = []
    for line in output.splitlines():
        match = _ERROR.match(line.strip())
        if match:
            found.append(f"{match['path']}: [{match['code']}] {match['message']}")
    return found


def baseline() -> List[str]:
    lines = BASELINE.read_text(encoding="utf-8").splitlines() if BASELINE.exists() else []
    return [line for line in lines if line.strip() and not line.startswith("#")]


def compare(found: List[str], known: List[str]) -> Tuple[List[str], List[str]]:
    """(new errors, baseline entries no longer found), counting repeats."""
    new = Counter(found) - Counter(known)
    fixed = Counter(known) - Counter(found)
    return sorted(new.elements()), sorted(fixed.elements())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="skewlint-mypy-") as work:
        status, output = run_mypy(Path(work))
    print(output, end="")
    new, fixed = compare(errors(output), baseline())
    for line in new:
        print(f"new: {line}")
    for line in fixed:
        print(f"fixed (remove it from {BASELINE.relative_to(ROOT)}): {line}")
    return 1 if new or fixed or (status != 0 and not errors(output)) else 0


if __name__ == "__main__":
    sys.exit(main())
