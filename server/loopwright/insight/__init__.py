"""What the loop cost the human and got done, read back from the log: the history of
sessions, the metrics over it, and the HTML report with its SVG charts."""
