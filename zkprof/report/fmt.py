"""Numbers and changes as report text: one formatter for every table, so they all agree.

Values print as openvm-prof prints them (thousands separators, two decimals only when the value is
not whole at that precision), but rounded as a whole: 1.996 is "2" (openvm-prof: "1.100") and -0.5
is "-0.50" (openvm-prof: "0.50").
"""

from __future__ import annotations

import math

from zkprof.report.compare import Change, ChangeKind

MISSING = "-"

# The colour a change is drawn in, by its kind; none for what is not a change.
CHANGE_COLORS: dict[ChangeKind, str] = {
    ChangeKind.REGRESSION: "red",
    ChangeKind.IMPROVEMENT: "green",
    ChangeKind.NOISE: "gray",
    ChangeKind.CHANGED: "gray",
    ChangeKind.NEW: "gray",
}


def format_number(value: float | int | None) -> str:
    """1234.5 -> "1,234.50"; 1234.0 -> "1,234"; 1.996 -> "2"; -0.5 -> "-0.50"; None/NaN -> "-"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    # Round half away from zero at hundredths, as a whole: the decimals can carry into the units.
    cents = math.floor(abs(value) * 100 + 0.5)
    whole, frac = divmod(int(cents), 100)
    sign = "-" if value < 0 and cents else ""
    return f"{sign}{whole:,}.{frac:02d}" if frac else f"{sign}{whole:,}"


def format_signed(value: float) -> str:
    text = format_number(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def format_percent(rel: float) -> str:
    """A relative change (0.052) as "+5.2%"."""
    return f"{rel * 100:+.1f}%"


def change_text(change: Change) -> str | None:
    """What a change says inside a cell: "(+12 [+5.2%])", "(+3 [from 0])", "(new)", or None."""
    kind = change.kind
    if kind in (ChangeKind.NONE, ChangeKind.UNCHANGED, ChangeKind.REMOVED):
        return None
    if kind is ChangeKind.NEW:
        return "(new)"
    if change.rel_change is None:  # zero baseline: a relative change has no meaning
        return f"({format_signed(change.abs_change)} [from 0])"
    return f"({format_signed(change.abs_change)} [{format_percent(change.rel_change)}])"


def cell(value: float | int | None, change: Change | None = None) -> str:
    """An openvm-prof table cell: "<span style='color: red'>(+12 [+5.2%])</span> 1,234" or " 1,234"."""
    text = format_number(value)
    note = change_text(change) if change is not None else None
    if note is None:
        return f" {text}"
    return f"<span style='color: {CHANGE_COLORS[change.kind]}'>{note}</span> {text}"  # type: ignore[union-attr]


def format_duration(seconds: float) -> str:
    """A duration for people: "42.0 s", "3.5 min", "2.3 h", "60.0 h (2.5 days)"."""
    if not math.isfinite(seconds):
        return MISSING
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    hours = f"{seconds / 3600:,.1f} h"
    # Past two days, days read more easily than hours.
    return f"{hours} ({seconds / 86400:,.1f} days)" if seconds >= 2 * 86400 else hours


def format_bytes(count: float) -> str:
    """A size for people, in powers of 1000 (as memory limits are given): "512 B", "1.5 MB",
    "12.35 GB"."""
    if not math.isfinite(count):
        return MISSING
    for unit, scale, digits in (("TB", 1e12, 2), ("GB", 1e9, 2), ("MB", 1e6, 1), ("kB", 1e3, 1)):
        if abs(count) >= scale:
            return f"{count / scale:,.{digits}f} {unit}"
    return f"{count:.0f} B"
