"""docker-compose.yml: LocalStack and moto_server pinned and loopback-only, the token from the environment,
and a harness service running the README's main job against either."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def _services() -> dict[str, Any]:
    services: dict[str, Any] = _compose()["services"]
    return services


def test_it_has_localstack_moto_and_a_harness_service() -> None:
    assert set(_services()) == {"localstack", "moto", "harness"}


def test_every_image_is_pinned_by_a_version_tag() -> None:
    for name, svc in _services().items():
        image = svc.get("image", "")
        if "build" in svc:
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and re.fullmatch(r"\d+(\.\d+)+", tag), f"{name}: image {image!r} is not pinned by version"
        assert tag != "latest"
    assert _services()["moto"]["image"] == "motoserver/moto:5.2.5"  # the moto pyproject.toml pins


def test_every_published_port_is_on_loopback_only() -> None:
    published = [(name, p) for name, svc in _services().items() for p in svc.get("ports", [])]
    assert published, "the endpoints publish a port for host use"
    for name, port in published:
        assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port!r} not loopback-only"


def test_the_localstack_token_comes_only_from_the_environment() -> None:
    env = _services()["localstack"]["environment"]
    token = [e for e in env if e.startswith("LOCALSTACK_AUTH_TOKEN=")]
    assert token and token[0].split("=", 1)[1].startswith("${LOCALSTACK_AUTH_TOKEN:?")
    text = COMPOSE.read_text()
    assert not re.search(r"ls-[A-Za-z0-9]{8,}", text), "a literal token in docker-compose.yml"
    for name, svc in _services().items():
        if name != "localstack":
            assert "LOCALSTACK_AUTH_TOKEN" not in str(svc.get("environment", ""))


def test_profiles_choose_the_endpoint_and_the_harness_runs_with_either() -> None:
    services = _services()
    assert services["localstack"]["profiles"] == ["localstack"]
    assert services["moto"]["profiles"] == ["moto"]
    assert set(services["harness"]["profiles"]) == {"moto", "localstack"}
    for dep in ("moto", "localstack"):
        assert services["harness"]["depends_on"][dep] == {"condition": "service_healthy", "required": False}
        assert services[dep]["healthcheck"]["test"]


def test_the_harness_command_is_the_readmes_run_against_the_chosen_upstream() -> None:
    harness = _services()["harness"]
    command = harness["command"]
    assert command[:4] == ["saas-harness", "run", "--upstream", "${HARNESS_UPSTREAM:-http://moto:5000}"]
    readme = (ROOT / "README.md").read_text()
    assert " ".join(command) == ("saas-harness run --upstream ${HARNESS_UPSTREAM:-http://moto:5000} "
                                 "--json .harness/run-summary.json")
    assert f"`{' '.join(command)}`" in readme
    assert harness["build"]["dockerfile"] == "Dockerfile" and (ROOT / "Dockerfile").is_file()
    assert "./.harness:/work/.harness" in harness["volumes"] and harness["working_dir"] == "/work"


def test_the_dockerfile_installs_the_checkout_with_the_lock_on_a_pinned_python() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "-c requirements.lock -e ." in text
    for folder in ("harness", "stack", "scenarios"):
        assert f"COPY {folder} ./{folder}" in text


def _compose_client() -> list[str] | None:
    for cmd in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(cmd[0]) is None:
            continue
        try:
            ok = subprocess.run([*cmd, "version"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            continue
        if ok:
            return cmd
    return None


@pytest.mark.parametrize("profile", ["moto", "localstack"])
def test_docker_compose_config_accepts_it(profile: str) -> None:
    client = _compose_client()
    if client is None:
        pytest.skip("no docker compose client on this machine (docker compose / docker-compose); "
                    "the file is checked by parsing it instead")
    env = {**os.environ, "LOCALSTACK_AUTH_TOKEN": "placeholder-for-config"}
    proc = subprocess.run([*client, "-f", str(COMPOSE), "--profile", profile, "config", "--quiet"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
