"""Asset checks: the quality rules as Dagster check specs, per-week evaluations, schema drift and
freshness. The rules themselves live in `spotify_assets/lake/rules.py` and `trends/rules.py`."""

from collections.abc import Iterable, Iterator, Sequence

import dagster as dg

from spotify_assets.defs.dagster_internals import check_output_names, renamed_checks, with_target_materialization
from spotify_assets.lake.rules import RULES, Outcome, Rule

# The weekly schedule runs Monday 06:00 UTC; a week still missing at 09:00 is late.
FRESHNESS_DEADLINE_CRON = "0 9 * * 1"


def check_specs(
    table: str, partitions: dg.PartitionsDefinition, rules: Iterable[Rule] = RULES
) -> list[dg.AssetCheckSpec]:
    """The inline check specs of one table, partitioned like it so the UI shows them per week."""
    return [
        dg.AssetCheckSpec(
            rule.name,
            asset=table,
            description=rule.description,
            blocking=rule.blocking,
            partitions_def=partitions,
        )
        for rule in rules
        if rule.table == table
    ]


def evaluation(outcome: Outcome, week: str) -> dg.AssetCheckEvaluation:
    """One rule's result for one week. Built directly (not an AssetCheckResult) so that a
    single-run backfill records a separate evaluation for every week it wrote."""
    rule = outcome.rule
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey(rule.table),
        check_name=rule.name,
        passed=outcome.passed,
        metadata={**outcome.metadata, "week": week},
        # a rule that does not block warns: the UI and `make run` show it as a warning, not a failure
        severity=dg.AssetCheckSeverity.ERROR if rule.blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.description,
        blocking=rule.blocking,
        partition=week,
    )


def blocking_failures(outcomes_by_week: dict[str, Sequence[Outcome]]) -> list[str]:
    return [
        f"{week}: {o.rule.table}.{o.rule.name} failed: {o.description} {o.metadata.get('examples', '')}".rstrip()
        for week, outcomes in outcomes_by_week.items()
        for o in outcomes
        if o.rule.blocking and not o.passed
    ]


def blocked_message(context: dg.AssetExecutionContext, weeks: Sequence[str], failures: Sequence[str]) -> str:
    """What a blocking failure wrote and kept: this step's tables are not written for any week of
    the run; what earlier steps stored (its inputs) is kept, and nothing downstream runs."""
    written = sorted(key.to_user_string() for key in context.selected_asset_keys)
    kept = sorted({key.to_user_string() for key in context.assets_def.dependency_keys} - set(written))
    span = weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"
    return (
        f"Blocking checks failed, so {', '.join(written)} were not written for week(s) {span}: their "
        f"files stay as they were, and the assets downstream did not run. "
        + (f"What this step reads ({', '.join(kept)}) is kept as stored. " if kept else "")
        + "Fix the cause and materialize the week(s) again.\n"
        + "\n".join(failures)
    )


def emit(
    context: dg.AssetExecutionContext,
    outcomes_by_week: dict[str, Sequence[Outcome]],
    outputs: Iterable[dg.Output],
) -> Iterator[dg.Output | dg.AssetCheckEvaluation]:
    """Yield the outputs, then every week's evaluations; when a blocking rule failed, yield only
    the evaluations and fail, so a bad week never reaches storage or downstream assets."""
    failures = blocking_failures(outcomes_by_week)
    if not failures:
        yield from outputs
    for week, outcomes in outcomes_by_week.items():
        for outcome in outcomes:
            judged = evaluation(outcome, week)
            # written above: the check counts for that week's materialization (its Partitions tab)
            yield judged if failures else with_target_materialization(context, judged)
    if failures:
        raise dg.Failure(description=blocked_message(context, sorted(outcomes_by_week), failures), allow_retries=False)
    # Evaluations were yielded directly (one per week), so each check's own output is closed here.
    selected = context.selected_asset_check_keys
    for output_name, check_key in check_output_names(context).items():
        if check_key in selected:
            yield dg.Output(None, output_name=output_name)


def schema_change_checks(assets: Sequence[dg.AssetsDefinition]) -> Sequence[dg.AssetChecksDefinition]:
    """Dagster's column-schema-change checks, run as the step `lake_schema_change_checks`."""
    return [
        renamed_checks(
            built,
            "lake_schema_change_checks",
            "Compares each table's column schema with its previous materialization's.",
        )
        for built in dg.build_column_schema_change_checks(assets=assets)
    ]


def freshness_checks(assets: Sequence[dg.AssetsDefinition]) -> Sequence[dg.AssetChecksDefinition]:
    """Dagster's time-partition freshness checks, run as the step `lake_freshness_checks`."""
    return [
        renamed_checks(
            built,
            "lake_freshness_checks",
            "Checks that each table's last completed week is materialized by Monday 09:00 UTC.",
        )
        for built in dg.build_time_partition_freshness_checks(
            assets=assets, deadline_cron=FRESHNESS_DEADLINE_CRON, severity=dg.AssetCheckSeverity.WARN
        )
    ]
