"""Function code sees its own code, its layers and what Lambda's Python runtime provides, nothing else.

AWS: "Building Lambda functions with Python" (the runtime includes the SDK for Python, Boto3),
https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html, and "Working with layers for
Python Lambda functions" (the search path: the function's folder, then the layer paths
/opt/python/lib/python3.x/site-packages and /opt/python, then the runtime's libraries),
https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from harness.runtime import Runtime
from harness.runtime.provided import PROVIDED
from harness.runtime.worker import BOOTSTRAP

from .conftest import body, make_function, make_layer


@pytest.mark.parametrize("module", ["rich", "moto", "hypothesis", "harness", "yaml", "pytest"])
def test_function_importing_a_harness_package_fails_with_import_module_error(
        runtime: Runtime, module: str) -> None:
    """The harness's own site-packages are not the function's: `import rich` fails as on AWS.

    https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html (the search path) and
    https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html
    ("Runtime.ImportModuleError: Unable to import module").
    """
    fn = make_function(f"imports-{module}", {"app.py": f"import {module}\n\n"
                                             "def handler(event, context):\n    return 1\n"})
    result = runtime.invoke(fn, b"{}")
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": f"Unable to import module 'app': No module named '{module}'",
        "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}


def test_boto3_botocore_and_their_dependencies_are_provided_by_the_runtime(runtime: Runtime) -> None:
    """Lambda's Python runtime includes Boto3 (and botocore with its dependencies).

    https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html ("Runtime-included SDK versions").
    """
    app = ("import boto3, botocore, jmespath, dateutil, s3transfer, six, urllib3\n"
           "import importlib.metadata as md\n\n"
           "def handler(event, context):\n"
           "    client = boto3.client('sts')\n"
           "    return {'boto3': md.version('boto3'), 'botocore': botocore.__version__,\n"
           "            'urllib3': urllib3.__version__, 'region': client.meta.region_name}\n")
    result = runtime.invoke(make_function("sdk", {"app.py": app}), b"{}")
    assert result.function_error is None, result.payload
    assert body(result) == {"boto3": importlib.metadata.version("boto3"),
                            "botocore": importlib.metadata.version("botocore"),
                            "urllib3": importlib.metadata.version("urllib3"),
                            "region": "us-east-1"}
    assert set(PROVIDED) >= {"boto3", "botocore", "jmespath", "python-dateutil", "s3transfer",
                             "six", "urllib3"}


def test_bundled_boto3_wins_over_the_runtime_sdk(runtime: Runtime) -> None:
    """A deployment package or layer that bundles boto3 uses its own copy, not the runtime's.

    https://docs.aws.amazon.com/lambda/latest/dg/python-package.html (include your own SDK copy
    to use a newer version than the runtime's) and the search order of
    https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html.
    """
    app = "import boto3, six\n\ndef handler(event, context):\n    return [boto3.WHO, six.WHO]\n"
    layer = make_layer("sdk-layer", {"python/six.py": "WHO = 'layer six'"})
    fn = make_function("bundled", {"app.py": app, "boto3/__init__.py": "WHO = 'bundled boto3'"},
                       layers=[layer])
    result = runtime.invoke(fn, b"{}")
    assert result.function_error is None, result.payload
    assert body(result) == ["bundled boto3", "layer six"]


def test_search_path_is_code_layers_runtime_sdk_stdlib_then_bootstrap(runtime: Runtime) -> None:
    """sys.path as the Python runtime sets it: code, layer paths, the runtime's SDK, the stdlib.

    https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html (layer paths) and
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html (LAMBDA_TASK_ROOT,
    LAMBDA_RUNTIME_DIR).
    """
    app = ("import sys, os\n\ndef handler(event, context):\n"
           "    return {'path': sys.path, 'no_site': sys.flags.no_site,\n"
           "            'isolated': sys.flags.isolated, 'root': os.environ['LAMBDA_TASK_ROOT']}\n")
    layer = make_layer("paths", {"python/lib/python3.12/site-packages/x.py": "", "python/y.py": ""})
    result = runtime.invoke(make_function("paths", {"app.py": app}, layers=[layer]), b"{}")
    out = body(result)
    path = out["path"]
    assert path[0] == out["root"]
    assert path[1].endswith("/python/lib/python3.12/site-packages")
    assert path[2].endswith("/python") and Path(path[2]) == Path(path[1]).parents[2]
    assert Path(path[3]).parent == runtime.work_dir / "runtime"
    assert (Path(path[3]) / "boto3").is_dir()
    assert path[-1] == str(BOOTSTRAP.parent)
    assert not any("site-packages" in p for p in path[4:-1])  # the stdlib only in between
    assert out["no_site"] == 1 and out["isolated"] == 1


def test_pythonpath_in_the_function_environment_does_not_reach_the_harness_packages(
        runtime: Runtime) -> None:
    """Setting PYTHONPATH to the harness's site-packages does not smuggle them in: only the code,
    its layers and the runtime's SDK are importable (the reserved search path of
    https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html)."""
    site = next(p for p in sys.path if p.endswith("site-packages"))
    app = "import rich\n\ndef handler(event, context):\n    return 1\n"
    fn = make_function("pythonpath", {"app.py": app}, environment={"PYTHONPATH": site,
                                                                   "PYTHONSTARTUP": os.devnull})
    result = runtime.invoke(fn, b"{}")
    assert body(result)["errorType"] == "Runtime.ImportModuleError"
