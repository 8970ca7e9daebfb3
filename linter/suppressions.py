"""Suppression comments: `# noqa`, `# noqa: SKW101,SKW103`, `# skewlint: ignore[name-or-code]`,
and the file-level `# skewlint: noqa` (optionally `: SKW101,...`)."""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*skewlint:\s*ignore\[(?P<items>[^\]]*)\]", re.IGNORECASE)
_FILE = re.compile(r"#\s*skewlint:\s*noqa(?::\s*(?P<codes>[\w\s,-]+))?\s*$", re.IGNORECASE)


@dataclass
class Suppression:
    row: int
    column: int
    # None: a blanket `# noqa`; otherwise the selectors it names (codes or rule names).
    selectors: Optional[List[str]]
    used: Set[str] = field(default_factory=set)


@dataclass
class Suppressions:
    lines: Dict[int, List[Suppression]] = field(default_factory=dict)
    file_blanket: bool = False
    file_codes: Set[str] = field(default_factory=set)

    def covers(self, code: str, name: str, rows) -> bool:
        """Is a diagnostic of `code` on any of `rows` suppressed? Marks the suppression used."""
        if self.file_blanket or code in self.file_codes:
            return True
        for row in rows:
            for suppression in self.lines.get(row, ()):
                if suppression.selectors is None:
                    return True
                for selector in suppression.selectors:
                    if selector.upper() == code or selector.lower() == name:
                        suppression.used.add(selector)
                        return True
        return False

    def unused(self):
        """(suppression, selector) pairs naming a skewlint rule that suppressed nothing."""
        for suppressions in self.lines.values():
            for suppression in suppressions:
                for selector in suppression.selectors or ():
                    if selector not in suppression.used:
                        yield suppression, selector


def _comments(text: str):
    """(row, column, comment text) for every comment; a line scan if the file does not tokenize."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.start[1] + 1, token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        for row, line in enumerate(text.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                yield row, index + 1, line[index:]


def _split(items: str) -> List[str]:
    return [item for item in re.split(r"[\s,]+", items.strip()) if item]


def parse(text: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in text and "skewlint" not in text:
        return result
    for row, column, comment in _comments(text):
        file_level = _FILE.search(comment)
        if file_level:
            if file_level.group("codes"):
                result.file_codes.update(code.upper() for code in _split(file_level.group("codes")))
            else:
                result.file_blanket = True
            continue
        for match in _IGNORE.finditer(comment):
            selectors = _split(match.group("items"))
            result.lines.setdefault(row, []).append(Suppression(row, column + match.start(), selectors))
        noqa = _NOQA.search(comment)
        if noqa:
            codes = noqa.group("codes")
            if codes is None:
                selectors = None
            else:
                # Only our codes: `# noqa: E501` is another linter's business, not a blanket for ours.
                selectors = [code.upper() for code in _split(codes) if code.upper().startswith("SKW")]
                if not selectors:
                    continue
            result.lines.setdefault(row, []).append(Suppression(row, column + noqa.start(), selectors))
    return result
