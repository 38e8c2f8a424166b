"""`lake_freshness_sensor`: Dagster's freshness-sensor logic, launching the `lake_freshness` job."""

import dagster as dg

from spotify_assets.definitions import defs

TABLES = {"raw_playlist", "playlists", "songs", "albums", "artists", "rejected_items"}


def test_the_sensor_requests_the_lake_freshness_job_which_evaluates_every_freshness_check():
    sensor = defs.resolve_sensor_def("lake_freshness_sensor")
    with dg.instance_for_test() as instance:
        # never evaluated: every freshness check is due
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        [request] = sensor.evaluate_tick(context).run_requests
        assert {key.asset_key.to_user_string() for key in request.asset_check_keys} == TABLES
        assert sensor.job_name == "lake_freshness"

        result = defs.resolve_job_def("lake_freshness").execute_in_process(instance=instance)
        assert result.success
        assert {e.step_key for e in result.all_events if e.is_step_success} == {"lake_freshness_checks"}
        evaluations = result.get_asset_check_evaluations()
        assert {e.asset_key.to_user_string() for e in evaluations} == TABLES
        # nothing is materialized in this instance: every table is late
        assert not any(e.passed for e in evaluations)

        # evaluated and failed: nothing more to do until the next deadline
        later = dg.build_sensor_context(instance=instance, definitions=defs, cursor=context.cursor)
        assert not sensor.evaluate_tick(later).run_requests
