"""`spotify-assets-sql`: SQL over the local DuckDB catalog, printed as an aligned table.

    spotify-assets-sql "select week, count(*) from songs group by week order by week"
    spotify-assets-sql top_artists          # a query shipped in spotify_assets/sql/
    spotify-assets-sql -f my_query.sql
    spotify-assets-sql --list               # the shipped queries and the catalog's tables
    spotify-assets-sql --athena top_artists # on Athena, in GLUE_DATABASE (the lake on S3)

The catalog is --catalog, else SPOTIFY_ASSETS_CATALOG, else the one beside SPOTIFY_ASSETS_LAKE
when that is set, else ./data/catalog.duckdb, else the project checkout's data/catalog.duckdb.
It is opened read-only, so it never blocks a refresh.
"""

import argparse
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from botocore.exceptions import BotoCoreError, ClientError

from spotify_assets.catalog.athena import AthenaQueryInterrupted, athena_query
from spotify_assets.catalog.duckdb_catalog import connect_read_only
from spotify_assets.catalog.status import CatalogError
from spotify_assets.settings import load_settings

QUERIES_DIR = Path(__file__).resolve().parent.parent / "sql"
# an editable install runs from the checkout: <checkout>/spotify_assets/cli/sql.py
CHECKOUT_CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog.duckdb"
DEFAULT_MAX_ROWS = 200
DEFAULT_ATHENA_TIMEOUT_S = 600.0
MAX_CELL = 60


def shipped_queries() -> dict[str, Path]:
    return {p.stem: p for p in sorted(QUERIES_DIR.glob("*.sql"))}


def query_description(path: Path) -> str:
    """The first sentence of the query's leading `--` comment."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    text = " ".join(lines)
    return text.split(". ")[0].rstrip(".") if text else ""


def resolve_catalog(explicit: str | None, environ=os.environ, cwd: Path | None = None) -> Path:
    """Where the catalog is (see the module docstring for the order)."""
    if explicit:
        return Path(explicit).expanduser()
    if environ.get("SPOTIFY_ASSETS_CATALOG", "").strip() or environ.get("SPOTIFY_ASSETS_LAKE", "").strip():
        return Path(load_settings(environ).catalog_path)
    here = (cwd or Path.cwd()) / "data" / "catalog.duckdb"
    if here.is_file() or not CHECKOUT_CATALOG.is_file():
        return here
    return CHECKOUT_CATALOG


def resolve_query(text: str | None, file: str | None) -> str:
    if file:
        try:
            return Path(file).read_text()
        except OSError as error:
            raise CatalogError(f"cannot read query file {file}: {error.strerror}") from None
    if not text:
        raise CatalogError("give a query, a shipped query name (see --list) or -f FILE")
    queries = shipped_queries()
    name = text.strip().removesuffix(".sql")
    if name in queries:
        return queries[name].read_text()
    return text


def _width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    text = str(value).replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], total: int | None = None) -> str:
    """An aligned plain-text table; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(
            isinstance(row[i], (int, float, Decimal)) and not isinstance(row[i], bool)
            for row in rows
            if row[i] is not None
        )
        for i in range(len(columns))
    ]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(_pad(v, w, n) for v, w, n in zip(values, widths, numeric, strict=True)).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)] + [line(row) for row in cells]
    total = len(rows) if total is None else total
    shown = f"{total} row{'s' if total != 1 else ''}"
    if total > len(rows):
        shown += f"; first {len(rows)} shown, see --max-rows"
    out.append(f"({shown})")
    return "\n".join(out)


def run_query(catalog: Path, sql: str, max_rows: int) -> str:
    with connect_read_only(str(catalog)) as con:
        cursor = con.execute(sql)
        if cursor.description is None:
            return "(no result)"
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(max_rows) if max_rows > 0 else cursor.fetchall()
        total = len(rows) + len(cursor.fetchall()) if max_rows > 0 else len(rows)
    return format_table(columns, rows, total)


def run_on_athena(sql: str, max_rows: int, timeout_s: float = DEFAULT_ATHENA_TIMEOUT_S) -> str:
    """`sql` on Athena in GLUE_DATABASE, through dagster-aws's Athena client resource."""
    from dagster_aws.athena import AthenaClientResource

    settings = load_settings()
    if not settings.glue_database:
        raise CatalogError("--athena needs GLUE_DATABASE: the Glue database the lake_catalog asset fills")
    client = AthenaClientResource(workgroup=settings.athena_workgroup).get_client().client
    columns, rows = athena_query(
        client,
        sql,
        database=settings.glue_database,
        workgroup=settings.athena_workgroup,
        output_location=settings.athena_output_location,
        timeout_s=timeout_s,
    )
    return format_table(columns, rows[:max_rows] if max_rows > 0 else rows, len(rows))


def listing(catalog: Path) -> str:
    lines = ["Shipped queries (spotify-assets-sql NAME):"]
    for name, path in shipped_queries().items():
        lines.append(f"  {name:<16} {query_description(path)}")
    lines.append(f"\nTables in {catalog}:")
    try:
        with connect_read_only(str(catalog)) as con:
            views = [
                r[0]
                for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
            ]
        lines += [f"  {v}" for v in views] or ["  (none)"]
    except CatalogError as error:
        lines.append(f"  {error}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spotify-assets-sql",
        description="Run SQL on the lake's local DuckDB catalog and print the result as a table.",
    )
    parser.add_argument("query", nargs="?", help="SQL text, or the name of a shipped query (see --list)")
    parser.add_argument("-f", "--file", help="read the SQL from this file")
    parser.add_argument("--catalog", help="the DuckDB catalog file (default: see --help epilog)")
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="rows to print; 0 for all")
    parser.add_argument("--list", action="store_true", help="list the shipped queries and the tables")
    parser.add_argument(
        "--athena",
        action="store_true",
        help="run on Athena in GLUE_DATABASE (workgroup ATHENA_WORKGROUP, results ATHENA_OUTPUT_LOCATION)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_ATHENA_TIMEOUT_S,
        help=f"with --athena: seconds to wait for the query (default {DEFAULT_ATHENA_TIMEOUT_S:g}); then, or on Ctrl-C, it is stopped",
    )
    parser.epilog = (
        "Catalog: --catalog, else SPOTIFY_ASSETS_CATALOG, else beside SPOTIFY_ASSETS_LAKE, else "
        "./data/catalog.duckdb, else the project checkout's data/catalog.duckdb."
    )
    args = parser.parse_args(argv)
    catalog = resolve_catalog(args.catalog)
    try:
        if args.list:
            print(listing(catalog))
            return 0
        query = resolve_query(args.query, args.file)
        if args.athena:
            print(run_on_athena(query, args.max_rows, args.timeout))
        else:
            print(run_query(catalog, query, args.max_rows))
        return 0
    except AthenaQueryInterrupted as interrupted:
        print(f"{interrupted}", file=sys.stderr)
        return 130
    except CatalogError as error:
        print(f"error: {error}", file=sys.stderr)
    except (duckdb.Error, BotoCoreError, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
