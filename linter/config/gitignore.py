"""A small `.gitignore` matcher: patterns, negation, anchoring, directory-only and `**`."""
from __future__ import annotations

import os
import re
from typing import List, Optional, Tuple


def _translate(pattern: str) -> str:
    """A gitignore glob as a regular expression over a `/`-separated relative path."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


class GitIgnore:
    """The patterns of one `.gitignore`, relative to its directory."""

    def __init__(self, directory: str, lines: List[str]):
        self.directory = directory
        self.rules: List[Tuple[re.Pattern, bool, bool]] = []  # (regex, negated, directory only)
        for raw in lines:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            line = line.rstrip() if not line.endswith("\\ ") else line
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            regex = _translate(line)
            if not anchored:
                regex = "(?:.*/)?" + regex
            self.rules.append((re.compile(f"^{regex}$"), negated, dir_only))

    @classmethod
    def load(cls, directory: str) -> Optional["GitIgnore"]:
        path = os.path.join(directory, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return cls(directory, handle.readlines())
        except OSError:
            return None

    def decision(self, path: str, is_dir: bool) -> Optional[bool]:
        """True (ignored), False (re-included by `!`), or None (no pattern matched)."""
        relative = os.path.relpath(path, self.directory).replace(os.sep, "/")
        if relative.startswith(".."):
            return None
        result = None
        for regex, negated, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            if regex.match(relative):
                result = not negated
        return result


def is_ignored(path: str, is_dir: bool, ignores: List[GitIgnore]) -> bool:
    """Deeper `.gitignore` files override shallower ones (`ignores` is ordered shallow to deep)."""
    result = False
    for ignore in ignores:
        decision = ignore.decision(path, is_dir)
        if decision is not None:
            result = decision
    return result


def parents_with_ignores(directory: str) -> List[GitIgnore]:
    """The `.gitignore` files above `directory`, up to the repository root (the folder with `.git`)."""
    chain: List[GitIgnore] = []
    current = os.path.abspath(directory)
    while True:
        parent = os.path.dirname(current)
        if os.path.exists(os.path.join(current, ".git")) or parent == current:
            break
        current = parent
        ignore = GitIgnore.load(current)
        if ignore is not None:
            chain.append(ignore)
    chain.reverse()
    return chain
