-- Top streamed: each chart's 10 most streamed songs in the latest week of the Spotify Charts, with
-- their share of the chart's streams and the change from the week before. The change is NULL when
-- the song was not on that chart last week, or last week's chart is not stored (is_new says which).
-- For another week, replace the MAX(week) subquery with a week key such as '2026-10-05'.
WITH ranked AS (
    SELECT
        s.week,
        s.chart,
        ROW_NUMBER() OVER (PARTITION BY s.chart ORDER BY s.streams DESC, s.rank, s.song_id) AS streams_rank,
        s.rank,
        s.song_name,
        s.artist_names,
        s.streams,
        s.share,
        s.previous_streams,
        s.streams_change,
        s.is_new
    FROM song_streams AS s
    WHERE s.week = (SELECT MAX(week) FROM song_streams)
)
SELECT
    week,
    chart,
    streams_rank,
    rank,
    song_name,
    artist_names,
    streams,
    ROUND(share * 100, 2) AS share_pct,
    previous_streams,
    streams_change,
    is_new
FROM ranked
WHERE streams_rank <= 10
ORDER BY chart, streams_rank
