-- Region compare: in the latest week of the Spotify Charts, every song on more than one chart, with
-- its rank and streams in each region it charts in; the songs on the most charts first, then by
-- their best rank. For one song add AND s.song_id = '<id>' to the first WHERE; for another week,
-- replace the MAX(week) subquery with a week key such as '2026-10-05'.
WITH latest AS (
    SELECT s.week, s.song_id, s.song_name, s.artist_names, s.region, s.chart, s.rank, s.streams
    FROM song_streams AS s
    WHERE s.week = (SELECT MAX(week) FROM song_streams)
),
spread AS (
    SELECT l.song_id, COUNT(*) AS charts, MIN(l.rank) AS best_rank
    FROM latest AS l
    GROUP BY l.song_id
    HAVING COUNT(*) > 1
)
SELECT l.week, l.song_name, l.artist_names, p.charts, p.best_rank, l.region, l.rank, l.streams
FROM latest AS l
JOIN spread AS p ON p.song_id = l.song_id
ORDER BY p.charts DESC, p.best_rank, l.song_id, l.rank, l.region
