"""The Dagster UI itself, in Debian's headless Chromium: the asset graph and a partitions page.
Screenshots land in test-artifacts/ for a human to look at."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from spotify_assets.definitions import defs
from spotify_assets.defs.jobs import WEEKLY_JOB
from spotify_assets.lake.columns import COLUMN_DESCRIPTIONS
from spotify_assets_tests.ui.conftest import UiLake
from spotify_assets_tests.ui.dagster_dev import LOCATION, ROOT, DagsterDev
from spotify_assets_tests.ui.partition_counts import WeeklyPartitions, any_of

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium dials out at start-up; on a closed network
# those connections are refused and slow every page.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 60_000
TABLES = ["raw_playlist", "playlists", "songs", "albums", "artists", "rejected_items"]
LAKE_GROUP = TABLES[1:]  # raw_playlist is in the ingest group


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's Chromium with "
            "`apt-get update && apt-get install -y chromium` (.ci/run does this before `make test`)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        yield page
    finally:
        page.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_asset_graph_shows_the_lake_assets(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    before = WeeklyPartitions.at()
    # the group's graph also draws the chart and star tables its tables feed, and the UI renders only
    # the nodes in view: a tall window shows every node of the group at the default zoom
    page.set_viewport_size({"width": 1600, "height": 2600})
    page.goto(f"{dagster_dev.url}/locations/{LOCATION}/asset-groups/lake")
    for table in TABLES:
        expect(page.get_by_text(table, exact=True).first).to_be_visible()
    expect(page.get_by_text("Asset checks").first).to_be_visible()
    # each node of the group links to its partitions twice: the share filled, then how many weekly
    # partitions exist today (the count grows every Monday: read from the partitions definition)
    moments = {before, WeeklyPartitions.at()}
    filled = any_of({p.filled_label(len(ui_lake.weeks)) for p in moments})
    total = any_of({p.count_label() for p in moments})
    for table in LAKE_GROUP:
        expect(page.locator(f'a[href="/assets/{table}?view=partitions"]')).to_have_text([filled, total])
    assert screenshot(page, "ui-asset-graph.png").stat().st_size > 10_000


def test_partitions_page_shows_the_materialized_weeks(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    week = ui_lake.weeks[-1]  # written by the 6-week backfill
    materialized = len(ui_lake.weeks)
    before = WeeklyPartitions.at()
    page.goto(f"{dagster_dev.url}/assets/songs?view=partitions&partition={week}")
    expect(page.get_by_text(f"Materialized ({materialized})")).to_be_visible()
    expect(page.get_by_text("Failed (0)")).to_be_visible()
    # every week from the first to the last completed one is selected; all but ours are missing
    moments = {before, WeeklyPartitions.at()}
    expect(page.get_by_text(any_of({p.selected_label() for p in moments}))).to_be_visible()
    expect(page.get_by_text(any_of({p.missing_label(materialized) for p in moments}))).to_be_visible()
    expect(page.get_by_role("textbox").first).to_have_value(any_of({p.range_label() for p in moments}))
    for materialized_week in ui_lake.weeks:
        expect(page.get_by_text(materialized_week, exact=True).first).to_be_visible()
    # the selected week's own materialization: its metadata as the IO manager recorded it
    expect(page.get_by_text("dagster/row_count")).to_be_visible()
    expect(page.get_by_text("dagster/column_schema")).to_be_visible()
    expect(page.get_by_text(re.compile(rf"week={week}"))).to_be_visible()
    assert screenshot(page, "ui-songs-partitions.png").stat().st_size > 10_000


def test_checks_tab_lists_the_per_week_checks(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    page.goto(f"{dagster_dev.url}/assets/songs?view=checks")
    for check in ("albums_exist", "artists_exist", "unique_key", "duration_positive"):
        expect(page.get_by_text(check, exact=True).first).to_be_visible()
    assert screenshot(page, "ui-songs-checks.png").stat().st_size > 10_000


@pytest.mark.parametrize("check", ["albums_exist", "duration_positive"])
def test_a_checks_partitions_tab_has_one_result_per_materialized_week(
    dagster_dev: DagsterDev, ui_lake: UiLake, page: Page, check: str
):
    """Each week's evaluation counts in the check's Partitions tab, for the job run of one week and
    for the two UI backfills alike (before, every week read as missing)."""
    materialized = len(ui_lake.weeks)
    before = WeeklyPartitions.at()
    page.goto(f"{dagster_dev.url}/assets/songs?view=checks")
    page.get_by_text(check, exact=True).first.click()
    page.get_by_text("Partitions", exact=True).last.click()  # the check's tab, not the asset's
    moments = {before, WeeklyPartitions.at()}
    expect(page.get_by_text(f"Passed ({materialized})", exact=True)).to_be_visible()
    expect(page.get_by_text("Failed (0)", exact=True)).to_be_visible()
    expect(page.get_by_text("Execution Failed (0)", exact=True)).to_be_visible()
    expect(page.get_by_text(any_of({p.missing_label(materialized) for p in moments}))).to_be_visible()
    expect(page.get_by_text(any_of({p.selected_label() for p in moments}))).to_be_visible()
    assert screenshot(page, f"ui-songs-check-{check}-partitions.png").stat().st_size > 10_000


def test_the_overview_column_table_is_the_data_dictionary(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    """Every column of songs shows its meaning from the data contract (docs/data-contract.md)."""
    page.goto(f"{dagster_dev.url}/assets/songs?view=overview")
    expect(page.get_by_text("Column name", exact=True)).to_be_visible()
    for column, description in COLUMN_DESCRIPTIONS["songs"].items():
        shown = description.replace("**", "").replace("`", "")  # as the UI renders the Markdown
        row = page.get_by_role("row", name=re.compile(rf"^{re.escape(column)} "))
        expect(row, column).to_contain_text(shown)
    assert screenshot(page, "ui-songs-columns.png").stat().st_size > 10_000


def test_the_weekly_report_says_where_to_see_its_chart(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    """Locally the UI can only copy a file path: the labels say the chart is under Show Markdown,
    and the report's Markdown is there."""
    page.goto(f"{dagster_dev.url}/assets/weekly_report?view=partitions&partition={ui_lake.job_week}")
    expect(page.get_by_text("image file (the chart is shown in report: Show Markdown)", exact=True)).to_be_visible()
    expect(page.get_by_text("report file (the same Markdown as report: Show Markdown)", exact=True)).to_be_visible()
    page.get_by_text("Show Markdown").first.click()
    expect(page.get_by_text(f"Music trends: week of {ui_lake.job_week}")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Top artists' songs on the charts"))).to_be_visible()
    assert screenshot(page, "ui-weekly-report.png").stat().st_size > 10_000


def test_the_freshness_sensor_names_its_target(dagster_dev: DagsterDev, page: Page):
    page.goto(f"{dagster_dev.url}/locations/{LOCATION}/sensors/lake_freshness_sensor")
    expect(page.get_by_role("link", name="lake_freshness", exact=True).first).to_be_visible()
    text = page.inner_text("body")
    assert "Selection(" not in text and "AssetCheckKey" not in text, text[:2000]
    assert screenshot(page, "ui-freshness-sensor.png").stat().st_size > 10_000


def test_a_runs_steps_are_named(dagster_dev: DagsterDev, ui_lake: UiLake, page: Page):
    steps = len(defs.resolve_job_def(WEEKLY_JOB).graph.node_defs)  # one step per op of the job
    page.goto(f"{dagster_dev.url}/runs/{ui_lake.job_run_id}")
    page.get_by_text(f"Succeeded ({steps})").click()  # the run's side panel lists its steps by name
    expect(page.get_by_text("lake_schema_change_checks").first).to_be_visible()
    text = page.inner_text("body")
    assert {"lake_freshness_checks", "lake_schema_change_checks", "lake_tables"} <= set(text.split()), text[:2000]
    assert not re.search(r"\b\w+_[0-9a-f]{8}\b", text), text[:2000]
    assert screenshot(page, "ui-run-steps.png").stat().st_size > 10_000
