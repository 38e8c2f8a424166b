"""The six Dagster APIs this project uses that Dagster does not mark public, in one place.

Each has no public equivalent in Dagster 1.13 for what it does here. If a Dagster upgrade changes
one, `spotify_assets_tests/defs/test_dagster_internals.py` fails, naming it, before any run does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg


def add_partition_metadata(
    context: dg.OutputContext, metadata: Mapping[str, Any], asset_key: dg.AssetKey, partition_key: str
) -> None:
    """Metadata for one week's materialization event, from an IO manager writing several weeks.

    `AssetExecutionContext.add_asset_metadata(partition_key=...)` is public but out of an IO
    manager's reach; an `OutputContext` offers only `add_output_metadata`, which every week of a
    multi-week output would share."""
    context.step_context.add_asset_metadata(metadata, asset_key=asset_key, partition_key=partition_key)


def run_is_partitioned(context: dg.InputContext) -> bool:
    """False when an unpartitioned consumer asks for every week of its partitioned input.

    Dagster then requests all weeks since the first one; only the materialized weeks exist, and
    failing on the others would make such consumers (e.g. plain asset checks) unusable. The public
    `InputContext.has_partition_key` describes the input, not the run."""
    try:
        return context.step_context.has_partitions
    except dg.DagsterInvariantViolationError:  # built by build_input_context, outside a run
        return context.has_partition_key


def check_output_names(context: dg.AssetExecutionContext) -> dict[str, dg.AssetCheckKey]:
    """The output name of each check spec of the executing asset (the check's own output, which
    must be closed when its evaluations are yielded directly, one per week)."""
    return {name: spec.key for name, spec in context.assets_def.check_specs_by_output_name.items()}


def with_target_materialization(
    context: dg.AssetExecutionContext, evaluation: dg.AssetCheckEvaluation
) -> dg.AssetCheckEvaluation:
    """`evaluation` pointing at the materialization of its week it judged (the newest one, written
    by this step just before).

    Dagster counts a partitioned check's evaluation in its Partitions tab (and in the graph's check
    badges) only with its target materialization; an evaluation yielded directly, one per week of a
    multi-week run, has none unless set here. `AssetCheckEvaluationTargetMaterializationData` is
    not public; `DagsterInstance.fetch_materializations` is."""
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData,
    )

    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=evaluation.asset_key, asset_partitions=[evaluation.partition]), limit=1
    ).records
    if not records:
        return evaluation
    record = records[0]
    target = AssetCheckEvaluationTargetMaterializationData(
        storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
    )
    return dg.AssetCheckEvaluation(
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        passed=evaluation.passed,
        metadata=evaluation.metadata,
        target_materialization_data=target,
        severity=evaluation.severity,
        description=evaluation.description,
        blocking=evaluation.blocking,
        partition=evaluation.partition,
    )


def free_pool_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Give back the concurrency-pool slots (`spotify_api`) a dead run still holds.

    A run killed while its step held the pool slot keeps it claimed: with one slot, every later run
    would wait for it forever. Dagster frees a run's slots only from its daemon, which `make run`
    does not use; the event log storage's method is not public."""
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        storage.free_concurrency_slots_for_run(run_id)


def renamed_checks(checks: dg.AssetChecksDefinition, name: str, description: str) -> dg.AssetChecksDefinition:
    """`checks`, built by one of Dagster's check factories, as a check definition named `name`.

    The factories (`build_time_partition_freshness_checks`, `build_column_schema_change_checks`)
    name their op `freshness_check_<hash>` / `asset_check_<hash>`, which becomes the run's step key
    and what the UI lists for the step; they take no name. The same specs and the factory's own
    function are wrapped again under a readable name; the op's function is not public."""
    return dg.multi_asset_check(specs=list(checks.check_specs), can_subset=True, name=name, description=description)(
        checks.node_def.compute_fn.decorated_fn
    )
