"""The worker's tools: their schemas (what the model sees) and what they do in the
worktree (`files`, `toolbox`)."""
