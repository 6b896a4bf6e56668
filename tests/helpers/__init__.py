"""Helpers shared by the test layers (unit, integration, e2e); fixtures are in
tests/conftest.py."""
