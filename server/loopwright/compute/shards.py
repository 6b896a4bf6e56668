"""One test run split into N runs, and their N results merged into one."""

from __future__ import annotations

from ..core.commands import CommandResult


def shard_commands(command: str, shards: int) -> list[str]:
    """The command for each shard: `{shard}` is 1 to N, `{shards}` is N. Only those two
    placeholders are replaced; any other brace stays as the shell should see it."""
    if shards <= 1:
        return [command]
    return [command.replace("{shards}", str(shards)).replace("{shard}", str(i))
            for i in range(1, shards + 1)]


def merge(command: str, results: list[CommandResult], where: list[str] | None = None,
          tail_lines: int = 40) -> CommandResult:
    """The checks' one result: passed when every shard passed; the exit code and the
    timeout of the first failing shard; each shard's output tail under a heading that
    says which shard it was and where it ran."""
    if len(results) == 1 and not where:
        return results[0]
    failing = next((r for r in results if not r.ok), None)
    lines: list[str] = []
    per_shard = max(1, tail_lines // len(results))
    for i, r in enumerate(results, start=1):
        place = f" on {where[i - 1]}" if where else ""
        status = "passed" if r.ok else ("timed out" if r.timed_out else f"exit {r.exit_code}")
        lines.append(f"--- shard {i}/{len(results)}{place}: {status} in {r.seconds:.1f} s")
        lines.extend(r.output.splitlines()[-per_shard:])
    return CommandResult(
        command=command,
        exit_code=failing.exit_code if failing else 0,
        output="\n".join(lines) + "\n",
        seconds=max(r.seconds for r in results),
        timed_out=failing.timed_out if failing else False,
    )
