-- Top 10 artists of each week by appearances: song rows, over every followed playlist, that credit
-- the artist (any of the song's artists). Latest week first.
WITH appearances AS (
    SELECT s.week, credited.artist_id, COUNT(*) AS appearances, COUNT(DISTINCT s.playlist_id) AS playlists
    FROM songs AS s
    CROSS JOIN UNNEST(s.artist_ids) AS credited (artist_id)
    GROUP BY s.week, credited.artist_id
),
ranked AS (
    SELECT
        a.week,
        ROW_NUMBER() OVER (
            PARTITION BY a.week ORDER BY a.appearances DESC, ar.artist_name, a.artist_id
        ) AS artist_rank,
        ar.artist_name,
        a.appearances,
        a.playlists,
        a.artist_id
    FROM appearances AS a
    LEFT JOIN artists AS ar ON ar.artist_id = a.artist_id AND ar.week = a.week
)
SELECT week, artist_rank, artist_name, appearances, playlists
FROM ranked
WHERE artist_rank <= 10
ORDER BY week DESC, artist_rank
