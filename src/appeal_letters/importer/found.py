"""What the importer found: each value with the source line it came from and, when a person
should look at it, why. Nothing is filled in that the appeal does not say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Found:
    """One value read from the appeal.

    ``line`` is 1-based in the text the importer read (None: not found); ``check`` says why a
    person should look (None: read plainly); ``written`` is the value as the appeal writes it
    when it was normalised ("AU: 45/18" for "UA 45/18").
    """

    value: Any = None
    line: int | None = None
    check: str | None = None
    written: str | None = None

    @property
    def missing(self) -> bool:
        return self.value is None or self.value == [] or self.value == {}


def missing(why: str) -> Found:
    """A value the appeal does not give: left empty, with what to do."""
    return Found(None, None, why)


@dataclass
class Addressee:
    """One authority the appeal asks supporters to write to."""

    line: int
    source: str
    fields: dict[str, Found] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None


@dataclass
class Imported:
    """Everything read from one appeal, in the order the workspace files list it."""

    source: str
    kind: str
    appeal: dict[str, Found] = field(default_factory=dict)
    actions: list[Found] = field(default_factory=list)
    addressees: list[Addressee] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain data for ``--json``: every field with its value, line and check."""

        def one(found: Found) -> dict[str, Any]:
            return {
                "value": found.value,
                "line": found.line,
                "check": found.check,
                **({"written": found.written} if found.written else {}),
            }

        return {
            "source": self.source,
            "kind": self.kind,
            "appeal": {name: one(found) for name, found in self.appeal.items()},
            "actions": [one(found) for found in self.actions],
            "addressees": [
                {
                    "line": a.line,
                    "fields": {name: one(found) for name, found in a.fields.items()},
                    "notes": a.notes,
                }
                for a in self.addressees
            ],
            "notes": self.notes,
        }
