"""Recall of skewlint on bugs that real projects shipped, and its silence on their fixes.

Each row of cases.tsv names a repository, the commit with the bug, the commit that fixed it, the file
and the lines where the finding belongs. This script reads both versions from local git mirrors
(never from the network), lays out the Python files of the whole tree at that commit in a temporary
folder (so that the modules a file imports are there, as in a checkout), runs the installed
`skewlint check` on the one file, as pre-commit would, and prints per case:

    HIT   a finding of an expected rule at one of the expected lines of the buggy file
    MISS  none (the other findings in the file are listed)
    fixed clean / fixed DIRTY   the fixed version has no finding of the expected rules where the
          expected lines went (the lines the fix kept, or the block it rewrote them into); other
          findings of the fixed file are listed, as a fix may leave another instance of the bug
    CLEAN / FIRES   a hard negative has no finding of its rules at its lines

Mirrors: `--mirrors DIR` or $SKEWLINT_MIRRORS. A repository `owner/name` is looked for as
DIR/owner+name/repo (the layout of the team's fetch tool), DIR/owner+name, DIR/owner/name or DIR/name;
bare or not. A case whose repository or commit is missing is reported as SKIP, never as a miss.

    python benchmarks/realbugs/run.py --mirrors ~/mirrors [--family mode] [--only ID ...] [--json OUT]
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["id", "kind", "repo", "bug_commit", "fix_commit", "path", "lines", "rules", "context",
           "evidence", "description"]
FAMILIES = {"1": "mode", "2": "autograd", "3": "pipelines", "4": "parity"}
# Files laid out besides the one linted: sources a module may import. Larger files are left out,
# as skewlint refuses them anyway.
SOURCE_SUFFIXES = (".py", ".pyi")
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # bug | negative | rejected
    repo: str
    bug_commit: str
    fix_commit: str  # "-": not fixed (bugs) or not applicable (negatives)
    path: str
    lines: str
    rules: str
    context: str  # file | project
    evidence: str
    description: str

    @property
    def codes(self) -> set[str]:
        return set(self.rules.split("|"))

    @property
    def family(self) -> str:
        return FAMILIES[self.rules[3]]

    @property
    def places(self) -> list[tuple[int | None, int, int]]:
        """(cell, first row, last row) for each alternative of `lines`; none for `-` (anywhere)."""
        if self.lines == "-":
            return []
        places = []
        for alternative in self.lines.split("|"):
            cell, _, rows = alternative.rpartition(":")
            first, _, last = rows.partition("-")
            places.append((int(cell) if cell else None, int(first), int(last or first)))
        return places


def read_cases(path: Path) -> list[Case]:
    """The rows of a cases file; lines starting with '#' are comments."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [line for line in handle if line.strip() and not line.startswith("#")]
    reader = csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    if header != COLUMNS:
        raise SystemExit(f"{path}: the header must be: {' '.join(COLUMNS)}")
    cases = []
    for number, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS):
            raise SystemExit(f"{path}: row {number} ({row[:1]}) has {len(row)} fields, not {len(COLUMNS)}")
        cases.append(Case(*row))
    return cases


def find_mirror(mirrors: Path, repo: str) -> Path | None:
    owner, name = repo.split("/")
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}",
                      mirrors / owner / name, mirrors / name):
        if candidate.is_dir() and _git(candidate, "rev-parse", "--git-dir").returncode == 0:
            return candidate
    return None


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True)


def lay_out(repo: Path, commit: str, target: str, into: Path) -> bool:
    """Write the tree's source files at `commit` (and `target`, whatever its kind) under `into`.
    False when the commit or the target is not in the mirror."""
    listing = _git(repo, "ls-tree", "-r", "-l", "-z", commit)
    if listing.returncode != 0:
        return False
    blobs = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        _mode, kind, sha, size = meta.split()
        name = path.decode("utf-8", "surrogateescape")
        if kind != b"blob":
            continue
        if name == target or (name.endswith(SOURCE_SUFFIXES) and size != b"-" and int(size) <= MAX_BYTES):
            blobs[name] = sha
    if target not in blobs:
        return False
    names = sorted(blobs)
    batch = _git(repo, "cat-file", "--batch", stdin=b"".join(blobs[n] + b"\n" for n in names)).stdout
    offset = 0
    for name in names:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        start = header_end + 1
        destination = into / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(batch[start:start + size])
        offset = start + size + 1
    # Pins the project root and keeps the repository's own configuration (if any) out of the run.
    (into / "skewlint.toml").write_text("", encoding="utf-8")
    return True


def lint(root: Path, target: str, skewlint: list[str]) -> list[dict] | str:
    """skewlint's JSON findings for `target`, or the error text of a run that failed."""
    done = subprocess.run([*skewlint, "check", "--output-format", "json", "--no-cache", "--exit-zero",
                           "--config", "skewlint.toml", target], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        return (done.stderr or done.stdout).strip()[-500:]
    return json.loads(done.stdout or "[]")


def _at(finding: dict, places: list[tuple[int | None, int, int]]) -> bool:
    row = finding["location"]["row"]
    return not places or any(cell == finding.get("cell") and first <= row <= last
                             for cell, first, last in places)


def _where(finding: dict) -> str:
    cell = finding.get("cell")
    return f"{finding['code']}@{f'{cell}:' if cell else ''}{finding['location']['row']}"


@dataclass
class Outcome:
    id: str
    kind: str
    family: str
    context: str
    status: str  # hit | miss | clean | fires | skip
    fixed: str  # clean | dirty | - (no fix commit) | skip
    findings: list[str] = field(default_factory=list)  # every finding in the (buggy) file
    fixed_findings: list[str] = field(default_factory=list)
    note: str = ""


def run_case(case: Case, mirrors: Path, skewlint: list[str], workdir: Path) -> Outcome:
    outcome = Outcome(case.id, case.kind, case.family, case.context, "skip", "-")
    repo = find_mirror(mirrors, case.repo)
    if repo is None:
        outcome.note = f"no mirror of {case.repo}"
        return outcome
    found = _lint_at(repo, case.bug_commit, case, workdir / case.id / "bug", skewlint)
    if isinstance(found, str):
        outcome.note = found
        return outcome
    outcome.findings = [_where(f) for f in found]
    relevant = [f for f in found if f["code"] in case.codes and _at(f, case.places)]
    if case.kind == "negative":
        outcome.status = "fires" if relevant else "clean"
        return outcome
    outcome.status = "hit" if relevant else "miss"
    if case.fix_commit != "-":
        fixed = _lint_at(repo, case.fix_commit, case, workdir / case.id / "fix", skewlint)
        if isinstance(fixed, str):
            outcome.fixed, outcome.note = "skip", fixed
        else:
            outcome.fixed_findings = [_where(f) for f in fixed]
            places = moved_places(case.places, _rows(repo, case.bug_commit, case.path),
                                  _rows(repo, case.fix_commit, case.path))
            # No place left: the fix deleted the buggy lines.
            dirty = places and any(f["code"] in case.codes and _at(f, places) for f in fixed)
            outcome.fixed = "dirty" if dirty else "clean"
    return outcome


def _rows(repo: Path, commit: str, path: str) -> list[tuple[int | None, int, str]]:
    """(cell, row, text) of every line of the file at `commit`; cells counted from 1 over all cells."""
    text = _git(repo, "show", f"{commit}:{path}").stdout.decode("utf-8", "replace")
    if not path.endswith(".ipynb"):
        return [(None, row, line) for row, line in enumerate(text.splitlines(), start=1)]
    try:
        cells = json.loads(text).get("cells", [])
    except ValueError:
        return []
    rows = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        source = "".join(source) if isinstance(source, list) else str(source)
        rows += [(number, row, line) for row, line in enumerate(source.splitlines(), start=1)]
    return rows


def moved_places(places, before, after):
    """The places of the fixed file that hold the buggy lines: a line kept by the fix is where it
    moved to; a line the fix rewrote is the rewritten block (a fix that only adds `model.eval()`
    keeps the forward call's line; one that wraps it in `no_grad` rewrites it)."""
    wanted = {index for index, (cell, row, _) in enumerate(before)
              if any(cell == c and first <= row <= last for c, first, last in places)}
    moved = set()
    matcher = difflib.SequenceMatcher(None, [r[2] for r in before], [r[2] for r in after], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        hit = wanted.intersection(range(i1, i2))
        if tag == "equal":
            moved |= {j1 + i - i1 for i in hit}
        elif hit:
            moved |= set(range(j1, j2))
    return [(after[j][0], after[j][1], after[j][1]) for j in sorted(moved)]


def _lint_at(repo: Path, commit: str, case: Case, root: Path, skewlint: list[str]) -> list[dict] | str:
    if not lay_out(repo, commit, case.path, root):
        return f"{case.path} is not at {commit[:12]} in the mirror"
    try:
        return lint(root, case.path, skewlint)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summarize(outcomes: list[Outcome]) -> list[str]:
    lines = ["", "family      recall (file / project)       fixed clean   negatives clean"]
    for family in [*FAMILIES.values(), "all"]:
        mine = [o for o in outcomes if family in ("all", o.family) and o.status != "skip"]
        bugs = [o for o in mine if o.kind == "bug"]
        if not mine:
            continue
        hits = sum(o.status == "hit" for o in bugs)
        per_context = " / ".join(
            f"{sum(o.status == 'hit' for o in bugs if o.context == c)}/{sum(o.context == c for o in bugs)}"
            for c in ("file", "project"))
        fixes = [o for o in bugs if o.fixed in ("clean", "dirty")]
        negatives = [o for o in mine if o.kind == "negative"]
        lines.append(f"{family:<11} {_ratio(hits, len(bugs)):<13} ({per_context})"
                     f"{'':<{max(1, 16 - len(per_context))}}"
                     f"{_ratio(sum(o.fixed == 'clean' for o in fixes), len(fixes)):<14}"
                     f"{_ratio(sum(o.status == 'clean' for o in negatives), len(negatives))}")
    skipped = sum(o.status == "skip" for o in outcomes)
    if skipped:
        lines.append(f"{skipped} case(s) skipped (mirror or commit missing): not counted")
    return lines


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} {100 * part / whole:.0f}%" if whole else "-"


def report(outcome: Outcome) -> str:
    label = outcome.status.upper() if outcome.status != "hit" else "HIT"
    text = f"{label:<6} {outcome.id:<34}"
    if outcome.kind == "bug" and outcome.status != "skip":
        text += f" fixed {outcome.fixed.upper() if outcome.fixed == 'dirty' else outcome.fixed:<6}"
    if outcome.status in ("miss", "fires") or outcome.fixed == "dirty":
        text += f"  found: {' '.join(outcome.findings) or 'nothing'}"
        if outcome.fixed == "dirty":
            text += f"  fixed: {' '.join(outcome.fixed_findings)}"
    if outcome.note:
        text += f"  ({outcome.note.splitlines()[-1]})"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirrors", default=os.environ.get("SKEWLINT_MIRRORS"),
                        help="folder of git mirrors (default: $SKEWLINT_MIRRORS)")
    parser.add_argument("--cases", type=Path, default=HERE / "cases.tsv")
    parser.add_argument("--family", choices=sorted(FAMILIES.values()), action="append",
                        help="only cases of this family (repeatable)")
    parser.add_argument("--only", action="append", metavar="ID", help="only this case (repeatable)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every outcome as JSON")
    parser.add_argument("--skewlint", default="skewlint", help="the skewlint command (default: skewlint)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if not args.mirrors:
        parser.error("give the folder of git mirrors with --mirrors or $SKEWLINT_MIRRORS")
    cases = [c for c in read_cases(args.cases) if c.kind != "rejected"
             and (not args.family or c.family in args.family) and (not args.only or c.id in args.only)]
    if args.only and len(cases) != len(set(args.only)):
        parser.error(f"unknown case id(s): {sorted(set(args.only) - {c.id for c in cases})}")
    skewlint = args.skewlint.split()
    with tempfile.TemporaryDirectory(prefix="skewlint-realbugs-") as workdir, \
            ThreadPoolExecutor(max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, Path(args.mirrors), skewlint, Path(workdir)), cases))
    for outcome in outcomes:
        print(report(outcome))
    print("\n".join(summarize(outcomes)))
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
