"""The environment, read in one place (README.md, Configuration). Secrets are not read here: they reach the
resources only through `dg.EnvVar`, so they never land in run config or metadata. Nor are the
endpoints that receive them (`SPOTIFY_API_URL`, `SPOTIFY_ACCOUNTS_URL`, `AWS_ENDPOINT_URL*`): the
resources read and check those when a run sets them up (`spotify_assets/endpoints.py`).

The lake's storage (docs/decisions.md, decisions 35 to 37):
- `SPOTIFY_ASSETS_S3_TIMEOUT_S` (default 30): connect and read timeout of every S3 request, in seconds;
  a request is tried twice, so an endpoint that never answers fails a step after about twice this.
- `SPOTIFY_ASSETS_LEASE_TTL_S` (default 120): a week's write lease expires this long after its run
  last renewed it (every TTL/4); then the next run takes it over and marks the dead run failed.
- `SPOTIFY_ASSETS_LEASE_WAIT_S` (default: the TTL): how long a run waits for a week another run is
  writing before it fails, naming that run.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SAMPLE_DATA_DIR = Path(__file__).parent / "sample_data"
SAMPLE_CHARTS_DIR = Path(__file__).parent / "sample_charts"


SNOWFLAKE_REQUIRED = ("SNOWFLAKE_USER", "SNOWFLAKE_DATABASE", "SNOWFLAKE_SCHEMA")
SNOWFLAKE_CREDENTIALS = ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PATH")


class SnowflakeSettingsError(ValueError):
    """SNOWFLAKE_ACCOUNT is set but a variable the warehouse load needs is not."""


@dataclass(frozen=True)
class SnowflakeSettings:
    """Where the star is loaded (README.md, Snowflake). The password or private key is not read here:
    `credential` names the variable that holds it, which the resource reads as a `dg.EnvVar`."""

    account: str
    user: str
    database: str
    schema: str
    credential: str  # SNOWFLAKE_PASSWORD, SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PRIVATE_KEY_PATH
    warehouse: str | None = None
    role: str | None = None
    # a proxy or an emulator; None: Snowflake's own endpoint for the account
    host: str | None = None
    port: int | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class Settings:
    lake: str
    catalog_path: str
    replay_dir: str
    playlists: tuple[str, ...] | None
    live: bool
    refresh_token_set: bool
    glue_database: str | None
    glue_crawler: str | None
    glue_crawler_role_arn: str | None
    glue_catalog_mode: str = "auto"
    athena_workgroup: str = "primary"
    athena_output_location: str | None = None
    s3_timeout_s: float = 30.0
    lease_ttl_s: float = 120.0
    lease_wait_s: float | None = None  # None: the TTL
    # SPOTIFY_ASSETS_FIRST_WEEK; None: the first replay week, or live the documented default
    # (defs/partitions.py: partition_weeks)
    first_week: str | None = None
    # SPOTIFY_CHARTS_DIR (a local path or s3://bucket/prefix); beside the shipped sample replay the
    # shipped sample charts, else None (no charts) unless set
    charts_dir: str | None = None
    # SNOWFLAKE_ACCOUNT and the rest; None: no warehouse group in the code location
    snowflake: SnowflakeSettings | None = None

    @property
    def lake_is_s3(self) -> bool:
        return self.lake.startswith("s3://")


def _absolute(path: str) -> str:
    return path if "://" in path else str(Path(path).expanduser().resolve())


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(allowed)}")
    return value


def _seconds(name: str, value: str | None, default: float | None) -> float | None:
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise ValueError(f"{name}={value!r} is not a positive number of seconds")
    return seconds


def snowflake_settings(get) -> SnowflakeSettings | None:
    """The Snowflake settings when SNOWFLAKE_ACCOUNT is set; a missing variable is named at load
    time, before any run could load anything."""
    account = get("SNOWFLAKE_ACCOUNT")
    if account is None:
        return None
    missing = [name for name in SNOWFLAKE_REQUIRED if get(name) is None]
    credential = next((name for name in SNOWFLAKE_CREDENTIALS if get(name) is not None), None)
    if credential is None:
        missing.append(" or ".join(SNOWFLAKE_CREDENTIALS))
    if missing:
        raise SnowflakeSettingsError(
            f"SNOWFLAKE_ACCOUNT={account} is set, so the star is loaded into Snowflake, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: set "
            f"{'it' if len(missing) == 1 else 'them'} (README.md, Snowflake), or unset SNOWFLAKE_ACCOUNT."
        )
    port = get("SNOWFLAKE_PORT")
    if port is not None and not port.isdigit():
        raise SnowflakeSettingsError(f"SNOWFLAKE_PORT={port!r} is not a port number")
    protocol = get("SNOWFLAKE_PROTOCOL")
    return SnowflakeSettings(
        account=account,
        user=get("SNOWFLAKE_USER"),
        database=get("SNOWFLAKE_DATABASE"),
        schema=get("SNOWFLAKE_SCHEMA"),
        credential=credential,
        warehouse=get("SNOWFLAKE_WAREHOUSE"),
        role=get("SNOWFLAKE_ROLE"),
        host=get("SNOWFLAKE_HOST"),
        port=int(port) if port else None,
        protocol=_choice("SNOWFLAKE_PROTOCOL", protocol, ("http", "https")) if protocol else None,
    )


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    lake = _absolute(get("SPOTIFY_ASSETS_LAKE") or "data/lake")
    if get("SPOTIFY_ASSETS_CATALOG"):
        catalog = _absolute(get("SPOTIFY_ASSETS_CATALOG"))
    elif lake.startswith("s3://"):
        catalog = _absolute("data/catalog.duckdb")
    else:
        catalog = str(Path(lake).parent / "catalog.duckdb")
    playlists = get("SPOTIFY_PLAYLISTS")
    live = bool(get("SPOTIFY_CLIENT_ID") and get("SPOTIFY_CLIENT_SECRET"))
    # the sample charts belong to the sample weeks: they are the default only beside the sample replay
    sample_replay = not live and not get("SPOTIFY_REPLAY_DIR")
    charts_dir = get("SPOTIFY_CHARTS_DIR") or (str(SAMPLE_CHARTS_DIR) if sample_replay else None)
    return Settings(
        lake=lake.rstrip("/"),
        catalog_path=catalog,
        replay_dir=_absolute(get("SPOTIFY_REPLAY_DIR") or str(SAMPLE_DATA_DIR)),
        playlists=tuple(p.strip() for p in playlists.split(",") if p.strip()) if playlists else None,
        live=live,
        refresh_token_set=bool(get("SPOTIFY_REFRESH_TOKEN")),
        glue_database=get("GLUE_DATABASE"),
        glue_crawler=get("GLUE_CRAWLER"),
        glue_crawler_role_arn=get("GLUE_CRAWLER_ROLE_ARN"),
        glue_catalog_mode=_choice(
            "GLUE_CATALOG_MODE", get("GLUE_CATALOG_MODE") or "auto", ("auto", "crawl", "partitions")
        ),
        athena_workgroup=get("ATHENA_WORKGROUP") or "primary",
        athena_output_location=get("ATHENA_OUTPUT_LOCATION"),
        s3_timeout_s=_seconds("SPOTIFY_ASSETS_S3_TIMEOUT_S", get("SPOTIFY_ASSETS_S3_TIMEOUT_S"), 30.0),
        lease_ttl_s=_seconds("SPOTIFY_ASSETS_LEASE_TTL_S", get("SPOTIFY_ASSETS_LEASE_TTL_S"), 120.0),
        lease_wait_s=_seconds("SPOTIFY_ASSETS_LEASE_WAIT_S", get("SPOTIFY_ASSETS_LEASE_WAIT_S"), None),
        first_week=(get("SPOTIFY_ASSETS_FIRST_WEEK") or "").strip() or None,
        charts_dir=_absolute(charts_dir).rstrip("/") if charts_dir else None,
        snowflake=snowflake_settings(get),
    )
