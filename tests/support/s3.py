"""A local S3-API server for tests: moto's server mode (pip `moto[server]`, a test dependency, so CI has it without
a binary — MinIO's server is not packaged in Debian), on a loopback port, with one bucket."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import boto3
from moto.server import ThreadedMotoServer

from tests.support.servers import free_port

KEY, SECRET, REGION = "duban-test", "duban-test-secret", "us-east-1"


@contextmanager
def s3_server(bucket: str = "duban-files") -> Iterator[str]:
    """Serve the S3 API until the block ends, with `bucket` created; yields the endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                     region_name=REGION).create_bucket(Bucket=bucket)
        yield endpoint
    finally:
        server.stop()
