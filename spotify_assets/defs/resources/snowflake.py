"""The `snowflake` resource: dagster-snowflake's `SnowflakeResource`, built when a run sets it up
(README.md, Star schema and Snowflake).

Where it connects is not a config field: the account and a proxy or emulator endpoint come from
`SNOWFLAKE_ACCOUNT`, `SNOWFLAKE_HOST`, `SNOWFLAKE_PORT` and `SNOWFLAKE_PROTOCOL` at set-up, under the
endpoint rule (https, or plain http to loopback only; docs/decisions.md, decision 45), so no run
config can send the password elsewhere. The password or private key reaches it only as a
`dg.EnvVar`, so it never lands in run config, metadata or logs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

import dagster as dg
from pydantic import Field, PrivateAttr

from spotify_assets.endpoints import EndpointRefusedError, check_endpoint
from spotify_assets.settings import SnowflakeSettings

# which resource field each credential variable fills
CREDENTIAL_FIELDS = {
    "SNOWFLAKE_PASSWORD": "password",
    "SNOWFLAKE_PRIVATE_KEY": "private_key",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "private_key_path",
}


def snowflake_endpoint(environ: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """(account, connector arguments for a proxy or emulator) from the environment, checked."""
    account = (environ.get("SNOWFLAKE_ACCOUNT") or "").strip()
    if not account:
        raise EndpointRefusedError("SNOWFLAKE_ACCOUNT is not set in the run's environment: set it to load Snowflake.")
    host = (environ.get("SNOWFLAKE_HOST") or "").strip()
    if not host:
        return account, {}  # Snowflake's own https endpoint for the account
    protocol = (environ.get("SNOWFLAKE_PROTOCOL") or "https").strip()
    port = (environ.get("SNOWFLAKE_PORT") or "").strip()
    check_endpoint("SNOWFLAKE_HOST", f"{protocol}://{host}{':' + port if port else ''}/")
    return account, {"host": host, "protocol": protocol, **({"port": int(port)} if port else {})}


class SnowflakeWarehouse(dg.ConfigurableResource):
    """The Snowflake connection of the `warehouse` group; `get_connection()` as dagster-snowflake's."""

    user: str
    database: str
    schema_name: str = Field(description="The Snowflake schema the star is loaded into.")
    warehouse: str | None = None
    role: str | None = None
    password: str | None = None
    private_key: str | None = None
    private_key_path: str | None = None
    _snowflake: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # refuse a bad endpoint before any step runs, and so before the password leaves
        from dagster_snowflake import SnowflakeResource

        try:
            account, endpoint = snowflake_endpoint(os.environ)
        except EndpointRefusedError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error
        credentials = {
            name: value
            for name in ("password", "private_key", "private_key_path")
            if (value := getattr(self, name)) is not None
        }
        self._snowflake = SnowflakeResource(
            account=account,
            user=self.user,
            database=self.database,
            schema=self.schema_name,
            warehouse=self.warehouse,
            role=self.role,
            additional_snowflake_connection_args=endpoint or None,
            **credentials,
        )

    def get_connection(self) -> AbstractContextManager:
        return self._snowflake.get_connection()


def build_snowflake_resource(settings: SnowflakeSettings) -> SnowflakeWarehouse:
    return SnowflakeWarehouse(
        user=settings.user,
        database=settings.database,
        schema_name=settings.schema,
        warehouse=settings.warehouse,
        role=settings.role,
        **{CREDENTIAL_FIELDS[settings.credential]: dg.EnvVar(settings.credential)},
    )
