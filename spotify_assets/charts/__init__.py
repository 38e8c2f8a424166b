"""The Spotify Charts source without Dagster: chart file names and their weeks, the charts folder
(local or S3), the lines of a file, and the two CSV formats parsed into chart entries and rejections
(docs/data-contract.md, Spotify Charts)."""
