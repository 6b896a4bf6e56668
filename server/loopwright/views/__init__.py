"""Read-only views every front end shows (the CLI, the editor, the digest, the report):
inbox items, session rows, one line per record. Pure functions of the state and events."""
