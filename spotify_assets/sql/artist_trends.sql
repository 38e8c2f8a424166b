-- Artist trends: the latest week's top 20 artists over all playlists (playlist_id '*'): songs on
-- the charts crediting them, their share of all chart positions, the change versus the week
-- before and whether they are new. Use a playlist_id instead of '*' for one playlist.
SELECT
    t.week,
    t.artist_name,
    t.appearances,
    ROUND(t.share * 100, 1) AS share_pct,
    t.previous_appearances,
    t.appearances_change,
    t.is_new
FROM artist_trends AS t
WHERE t.playlist_id = '*'
    AND t.appearances > 0
    AND t.week = (SELECT MAX(week) FROM artist_trends)
ORDER BY t.appearances DESC, t.appearances_change DESC, t.artist_name, t.artist_id
LIMIT 20
