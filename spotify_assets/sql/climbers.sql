-- Top climbers: on each playlist, the five songs that rose the most in the latest week
-- (change = previous position - position). For another week, replace the MAX(week) subquery
-- with a week key such as '2026-10-05'.
WITH ranked AS (
    SELECT
        m.week,
        m.playlist_id,
        ROW_NUMBER() OVER (
            PARTITION BY m.playlist_id ORDER BY m.change DESC, m.position, m.song_id
        ) AS climber_rank,
        m.song_name,
        m.artist_name,
        m.previous_position,
        m.position,
        m.change,
        m.weeks_on_chart,
        m.peak_position
    FROM chart_movements AS m
    WHERE m.status = 'up'
        AND m.week = (SELECT MAX(week) FROM chart_movements)
)
SELECT
    r.week,
    p.playlist_name,
    r.climber_rank,
    r.song_name,
    r.artist_name,
    r.previous_position,
    r.position,
    r.change,
    r.weeks_on_chart,
    r.peak_position
FROM ranked AS r
LEFT JOIN playlists AS p ON p.playlist_id = r.playlist_id AND p.week = r.week
WHERE r.climber_rank <= 5
ORDER BY p.playlist_name, r.climber_rank
