"""Every pinned version in the repository is matched by exactly one Renovate manager (renovate.json).

The pins are found by scanning for the shapes a pin takes here (`version="…"`, `*_VERSION = "…"`,
`*_IMAGE = "repo:tag"`, `name==version`, `uses: …@…`, environment-file fields), independently of
renovate.json; then renovate.json's managers are applied the way Renovate applies them (custom regex
managers by their own patterns, pip_requirements, npm, github-actions). A new pin no manager matches, or
one two managers would both update, fails here. When the pinned validator is installed (`make lint`),
Renovate's own extraction is compared too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO

CONFIG = json.loads((REPO / "renovate.json").read_text())
SKIP_DIRS = {".git", ".venv", "node_modules", ".cache", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
RENOVATE_BIN = REPO / "tools/renovate/node_modules/.bin"


def repo_files() -> list[str]:
    files = []
    for folder, dirs, names in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        files += [(Path(folder) / n).relative_to(REPO).as_posix() for n in names]
    return sorted(f for f in files if not ignored(f))


def ignored(path: str) -> bool:
    for pattern in CONFIG.get("ignorePaths", []):
        prefix = pattern.removesuffix("**")
        if pattern.startswith("**/") and f"/{pattern[3:].removesuffix('/**')}/" in f"/{path}":
            return True
        if path == pattern or (pattern.endswith("**") and path.startswith(prefix)):
            return True
    return False


def file_regex(pattern: str) -> re.Pattern:
    assert pattern.startswith("/") and pattern.endswith("/"), f"managerFilePatterns are /regex/ here: {pattern}"
    return re.compile(pattern[1:-1])


def js_regex(pattern: str) -> re.Pattern:
    return re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))


def read(path: str) -> str:
    return (REPO / path).read_text(encoding="utf-8", errors="replace")


# --- what the managers match: (manager, file, value) ------------------------------------------------


def custom_matches() -> list[tuple[str, str, str]]:
    found = []
    for index, manager in enumerate(CONFIG["customManagers"]):
        patterns = [file_regex(p) for p in manager["managerFilePatterns"]]
        for path in repo_files():
            if any(p.search(path) for p in patterns):
                for match_string in manager["matchStrings"]:
                    for m in js_regex(match_string).finditer(read(path)):
                        found.append((f"custom[{index}] {manager['description'][:40]}", path, m["currentValue"]))
    return found


def builtin_matches() -> list[tuple[str, str, str]]:
    found = []
    pip_patterns = [file_regex(p) for p in CONFIG["pip_requirements"]["managerFilePatterns"]]
    pip_patterns.append(re.compile(r"(^|/)[\w-]*requirements([-._]\w+)?\.(txt|pip)$"))  # Renovate's default
    for path in repo_files():
        if any(p.search(path) for p in pip_patterns):
            for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", read(path), re.M):
                found.append(("pip_requirements", path, m[2]))
        if path.endswith("package.json"):
            for value in json.loads(read(path)).get("dependencies", {}).values():
                found.append(("npm", path, value))
        if path.startswith(".github/workflows/"):
            for m in re.finditer(r"uses: \S+@(\S+)(?: # (\S+))?", read(path)):
                found.append(("github-actions", path, m[2] or m[1]))
            for m in re.finditer(r"(?:python|node)-version: \"([^\"]+)\"", read(path)):
                found.append(("github-actions", path, m[1]))
    return found


# --- the pins, found by their shape ---------------------------------------------------------------

PIN_SHAPES = {
    ".py": [
        r'\bversion="([^"]+)"',
        r'^[A-Z_]+_VERSION = "([^"]+)"',
        r'^[A-Z_]+_IMAGE = "[^":]+:([^"@]+)',
    ],
    "Makefile": [r"==(\d+(?:\.\d+)+)", r"^[A-Z_]+_VERSION := (\S+)"],
    ".yaml": [r'image_tag: "([^"@]+)', r'^kubernetes_version: "([^"]+)"'],
    ".yml": [r"uses: \S+@\S+ # (\S+)", r'(?:python|node)-version: "([^"]+)"', r'^\s+[A-Z_]+_VERSION: "([^"]+)"'],
    "requirements.in": [r"^[A-Za-z0-9_.\-]+==(\S+)"],
    "package.json": [r'"(?:node|renovate)": "([^"]+)"'],
}


def shape_of(path: str) -> list[str]:
    name = path.rsplit("/", 1)[-1]
    if path.startswith(("constructs/", "tools/docrouter_tools/", "main.py")) and name.endswith(".py"):
        if "/netflow/" in path:  # the charts' pod labels were read from these versions: not pins of their own
            return []
        return PIN_SHAPES[".py"]
    if path.startswith("environments/") and name.endswith(".yaml"):
        return PIN_SHAPES[".yaml"]
    if path.startswith(".github/workflows/"):
        return PIN_SHAPES[".yml"]
    return PIN_SHAPES.get(name, [])


def pins() -> list[tuple[str, str]]:
    found = []
    for path in repo_files():
        for shape in shape_of(path):
            found += [(path, m.group(1)) for m in re.finditer(shape, read(path), re.M)]
    return found


def test_the_scan_finds_the_pins_we_know():
    found = set(pins())
    for pin in [
        ("constructs/docrouter/constants.py", "4.15.1"),
        ("constructs/docrouter/constants.py", "v2.8.8"),
        ("constructs/docrouter/constants.py", "8.3.4"),
        ("tools/docrouter_tools/kind/cluster.py", "v1.37.0"),
        ("tools/docrouter_tools/kind/cluster.py", "v0.33.0"),
        ("environments/production.yaml", "1.37"),
        ("environments/staging.yaml", "v43.0.0"),
        ("requirements.in", "2.70.115"),
        ("tools/renovate/package.json", "44.121.2"),
        (".github/workflows/kind-e2e.yml", "v2.8.8"),
        ("Makefile", "7.6.2"),
    ]:
        assert pin in found, pin
    assert len(found) > 40


def test_every_pin_is_matched_by_exactly_one_renovate_manager():
    matches = custom_matches() + builtin_matches()
    by_pin = Counter((path, value) for _, path, value in matches)
    unmanaged = sorted(pin for pin in set(pins()) if by_pin[pin] == 0)
    assert not unmanaged, f"pins no Renovate manager updates (add one to renovate.json): {unmanaged}"
    for pin, count in Counter(pins()).items():
        managers = sorted({m for m, path, value in matches if (path, value) == pin})
        assert by_pin[pin] == count, f"{pin} is matched {by_pin[pin]} times for {count} pins, by {managers}"


def test_generated_files_are_left_to_synth():
    assert ignored("dist/production/infrastructure/controllers/kustomization.yaml")
    assert ignored("clusters/kind/source.yaml") and ignored("requirements.txt")
    assert not ignored("constructs/docrouter/constants.py")


@pytest.mark.skipif(not (RENOVATE_BIN / "renovate").exists(), reason="tools/renovate is not installed (make lint)")
def test_renovates_own_extraction_agrees(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    report = tmp_path / "report.json"
    env = {**os.environ, "PATH": f"{RENOVATE_BIN}:{os.environ['PATH']}", "LOG_LEVEL": "error"}
    subprocess.run(
        [RENOVATE_BIN / "renovate", "--platform=local", "--dry-run=extract", "--report-type=file",
         f"--report-path={report}"],
        cwd=REPO, env=env, check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    extracted: Counter[tuple[str, str]] = Counter()
    for repository in json.loads(report.read_text())["repositories"].values():
        for files in repository["packageFiles"].values():
            for package_file in files:
                for dep in package_file["deps"]:
                    value = str(dep.get("currentValue", "")).removeprefix("==")
                    extracted[(package_file["packageFile"], value)] += 1
    # Renovate reads the files git tracks (a new file counts once it is added).
    tracked = set(subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split())
    for pin in {pin for pin in pins() if pin[0] in tracked}:
        assert extracted[pin] >= 1, f"Renovate itself does not extract {pin}"
