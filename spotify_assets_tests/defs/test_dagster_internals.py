"""The Dagster APIs that are not public, used in `spotify_assets/defs/dagster_internals.py` only.

When a Dagster upgrade moves one, these fail first and name it; what each is for is tested through
the IO manager (`test_io_manager.py`: per-week metadata of a multi-week output, an unpartitioned
consumer of a partitioned table), here (a check's own output closed after per-week evaluations,
each pointing at its week's materialization) and in the UI (`ui/test_browser.py`).
"""

import inspect
from pathlib import Path

import dagster as dg
import pyarrow as pa
from dagster._core.definitions.assets.definition.assets_definition import AssetsDefinition
from dagster._core.execution.context.system import StepExecutionContext
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

from spotify_assets.defs import dagster_internals
from spotify_assets.defs.checks import emit, freshness_checks, schema_change_checks
from spotify_assets.defs.partitions import build_weekly_partitions
from spotify_assets.lake.rules import Outcome, Rule

PACKAGE = Path(dagster_internals.__file__).resolve().parents[1]  # spotify_assets/


def test_the_internals_still_exist_where_dagster_had_them():
    missing = [
        name
        for owner, name in [
            (StepExecutionContext, "add_asset_metadata"),
            (StepExecutionContext, "has_partitions"),
            (AssetsDefinition, "check_specs_by_output_name"),
            (SqlEventLogStorage, "free_concurrency_slots_for_run"),
        ]
        if not hasattr(owner, name)
    ]
    assert not missing, f"Dagster no longer has {missing}: update spotify_assets/defs/dagster_internals.py"
    parameters = set(inspect.signature(StepExecutionContext.add_asset_metadata).parameters)
    assert {"metadata", "asset_key", "partition_key"} <= parameters, (
        f"StepExecutionContext.add_asset_metadata now takes {parameters}: update dagster_internals.py"
    )


def test_the_target_materialization_class_still_takes_what_we_give_it():
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData,
    )

    target = AssetCheckEvaluationTargetMaterializationData(storage_id=1, run_id="r", timestamp=0.0)
    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("songs"), check_name="c", passed=True, target_materialization_data=target
    )
    assert evaluation.target_materialization_data == target, "update dagster_internals.with_target_materialization"


def test_no_other_module_reaches_into_dagster_internals():
    reaching = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path.name != "dagster_internals.py"
        and ("step_context" in path.read_text() or "dagster._" in path.read_text())
    ]
    assert not reaching, reaching


def test_a_check_output_is_closed_after_its_per_week_evaluations():
    rule = Rule(table="counts", name="has_rows", description="the week has rows")
    partitions = dg.StaticPartitionsDefinition(["2026-08-17"])

    @dg.asset(
        partitions_def=partitions,
        check_specs=[dg.AssetCheckSpec("has_rows", asset="counts", partitions_def=partitions)],
    )
    def counts(context: dg.AssetExecutionContext):
        outcome = Outcome(rule=rule, passed=True, description="3 rows", metadata={})
        yield from emit(context, {"2026-08-17": [outcome]}, [dg.Output(pa.table({"n": [3]}))])

    result = dg.materialize([counts], partition_key="2026-08-17", resources={"io_manager": dg.mem_io_manager})
    assert result.success
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.check_name == "has_rows" and evaluation.partition == "2026-08-17"
    # it points at the week's materialization it judged, so the check's Partitions tab counts it
    assert evaluation.target_materialization_data is not None
    assert evaluation.target_materialization_data.run_id == result.run_id


def test_dagsters_check_factories_run_under_readable_step_names():
    """`renamed_checks` reuses the factory's function: the checks still judge, as the named steps."""
    partitions = build_weekly_partitions("2026-08-17", "2026-08-24")

    @dg.asset(partitions_def=partitions)
    def counts() -> dg.MaterializeResult:
        return dg.MaterializeResult(
            metadata={"dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn("n", "int64")])}
        )

    checks = [*freshness_checks([counts]), *schema_change_checks([counts])]
    assert sorted(c.node_def.name for c in checks) == ["lake_freshness_checks", "lake_schema_change_checks"]

    def week_run(week: str, instance: dg.DagsterInstance) -> dict[str, bool]:
        result = dg.materialize([counts, *checks], partition_key=week, instance=instance)
        steps = {event.step_key for event in result.all_events if event.is_step_success}
        assert steps == {"counts", "lake_freshness_checks", "lake_schema_change_checks"}
        return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}

    with dg.instance_for_test() as instance:
        # the last week of these partitions (whatever today is) is still missing: not fresh
        assert week_run("2026-08-17", instance) == {"freshness_check": False, "column_schema_change": True}
        assert week_run("2026-08-24", instance) == {"freshness_check": True, "column_schema_change": True}
