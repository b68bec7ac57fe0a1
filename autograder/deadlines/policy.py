"""``deadlines.toml``, read and checked: every error is one line naming the file and the field.

See ``deadlines.example.toml`` (and README, *Deadlines and late work*) for the format; the
meaning of each field, and the order in which they apply, is in this package's docstring.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIODS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
COUNTS = ("started", "prorated")
TOP = ("timezone", "late", "late_days", "assignments", "extensions")
LATE = (
    "grace_minutes",
    "penalty_percent",
    "penalty_points",
    "per",
    "count",
    "max_penalty_percent",
    "max_penalty_points",
    "zero_after_days",
)
LATE_DAYS = ("per_student", "max_per_assignment", "extra")
ASSIGNMENT = ("due", "late")
EXTENSION = ("days", "hours", "minutes")


class PolicyError(ValueError):
    """``deadlines.toml`` is not valid: ``<file>: <field>: <what is wrong>``, one line."""


@dataclass(frozen=True)
class Rules:
    """The late policy of one assignment (the defaults: no penalty at all)."""

    grace: timedelta = timedelta(0)
    unit: str = "percent"  # what ``penalty`` and ``cap`` count: "percent" of the score, "points"
    penalty: float = 0.0  # per period late
    per: str = "day"
    count: str = "started"
    cap: float | None = None
    zero_after: timedelta | None = None

    @property
    def period(self) -> timedelta:
        return PERIODS[self.per]


@dataclass(frozen=True)
class Policy:
    """The course's deadlines. Times are aware (UTC); ``zone`` is the course's, for display."""

    source: str = "deadlines.toml"
    zone: tzinfo = UTC
    due: dict[str, datetime] = field(default_factory=dict)
    rules: dict[str, Rules] = field(default_factory=dict)
    default_rules: Rules = Rules()
    extensions: dict[tuple[str, str], datetime] = field(default_factory=dict)
    """(student, assignment) -> that student's due date."""
    late_days: int = 0
    late_days_max: int | None = None
    late_days_extra: dict[str, int] = field(default_factory=dict)

    def rules_of(self, assignment: str) -> Rules:
        return self.rules.get(assignment, self.default_rules)

    def due_of(self, assignment: str, student: str) -> datetime | None:
        """The student's due date of the assignment: an extension's, else the assignment's."""
        return self.extensions.get((student, assignment), self.due.get(assignment))

    def late_days_of(self, student: str) -> int:
        return self.late_days + self.late_days_extra.get(student, 0)

    def in_due_order(self) -> list[str]:
        """The assignments with a due date, earliest first (ties: by name): the order in which
        they spend late days."""
        return sorted(self.due, key=lambda a: (self.due[a], a))


def load(path: Path, assignments: list[str] | None = None) -> Policy | None:
    """The policy in ``path``, or None when there is no such file (no deadlines).

    ``assignments``: the course's, when known; a section naming another is an error.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot be read: {exc}") from None
    return parse(text, str(path), assignments)


def parse(text: str, source: str = "deadlines.toml", assignments=None) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None
    return _Reader(source, assignments).policy(data)


class _Reader:
    """Reads one file's tables, naming the file and the field in every error."""

    def __init__(self, source: str, assignments):
        self.source = source
        self.known = list(assignments) if assignments is not None else None
        self.zone: tzinfo | None = None

    def fail(self, where: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.source}: {where}: {problem}")

    def policy(self, data: dict) -> Policy:
        self.keys(data, TOP, "the file")
        self.zone = self.timezone(data.get("timezone"))
        default = self.rules(self.table(data, "late"), "late", Rules())
        due, rules = self.assignments(self.table(data, "assignments"), default)
        days = self.table(data, "late_days")
        self.keys(days, LATE_DAYS, "late_days")
        return Policy(
            source=self.source,
            zone=self.zone or UTC,
            due=due,
            rules=rules,
            default_rules=default,
            extensions=self.extensions(self.table(data, "extensions"), due),
            late_days=self.count(days.get("per_student", 0), "late_days.per_student"),
            late_days_max=self.optional_count(days, "max_per_assignment", "late_days"),
            late_days_extra={
                student: self.count(n, f"late_days.extra.{student}")
                for student, n in self.table(days, "extra", "late_days.extra").items()
            },
        )

    def table(self, data: dict, key: str, where: str | None = None) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(where or key, f"expected a table, got {value!r}")
        return value

    def keys(self, data: dict, allowed: tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in allowed:
                name = key if where == "the file" else f"{where}.{key}"
                raise self.fail(name, f"unknown field (known here: {', '.join(allowed)})")

    def timezone(self, value) -> tzinfo | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail("timezone", f"expected an IANA name, got {value!r}")
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                "timezone", f"unknown time zone {value!r} (an IANA name, e.g. America/Los_Angeles)"
            ) from None

    def number(self, value, where: str, low: float, high: float = math.inf) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {value!r}")
        if not (low <= value <= high) or math.isnan(value):
            shown = f"from {low:g} to {high:g}" if high < math.inf else f"at least {low:g}"
            raise self.fail(where, f"expected a number {shown}, got {value!r}")
        return float(value)

    def count(self, value, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(where, f"expected a whole number, 0 or more, got {value!r}")
        return value

    def optional_count(self, data: dict, key: str, where: str) -> int | None:
        return None if key not in data else self.count(data[key], f"{where}.{key}")

    def rules(self, late: dict, where: str, base: Rules) -> Rules:
        """``base`` with the fields of a ``late`` table; a penalty (or a cap) in the other unit
        replaces the base's."""
        self.keys(late, LATE, where)
        for one, other in (
            ("penalty_percent", "penalty_points"),
            ("max_penalty_percent", "max_penalty_points"),
        ):
            if one in late and other in late:
                raise self.fail(f"{where}.{other}", f"give {one} or {other}, not both")
        got = self._fields(late, where)
        if "penalty_points" in late or "penalty_percent" in late:
            got["unit"] = "points" if "penalty_points" in late else "percent"
            if got["unit"] != base.unit and "cap" not in got:
                got["cap"] = None  # the base's cap counted the other unit
        rules = replace(base, **got)
        cap_unit = "points" if "max_penalty_points" in late else "percent"
        given_cap = "max_penalty_points" in late or "max_penalty_percent" in late
        if given_cap and cap_unit != rules.unit:
            raise self.fail(
                f"{where}.max_penalty_{cap_unit}",
                f"the penalty counts {rules.unit}: give the cap as max_penalty_{rules.unit}",
            )
        return rules

    def _fields(self, late: dict, where: str) -> dict:
        got: dict = {}
        if "grace_minutes" in late:
            got["grace"] = timedelta(
                minutes=self.number(late["grace_minutes"], f"{where}.grace_minutes", 0)
            )
        for key, high in (("penalty_percent", 100.0), ("penalty_points", math.inf)):
            if key in late:
                got["penalty"] = self.number(late[key], f"{where}.{key}", 0, high)
        for key, high in (("max_penalty_percent", 100.0), ("max_penalty_points", math.inf)):
            if key in late:
                got["cap"] = self.number(late[key], f"{where}.{key}", 0, high)
        if "zero_after_days" in late:
            days = self.number(late["zero_after_days"], f"{where}.zero_after_days", 0)
            got["zero_after"] = timedelta(days=days)
        for key, choices in (("per", tuple(PERIODS)), ("count", COUNTS)):
            if key in late and late[key] not in choices:
                raise self.fail(
                    f"{where}.{key}", f"expected one of {', '.join(choices)}, got {late[key]!r}"
                )
            if key in late:
                got[key] = late[key]
        return got

    def assignments(self, data: dict, default: Rules) -> tuple[dict, dict]:
        due, rules = {}, {}
        for name, entry in data.items():
            where = f"assignments.{name}"
            self.assignment_name(name, where)
            if not isinstance(entry, dict):
                raise self.fail(where, f"expected a table, got {entry!r}")
            self.keys(entry, ASSIGNMENT, where)
            if "due" in entry:
                due[name] = self.when(entry["due"], f"{where}.due")
            if "late" in entry:
                rules[name] = self.rules(
                    self.table(entry, "late", f"{where}.late"), f"{where}.late", default
                )
        return due, rules

    def assignment_name(self, name: str, where: str) -> None:
        if self.known is not None and name not in self.known:
            raise self.fail(where, f"no such assignment (the course's: {', '.join(self.known)})")

    def when(self, value, where: str) -> datetime:
        """An aware time in UTC, from a TOML date-time or an ISO 8601 text; one without an
        offset is in the file's ``timezone``."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise self.fail(where, f"not an ISO 8601 date and time: {value!r}") from None
        if isinstance(value, date) and not isinstance(value, datetime):
            raise self.fail(where, f"{value} has no time of day: write one, e.g. {value}T23:59:00")
        if not isinstance(value, datetime):
            raise self.fail(where, f"expected a date and time, got {value!r}")
        if value.tzinfo is None:
            if self.zone is None:
                raise self.fail(
                    where,
                    f"{value.isoformat()} has no UTC offset: add one (e.g. -07:00) or set "
                    "timezone at the top of the file",
                )
            value = value.replace(tzinfo=self.zone)
        return value.astimezone(UTC)

    def extensions(self, data: dict, due: dict[str, datetime]) -> dict:
        found = {}
        for student, entries in data.items():
            where = f"extensions.{student}"
            if not isinstance(entries, dict):
                raise self.fail(
                    where, f"expected a table of assignment = extension, got {entries!r}"
                )
            for name, value in entries.items():
                self.assignment_name(name, f"{where}.{name}")
                found[(student, name)] = self.extension(value, f"{where}.{name}", due.get(name))
        return found

    def extension(self, value, where: str, due: datetime | None) -> datetime:
        """A student's due date: a later date and time, or ``{ days = ..., hours = ... }`` more."""
        if isinstance(value, dict):
            self.keys(value, EXTENSION, where)
            if due is None:
                raise self.fail(where, "days or hours more need the assignment's due date")
            more = timedelta(**{k: self.number(v, f"{where}.{k}", 0) for k, v in value.items()})
            return due + more
        when = self.when(value, where)
        if due is not None and when < due:
            raise self.fail(where, f"{when.isoformat()} is before the assignment's due date")
        return when
