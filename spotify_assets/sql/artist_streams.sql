-- Artist streams: each chart's 10 artists with the most streams in the latest week of the Spotify
-- Charts, their share of the chart's streams and the change from the week before. A song's streams
-- count fully for each of its artists; an artist is its id where a followed playlist has the song,
-- else the chart file's artist text. For another week, replace the MAX(week) subquery.
WITH ranked AS (
    SELECT
        a.week,
        a.chart,
        ROW_NUMBER() OVER (PARTITION BY a.chart ORDER BY a.streams DESC, a.credit) AS artist_rank,
        a.artist_name,
        a.artist_id,
        a.songs,
        a.streams,
        a.share,
        a.previous_streams,
        a.streams_change,
        a.is_new
    FROM artist_streams AS a
    WHERE a.week = (SELECT MAX(week) FROM artist_streams)
)
SELECT
    week,
    chart,
    artist_rank,
    artist_name,
    artist_id,
    songs,
    streams,
    ROUND(share * 100, 1) AS share_pct,
    previous_streams,
    streams_change,
    is_new
FROM ranked
WHERE artist_rank <= 10
ORDER BY chart, artist_rank
