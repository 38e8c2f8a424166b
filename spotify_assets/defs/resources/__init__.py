"""Dagster resources: thin configurable wrappers over the plain-Python clients."""
