"""`sam build` in the deployer: requirements.txt and layer BuildMethod, built once per content hash.

AWS: "sam build" (a function's requirements.txt is installed into its build artifacts with its
code), https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-build.html,
"Building Lambda layers in AWS SAM" (Metadata BuildMethod; Python layer code goes under python/;
without Metadata the ContentUri folder is used as it is),
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-layers.html.
Packages come from the package registry; `iniconfig` is used because it is tiny, pure Python and
not part of Lambda's runtime, so a function can only import it from its own build.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, DeployError, MemoryStackStore
from harness.deploy.build import BuildCache
from harness.deploy.build.cache import content_hash
from harness.runtime.interpreters import own_version
from harness.target import EmbeddedTarget
from tests.conftest import ClientFactory

from .conftest import make_project

OWN = f"python{own_version()}"
APP = """
import iniconfig

def handler(event, context):
    return {"module": iniconfig.__file__}
"""
FUNCTION_TEMPLATE = f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  BuiltFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {OWN}
"""


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module, so each distinct build runs pip once for all its tests."""
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture(scope="module")
def built(target: EmbeddedTarget, cache_root: Path,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A function with requirements.txt deployed twice through two deployers on one cache."""
    root = tmp_path_factory.mktemp("built-project")
    template = make_project(root, FUNCTION_TEMPLATE, {"src/app.py": APP,
                                                      "src/requirements.txt": "iniconfig\n"})
    first = BuildCache(cache_root)
    deployer = Deployer(endpoint_url=target.endpoint, store=MemoryStackStore(), build_cache=first)
    result = deployer.deploy(template, "built-requirements")
    stats_after_first = dict(first.stats)
    again = deployer.deploy(template, "built-requirements")
    second = BuildCache(cache_root)  # another process's view of the same cache folder
    other = Deployer(endpoint_url=target.endpoint, store=MemoryStackStore(), build_cache=second)
    copy = other.deploy(template, "built-requirements-copy")
    return {"first": first, "stats_after_first": stats_after_first, "second": second,
            "result": result, "again": again, "copy": copy, "root": root}


def _invoke(aws: ClientFactory, name: str) -> tuple[str | None, Any]:
    out = aws("lambda").invoke(FunctionName=name)
    return out.get("FunctionError"), json.loads(out["Payload"].read())


def _function_name(deployer_result: Any) -> str:
    return str(deployer_result.resources["BuiltFunction"].physical_id)


def test_requirements_txt_is_installed_into_the_function_build(
        built: dict[str, Any], aws: ClientFactory, cache_root: Path) -> None:
    """The function imports the package from its own build folder (its task root), not elsewhere."""
    error, payload = _invoke(aws, _function_name(built["result"]))
    assert error is None, payload
    assert "/lambda/code/" in payload["module"]
    assert built["stats_after_first"] == {"builds": 1, "hits": 0, "pip_runs": 1}
    folders = [p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(folders) == 1
    assert (folders[0] / "app.py").is_file() and (folders[0] / "iniconfig").is_dir()
    record = json.loads((cache_root / f"{folders[0].name}.json").read_text())
    assert record["kind"] == "function" and record["runtime"] == OWN
    assert (cache_root / f"{folders[0].name}.zip").is_file()


def test_unchanged_code_reuses_the_cached_build_without_running_pip(built: dict[str, Any]) -> None:
    """A second deploy, and another deployer on the same cache folder, find the build by its hash."""
    assert built["first"].stats == {"builds": 1, "hits": 1, "pip_runs": 1}
    assert built["second"].stats == {"builds": 0, "hits": 1, "pip_runs": 0}
    assert built["again"].resources["BuiltFunction"].properties["Code"] == \
        built["result"].resources["BuiltFunction"].properties["Code"]


def test_content_hash_follows_code_requirements_and_runtime(tmp_path: Path) -> None:
    """The cache key: every file of the folder (requirements.txt included) and the runtime."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "__pycache__").mkdir(parents=True)
        (folder / "app.py").write_text("X = 1\n")
        (folder / "requirements.txt").write_text("iniconfig\n")
        (folder / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"compiled")
    base = content_hash(a, "function", "python3.12", "3.12")
    assert content_hash(b, "function", "python3.12", "3.12") == base  # same content elsewhere
    (b / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"recompiled")
    assert content_hash(b, "function", "python3.12", "3.12") == base
    assert content_hash(a, "function", "python3.13", "3.13") != base
    (b / "requirements.txt").write_text("iniconfig==2.0.0\n")
    assert content_hash(b, "function", "python3.12", "3.12") != base
    (a / "app.py").write_text("X = 2\n")
    assert content_hash(a, "function", "python3.12", "3.12") != base


def test_a_package_pip_cannot_install_fails_the_deploy_naming_function_and_package(
        deployer: Deployer, project: Any, stack_name: str, cache_root: Path) -> None:
    """pip's failure is a DeployError with the function, the package and pip's first ERROR line,
    and nothing is created (the build runs before any resource)."""
    template = project(FUNCTION_TEMPLATE, {"src/app.py": APP, "src/requirements.txt":
                                           "no-such-package-saas-harness-test==9.9.9\n"})
    builder = Deployer(endpoint_url=deployer.endpoint_url, store=MemoryStackStore(),
                       build_cache=BuildCache(cache_root))
    with pytest.raises(DeployError) as info:
        builder.deploy(template, stack_name)
    message = str(info.value)
    assert "template.yaml:3: function BuiltFunction" in message
    assert "pip could not install no-such-package-saas-harness-test" in message
    assert "ERROR: Could not find a version that satisfies the requirement " \
           "no-such-package-saas-harness-test==9.9.9" in message
    assert builder.list_stacks() == []
    assert not [p for p in cache_root.iterdir() if p.name.startswith(".tmp-")]


LAYER_TEMPLATE = f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: deps/
      CompatibleRuntimes: [{OWN}]
    Metadata:
      BuildMethod: {OWN}
  UsesLayer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: {OWN}
      Layers: [!Ref DepsLayer]
"""
LAYER_APP = """
import iniconfig, helpers

def handler(event, context):
    return {"module": iniconfig.__file__, "helper": helpers.WHO}
"""


def test_layer_build_method_installs_requirements_and_files_under_python(
        target: EmbeddedTarget, project: Any, stack_name: str, aws: ClientFactory,
        cache_root: Path) -> None:
    """BuildMethod python3.x: requirements and the folder's files go to the layer's python/."""
    template = project(LAYER_TEMPLATE, {"src/app.py": LAYER_APP,
                                        "deps/requirements.txt": "iniconfig\n",
                                        "deps/helpers.py": "WHO = 'layer helper'\n"})
    cache = BuildCache(cache_root)
    result = Deployer(endpoint_url=target.endpoint, store=MemoryStackStore(),
                      build_cache=cache).deploy(template, stack_name)
    assert cache.stats["pip_runs"] == 1 and cache.stats["builds"] == 1  # the layer only
    error, payload = _invoke(aws, result.resources["UsesLayer"].physical_id)
    assert error is None, payload
    assert payload["helper"] == "layer helper"
    assert "/lambda/layers/" in payload["module"] and "/python/iniconfig/" in payload["module"]


def test_unsupported_layer_build_method_is_refused_before_anything_is_created(
        deployer: Deployer, project: Any, stack_name: str) -> None:
    """BuildMethod makefile (or another language) is not built by the harness: a clear error."""
    template = project(LAYER_TEMPLATE.replace(f"BuildMethod: {OWN}", "BuildMethod: makefile"),
                       {"src/app.py": LAYER_APP, "deps/Makefile": "build-DepsLayer:\n"})
    with pytest.raises(DeployError, match=r"template.yaml:3: layer DepsLayer: BuildMethod makefile "
                                          r"is not supported"):
        deployer.deploy(template, stack_name)
    assert stack_name not in deployer.list_stacks()


def test_missing_declared_runtime_is_a_deploy_note_once_per_function(
        deployer: Deployer, project: Any, stack_name: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A python3.x that is not installed: each function gets one note naming the version used."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    declared = "python3.13" if own_version() != "3.13" else "python3.12"
    template = project(f"""
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: {declared}
            Handler: index.handler
        Resources:
          One:
            Type: AWS::Serverless::Function
            Properties:
              InlineCode: "def handler(e, c):\\n    return 1\\n"
          Two:
            Type: AWS::Serverless::Function
            Properties:
              InlineCode: "def handler(e, c):\\n    return 2\\n"
    """)
    with caplog.at_level(logging.WARNING, logger="harness.deploy"):
        result = deployer.deploy(template, stack_name)
    expected = [f"function {name} declares {declared}, but {declared} is not installed here "
                f"(not on PATH); it runs on python{own_version()}" for name in ("One", "Two")]
    assert [n for n in result.notes if "declares" in n] == expected
    assert sum("declares" in r.getMessage() for r in caplog.records) == 2


CORPUS = Path("/work/shared/sam-corpus/lambda-layer")


@pytest.mark.skipif(not (CORPUS / "template.yml").is_file(), reason="the SAM corpus is not here")
def test_corpus_lambda_layer_app_one_function_has_pymysql_the_other_does_not(
        deployer: Deployer, aws: ClientFactory) -> None:
    """aws-samples/serverless-patterns lambda-layer, deployed unchanged: a plain layer ContentUri
    folder (python/pymysql) is the layer as it is; the function without it cannot import it."""
    result = deployer.deploy(CORPUS / "template.yml", "corpus-lambda-layer")
    assert result.status == "CREATE_COMPLETE"
    with_layer = _invoke(aws, result.outputs["PyMySQLLayerLambdaFunctionName"])
    without = _invoke(aws, result.outputs["PyMySQLNoLayerLambdaFunctionName"])
    assert with_layer == (None, True)
    assert without[0] == "Unhandled"
    assert without[1]["errorType"] == "Runtime.ImportModuleError"
    assert without[1]["errorMessage"] == "Unable to import module 'app': No module named 'pymysql'"


def test_function_without_code_uri_is_the_template_folder(
        deployer: Deployer, project: Any, stack_name: str, aws: ClientFactory) -> None:
    """The SAM CLI builds a function that names no CodeUri from the template's own folder."""
    template = project(f"""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Here:
            Type: AWS::Serverless::Function
            Properties:
              Handler: beside.handler
              Runtime: {OWN}
    """, {"beside.py": "def handler(event, context):\n    return 'beside the template'\n"})
    result = deployer.deploy(template, stack_name)
    assert _invoke(aws, result.resources["Here"].physical_id) == (None, "beside the template")
