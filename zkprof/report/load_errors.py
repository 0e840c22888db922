"""The error a report raises for an input it cannot use (kept import-free for the command line)."""


class ReportInputError(ValueError):
    """An input a report cannot use: said plainly, for the command line to print."""
