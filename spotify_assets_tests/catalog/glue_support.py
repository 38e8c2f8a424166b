"""Glue on the moto server: crawl transitions, tables as a crawler makes them, failed crawls.

moto (5.2) runs crawls through its state manager (model `glue::crawl`: RUNNING -> COMPLETED), never
creates tables from a crawl, never ends a crawl FAILED or CANCELLED and has no UpdateCrawler. The
pieces here fill exactly those gaps and nothing else.
"""

import http.client
import json
import threading
import urllib.request
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from spotify_assets.catalog.glue_catalog import PARTITION_KEYS, glue_columns
from spotify_assets.lake.schemas import TABLE_SCHEMAS

ROLE_ARN = "arn:aws:iam::123456789012:role/spotify-assets-crawler"


def _post(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(
        f"{endpoint}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).close()


def set_crawl_transition(endpoint: str, transition: dict) -> None:
    """How moto moves a crawl from RUNNING to COMPLETED, e.g. {"progression": "immediate"};
    {"progression": "manual", "times": N} only advances on ListCrawls, so it keeps a crawl running."""
    _post(endpoint, "/moto-api/state-manager/set-transition", {"model_name": "glue::crawl", "transition": transition})


def unset_crawl_transition(endpoint: str) -> None:
    _post(endpoint, "/moto-api/state-manager/unset-transition", {"model_name": "glue::crawl"})


def create_tables_as_crawler(glue, database: str, lake_uri: str, tables: Sequence[str] = tuple(TABLE_SCHEMAS)) -> None:
    """The Glue tables a successful crawl of the lake creates (moto's crawler creates none)."""
    try:
        glue.create_database(DatabaseInput={"Name": database})
    except glue.exceptions.AlreadyExistsException:
        pass
    for table in tables:
        glue.create_table(
            DatabaseName=database,
            TableInput={
                "Name": table,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet"},
                "PartitionKeys": PARTITION_KEYS,
                "StorageDescriptor": {
                    "Columns": glue_columns(TABLE_SCHEMAS[table]),
                    "Location": f"{lake_uri.rstrip('/')}/{table}/",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                    },
                },
            },
        )


class CrawlOutcomeEndpoint:
    """A loopback AWS endpoint that forwards every request to the moto server, except that once a
    crawl has ended it reports it the way Glue reports a crawl that ended `status` (FAILED or
    CANCELLED): `LastCrawl.Status` and `LastCrawl.ErrorMessage` in GetCrawler."""

    def __init__(self, upstream: str, status: str, error_message: str):
        self.upstream = urlparse(upstream)
        self.status, self.error_message = status, error_message
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection = http.client.HTTPConnection(outer.upstream.hostname, outer.upstream.port, timeout=30)
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                if self.headers.get("X-Amz-Target") == "AWSGlue.GetCrawler" and response.status == 200:
                    payload = outer._rewrite(payload)
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _rewrite(self, payload: bytes) -> bytes:
        document = json.loads(payload)
        last = document.get("Crawler", {}).get("LastCrawl")
        if last and last.get("Status") == "COMPLETED":
            last["Status"] = self.status
            last["ErrorMessage"] = self.error_message
        return json.dumps(document).encode()

    def __enter__(self) -> "CrawlOutcomeEndpoint":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
