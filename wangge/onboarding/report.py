"""What every onboarding import answers, dry run or commit: the counts by outcome, the problems
row by row (a row that cannot be used names its row number, a stable code and a translated
message), and warnings that do not stop the import (a building that moved grid)."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Problem:
    row: int | None  # the row number a spreadsheet program shows; None for the file as a whole
    code: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "message": self.message}


@dataclass
class OnboardingReport:
    kind: str  # "addresses", "staff", "org_units", "resident_units"
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)  # what would be (or was) created, by kind of record
    unchanged: int = 0  # rows that match what the platform holds already
    problems: list[Problem] = field(default_factory=list)  # any problem stops the commit
    warnings: list[Problem] = field(default_factory=list)  # reported, not applied, not stopping
    committed: bool = False
    # Shown once, never stored in clear: the first-login passwords of the users a staff import created.
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, row: int | None, code: str, message: str) -> None:
        self.problems.append(Problem(row, code, message))

    def warn(self, row: int | None, code: str, message: str) -> None:
        self.warnings.append(Problem(row, code, message))

    def count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "problems": [p.as_json() for p in self.problems],
            "warnings": [w.as_json() for w in self.warnings],
            "committed": self.committed,
        }
