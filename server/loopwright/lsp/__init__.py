"""The editor surface: a pygls language server over the manager API and the event log.

Nothing in the core imports this package; it is a front end like the CLI. `server.py`
wires the features together; the protocol is documented in `docs/protocol.md`.
"""
