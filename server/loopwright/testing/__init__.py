"""Local fakes of the outside world (the Anthropic Messages API, GitHub's REST API,
Codex's app-server replies) for tests, benchmarks and `loopwright demo`. Installed with
the package because the demo runs on them; nothing in the loop itself imports them."""
