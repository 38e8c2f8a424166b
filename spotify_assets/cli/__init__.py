"""Command-line entry points (`make run`, the SQL shell)."""
