"""deploy/dagster.yaml builds a working production instance: PostgreSQL storage, the run queue
with the Spotify pool limit, the ECS run launcher and S3 compute logs, all from the environment."""

import re
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_aws.ecs import EcsRunLauncher
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from spotify_assets_tests.deploy.conftest import DEPLOY_DIR, make_ca, postgres_bindir

ROOT = DEPLOY_DIR.parent
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|CLIENT_ID", re.I)


def env_refs(node) -> set[str]:
    """Every variable a Dagster config file reads through {env: NAME}."""
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(env_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(env_refs(v) for v in node)) if node else set()
    return set()


def production_env(monkeypatch, pg, home: Path) -> None:
    """What an operator sets on the webserver and daemon tasks; AWS calls can only reach loopback."""
    for name, value in pg.env().items():
        monkeypatch.setenv(name, value)
    for name in (
        "DAGSTER_RUN_TASK_ROLE_ARN",
        "DAGSTER_TASK_EXECUTION_ROLE_ARN",
        "DAGSTER_RUN_LOG_GROUP",
        "DAGSTER_ECS_CLUSTER",
        "DAGSTER_COMPUTE_LOGS_BUCKET",
    ):
        monkeypatch.setenv(name, f"test-{name.lower()}")
    for name in ("DAGSTER_PG_PASSWORD", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN"):
        arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:spotify-assets/spotify-AbCdEf"
        monkeypatch.setenv(f"{name}_SECRET_REF", f"{arn}:{name.lower()}::")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("DAGSTER_HOME", str(home))


def test_production_config_builds_the_instance_it_describes(postgres, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((DEPLOY_DIR / "dagster.yaml").read_text())
    production_env(monkeypatch, postgres, home)

    with DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert isinstance(instance.compute_log_manager, S3ComputeLogManager)

        concurrency = instance.get_concurrency_config()
        assert concurrency.run_queue_config.max_concurrent_runs == 4
        assert concurrency.pool_config.default_pool_limit == 1
        assert concurrency.pool_config.pool_granularity.value == "op"

        launcher = instance.run_launcher
        assert isinstance(launcher, EcsRunLauncher)
        assert launcher.task_definition_dict["task_role_arn"] == "test-dagster_run_task_role_arn"
        secrets = {s["name"]: s["valueFrom"] for s in launcher.secrets}
        assert set(secrets) == {
            "DAGSTER_PG_PASSWORD",
            "SPOTIFY_CLIENT_ID",
            "SPOTIFY_CLIENT_SECRET",
            "SPOTIFY_REFRESH_TOKEN",
        }
        assert secrets["SPOTIFY_CLIENT_ID"].endswith(":spotify_client_id::")
        assert launcher.secrets_tags == []
        # Plain environment ends up readable in the task definition: never a secret there.
        assert not [v for v in launcher.env_vars if SECRET_NAME.search(v)], launcher.env_vars

    # The schema really is in PostgreSQL.
    with postgres.connect() as conn, conn.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'public'")
        tables = {row[0] for row in cur.fetchall()}
    assert {"runs", "run_tags", "event_logs", "jobs", "job_ticks", "concurrency_limits"} <= tables


def test_every_variable_the_deploy_configs_read_is_documented():
    guide = (ROOT / "docs" / "deploy-aws.md").read_text()
    names = env_refs(yaml.safe_load((DEPLOY_DIR / "dagster.yaml").read_text()))
    names |= env_refs(yaml.safe_load((DEPLOY_DIR / "workspace.yaml").read_text()))
    names |= set(yaml.safe_load((DEPLOY_DIR / "dagster.yaml").read_text())["run_launcher"]["config"]["env_vars"])
    assert len(names) > 10
    undocumented = sorted(n for n in names if f"`{n}`" not in guide and f"{n}=" not in guide)
    assert not undocumented, f"docs/deploy-aws.md does not say how to set {undocumented}"


def test_missing_postgres_fails_with_the_install_command(tmp_path):
    (tmp_path / "15" / "bin").mkdir(parents=True)  # a client-only install: no initdb, no pg_ctl
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run.*apt-get install -y postgresql"):
        postgres_bindir(tmp_path)


def test_the_instance_refuses_a_database_whose_certificate_its_ca_did_not_sign(postgres, tmp_path, monkeypatch):
    """verify-full: TLS with a server the CA file vouches for, or nothing: an impostor with a
    certificate of its own is refused ("prefer", before, accepted it, and plaintext too). libpq is
    asked with deploy/dagster.yaml's own connection parameters, once (Dagster would retry)."""
    import psycopg2

    params = yaml.safe_load((DEPLOY_DIR / "dagster.yaml").read_text())["storage"]["postgres"]["postgres_db"]["params"]
    assert params == {"sslmode": "verify-full"}
    connect = dict(host=postgres.host, port=postgres.port, user=postgres.username, password=postgres.password)

    monkeypatch.setenv("PGSSLROOTCERT", str(postgres.ca_file))
    with psycopg2.connect(**connect, dbname=postgres.db_name, **params) as conn, conn.cursor() as cur:
        cur.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
        assert cur.fetchone() == (True,)

    other_ca, _, _ = make_ca(tmp_path, "another-ca")
    monkeypatch.setenv("PGSSLROOTCERT", str(other_ca))
    with pytest.raises(psycopg2.OperationalError, match="certificate verify failed"):
        psycopg2.connect(**connect, dbname=postgres.db_name, **params)
