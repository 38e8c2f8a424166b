"""The UI path through `dagster dev`'s GraphQL API: what the webserver shows and what its buttons do."""

import re

import pyarrow.parquet as pq

from spotify_assets_tests.ui.conftest import UiLake
from spotify_assets_tests.ui.dagster_dev import LOCATION, DagsterDev

TABLES = ["albums", "artists", "playlists", "raw_playlist", "rejected_items", "songs"]
UI_METADATA = {"dagster/row_count", "dagster/column_schema", "preview"}


def lake_file(server: DagsterDev, table: str, week: str):
    return server.lake / table / f"week={week}" / "part-0.parquet"


def test_dagster_dev_serves_the_code_location_with_its_job_schedule_and_sensor(dagster_dev: DagsterDev):
    repository = dagster_dev.graphql(
        """query($selector: RepositorySelector!) { repositoryOrError(repositorySelector: $selector) {
             ... on Repository { location { name } jobs { name } schedules { name } sensors { name } } } }""",
        {"selector": dagster_dev.repository_selector()},
    )["repositoryOrError"]
    assert repository["location"]["name"] == LOCATION
    assert "weekly_lake" in {j["name"] for j in repository["jobs"]}
    assert "weekly_lake_schedule" in {s["name"] for s in repository["schedules"]}
    assert "lake_freshness_sensor" in {s["name"] for s in repository["sensors"]}


def test_instance_runs_the_daemon_and_limits_the_spotify_pool(dagster_dev: DagsterDev):
    """The instance config `make dev` installs (scripts/dagster.yaml): one `spotify_api` slot."""
    instance = dagster_dev.graphql(
        """{ instance { runQueuingSupported poolConfig { defaultPoolLimit }
             concurrencyLimit(concurrencyKey: "spotify_api") { limit }
             daemonHealth { backfill: daemonStatus(daemonType: "BACKFILL") { required }
                            scheduler: daemonStatus(daemonType: "SCHEDULER") { required } } } }"""
    )["instance"]
    assert instance["runQueuingSupported"]
    assert instance["poolConfig"]["defaultPoolLimit"] == 1
    assert instance["concurrencyLimit"]["limit"] == 1
    assert instance["daemonHealth"] == {"backfill": {"required": True}, "scheduler": {"required": True}}


def test_asset_graph_shows_groups_kinds_owners_descriptions_partitions_checks_and_metadata(
    dagster_dev: DagsterDev, ui_lake: UiLake
):
    nodes = dagster_dev.graphql(
        """{ assetNodes {
             assetKey { path } groupName kinds description
             owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
             partitionDefinition { type description }
             backfillPolicy { policyType }
             assetChecksOrError { ... on AssetChecks { checks { name } } }
             assetMaterializations(limit: 1) { partition metadataEntries { label
               ... on TableSchemaMetadataEntry { schema { columns { name } } } } } } }"""
    )["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(TABLES) <= set(by_key)
    assert ui_lake.asset_keys == TABLES
    for table in TABLES:
        node = by_key[table]
        assert node["groupName"] == ("ingest" if table == "raw_playlist" else "lake")
        assert "parquet" in node["kinds"] and node["owners"] and len(node["description"]) > 40, node
        assert node["partitionDefinition"]["type"] == "TIME_WINDOW"
        assert "Weekly" in node["partitionDefinition"]["description"]
        assert node["backfillPolicy"]["policyType"] == "SINGLE_RUN"
        assert "unique_key" in {c["name"] for c in node["assetChecksOrError"]["checks"]}

        (latest,) = node["assetMaterializations"]
        entries = {e["label"]: e for e in latest["metadataEntries"]}
        assert UI_METADATA <= set(entries), table
        columns = [c["name"] for c in entries["dagster/column_schema"]["schema"]["columns"]]
        assert columns == pq.read_schema(lake_file(dagster_dev, table, latest["partition"])).names


def test_every_week_shows_its_own_row_count_and_folder(dagster_dev: DagsterDev, ui_lake: UiLake):
    """What the partitions page shows for a week, also for the weeks of a 6-week backfill run."""
    for table in TABLES:
        events = dagster_dev.graphql(
            """query($asset: AssetKeyInput!, $weeks: [String!]) { assetNodeOrError(assetKey: $asset) {
                 ... on AssetNode { assetMaterializations(partitions: $weeks) { partition runId
                   metadataEntries { label ... on IntMetadataEntry { intValue } ... on PathMetadataEntry { path } } } } } }""",
            {"asset": {"path": [table]}, "weeks": ui_lake.weeks},
        )["assetNodeOrError"]["assetMaterializations"]
        assert sorted(e["partition"] for e in events) == ui_lake.weeks
        for event in events:
            entries = {e["label"]: e for e in event["metadataEntries"]}
            path = lake_file(dagster_dev, table, event["partition"])
            assert entries["dagster/row_count"]["intValue"] == pq.read_metadata(path).num_rows, (table, event)
            assert entries["dagster/uri"]["path"] == str(path.parent)


def test_job_launched_for_one_week_succeeds_and_writes_that_week(dagster_dev: DagsterDev, ui_lake: UiLake):
    assert dagster_dev.run_status(ui_lake.job_run_id) == "SUCCESS"
    for table in TABLES:
        assert lake_file(dagster_dev, table, ui_lake.job_week).is_file()


def test_backfill_is_one_run_however_many_weeks(dagster_dev: DagsterDev, ui_lake: UiLake):
    runs_per_backfill = {}
    for backfill_id, weeks in ui_lake.backfills.items():
        runs = dagster_dev.runs_tagged("dagster/backfill", backfill_id)
        assert {r["status"] for r in runs} == {"SUCCESS"}
        runs_per_backfill[len(weeks)] = len(runs)
        (run,) = runs
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
            weeks[0],
            weeks[-1],
        )
    assert runs_per_backfill == {2: 1, 6: 1}


def test_backfill_writes_every_week_and_checks_each_week(dagster_dev: DagsterDev, ui_lake: UiLake):
    assert sorted(p.name for p in (dagster_dev.lake / "songs").iterdir()) == [f"week={w}" for w in ui_lake.weeks]
    for table in TABLES:
        for week in ui_lake.weeks:
            assert lake_file(dagster_dev, table, week).is_file(), (table, week)

    checks = dagster_dev.graphql(
        """{ assetNodes { assetKey { path }
             assetChecksOrError { ... on AssetChecks { checks { name partitionDefinition { type } } } } } }"""
    )["assetNodes"]
    per_week_checks = [
        ("/".join(n["assetKey"]["path"]), c["name"])
        for n in checks
        if "/".join(n["assetKey"]["path"]) in TABLES
        for c in n["assetChecksOrError"]["checks"]
        if c["partitionDefinition"] is not None
    ]
    assert len(per_week_checks) >= 11
    backfilled = sorted(w for weeks in ui_lake.backfills.values() for w in weeks)
    for asset, check in per_week_checks:
        executions = dagster_dev.graphql(
            """query($asset: AssetKeyInput!, $check: String!) {
                 assetCheckExecutions(assetKey: $asset, checkName: $check, limit: 100) {
                   runId status partition evaluation { success partition } } }""",
            {"asset": {"path": [asset]}, "check": check},
        )["assetCheckExecutions"]
        in_backfills = [e for e in executions if e["partition"] in backfilled]
        assert sorted(e["partition"] for e in in_backfills) == backfilled, (asset, check)
        for execution in in_backfills:
            assert execution["status"] == "SUCCEEDED", (asset, check, execution)
            assert execution["evaluation"] == {"success": True, "partition": execution["partition"]}


def test_schedule_and_sensor_are_listed_stopped_and_can_be_switched_on(dagster_dev: DagsterDev):
    selector = dagster_dev.repository_selector()
    schedule = dagster_dev.graphql(
        """query($selector: ScheduleSelector!) { scheduleOrError(scheduleSelector: $selector) {
             ... on Schedule { cronSchedule executionTimezone scheduleState { status } } } }""",
        {"selector": {**selector, "scheduleName": "weekly_lake_schedule"}},
    )["scheduleOrError"]
    assert schedule == {"cronSchedule": "0 6 * * 1", "executionTimezone": "UTC", "scheduleState": {"status": "STOPPED"}}
    started = dagster_dev.graphql(
        """mutation($selector: ScheduleSelector!) { startSchedule(scheduleSelector: $selector) {
             __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }""",
        {"selector": {**selector, "scheduleName": "weekly_lake_schedule"}},
    )["startSchedule"]
    assert started == {"__typename": "ScheduleStateResult", "scheduleState": {"status": "RUNNING"}}
    listed = dagster_dev.graphql(
        """query($selector: RepositorySelector!) { schedulesOrError(repositorySelector: $selector) {
             ... on Schedules { results { name scheduleState { status } } } } }""",
        {"selector": selector},
    )["schedulesOrError"]["results"]
    assert {"name": "weekly_lake_schedule", "scheduleState": {"status": "RUNNING"}} in listed

    sensor_selector = {**selector, "sensorName": "lake_freshness_sensor"}
    sensor_query = """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
                        ... on Sensor { name sensorState { status } } } }"""
    assert dagster_dev.graphql(sensor_query, {"selector": sensor_selector})["sensorOrError"] == {
        "name": "lake_freshness_sensor",
        "sensorState": {"status": "STOPPED"},
    }
    started = dagster_dev.graphql(
        """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
             __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }""",
        {"selector": sensor_selector},
    )["startSensor"]
    assert started == {"__typename": "Sensor", "sensorState": {"status": "RUNNING"}}
    assert dagster_dev.graphql(sensor_query, {"selector": sensor_selector})["sensorOrError"]["sensorState"] == {
        "status": "RUNNING"
    }


HASHED_STEP = re.compile(r"_[0-9a-f]{8}$")


def run_step_keys(server: DagsterDev, run_id: str) -> list[str]:
    run = server.graphql(
        "query($id: ID!) { runOrError(runId: $id) { ... on Run { stepStats { stepKey } } } }", {"id": run_id}
    )["runOrError"]
    return sorted(step["stepKey"] for step in run["stepStats"])


def test_a_runs_steps_have_names_a_person_reads(dagster_dev: DagsterDev, ui_lake: UiLake):
    steps = run_step_keys(dagster_dev, ui_lake.job_run_id)
    assert {"lake_freshness_checks", "lake_schema_change_checks", "lake_tables", "raw_playlist"} <= set(steps)
    assert not [step for step in steps if HASHED_STEP.search(step)], steps


def test_the_freshness_sensor_targets_the_lake_freshness_job(dagster_dev: DagsterDev):
    """The UI's sensor page shows its target: the `lake_freshness` job, not a check selection."""
    selector = {**dagster_dev.repository_selector(), "sensorName": "lake_freshness_sensor"}
    sensor = dagster_dev.graphql(
        """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
             ... on Sensor { targets { pipelineName } assetSelection { assetSelectionString } } } }""",
        {"selector": selector},
    )["sensorOrError"]
    assert sensor == {"targets": [{"pipelineName": "lake_freshness"}], "assetSelection": None}
