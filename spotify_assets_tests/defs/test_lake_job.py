"""The weekly job end to end with the real IO manager: files, metadata, per-week checks, bad input."""

import gzip
import json
import shutil
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.lake.schemas import TABLE_SCHEMAS
from spotify_assets.lake.transform import week_tables
from spotify_assets.settings import SAMPLE_DATA_DIR
from spotify_assets_tests.conftest import SAMPLE_WEEKS, run_weeks

TABLES = ["raw_playlist", "playlists", "songs", "albums", "artists", "rejected_items"]


def _files(lake: Path) -> list[str]:
    return sorted(str(p.relative_to(lake)) for p in lake.rglob("*") if p.is_file())


def _copy_weeks(tmp_path: Path, weeks: list[str]) -> Path:
    replay = tmp_path / "replay"
    for week in weeks:
        shutil.copytree(SAMPLE_DATA_DIR / week, replay / week)
    return replay


def test_two_weeks_in_one_run_write_every_table_and_check_each_week(lake_env):
    settings = lake_env()
    result = run_weeks(build_definitions(settings), SAMPLE_WEEKS[0], SAMPLE_WEEKS[1])
    assert result.success
    lake = Path(settings.lake)
    lake_files = [f for f in _files(lake) if f.split("/")[0] in TABLES]  # trends are tested in test_trends_assets
    assert lake_files == [f"{t}/week={w}/part-0.parquet" for t in sorted(TABLES) for w in SAMPLE_WEEKS[:2]]
    for table in TABLES:
        assert (
            pq.read_schema(lake / table / f"week={SAMPLE_WEEKS[0]}" / "part-0.parquet").names
            == TABLE_SCHEMAS[table].names
        )

    inline = [
        e
        for e in result.get_asset_check_evaluations()
        if e.partition is not None and e.asset_key.to_user_string() in TABLES
    ]
    by_check: dict[tuple[str, str], list[str]] = {}
    for evaluation in inline:
        assert evaluation.passed, evaluation
        by_check.setdefault((evaluation.asset_key.to_user_string(), evaluation.check_name), []).append(
            evaluation.partition
        )
    assert len(by_check) == 17
    assert all(sorted(weeks) == SAMPLE_WEEKS[:2] for weeks in by_check.values())

    materializations = {
        (m.asset_key.to_user_string(), m.partition): m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
        if m.asset_key.to_user_string() in TABLES  # the lake's tables, not the catalog
    }
    assert set(materializations) == {(t, w) for t in TABLES for w in SAMPLE_WEEKS[:2]}
    for (table, week), metadata in materializations.items():
        for key in ("dagster/row_count", "dagster/column_schema", "dagster/uri", "dagster/table_name", "preview"):
            assert key in metadata, key
        week_dir = lake / table / f"week={week}"
        assert metadata["dagster/row_count"].value == pq.read_table(week_dir / "part-0.parquet").num_rows
        assert metadata["dagster/uri"].value == str(week_dir)
        assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == TABLE_SCHEMAS[table].names
        # a week's page describes that week only, also in a run of two weeks
        assert not {"weeks", "rows_by_week"} & set(metadata)
        if table == "raw_playlist":
            stored = pq.read_table(week_dir / "part-0.parquet")
            assert metadata["items"].value == stored["position"].drop_null().length()
            assert metadata["playlists"].value == len(set(stored["playlist_id"].to_pylist()))
            assert metadata["source"].value == "replay"


def test_rerun_replaces_the_week_and_adds_no_file(lake_env):
    settings = lake_env()
    defs = build_definitions(settings)
    assert run_weeks(defs, SAMPLE_WEEKS[0]).success
    lake = Path(settings.lake)
    before = {f: (lake / f).read_bytes() for f in _files(lake)}
    assert run_weeks(defs, SAMPLE_WEEKS[0]).success
    assert {f: (lake / f).read_bytes() for f in _files(lake)} == before


def raw_records_of(lake: Path, week: str) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(lake / f"raw_playlist/week={week}/part-0.parquet").num_rows


def test_blocking_check_stops_the_week_and_everything_downstream(lake_env, tmp_path, monkeypatch):
    replay = _copy_weeks(tmp_path, SAMPLE_WEEKS[:1])
    settings = lake_env(SPOTIFY_REPLAY_DIR=str(replay))
    defs = build_definitions(settings)
    assert run_weeks(defs, SAMPLE_WEEKS[0]).success
    lake = Path(settings.lake)
    songs_before = (lake / f"songs/week={SAMPLE_WEEKS[0]}/part-0.parquet").read_bytes()

    # A transform bug (what blocking checks guard against): an album of the week's songs goes missing.
    import spotify_assets.defs.assets.tables as tables_module

    def losing_an_album(raw):
        built = week_tables(raw)
        built.albums = built.albums.slice(1)
        return built

    monkeypatch.setattr(tables_module, "week_tables", losing_an_album)

    @dg.asset(
        deps=["songs"],
        partitions_def=defs.resolve_assets_def("songs").partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def song_report() -> None:
        raise AssertionError("must not run after a blocking check failed")

    job = dg.Definitions(
        assets=[*defs.assets, song_report],
        resources=defs.resources,
        jobs=[
            dg.define_asset_job(
                "with_report", selection="*", partitions_def=defs.resolve_assets_def("songs").partitions_def
            )
        ],
    ).resolve_job_def("with_report")
    result = job.execute_in_process(partition_key=SAMPLE_WEEKS[0], raise_on_error=False)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.to_user_string(), e.check_name, e.partition) for e in failed] == [
        ("songs", "albums_exist", SAMPLE_WEEKS[0])
    ]
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "songs.albums_exist" in message
    # the message says what was not written and what was kept: the raw week this run stored
    assert (
        f"albums, artists, playlists, rejected_items, songs were not written for week(s) {SAMPLE_WEEKS[0]}" in message
    )
    assert "What this step reads (raw_playlist) is kept as stored" in message
    assert "song_report" not in {e.step_key for e in result.all_events if e.is_successful_output}
    assert (lake / f"songs/week={SAMPLE_WEEKS[0]}/part-0.parquet").read_bytes() == songs_before
    assert raw_records_of(lake, SAMPLE_WEEKS[0]) > 0


@pytest.mark.parametrize(
    "corrupt, expected",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:200]), "73OIfWm88pnXik7w7OOp69"),
        (lambda p: p.write_bytes(gzip.compress(b"<html>Bad gateway</html>")), "73OIfWm88pnXik7w7OOp69"),
    ],
    ids=["truncated", "not-json"],
)
def test_bad_snapshot_fails_naming_file_week_and_playlist_and_keeps_earlier_files(
    lake_env, tmp_path, corrupt, expected
):
    replay = _copy_weeks(tmp_path, SAMPLE_WEEKS[:1])
    settings = lake_env(SPOTIFY_REPLAY_DIR=str(replay))
    defs = build_definitions(settings)
    assert run_weeks(defs, SAMPLE_WEEKS[0]).success
    lake = Path(settings.lake)
    before = {f: (lake / f).read_bytes() for f in _files(lake)}

    corrupt(replay / SAMPLE_WEEKS[0] / f"{expected}.json.gz")
    result = run_weeks(defs, SAMPLE_WEEKS[0])
    assert not result.success
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert expected in message and SAMPLE_WEEKS[0] in message and ".json.gz" in message
    assert {f: (lake / f).read_bytes() for f in _files(lake)} == before


def test_missing_week_and_unknown_playlist_are_named(lake_env, tmp_path):
    # a replay directory with a gap: the week between is a partition without a folder
    replay = _copy_weeks(tmp_path, [SAMPLE_WEEKS[0], SAMPLE_WEEKS[2]])
    defs = build_definitions(lake_env(SPOTIFY_REPLAY_DIR=str(replay)))
    result = run_weeks(defs, SAMPLE_WEEKS[1])
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert SAMPLE_WEEKS[1] in message and SAMPLE_WEEKS[0] in message

    defs = build_definitions(lake_env(SPOTIFY_PLAYLISTS="4uLU6hMCjMI75M1A2tKUQC"))
    result = run_weeks(defs, SAMPLE_WEEKS[0])
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert "4uLU6hMCjMI75M1A2tKUQC" in message and SAMPLE_WEEKS[0] in message


def test_configured_playlists_narrow_the_week(lake_env):
    settings = lake_env(SPOTIFY_PLAYLISTS="https://open.spotify.com/playlist/raowTjyhCvQiRXrX822UNe?si=abc")
    assert run_weeks(build_definitions(settings), SAMPLE_WEEKS[0]).success
    playlists = pq.read_table(Path(settings.lake) / "playlists")
    assert playlists["playlist_id"].to_pylist() == ["raowTjyhCvQiRXrX822UNe"]


def test_unseen_replay_dir_with_list_wrapped_real_responses_and_2026_files(lake_env, tmp_path):
    """A replay directory the project never shipped: real legacy responses stored as a list of one
    playlist, beside a 2026-shape playlist with a null track and an episode."""
    from spotify_assets_tests import factories as f

    real = Path(__file__).parents[1] / "fixtures" / "real_responses"
    replay = tmp_path / "replay"
    weeks = {"2024-04-22": "top50-global-2024-04-22.json.gz", "2024-04-29": "top50-global-2024-05-15.json.gz"}
    artist, album = (
        f.artist("a" * 22, "Motörhead Jr"),
        f.album("b" * 22, "Año", [f.artist("c" * 22, "VA")], "1998", "year"),
    )
    for week, name in weeks.items():
        (replay / week).mkdir(parents=True)
        shutil.copy(real / name, replay / week / "37i9dQZEVXbMDoHDwVN2tF.json.gz")
        snap = f.snapshot(
            "d" * 22,
            [
                f.entry(None, legacy=False),
                f.entry(f.episode("e" * 22), legacy=False),
                f.entry(f.track("t" * 22, "Canción", [artist], album), legacy=False),
            ],
            legacy=False,
        )
        playlist = dict(snap.playlist, items={**snap.playlist["items"], "items": list(snap.items)})
        (replay / week / f"{'d' * 22}.json").write_text(json.dumps(playlist, ensure_ascii=False))

    settings = lake_env(SPOTIFY_REPLAY_DIR=str(replay))
    assert run_weeks(build_definitions(settings), "2024-04-22", "2024-04-29").success
    lake = Path(settings.lake)
    for week, name in weeks.items():
        (response,) = json.loads(gzip.decompress((real / name).read_bytes()))
        songs = pq.read_table(lake / f"songs/week={week}/part-0.parquet").to_pylist()
        real_songs = [s for s in songs if s["playlist_id"] == "37i9dQZEVXbMDoHDwVN2tF"]
        assert [s["song_id"] for s in real_songs] == [i["track"]["id"] for i in response["tracks"]["items"]]
        (mine,) = [s for s in songs if s["playlist_id"] == "d" * 22]
        assert (mine["position"], mine["artist_id"], mine["popularity"]) == (3, "a" * 22, None)
        playlists = {
            p["playlist_id"]: p for p in pq.read_table(lake / f"playlists/week={week}/part-0.parquet").to_pylist()
        }
        assert (playlists["d" * 22]["songs_kept"], playlists["d" * 22]["items_skipped"]) == (1, 2)
        albums = {a["album_id"]: a for a in pq.read_table(lake / f"albums/week={week}/part-0.parquet").to_pylist()}
        assert str(albums["b" * 22]["release_date"]) == "1998-01-01"


def _edit_replay(path: Path, edit) -> None:
    playlist = json.loads(gzip.decompress(path.read_bytes()))
    edit(playlist)
    # json.dumps writes NaN as NaN and a lone surrogate as its escape, as a source would send them
    path.write_bytes(gzip.compress(json.dumps(playlist).encode()))


def _songs_at(entries: list, key: str, count: int) -> list[int]:
    """Indices of the first `count` entries that are songs (not null, local or an episode)."""
    found = [
        i
        for i, e in enumerate(entries)
        if isinstance(e.get(key), dict) and e[key].get("type", "track") == "track" and not e[key].get("is_local")
    ]
    return found[:count]


def test_items_that_cannot_be_typed_are_quarantined_and_the_week_lands(lake_env, tmp_path):
    week = SAMPLE_WEEKS[0]
    replay = _copy_weeks(tmp_path, [week])
    pulse, drive = "73OIfWm88pnXik7w7OOp69", "miRIPuS4pf5LGVdx16mNJn"  # 2026 shape, legacy shape
    injected: dict[tuple[str, int], str] = {}  # (playlist, position) -> the expected reason
    landed: dict[str, int] = {}

    def break_pulse(playlist):
        entries = playlist["items"]["items"]
        a, b, c, d = _songs_at(entries, "item", 4)
        entries[a]["item"]["duration_ms"] = "abc"
        entries[b]["item"]["duration_ms"] = float("nan")
        entries[c]["item"]["artists"] = []
        entries[d]["item"]["name"] = "Caf\ud800"
        injected[(pulse, a + 1)] = 'item.duration_ms is "abc", not a whole number of milliseconds'
        injected[(pulse, b + 1)] = "item.duration_ms is NaN, not a whole number of milliseconds"
        injected[(pulse, c + 1)] = "item.artists is [], not a list of at least one artist"
        landed[pulse] = d + 1

    def break_drive(playlist):
        entries = playlist["tracks"]["items"]
        a, b = _songs_at(entries, "track", 2)
        entries[a]["track"]["duration_ms"] = 215000.7
        entries[b]["track"] = "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
        injected[(drive, a + 1)] = "track.duration_ms is 215000.7, not a whole number of milliseconds"
        injected[(drive, b + 1)] = 'track is "spotify:track:4uLU6hMCjMI75M1A2tKUQC", not a track object or null'

    clean_settings = lake_env(SPOTIFY_REPLAY_DIR=str(_copy_weeks(tmp_path / "clean", [week])))
    assert run_weeks(build_definitions(clean_settings), week).success
    clean_songs = pq.read_table(Path(clean_settings.lake) / f"songs/week={week}/part-0.parquet").to_pylist()

    _edit_replay(replay / week / f"{pulse}.json.gz", break_pulse)
    _edit_replay(replay / week / f"{drive}.json.gz", break_drive)
    settings = lake_env(SPOTIFY_ASSETS_LAKE=str(tmp_path / "broken-lake"), SPOTIFY_REPLAY_DIR=str(replay))
    result = run_weeks(build_definitions(settings), week)
    assert result.success
    lake = Path(settings.lake)

    def read(table):
        return pq.read_table(lake / f"{table}/week={week}/part-0.parquet")

    rejected = read("rejected_items")
    assert rejected.schema == TABLE_SCHEMAS["rejected_items"]
    assert {(r["playlist_id"], r["position"]): r["reason"] for r in rejected.to_pylist()} == injected
    raw = {(r["playlist_id"], r["position"]): r["item_json"] for r in read("raw_playlist").to_pylist()}
    for row in rejected.to_pylist():
        assert row["item_json"] == raw[(row["playlist_id"], row["position"])]  # raw still holds it, verbatim
    assert '"name":"Caf\\ud800"' in raw[(pulse, landed[pulse])]

    songs = read("songs").to_pylist()
    keys = [(s["playlist_id"], s["position"]) for s in songs]
    assert not set(injected) & set(keys)
    # every other song of those playlists (and of the week) landed as in the clean run
    assert keys == [
        (s["playlist_id"], s["position"]) for s in clean_songs if (s["playlist_id"], s["position"]) not in injected
    ]
    (surrogate,) = [s for s in songs if (s["playlist_id"], s["position"]) == (pulse, landed[pulse])]
    assert surrogate["song_name"] == "Caf\ufffd"

    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
        if e.partition == week
    }
    warning = evaluations[("rejected_items", "no_rejected_items")]
    assert not warning.passed and not warning.blocking
    assert warning.description.startswith(f"5 raw items rejected, on playlists {pulse}, {drive}:")
    assert warning.metadata["failing_rows"].value == 5
    assert len(warning.metadata["examples"].value) == 5
    # the blocking checks (keys, songs -> albums/artists) hold; the renamed song may warn as a conflict
    failed = {k for k, e in evaluations.items() if not e.passed}
    assert failed <= {("rejected_items", "no_rejected_items"), ("songs", "track_payloads_agree")}
    assert all(evaluations[(table, "unique_key")].passed for table in TABLES)
