"""The Spotify Charts source: `raw_spotify_chart` (every line of the week's chart files) and the
multi-asset `spotify_chart_tables` (`spotify_chart_entries`, `rejected_chart_lines`), group
`spotify_charts` (README.md, Spotify Charts)."""

from datetime import timedelta

import dagster as dg
import pyarrow as pa

from spotify_assets.charts.folder import ChartFolderError
from spotify_assets.charts.lines import raw_chart_table
from spotify_assets.charts.names import place_files
from spotify_assets.charts.parse import chart_tables
from spotify_assets.charts.rules import CHART_RULES, entries_outcomes, raw_chart_outcomes, rejected_outcomes
from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.charts import SpotifyChartsResource
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.rules import RULES
from spotify_assets.lake.weeks import week_bounds

GROUP = "spotify_charts"
CHART_TABLE_RULES = (*RULES, *CHART_RULES)
TABLES = {
    "spotify_chart_entries": "One row per entry of each Spotify chart of the week (charts.spotify.com's weekly "
    "regional charts, or the older spotifycharts.com export), keyed by (chart, rank), built from the chart files "
    "alone: the track id, name, artists (verbatim, never split), streams, and where the file says them peak "
    "rank, previous rank (null for a new entry) and weeks on chart, and the label; file_name names the file.",
    "rejected_chart_lines": "One row per fault of a chart file of the week, naming the file and the line (0: the "
    "file as a whole) with the reason: an unknown header, a non-numeric rank or stream count, a wrong number "
    "of fields, two files for one chart and week. The file stays in raw_spotify_chart and its chart is left "
    "out of spotify_chart_entries; the week's other charts land. Fix or replace the file and materialize the "
    "week again.",
}


def _previous_week(week: str) -> str:
    return (week_bounds(week)[0] - timedelta(days=7)).strftime("%Y-%m-%d")


def build_raw_spotify_chart(partitions: dg.TimeWindowPartitionsDefinition, *, live: bool) -> dg.AssetsDefinition:
    """`raw_spotify_chart` over `partitions`; `live`: the week in progress becomes a partition when
    it ends, so its chart file is not reported as outside the partitions."""

    @dg.asset(
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name=GROUP,
        kinds={"csv", "parquet"},
        owners=OWNERS,
        check_specs=check_specs("raw_spotify_chart", partitions, CHART_TABLE_RULES),
    )
    def raw_spotify_chart(context: dg.AssetExecutionContext, spotify_charts: SpotifyChartsResource):
        """Every line of every Spotify chart file of the week in SPOTIFY_CHARTS_DIR, verbatim: the file
        name, its sha256, the 1-based line number and the line (without its terminator; line 1 without
        the byte order mark). A chart belongs to the week (Monday to Sunday) that holds its Thursday.
        `spotify_chart_entries` is rebuilt from this asset alone. A week without any chart file is
        stored empty, and the warning check `week_has_charts` says so; a file of the folder that no
        week takes (a name that is not a chart's, a week outside the partitions) is named by the
        warning check `chart_files_placed`."""
        weeks = context.partition_keys
        folder = spotify_charts.folder()
        keys = partitions.get_partition_keys()
        try:
            names = folder.names() if folder is not None else []
        except ChartFolderError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error
        placement = place_files(names, keys[0], keys[-1], later_weeks_come=live)
        if folder is None:
            context.log.info("SPOTIFY_CHARTS_DIR is not set: no charts are followed, the chart tables are stored empty")
        tables, outcomes = {}, {}
        for week in weeks:
            files = placement.by_week.get(week, [])
            try:
                tables[week] = raw_chart_table((f.file_name, folder.read(f.file_name)) for f in files)
            except ChartFolderError as error:
                raise dg.Failure(description=f"week {week}: {error}", allow_retries=False) from error
            outcomes[week] = raw_chart_outcomes(
                tables[week], week, [f.file_name for f in files], placement.unplaced, followed=folder is not None
            )
            context.log.info(f"week {week}: {len(files)} chart files, {tables[week].num_rows} lines")
            context.add_asset_metadata(
                {"chart_files": dg.MetadataValue.json([f.file_name for f in files]), "lines": tables[week].num_rows},
                partition_key=week,
            )
        yield from emit(context, outcomes, [dg.Output(join_weeks(context, tables))])

    return raw_spotify_chart


def build_spotify_chart_tables(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`spotify_chart_entries` and `rejected_chart_lines` over `partitions`."""

    @dg.multi_asset(
        outs={
            name: dg.AssetOut(
                description=description, group_name=GROUP, kinds={"pyarrow", "parquet"}, owners=OWNERS, is_required=True
            )
            for name, description in TABLES.items()
        },
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[spec for name in TABLES for spec in check_specs(name, partitions, CHART_TABLE_RULES)],
    )
    def spotify_chart_tables(context: dg.AssetExecutionContext, raw_spotify_chart: pa.Table, lake: LakeStorage):
        """Parses each week's chart lines once (both CSV formats) into the entries and the rejected
        lines; a bad file is left out whole and the week's other charts land."""
        weeks = sorted(context.partition_keys)
        built, outcomes = {}, {}
        stored = set(lake.list_weeks("spotify_chart_entries"))
        for week, raw in split_weeks(raw_spotify_chart, weeks).items():
            built[week] = chart_tables(raw)
            before = _previous_week(week)
            if before in built:
                last_week = built[before].entries
            elif before in stored:
                last_week = lake.read_weeks("spotify_chart_entries", [before], missing="skip")
            else:
                last_week = None
            outcomes[week] = [
                *entries_outcomes(built[week].entries, last_week),
                *rejected_outcomes(built[week].rejected),
            ]
            context.add_asset_metadata(
                {"charts": dg.MetadataValue.json([c.chart for c in built[week].charts])},
                asset_key="spotify_chart_entries",
                partition_key=week,
            )
        outputs = [
            dg.Output(
                join_weeks(context, {w: t.entries for w, t in built.items()}), output_name="spotify_chart_entries"
            ),
            dg.Output(
                join_weeks(context, {w: t.rejected for w, t in built.items()}), output_name="rejected_chart_lines"
            ),
        ]
        yield from emit(context, outcomes, outputs)

    return spotify_chart_tables
