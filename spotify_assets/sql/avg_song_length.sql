-- How the average song length moves: per week, over every song row of the followed playlists
-- (a song on two playlists counts twice), in seconds, with the change from the week before.
SELECT
    week,
    COUNT(*) AS songs,
    ROUND(AVG(duration_ms) / 1000.0, 1) AS avg_seconds,
    ROUND((AVG(duration_ms) - LAG(AVG(duration_ms)) OVER (ORDER BY week)) / 1000.0, 1) AS change_seconds
FROM songs
GROUP BY week
ORDER BY week
