"""The `sam build` pass: local code folders of a template replaced by their cached build folders.

Run on the template as written, before the SAM transform, like `sam build` writes
.aws-sam/build/template.yaml: a function folder holding requirements.txt becomes
`pip install -r requirements.txt -t <build>` plus its code; a layer with Metadata BuildMethod
python3.x becomes `<build>/python/` with its requirements and its files; anything else (plain
layer folders, folders without requirements, zips, S3 locations, inline code) is left as it is.
The code property then names the build's zip in the cache (see harness/deploy/build/cache.py).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from harness.deploy.build.cache import BuildCache, content_hash, copy_source
from harness.deploy.build.pip import run_pip
from harness.deploy.intrinsics import Resolver
from harness.deploy.loader import LDict, Template
from harness.deploy.model import DeployError
from harness.runtime.interpreters import Interpreter, resolve
from harness.runtime.node import NodeUnavailable, is_node_runtime, resolve_node, sdk_dir

log = logging.getLogger("harness.deploy")
_PYTHON = re.compile(r"python3\.\d+")
_FUNCTIONS = {"AWS::Serverless::Function": "CodeUri", "AWS::Lambda::Function": "Code"}
_LAYERS = {"AWS::Serverless::LayerVersion": "ContentUri", "AWS::Lambda::LayerVersion": "Content"}


def has_requirements(folder: Path) -> bool:
    """Whether folder/requirements.txt names anything to install (not only comments)."""
    path = folder / "requirements.txt"
    if not path.is_file():
        return False
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(errors="replace").splitlines())
    return any(lines)


class TemplateBuild:
    """One build pass over one loaded template; notes collect the runtime-version warnings."""

    def __init__(self, tpl: Template, resolver: Resolver, cache: BuildCache, notes: list[str]) -> None:
        self.tpl = tpl
        self.resolver = resolver
        self.cache = cache
        self.notes = notes
        globals_section = tpl.section("Globals") if "Globals" in tpl.body else LDict()
        function_globals = globals_section.get("Function")
        self.function_globals = function_globals if isinstance(function_globals, dict) else {}

    def run(self) -> None:
        for logical, res in self.tpl.section("Resources").items():
            if not isinstance(res, dict) or not isinstance(res.get("Properties"), dict):
                continue
            rtype = res.get("Type")
            if rtype in _FUNCTIONS:
                self._function(logical, res["Properties"], _FUNCTIONS[str(rtype)],
                               rtype == "AWS::Serverless::Function")
            elif rtype in _LAYERS:
                self._layer(logical, res, res["Properties"], _LAYERS[str(rtype)])

    def _text(self, value: Any, line: int) -> str | None:
        try:
            resolved = self.resolver.resolve(value, line)
        except DeployError:
            return None  # the deploy itself reports it with its own message
        return resolved if isinstance(resolved, str) else None

    def _folder(self, value: Any) -> Path | None:
        if not isinstance(value, str) or value.startswith("s3://"):
            return None
        path = Path(value)
        path = path if path.is_absolute() else self.tpl.directory / path
        return path.resolve() if path.is_dir() else None

    def _function(self, logical: str, props: dict[str, Any], code_key: str, sam: bool) -> None:
        line = self.tpl.resource_line(logical)
        defaults = self.function_globals if sam else {}
        image = props.get("PackageType", defaults.get("PackageType")) == "Image"
        if sam and not image and not any(k in props or k in defaults
                                         for k in ("CodeUri", "InlineCode", "ImageUri")):
            props["CodeUri"] = "."  # the SAM CLI's default: the template's own folder
        runtime = self._text(props.get("Runtime", defaults.get("Runtime")), line)
        if runtime is not None and is_node_runtime(runtime):
            self._note(line, self._node_warning(logical, runtime))
            return
        if runtime is None or not _PYTHON.fullmatch(runtime):
            return
        interpreter = resolve(runtime)
        self._note(line, interpreter.warning(logical))
        folder = self._folder(props.get(code_key, defaults.get(code_key)))
        if folder is None or not has_requirements(folder):
            return
        what = f"{self.tpl.at(line)}: function {logical}"
        props[code_key] = str(self._build(what, "function", folder, runtime, interpreter, None))

    def _note(self, line: int, warning: str | None) -> None:
        if warning is not None:
            self.notes.append(warning)
            log.warning("%s: %s", self.tpl.at(line), warning)

    @staticmethod
    def _node_warning(logical: str, runtime: str) -> str | None:
        """Node's version note; the SDK is installed now, so the first invocation does not wait."""
        node = resolve_node(runtime)
        if node is None:
            return (f"function {logical} declares {runtime}, but node is not installed here (not on "
                    "PATH); its invocations fail with Runtime.InvalidRuntime")
        try:
            sdk_dir()
        except NodeUnavailable as exc:
            return f"function {logical} declares {runtime}: {exc}"
        return node.warning(logical)

    def _layer(self, logical: str, res: dict[str, Any], props: dict[str, Any], key: str) -> None:
        metadata = res.get("Metadata")
        method = metadata.get("BuildMethod") if isinstance(metadata, dict) else None
        folder = self._folder(props.get(key))
        if method is None or folder is None:
            return  # no BuildMethod: SAM copies the folder as it is, and so do we
        line = self.tpl.resource_line(logical)
        what = f"{self.tpl.at(line)}: layer {logical}"
        if not isinstance(method, str) or not _PYTHON.fullmatch(method):
            raise DeployError(f"{what}: BuildMethod {method} is not supported by the harness build "
                              "(python3.x only); build the layer and point ContentUri at the result")
        props[key] = str(self._build(what, "layer", folder, method, resolve(method), "python"))

    def _build(self, what: str, kind: str, folder: Path, runtime: str, interpreter: Interpreter,
               subdir: str | None) -> Path:
        digest = content_hash(folder, kind, runtime, interpreter.version)
        requirements = folder / "requirements.txt"

        def fill(tmp: Path) -> None:
            dest = tmp / subdir if subdir else tmp
            dest.mkdir(parents=True, exist_ok=True)
            if has_requirements(folder):
                self.cache.count("pip_runs")
                log.info("%s: pip install -r %s (python%s)", what, requirements, interpreter.version)
                run_pip(what, interpreter, requirements, dest)
            copy_source(folder, dest)

        return self.cache.build(digest, fill, {
            "kind": kind, "source": str(folder), "runtime": runtime,
            "python": interpreter.version})


def build_template(tpl: Template, resolver: Resolver, cache: BuildCache, notes: list[str]) -> None:
    """Build the template's code folders in place of their sources (see the module docstring)."""
    TemplateBuild(tpl, resolver, cache, notes).run()
