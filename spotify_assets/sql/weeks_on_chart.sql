-- Weeks on chart: for each song on each playlist, in how many weeks it was there, its best
-- position and its first and last week. Longest-running first.
SELECT
    MAX(p.playlist_name) AS playlist_name,
    MAX(s.song_name) AS song_name,
    MAX(ar.artist_name) AS artist_name,
    COUNT(DISTINCT s.week) AS weeks_on_chart,
    MIN(s.position) AS best_position,
    MIN(s.week) AS first_week,
    MAX(s.week) AS last_week
FROM songs AS s
JOIN playlists AS p ON p.playlist_id = s.playlist_id AND p.week = s.week
LEFT JOIN artists AS ar ON ar.artist_id = s.artist_id AND ar.week = s.week
GROUP BY s.playlist_id, s.song_id
ORDER BY weeks_on_chart DESC, best_position, playlist_name, song_name, s.song_id
