"""What running one command gave: the worker's commands, the checks and the sandbox all
speak it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int
    output: str  # the tail, already truncated with a note when it was longer
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out
