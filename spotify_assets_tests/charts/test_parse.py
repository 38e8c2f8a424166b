"""A week of raw chart lines → entries and rejections: both formats, names verbatim, a bad file
left out whole and named by file and line, the week's other charts landing."""

from datetime import date

from spotify_assets.charts.lines import raw_chart_table
from spotify_assets.charts.parse import chart_tables
from spotify_assets.lake.schemas import REJECTED_CHART_LINES, SPOTIFY_CHART_ENTRIES
from spotify_assets_tests.charts.chart_files import entries, new_format, old_format

GLOBAL = "regional-global-weekly-2026-10-22.csv"
JP_OLD = "regional-jp-weekly-2026-10-16--2026-10-23.csv"
BR = "regional-br-weekly-2026-10-22.csv"


def parse(*files: tuple[str, bytes]):
    return chart_tables(raw_chart_table(files))


def test_both_formats_land_in_the_same_columns_names_verbatim():
    rows = entries(3)
    rows[0].update(song_name='Say "Hi", again', artist_names='Tyler, The Creator, "Big" Ray', previous_rank=7)
    week = parse((GLOBAL, new_format(rows, crlf=True)), (JP_OLD, old_format(rows)))
    assert week.entries.schema == SPOTIFY_CHART_ENTRIES and week.rejected.num_rows == 0
    got = week.entries.to_pylist()
    assert [(r["chart"], r["rank"]) for r in got] == [
        ("regional-global-weekly", 1),
        ("regional-global-weekly", 2),
        ("regional-global-weekly", 3),
        ("regional-jp-weekly", 1),
        ("regional-jp-weekly", 2),
        ("regional-jp-weekly", 3),
    ]
    first, old_first = got[0], got[3]
    assert first == {
        "chart": "regional-global-weekly",
        "region": "global",
        "chart_date": date(2026, 10, 22),
        "rank": 1,
        "song_id": rows[0]["song_id"],
        "song_name": 'Say "Hi", again',
        "artist_names": 'Tyler, The Creator, "Big" Ray',
        "streams": rows[0]["streams"],
        "peak_rank": 1,
        "previous_rank": 7,
        "weeks_on_chart": 1,
        "label": "Label, Inc.",
        "file_name": GLOBAL,
    }
    assert got[1]["previous_rank"] is None  # -1 in the file: a new entry
    # the older format: the same song, its Thursday from the name, no peak, previous, weeks or label
    assert old_first["region"] == "jp" and old_first["chart_date"] == date(2026, 10, 22)
    assert (old_first["song_id"], old_first["song_name"], old_first["artist_names"]) == (
        rows[0]["song_id"],
        'Say "Hi", again',
        'Tyler, The Creator, "Big" Ray',
    )
    assert [old_first[c] for c in ("peak_rank", "previous_rank", "weeks_on_chart", "label")] == [None] * 4


def test_with_or_without_the_note_line_bom_or_crlf_and_header_case():
    rows = entries(2)
    variants = [
        old_format(rows, note=False),
        old_format(rows, crlf=True),
        new_format(rows, bom=False),
        new_format(rows, crlf=True).replace(b"rank,uri", b"Rank, URI"),
    ]
    for data in variants:
        name = JP_OLD if b"Position" in data else GLOBAL
        week = parse((name, data))
        assert week.rejected.num_rows == 0, week.rejected.to_pylist()
        assert week.entries["song_id"].to_pylist() == [r["song_id"] for r in rows]


def test_a_header_only_file_is_an_empty_chart_and_blank_lines_are_skipped():
    week = parse((GLOBAL, new_format([])), (BR, new_format(entries(2)) + b"\n\n"))
    assert week.rejected.num_rows == 0
    assert [c.chart for c in week.charts] == ["regional-br-weekly", "regional-global-weekly"]
    assert week.entries["chart"].to_pylist() == ["regional-br-weekly"] * 2


def test_a_bad_file_is_left_out_whole_naming_file_and_line_and_the_others_land():
    bad_rank = new_format(entries(3)).replace(b"\n2,", b"\nII,")
    bad_streams = old_format(entries(3)).replace(b",998000,", b",n/a,")
    week = parse((GLOBAL, bad_rank), (JP_OLD, bad_streams), (BR, new_format(entries(2))))
    assert week.entries["chart"].to_pylist() == ["regional-br-weekly"] * 2
    rejected = week.rejected
    assert rejected.schema == REJECTED_CHART_LINES
    assert [(r["file_name"], r["line_number"], r["chart"]) for r in rejected.to_pylist()] == [
        (GLOBAL, 3, "regional-global-weekly"),
        (JP_OLD, 4, "regional-jp-weekly"),
    ]
    by_file = {r["file_name"]: r for r in rejected.to_pylist()}
    assert by_file[GLOBAL]["reason"].startswith("rank is 'II', not a whole number")
    assert "left out of spotify_chart_entries" in by_file[GLOBAL]["reason"]
    assert by_file[GLOBAL]["line"].startswith("II,spotify:track:")
    assert by_file[JP_OLD]["reason"].startswith("streams is 'n/a'")


def test_an_unknown_header_a_wrong_field_count_and_an_empty_file_are_rejected():
    unknown = b"\xef\xbb\xbfposition,song,streams\n1,a,5\n"
    short = new_format(entries(2)) + b"3,spotify:track:x,a\n"
    week = parse((GLOBAL, unknown), (BR, short), (JP_OLD, b""))
    got = {(r["file_name"], r["line_number"]): r["reason"] for r in week.rejected.to_pylist()}
    assert got[(GLOBAL, 1)].startswith("unknown header 'position,song,streams': expected rank,uri,")
    assert got[(BR, 4)].startswith("3 fields where the header has 9")
    assert got[(JP_OLD, 1)].startswith("the file has no header line")
    assert week.entries.num_rows == 0


def test_two_files_for_one_chart_and_week_are_both_left_out():
    other_format = "regional-global-weekly-2026-10-16--2026-10-23.csv"  # the same week, 2026-10-19
    week = parse((GLOBAL, new_format(entries(2))), (other_format, old_format(entries(2))), (BR, new_format(entries(1))))
    assert week.entries["chart"].to_pylist() == ["regional-br-weekly"]
    rows = week.rejected.to_pylist()
    assert [(r["file_name"], r["line_number"]) for r in rows] == [(other_format, 0), (GLOBAL, 0)]
    assert all(
        f"2 different files for chart regional-global-weekly of week 2026-10-19 ({other_format}, {GLOBAL})"
        in r["reason"]
        for r in rows
    )


def test_a_quoted_field_may_span_lines_and_keeps_its_first_line_number():
    data = new_format(entries(2)).replace(b'"Song ""2"", part 2"', b'"Song\n2"')
    week = parse((GLOBAL, data))
    assert week.entries["song_name"].to_pylist()[1] == "Song\n2"
    bad = data.replace(b"\n2,", b"\nx,")
    (row,) = parse((GLOBAL, bad)).rejected.to_pylist()
    assert row["line_number"] == 3
