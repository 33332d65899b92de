"""One exception hierarchy; the command line turns it into messages and exit codes."""

from __future__ import annotations


class WorkbookGenError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = 1


class InputError(WorkbookGenError):
    """The inputs have one or more problems. ``problems`` lists them all, each naming its cell."""

    def __init__(self, problems: list[str], source: str = ""):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        n = len(self.problems)
        lines = [f"{head}{n} problem{'s' if n != 1 else ''} found in the input:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class SettingsError(WorkbookGenError):
    """A setting is unknown or has a value out of range."""


class OutputError(WorkbookGenError):
    """The output cannot be written where asked."""


class Interrupted(WorkbookGenError):
    """The run was stopped by a signal (Ctrl-C, SIGTERM); the cleanup has run."""

    def __init__(self, signum: int, name: str):
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {name}; no partial output was left behind.")
