"""The rules of the Spotify Charts tables, as plain functions returning `Outcome`s (docs/data-contract.md,
Checks). The `unique_key` rules of the three tables come from `lake/rules.py` with every other table's."""

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.rules import SAMPLE, Outcome, Rule, unique_key

CHART_RULES: tuple[Rule, ...] = (
    Rule(
        "raw_spotify_chart",
        "week_has_charts",
        "The week has at least one chart file in SPOTIFY_CHARTS_DIR (when it is set); a week without any writes "
        "empty chart tables.",
    ),
    Rule(
        "raw_spotify_chart",
        "chart_files_placed",
        "Every .csv file of the charts folder is named like a weekly regional chart and its week is a partition. "
        "Such a file belongs to no week, so every week's evaluation lists it, with the name or setting to change.",
    ),
    Rule(
        "spotify_chart_entries",
        "ranks_complete",
        "Each chart's ranks are 1..N without gaps.",
        blocking=True,
    ),
    Rule("spotify_chart_entries", "streams_fall_with_rank", "Within each chart, streams do not rise with rank."),
    Rule("spotify_chart_entries", "song_id_valid", "Every entry has a valid track id (22 base-62 characters)."),
    Rule(
        "spotify_chart_entries",
        "previous_rank_agrees",
        "Where this week's and last week's files of a chart are both stored (and this week's has the "
        "charts.spotify.com columns), each entry's previous_rank is its rank in last week's chart, and a new "
        "entry (-1 in the file) was not in it.",
    ),
    Rule(
        "rejected_chart_lines",
        "no_rejected_chart_lines",
        "No chart file of the week was rejected. A rejected file (unknown header, a non-numeric rank or stream "
        "count, two files for one chart and week) stays in raw_spotify_chart, is left out of "
        "spotify_chart_entries, and each fault gets a rejected_chart_lines row naming the file and line. Fix or "
        "replace the file, then materialize the week again.",
    ),
)
CHART_RULES_BY_NAME = {(rule.table, rule.name): rule for rule in CHART_RULES}
SONG_ID = r"^[0-9A-Za-z]{22}$"


def _outcome(table: str, name: str, bad: int, what: str, examples: list | None = None, **extra: Any) -> Outcome:
    metadata: dict[str, Any] = {"failing_rows": bad, **extra}
    if examples:
        metadata["examples"] = [str(example) for example in examples[:SAMPLE]]
    return Outcome(
        CHART_RULES_BY_NAME[(table, name)],
        passed=bad == 0,
        description=f"{bad} {what}" if bad else "ok",
        metadata=metadata,
    )


def raw_chart_outcomes(
    raw: pa.Table, week: str, files: list[str], unplaced: dict[str, str], *, followed: bool = True
) -> list[Outcome]:
    """The raw rules on one week: `files` are the week's chart files, `unplaced` the folder's files
    no week takes, each with why; `followed`: a charts folder is set (without one no chart is
    expected, and an empty week is no fault)."""
    outcomes = [unique_key("raw_spotify_chart", raw)]
    outcomes.append(
        _outcome(
            "raw_spotify_chart",
            "week_has_charts",
            0 if files or not followed else 1,
            f"chart files for week {week}: its chart tables are empty. Add the week's files (charts.spotify.com, "
            "Weekly) to SPOTIFY_CHARTS_DIR and materialize the week again",
            files=files,
            charts_folder_set=followed,
        )
    )
    outcomes.append(
        _outcome(
            "raw_spotify_chart",
            "chart_files_placed",
            len(unplaced),
            "files of the charts folder belong to no partition week:\n"
            + "\n".join(f"- {name}: {why}" for name, why in unplaced.items()),
            [f"{name}: {why}" for name, why in unplaced.items()],
            files=sorted(unplaced),
        )
    )
    return outcomes


def _by_chart(entries: pa.Table) -> dict[str, dict[str, list]]:
    """Each chart's columns, rows in rank order (entries are sorted by chart, rank)."""
    charts: dict[str, dict[str, list]] = {}
    columns = {name: entries[name].to_pylist() for name in ("chart", "rank", "streams", "song_id", "previous_rank")}
    columns["weeks_on_chart"] = entries["weeks_on_chart"].to_pylist()
    for i, chart in enumerate(columns["chart"]):
        bucket = charts.setdefault(chart, {name: [] for name in columns if name != "chart"})
        for name, values in bucket.items():
            values.append(columns[name][i])
    return charts


def ranks_complete(charts: dict[str, dict[str, list]]) -> Outcome:
    gaps = []
    for chart, columns in charts.items():
        ranks = sorted(columns["rank"])
        if ranks != list(range(1, len(ranks) + 1)):
            missing = sorted(set(range(1, max(ranks) + 1)) - set(ranks))[:SAMPLE]
            gaps.append(f"{chart}: {len(ranks)} entries, ranks {ranks[0]}..{ranks[-1]}, missing {missing}")
    return _outcome(
        "spotify_chart_entries",
        "ranks_complete",
        len(gaps),
        "charts whose ranks are not 1..N: the file is wrong; fix or replace it, then materialize the week again",
        gaps,
    )


def streams_fall_with_rank(charts: dict[str, dict[str, list]]) -> Outcome:
    rises = []
    for chart, columns in charts.items():
        pairs = sorted(zip(columns["rank"], columns["streams"], strict=True))
        rises += [
            f"{chart}: rank {rank} has {streams:,} streams, more than rank {above} ({above_streams:,})"
            for (above, above_streams), (rank, streams) in zip(pairs, pairs[1:], strict=False)
            if streams > above_streams
        ]
    return _outcome(
        "spotify_chart_entries",
        "streams_fall_with_rank",
        len(rises),
        "entries with more streams than the rank above",
        rises,
    )


def song_id_valid(entries: pa.Table) -> Outcome:
    valid = pc.fill_null(pc.match_substring_regex(entries["song_id"], SONG_ID), False)
    bad = entries.filter(pc.invert(valid))
    examples = [
        f"{row['chart']} rank {row['rank']}: {row['song_id']!r} ({row['file_name']})"
        for row in bad.select(["chart", "rank", "song_id", "file_name"]).slice(0, SAMPLE).to_pylist()
    ]
    return _outcome(
        "spotify_chart_entries", "song_id_valid", bad.num_rows, "entries without a valid track id", examples
    )


def previous_rank_agrees(charts: dict[str, dict[str, list]], last_week: pa.Table | None) -> Outcome:
    """`last_week`: the stored entries of the week before (None when it is not stored)."""
    disagreements, compared = [], 0
    before = _by_chart(last_week) if last_week is not None and last_week.num_rows else {}
    for chart, columns in charts.items():
        if chart not in before:
            continue
        ranks_before = dict(zip(before[chart]["song_id"], before[chart]["rank"], strict=True))
        for rank, song, previous, weeks in zip(
            columns["rank"], columns["song_id"], columns["previous_rank"], columns["weeks_on_chart"], strict=True
        ):
            if weeks is None:  # the older format says nothing of last week
                continue
            compared += 1
            if ranks_before.get(song) != previous:
                said = "new (-1)" if previous is None else previous
                found = ranks_before.get(song, "not on it")
                disagreements.append(f"{chart} rank {rank} ({song}): previous_rank {said}, last week's chart: {found}")
    return _outcome(
        "spotify_chart_entries",
        "previous_rank_agrees",
        len(disagreements),
        "entries whose previous_rank disagrees with last week's stored chart",
        disagreements,
        compared=compared,
    )


def entries_outcomes(entries: pa.Table, last_week: pa.Table | None) -> list[Outcome]:
    """Every rule on one week of `spotify_chart_entries`; `last_week`: the week before as stored."""
    charts = _by_chart(entries)
    return [
        unique_key("spotify_chart_entries", entries),
        ranks_complete(charts),
        streams_fall_with_rank(charts),
        song_id_valid(entries),
        previous_rank_agrees(charts, last_week),
    ]


def rejected_outcomes(rejected: pa.Table) -> list[Outcome]:
    files = sorted(set(rejected["file_name"].to_pylist()))
    return [
        unique_key("rejected_chart_lines", rejected),
        _outcome(
            "rejected_chart_lines",
            "no_rejected_chart_lines",
            rejected.num_rows,
            f"faults in chart files {', '.join(files)}: each file stays in raw_spotify_chart and is left out of "
            "spotify_chart_entries; fix or replace it, then materialize the week again",
            [
                f"{row['file_name']} line {row['line_number']}: {row['reason']}"
                for row in rejected.slice(0, SAMPLE).to_pylist()
            ],
            files=files,
        ),
    ]
