"""`fields=` filters for the playlist requests: everything the raw zone keeps, nothing else.

Every table can be rebuilt from what these select (docs/data-contract.md), while bulk such as the
`available_markets` of each track and album (most of a legacy response's bytes) is never sent.
Entries list both `item` (2026) and `track` (legacy, still sent by some servers): whichever the
server uses comes back.
"""

_EXTERNAL = "external_urls"
ARTIST = f"id,name,type,uri,href,{_EXTERNAL}"
ALBUM = (
    "id,name,album_type,release_date,release_date_precision,total_tracks,images,uri,href,type,"
    f"{_EXTERNAL},artists({ARTIST})"
)
SHOW = f"id,name,publisher,type,uri,href,{_EXTERNAL}"
# A track, or an episode (episodes have `show`, `release_date` and no album).
PLAYABLE = (
    "id,name,type,uri,href,duration_ms,explicit,popularity,is_local,external_ids,disc_number,"
    f"track_number,episode,track,release_date,release_date_precision,{_EXTERNAL},"
    f"album({ALBUM}),artists({ARTIST}),show({SHOW})"
)
ENTRY = (
    f"added_at,added_by(id,type,uri,href,{_EXTERNAL}),is_local,primary_color,video_thumbnail,"
    f"item({PLAYABLE}),track({PLAYABLE})"
)
# One page of `GET /playlists/{id}/items`.
PAGE = f"href,limit,next,offset,previous,total,items({ENTRY})"
# `GET /playlists/{id}`: the metadata and the first page, in either shape (`items` or `tracks`).
PLAYLIST = (
    "id,name,description,public,collaborative,snapshot_id,uri,href,type,images,followers,"
    f"primary_color,{_EXTERNAL},owner(id,display_name,type,uri,href,{_EXTERNAL}),"
    f"items({PAGE}),tracks({PAGE})"
)
