"""Placeholder for the application: the example only needs the path to exist."""
