"""Music trends without Dagster: chart history and movements, their rules, the weekly report's
rendering (docs/trends.md)."""
