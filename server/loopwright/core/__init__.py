"""The lowest layer: small pure types and parsers that several packages need and that
depend on nothing else in Loopwright."""
