"""Chart files → raw lines: verbatim, without terminators, line 1 without the BOM, nothing lost."""

import pyarrow as pa

from spotify_assets.charts.folder import sha256_hex
from spotify_assets.charts.lines import file_lines, raw_chart_table
from spotify_assets.lake.schemas import RAW_SPOTIFY_CHART


def test_crlf_lf_bom_and_a_final_terminator_give_the_same_lines():
    lines = ["rank,uri", '1,"a, ""b"""', "", "2,c"]
    for data in (
        "\n".join(lines).encode(),
        ("\n".join(lines) + "\n").encode(),
        ("\r\n".join(lines) + "\r\n").encode(),
        b"\xef\xbb\xbf" + ("\r\n".join(lines)).encode(),
    ):
        assert file_lines(data) == lines, data


def test_a_carriage_return_inside_a_line_and_non_utf8_bytes_are_kept_as_text():
    assert file_lines(b"a\rb\r\nc") == ["a\rb", "c"]
    assert file_lines(b"caf\xe9\n") == ["caf\ufffd"]


def test_an_empty_file_keeps_one_empty_line_so_that_it_is_seen():
    assert file_lines(b"") == [""]
    assert file_lines(b"\xef\xbb\xbf") == [""]


def test_the_raw_table_numbers_lines_per_file_with_the_file_hash():
    one, two = b"\xef\xbb\xbfh\r\n1\r\n", b"h\n1\n2\n"
    table = raw_chart_table([("b.csv", one), ("a.csv", two)])
    assert table.schema == RAW_SPOTIFY_CHART
    assert table.to_pylist() == [
        {"file_name": "b.csv", "file_sha256": sha256_hex(one), "line_number": 1, "line": "h"},
        {"file_name": "b.csv", "file_sha256": sha256_hex(one), "line_number": 2, "line": "1"},
        {"file_name": "a.csv", "file_sha256": sha256_hex(two), "line_number": 1, "line": "h"},
        {"file_name": "a.csv", "file_sha256": sha256_hex(two), "line_number": 2, "line": "1"},
        {"file_name": "a.csv", "file_sha256": sha256_hex(two), "line_number": 3, "line": "2"},
    ]
    assert raw_chart_table([]).equals(RAW_SPOTIFY_CHART.empty_table()) and isinstance(table, pa.Table)
