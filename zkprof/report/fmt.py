"""Numbers and changes as report text: one formatter for every table, so they all agree.

Plain numbers print as openvm-prof prints them (thousands separators, two decimals only when the
value is not whole at that precision), but rounded as a whole: 1.996 is "2" (openvm-prof: "1.100")
and -0.5 is "-0.50" (openvm-prof: "0.50"). Quantities a person reads print in human units
(`format_quantity`): bytes as KiB/MiB/GiB, milliseconds as ms/s/min/h, cycles as K/M/G, to three
significant digits; exact values stay in Parquet and Bencher JSON.
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


def format_signed(value: float, unit: str = "") -> str:
    text = format_quantity(value, unit)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _significant(value: float) -> str:
    """Three significant digits, at most two decimals: 1.23, 12.3, 123, 1,234."""
    size = abs(value)
    digits = 2 if size < 9.995 else 1 if size < 99.95 else 0
    return f"{value:,.{digits}f}"


BINARY_UNITS = (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))
SI_UNITS = (("G", 1e9), ("M", 1e6), ("K", 1e3))
EXACT_BELOW = 10_000  # counts below this print exactly: "9,938", not "9.94 K"


def format_bytes(count: float) -> str:
    """A size for people, in powers of 1024: "512 B", "1.46 KiB", "88.2 MiB", "12.3 GiB"."""
    if not math.isfinite(count):
        return MISSING
    for unit, scale in BINARY_UNITS:
        if abs(count) >= scale * 0.9995:
            return f"{_significant(count / scale)} {unit}"
    return f"{count:,.0f} B"


def format_ms(ms: float) -> str:
    """A time in milliseconds for people: "0.42 ms", "850 ms", "1.25 s", "2.50 min", "1.50 h",
    and past two days "72.0 h (3.00 days)"."""
    if not math.isfinite(ms):
        return MISSING
    size = abs(ms)
    if size >= 2 * 86_400_000:
        return f"{ms / 3_600_000:,.1f} h ({_significant(ms / 86_400_000)} days)"
    for unit, scale in (("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if size >= scale * 0.9995:
            return f"{_significant(ms / scale)} {unit}"
    return f"{_significant(ms)} ms"


def format_duration(seconds: float) -> str:
    """A time in seconds for people, as `format_ms` writes it."""
    return format_ms(seconds * 1000)


def format_si(value: float) -> str:
    """A large count for wide tables: "9,938" (below 10,000: to the unit), "12.6 K", "4.33 M",
    "1.20 G"."""
    if not math.isfinite(value):
        return MISSING
    if abs(value) < EXACT_BELOW:
        # Whole above 100: a mean or spread of counts has no use for hundredths there.
        return format_number(round(value) if abs(value) >= 100 else value)
    for unit, scale in SI_UNITS:
        if abs(value) >= scale * 0.9995:
            return f"{_significant(value / scale)} {unit}"
    return format_number(value)  # unreachable: EXACT_BELOW > 1,000


# unit (metrics.unit / metrics_catalog) -> its formatter; any other unit prints as a plain number.
QUANTITY_FORMATS = {
    "bytes": format_bytes,
    "ms": format_ms,
    "s": format_duration,
    "cycles": format_si,
    "cycles/s": format_si,
    "gas": format_si,
    "insns": format_si,
    "cells": format_si,
}


def format_quantity(value: float | int | None, unit: str = "") -> str:
    """A value of `unit` for people (see the module's docstring); None/NaN -> "-"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    formatter = QUANTITY_FORMATS.get(unit)
    text = formatter(value) if formatter is not None else format_number(value)
    return "0" if text in ("0 B", "0 ms", "-0 ms") else text


def format_percent(rel: float) -> str:
    """A relative change (0.052) as "+5.2%"."""
    return f"{rel * 100:+.1f}%"


def change_text(change: Change, unit: str = "") -> str | None:
    """What a change says inside a cell: "(+12 [+5.2%])", "(+3 [from 0])", "(new)", or None; the
    absolute change in the value's unit ("(+1.50 MiB [+2.0%])")."""
    kind = change.kind
    if kind in (ChangeKind.NONE, ChangeKind.UNCHANGED, ChangeKind.REMOVED):
        return None
    if kind is ChangeKind.NEW:
        return "(new)"
    if change.rel_change is None:  # zero baseline: a relative change has no meaning
        return f"({format_signed(change.abs_change, unit)} [from 0])"
    return f"({format_signed(change.abs_change, unit)} [{format_percent(change.rel_change)}])"


def cell(value: float | int | None, change: Change | None = None, unit: str = "") -> str:
    """An openvm-prof table cell: "<span style='color: red'>(+12 [+5.2%])</span> 1,234" or " 1,234";
    with a unit, in human units (" 4.33 M", " 88.2 MiB")."""
    text = format_quantity(value, unit)
    note = change_text(change, unit) if change is not None else None
    if note is None:
        return f" {text}"
    return f"<span style='color: {CHANGE_COLORS[change.kind]}'>{note}</span> {text}"  # type: ignore[union-attr]
