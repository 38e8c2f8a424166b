-- New entries: songs on a playlist in a week that were not on it the week before, for every week
-- whose previous week is in the lake. Latest week first; add `AND s.week = 'YYYY-MM-DD'` to the
-- WHERE clause for one week.
SELECT
    s.week,
    p.playlist_name,
    s.position,
    s.song_name,
    ar.artist_name
FROM songs AS s
JOIN playlists AS p ON p.playlist_id = s.playlist_id AND p.week = s.week
JOIN playlists AS prev
    ON prev.playlist_id = s.playlist_id
    AND prev.week = CAST(CAST(CAST(s.week AS DATE) - INTERVAL '7' DAY AS DATE) AS VARCHAR)
LEFT JOIN artists AS ar ON ar.artist_id = s.artist_id AND ar.week = s.week
WHERE NOT EXISTS (
    SELECT 1
    FROM songs AS last_week
    WHERE last_week.week = prev.week
        AND last_week.playlist_id = s.playlist_id
        AND last_week.song_id = s.song_id
)
ORDER BY s.week DESC, p.playlist_name, s.position
