"""Suppression comments: `# noqa`, `# noqa: SKW101,SKW103`, `# skewlint: ignore[name-or-code]`,
and the file-level `# skewlint: noqa` (optionally `: SKW101,...`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from skewlint.run.source import STRING

# A comment that may suppress: from a `#`, on its line (`# NOQA` counts too). Asked of every file; the
# words alone, in any case, cost seven times as much to look for.
_MENTIONED = re.compile(r"#[^\n]*(?:noqa|skewlint)", re.IGNORECASE)
# `# noqa` alone is a blanket; `# noqa: ...` is a list, never a blanket, whatever follows the colon.
_NOQA = re.compile(r"#\s*noqa(?![\w-])(?P<colon>\s*:)?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*skewlint:\s*ignore\[(?P<items>[^\]]*)\]", re.IGNORECASE)
_FILE = re.compile(r"#\s*skewlint:\s*noqa(?::\s*(?P<codes>[\w\s,-]+))?\s*$", re.IGNORECASE)
# Another linter's code (`E501`, `BLE001`): not ours to check.
_CODE_SHAPE = re.compile(r"[A-Za-z]+[0-9]+")
# What may continue a `# noqa:` list after its first item: a code, a kebab-case rule name, or
# anything starting with our prefix. The first other word ends the list (`# noqa: E501 long URL`).
_LISTED = re.compile(r"[A-Za-z]+[0-9]+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+|skw\S*", re.IGNORECASE)


@dataclass
class Suppression:
    row: int
    column: int
    # None: a blanket `# noqa`; otherwise the selectors it names as written (codes, prefixes or
    # rule names, in any case), each with the codes it covers.
    selectors: Optional[List[str]]
    used: Set[str] = field(default_factory=set)
    codes: Dict[str, FrozenSet[str]] = field(default_factory=dict)


@dataclass
class Suppressions:
    lines: Dict[int, List[Suppression]] = field(default_factory=dict)
    file_blanket: bool = False
    file_codes: Set[str] = field(default_factory=set)
    # (row, column of the comment, item, the comment's form: `noqa`, `skewlint: ignore`, `skewlint:
    # noqa`) for each item that is neither a skewlint code, prefix or rule name nor another linter's
    # code: it suppresses nothing (a typo is never a blanket `# noqa`).
    unknown: List[Tuple[int, int, str, str]] = field(default_factory=list)

    def covers(self, code: str, name: str, rows) -> bool:
        """Is a diagnostic of `code` on any of `rows` suppressed? Marks the suppression used."""
        if self.file_blanket or code in self.file_codes:
            return True
        for row in rows:
            for suppression in self.lines.get(row, ()):
                if suppression.selectors is None:
                    return True
                for selector in suppression.selectors:
                    if code in suppression.codes.get(selector, ()):
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


def _resolve(item: str) -> Optional[FrozenSet[str]]:
    """The codes a suppression item names: a code or prefix in any case (`skw101`, `SKW1`) or a rule
    name; None if it names none. `ALL` is a selector for configuration, not for a comment."""
    from skewlint.registry import SelectorError, registry

    if item.upper() == "ALL":
        return None
    try:
        return registry().resolve(item)
    except SelectorError:
        return None


def _classify(items: List[str], foreign_codes: bool) -> Tuple[List[str], Dict[str, FrozenSet[str]], List[str]]:
    """(selectors, their codes, unknown items). With `foreign_codes`, other linters' codes
    (`E501`) are skipped rather than unknown: `# noqa` is shared, `# skewlint: ignore[...]` is ours."""
    selectors, codes, unknown = [], {}, []
    for item in items:
        if foreign_codes and _CODE_SHAPE.fullmatch(item) and not item.upper().startswith("SKW"):
            continue
        resolved = _resolve(item)
        if resolved is None:
            unknown.append(item)
        else:
            selectors.append(item)
            codes[item] = resolved
    return selectors, codes, unknown


def _noqa_items(rest: str) -> List[str]:
    """The items of a `# noqa:` list: the first word whatever it is, then while they look like codes
    or rule names."""
    items = []
    for word in _split(rest.split("#")[0]):
        if items and not _LISTED.fullmatch(word):
            break
        items.append(word)
    return items


# A comment, or a string: skipped whole, so that a `#` inside one starts no comment. The comments
# found are the tokenizer's (rows count `\n` as its lines do); Python's own tokenizer, pure Python
# before 3.12, took 2 ms per hundred lines, ten times this pattern.
_COMMENT_OR_STRING = re.compile(r"\#[^\r\n]* | " + STRING, re.VERBOSE | re.DOTALL)


def _comments(text: str):
    """(row, column, comment text) for every comment."""
    row, counted = 1, 0
    for match in _COMMENT_OR_STRING.finditer(text):
        if text[match.start()] == "#":
            start = match.start()
            row += text.count("\n", counted, start)
            counted = start
            yield row, start - text.rfind("\n", 0, start), match.group()


def _split(items: str) -> List[str]:
    return [item for item in re.split(r"[\s,]+", items.strip()) if item]


def parse(text: str) -> Suppressions:
    result = Suppressions()
    if not _MENTIONED.search(text):
        return result
    for row, column, comment in _comments(text):
        file_level = _FILE.search(comment)
        if file_level:
            if file_level.group("codes"):
                selectors, codes, unknown = _classify(_split(file_level.group("codes")), foreign_codes=True)
                result.file_codes.update(code for selector in selectors for code in codes[selector])
                result.unknown += [(row, column + file_level.start(), item, "skewlint: noqa") for item in unknown]
            else:
                result.file_blanket = True
            continue
        for match in _IGNORE.finditer(comment):
            selectors, codes, unknown = _classify(_split(match.group("items")), foreign_codes=False)
            result.lines.setdefault(row, []).append(Suppression(row, column + match.start(), selectors, codes=codes))
            result.unknown += [(row, column + match.start(), item, "skewlint: ignore") for item in unknown]
        # Each `# noqa` of the comment (the language server appends `  # noqa: CODE` to a line).
        for noqa in _NOQA.finditer(comment):
            if noqa.group("colon") is None:
                result.lines.setdefault(row, []).append(Suppression(row, column + noqa.start(), None))
                continue
            selectors, codes, unknown = _classify(_noqa_items(comment[noqa.end():]), foreign_codes=True)
            # Other linters' codes (`# noqa: E501`) are their business: no suppression of ours.
            if selectors:
                result.lines.setdefault(row, []).append(Suppression(row, column + noqa.start(), selectors, codes=codes))
            result.unknown += [(row, column + noqa.start(), item, "noqa") for item in unknown]
    return result
