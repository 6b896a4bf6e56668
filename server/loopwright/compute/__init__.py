"""Where work executes: this machine, or a Ray cluster (docs/cluster.md).

The manager's machine keeps the event log and the repository; what travels to a node is
a git bundle of the commit to work on, and what comes back is a result (and, for a
session, a bundle of its commits). Only this package imports Ray, and only when the
`[compute]` section asks for it.
"""
