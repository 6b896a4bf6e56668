"""Git: worktrees, diffs and hunks, merging and landing, path safety."""
