-- The 20 most featured albums over every week in the lake: song rows on the followed playlists,
-- in how many weeks, and how many different songs of the album.
SELECT
    al.album_name,
    al.album_type,
    al.release_date,
    COUNT(*) AS appearances,
    COUNT(DISTINCT s.week) AS weeks,
    COUNT(DISTINCT s.song_id) AS songs
FROM songs AS s
JOIN albums AS al ON al.album_id = s.album_id AND al.week = s.week
GROUP BY al.album_id, al.album_name, al.album_type, al.release_date
ORDER BY appearances DESC, weeks DESC, al.album_name, al.album_id
LIMIT 20
