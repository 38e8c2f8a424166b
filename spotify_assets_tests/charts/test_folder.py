"""The charts folder, local or on S3 (moto's server): its chart files, their versions (sha256
locally, ETag on S3) and their bytes; a missing folder is named with the fix."""

import boto3
import pytest

from spotify_assets.charts.folder import ChartFolder, ChartFolderError, sha256_hex


def test_a_local_folder_lists_its_visible_csv_files_with_their_sha256(tmp_path):
    (tmp_path / "b.csv").write_bytes(b"b")
    (tmp_path / "a.CSV").write_bytes(b"a")
    (tmp_path / ".hidden.csv").write_bytes(b"h")
    (tmp_path / "notes.txt").write_bytes(b"n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.csv").write_bytes(b"c")
    folder = ChartFolder(str(tmp_path))
    assert folder.versions() == {"a.CSV": sha256_hex(b"a"), "b.csv": sha256_hex(b"b")}
    assert folder.names() == ["a.CSV", "b.csv"] and folder.read("b.csv") == b"b"


def test_a_missing_folder_is_named_with_the_fix(tmp_path):
    with pytest.raises(ChartFolderError, match=rf"SPOTIFY_CHARTS_DIR={tmp_path}/nope: could not list it.*unset it"):
        ChartFolder(str(tmp_path / "nope")).versions()


def test_an_s3_folder_lists_with_etags_and_the_same_bytes_again_keep_theirs(aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="charts")
    s3.put_object(Bucket="charts", Key="in/x.csv", Body=b"one")
    s3.put_object(Bucket="charts", Key="in/sub/y.csv", Body=b"nested")
    s3.put_object(Bucket="charts", Key="other/z.csv", Body=b"elsewhere")
    folder = ChartFolder("s3://charts/in/")
    first = folder.versions()
    assert list(first) == ["x.csv"] and folder.names() == ["x.csv"] and folder.read("x.csv") == b"one"
    s3.put_object(Bucket="charts", Key="in/x.csv", Body=b"one")  # copied in again: no change
    assert folder.versions() == first
    s3.put_object(Bucket="charts", Key="in/x.csv", Body=b"two")
    assert folder.versions()["x.csv"] != first["x.csv"]
    with pytest.raises(ChartFolderError, match="SPOTIFY_CHARTS_DIR=s3://missing/in: could not list it"):
        ChartFolder("s3://missing/in").versions()
