"""The Node.js that cdk8s' jsii runtime starts: Node 22 LTS or newer is the requirement (README).

jsii prints a 13-line banner on Node 20 (end-of-life, unsupported by jsii since 2026-10-30), and its
Python side relays that banner as Python bytes literals. Node 20 still runs our synth, so where it is
all a machine has we silence the banner and say it in one line instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

SILENCE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"  # jsii's own switch (jsii-runtime checkNode)
END_OF_LIFE = (20,)  # majors jsii calls end-of-life that still work for our synth
REQUIRED = "Node.js 22 LTS or newer"


def node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    try:
        result = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = result.stdout.strip().lstrip("v")
    return int(version.split(".")[0]) if version.split(".")[0].isdigit() else None


def prepare() -> None:
    """Before cdk8s is imported: on an end-of-life Node, one line instead of jsii's banner."""
    if os.environ.get(SILENCE):
        return  # the caller chose (CI, tests)
    major = node_major()
    if major in END_OF_LIFE:
        os.environ[SILENCE] = str(major)
        print(f"note: Node {major} is end-of-life; synth still works, but install {REQUIRED}.", file=sys.stderr)
