"""A fault plan from what the user gave: a JSON or YAML file, repeated --fault rules, a seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from harness.faults.models import FaultConfig, FaultConfigError, parse_config, spec_to_dict


def load_file(path: Path) -> dict[str, Any]:
    """The file's JSON form ({"seed": .., "rules": [..]}); YAML is read for .yaml/.yml."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise FaultConfigError([f"{path}: {exc.strerror or exc}"]) from None
    try:
        data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FaultConfigError([f"{path}: not valid {'YAML' if path.suffix != '.json' else 'JSON'}: "
                                f"{str(exc).splitlines()[0][:200]}"]) from None
    if not isinstance(data, dict):
        raise FaultConfigError([f"{path}: a fault plan is an object with 'rules' (and 'seed')"])
    return data


def build(file: str | None, specs: list[str] | None, seed: int | None) -> FaultConfig | None:
    """File rules first, then command-line rules; None when the user asked for no faults."""
    if not file and not specs:
        return None
    problems: list[str] = []
    data: dict[str, Any] = {"rules": []}
    if file:
        try:
            data = load_file(Path(file))
        except FaultConfigError as exc:
            problems.extend(exc.problems)
    rules = list(data.get("rules") or []) if isinstance(data.get("rules"), list) else data.get("rules")
    for spec in specs or []:
        try:
            if isinstance(rules, list):
                rules.append(spec_to_dict(spec) if spec.split() else {})
        except FaultConfigError as exc:
            problems.extend(exc.problems)
    merged = {**data, "rules": rules}
    if seed is not None:
        merged["seed"] = seed
    try:
        config = parse_config(merged)
    except FaultConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise FaultConfigError(problems)
    return config
