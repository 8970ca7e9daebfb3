"""The result types every stage shares: a finding from a rule and a located diagnostic."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional, Tuple

if TYPE_CHECKING:  # neither is imported at run time: the report layer never needs libcst
    from skewlint.fix.edits import Fix
    from skewlint.lazy import libcst as cst


@dataclass(frozen=True)
class Finding:
    """What a rule reports: a node of the parsed module and a message.

    Positions are resolved by the engine afterwards, once per file and only when something was
    found, so a clean file never pays for position metadata.
    """

    code: str
    node: cst.CSTNode
    message: str
    # The statement that contains `node`: its first line also accepts a suppression comment.
    statement: Optional[cst.CSTNode] = None
    # Extra locations (node, note) that explain the finding (where the model was built, ...);
    # the message may refer to their lines as `{line0}`, `{line1}`, ...
    related: Tuple[Tuple[cst.CSTNode, str], ...] = ()
    # Changes of the tree that remove the problem (None: no fix offered).
    fix: Optional[Fix] = None


@dataclass(frozen=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based

    def as_dict(self) -> Dict[str, int]:
        return {"column": self.column, "row": self.row}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: str
    message: str
    filename: str
    location: Location
    end_location: Location
    noqa_row: int
    url: Optional[str] = None
    cell: Optional[int] = None
    # The fix as JSON: applicability, message, and its text edits when the output needs them.
    fix: Optional[Dict[str, Any]] = None
    # (Location, note) pairs: evidence shown by `full` output; (Location, note, filename) for
    # evidence in another file (`related_locations` reads both).
    related: Tuple[Tuple[Any, ...], ...] = field(default=())

    def sort_key(self) -> Tuple[str, int, int, int, str]:
        # A notebook's rows restart in each cell: order by cell first.
        return (self.filename, self.cell or 0, self.location.row, self.location.column, self.code)

    def as_dict(self) -> Dict[str, Any]:
        """ruff's JSON schema: keys sorted, 1-based rows and columns, end exclusive."""
        return {
            "cell": self.cell,
            "code": self.code,
            "end_location": self.end_location.as_dict(),
            "filename": self.filename,
            "fix": self.fix,
            "location": self.location.as_dict(),
            "message": self.message,
            "name": self.name,
            "noqa_row": self.noqa_row,
            "severity": self.severity,
            "url": self.url,
        }


def related_locations(diagnostic: Diagnostic) -> Iterator[Tuple[Location, str, str]]:
    """(Location, note, filename) of each related location: the diagnostic's own file unless the
    entry names another."""
    for location, note, *other in diagnostic.related:
        yield location, note, other[0] if other else diagnostic.filename
