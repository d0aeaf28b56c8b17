"""Every default botocore/boto3 session in the harness process reads each model file once.

harness/botocore_loader.py hands one Loader to every session built with the default data path.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session

from harness import botocore_loader


def test_sessions_share_one_loader_and_one_decoded_model() -> None:
    botocore_loader.share()
    a, b = botocore.session.Session(), boto3.session.Session()._session
    assert a.get_component("data_loader") is b.get_component("data_loader")
    assert a.get_service_model("dynamodb")._service_description is \
        b.get_service_model("dynamodb")._service_description


def test_boto3_sessions_do_not_grow_the_search_path() -> None:
    botocore_loader.share()
    for _ in range(5):
        boto3.session.Session()
    paths = botocore_loader.shared_loader().search_paths
    assert len(paths) == len(set(paths))
    assert any(p.endswith("boto3/data") for p in paths)  # boto3's resource models still found
    assert boto3.session.Session().resource("dynamodb", region_name="us-east-1").meta.service_name \
        == "dynamodb"


def test_a_session_with_its_own_data_path_keeps_its_own_loader(tmp_path: Path) -> None:
    botocore_loader.share()
    own = botocore.session.Session()
    own.set_config_variable("data_path", str(tmp_path))
    loader = own.get_component("data_loader")
    assert loader is not botocore_loader.shared_loader()
    assert str(tmp_path) in loader.search_paths


def test_clients_from_a_shared_loader_still_work() -> None:
    botocore_loader.share()
    client = boto3.session.Session().client("sts", region_name="eu-west-1",
                                            aws_access_key_id="k", aws_secret_access_key="s")
    assert client.meta.region_name == "eu-west-1"
    assert isinstance(botocore_loader.shared_loader(), botocore.loaders.Loader)


def test_an_s3_client_rewriting_its_model_leaves_other_sessions_the_original() -> None:
    """botocore strips /{Bucket} from S3's request URIs in the model it holds when a client builds
    a request; the edge's request parser, another session, must still see `/{Bucket}`."""
    botocore_loader.share()
    s3 = boto3.session.Session().client("s3", region_name="us-east-1",
                                        endpoint_url="http://127.0.0.1:9",
                                        aws_access_key_id="k", aws_secret_access_key="s")

    def stop(**_: object) -> None:
        raise RuntimeError("sent")

    s3.meta.events.register_first("before-send", stop)
    with contextlib.suppress(RuntimeError):
        s3.create_bucket(Bucket="some-bucket")
    other = botocore.session.Session().get_service_model("s3")
    assert other.operation_model("CreateBucket").http["requestUri"] == "/{Bucket}"
