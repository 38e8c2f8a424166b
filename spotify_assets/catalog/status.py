"""What a catalog refresh reports, whichever catalog it refreshed."""

from dataclasses import dataclass, field
from typing import Any, Literal

CatalogPath = Literal["duckdb", "crawl", "partitions", "none"]


class CatalogError(Exception):
    """The catalog could not be refreshed; the message names the setting, table or file and the fix."""


@dataclass(frozen=True)
class TableStatus:
    name: str
    partitions: int
    rows: int | None = None  # known locally; Glue does not count rows


@dataclass(frozen=True)
class CatalogReport:
    path: CatalogPath
    tables: tuple[TableStatus, ...]
    details: dict[str, Any] = field(default_factory=dict)
    views: tuple[str, ...] = ()  # Athena's views in Glue (the star's `<table>_latest`)

    def tables_json(self) -> dict[str, dict[str, int]]:
        return {
            t.name: {"partitions": t.partitions} | ({} if t.rows is None else {"rows": t.rows}) for t in self.tables
        }

    def markdown(self) -> str:
        with_rows = any(t.rows is not None for t in self.tables)
        header = "| table | partitions |" + (" rows |" if with_rows else "")
        rule = "|---|---:|" + ("---:|" if with_rows else "")
        lines = [header, rule]
        for t in self.tables:
            row = f"| `{t.name}` | {t.partitions} |"
            if with_rows:
                row += f" {'' if t.rows is None else t.rows} |"
            lines.append(row)
        if self.views:
            lines += ["", "Views: " + ", ".join(f"`{v}`" for v in self.views)]
        return "\n".join(lines)
