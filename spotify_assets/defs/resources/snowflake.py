"""The `snowflake` resource: dagster-snowflake's `SnowflakeResource`, built from the settings when
SNOWFLAKE_ACCOUNT is set (README.md, Snowflake). The password or private key reaches it only as a
`dg.EnvVar`, so it never lands in run config, metadata or logs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dagster as dg

from spotify_assets.settings import SnowflakeSettings

if TYPE_CHECKING:  # dagster-snowflake and its connector load only where Snowflake is configured
    from dagster_snowflake import SnowflakeResource

# which SnowflakeResource field each credential variable fills
CREDENTIAL_FIELDS = {
    "SNOWFLAKE_PASSWORD": "password",
    "SNOWFLAKE_PRIVATE_KEY": "private_key",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "private_key_path",
}


def build_snowflake_resource(settings: SnowflakeSettings) -> SnowflakeResource:
    from dagster_snowflake import SnowflakeResource

    endpoint = {
        name: value
        for name, value in (("host", settings.host), ("port", settings.port), ("protocol", settings.protocol))
        if value is not None
    }
    return SnowflakeResource(
        account=settings.account,
        user=settings.user,
        database=settings.database,
        schema=settings.schema,
        warehouse=settings.warehouse,
        role=settings.role,
        **{CREDENTIAL_FIELDS[settings.credential]: dg.EnvVar(settings.credential)},
        additional_snowflake_connection_args=endpoint or None,
    )
