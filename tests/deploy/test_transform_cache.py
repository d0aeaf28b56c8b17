"""The SAM transform's translations are kept on disk by content, so an unchanged app is translated
once per machine, and any change to the template, its code, the parameters or the region is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.deploy import transform
from harness.deploy.loader import load_template
from harness.deploy.model import DeployError

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Environment: {Variables: {STAGE: !Ref Stage}}
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get}}
"""


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(transform.CACHE_ENV_VAR, str(tmp_path / "cache"))
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (root / "template.yaml").write_text(TEMPLATE)
    transform._cache.clear()
    return root


def _translate(root: Path, stage: str = "dev", region: str = "us-east-1") -> dict[str, object]:
    return transform.translate_body(load_template(root / "template.yaml"), {"Stage": stage}, region)


def _entries(tmp: Path) -> list[Path]:
    return sorted((tmp / "cache").glob("*.json"))


def test_a_translation_is_written_once_and_read_back_in_a_fresh_process(app: Path) -> None:
    first = _translate(app)
    assert len(_entries(app.parent)) == 1
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from harness.deploy import transform
        from harness.deploy.loader import load_template
        out = transform.translate_body(load_template(Path({str(app / 'template.yaml')!r})),
                                       {{"Stage": "dev"}}, "us-east-1")
        print(json.dumps({{"translator_loaded": "samtranslator.translator.translator" in sys.modules,
                          "out": out}}))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True, env={**os.environ, transform.CACHE_ENV_VAR:
                                              str(app.parent / "cache")})
    answer = json.loads(run.stdout)
    assert answer["translator_loaded"] is False
    assert answer["out"] == first


def test_a_code_change_parameter_or_region_is_a_new_translation(app: Path) -> None:
    _translate(app)
    (app / "src" / "app.py").write_text("def handler(event, context):\n    return 2\n")
    transform._cache.clear()
    _translate(app)
    _translate(app, stage="prod")
    _translate(app, region="eu-west-1")
    assert len(_entries(app.parent)) == 4


def test_a_damaged_entry_is_translated_again_not_trusted(app: Path) -> None:
    good = _translate(app)
    [entry] = _entries(app.parent)
    entry.write_text('{"Resources": ')  # half written
    transform._cache.clear()
    assert _translate(app) == good
    assert json.loads(entry.read_text()) == good


def test_an_unwritable_cache_only_costs_the_translation(app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = app.parent / "blocked"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(transform.CACHE_ENV_VAR, str(blocker))
    out = _translate(app)
    assert "FnHelloPermissionProd" in out["Resources"]  # type: ignore[operator]


def test_a_template_the_translator_refuses_is_not_cached(app: Path) -> None:
    (app / "template.yaml").write_text(TEMPLATE.replace("Handler: app.handler\n",
                                                        "Handler: app.handler\n      Events: 3\n", 1)
                                       .replace("      Events:\n        Hello", "      X:\n        Hello"))
    with pytest.raises(DeployError):
        _translate(app)
    assert _entries(app.parent) == []
