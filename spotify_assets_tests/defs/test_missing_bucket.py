"""A lake whose S3 bucket does not exist fails with a message naming the bucket and the fix, before
anything is written (moto's S3 server on loopback)."""

import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.lake.location import LakeBucketMissingError
from spotify_assets.lake.storage import write_week
from spotify_assets_tests.conftest import SAMPLE_WEEKS, run_weeks
from spotify_assets_tests.defs.test_io_manager import songs_frame

LAKE = "s3://no-such-bucket/lake"


def test_a_write_to_a_missing_bucket_names_it_and_the_fix(aws_env):
    with pytest.raises(LakeBucketMissingError) as raised:
        write_week(LAKE, "songs", SAMPLE_WEEKS[0], songs_frame(SAMPLE_WEEKS[0], ["a"]))
    message = str(raised.value)
    assert "bucket 'no-such-bucket' does not exist" in message and aws_env in message
    assert "SPOTIFY_ASSETS_LAKE" in message and "Create it" in message


def test_a_run_on_a_missing_bucket_fails_naming_it(aws_env, lake_env):
    result = run_weeks(build_definitions(lake_env(SPOTIFY_ASSETS_LAKE=LAKE)), SAMPLE_WEEKS[0])
    assert not result.success
    # the lake resource checks the lake when the run starts (crash recovery lists the week leases),
    # so the run fails setting up its resources, before any step (as `make run` prints it)
    errors = [
        event.event_specific_data.error
        for event in result.all_events
        if event.event_type_value in ("RESOURCE_INIT_FAILURE", "STEP_FAILURE")
    ]
    shown = "\n".join(f"{error.message}{error.cause.message if error.cause else ''}" for error in errors)
    assert "bucket 'no-such-bucket' does not exist" in shown and "SPOTIFY_ASSETS_LAKE" in shown, shown
    assert not result.get_asset_materialization_events()
