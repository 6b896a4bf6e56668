"""The manager agent: its tools as the model sees them, its conversation as the log
keeps it, and one turn of it. What its tools do is the host's (manager/steward.py):
this package only talks to the model."""
