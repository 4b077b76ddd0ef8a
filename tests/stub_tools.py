"""Stand-ins for docker, kind, kubectl, flux and git (sops is always the real one: tests/test_sops.py).

Each stub appends its argv and stdin to calls.jsonl and answers by the first rule
whose command line prefix matches: stdout and exit code. Without a rule it
prints nothing and succeeds. PATH holds only the stubs (and node), so no real
tool can run in a test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

MAIN = Path(__file__).resolve().parents[1] / "main.py"
ALL_TOOLS = ("docker", "kind", "kubectl", "flux", "git")

STUB = """#!{python}
import json, os, shlex, sys
from pathlib import Path
here = Path(__file__).resolve().parent
argv = [os.path.basename(sys.argv[0]), *sys.argv[1:]]
stdin = sys.stdin.read() if not sys.stdin.isatty() else ""
files = {{a: Path(a).read_text() for a in argv[1:] if a.startswith("/") and Path(a).is_file()}}
with open(here / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"argv": argv, "stdin": stdin, "files": files}}) + "\\n")
line = shlex.join(argv)
for rule in json.loads((here / "rules.json").read_text()):
    if line.startswith(rule["command"]):
        sys.stdout.write(rule["stdout"])
        sys.exit(rule["exit"])
"""


def run_in_process(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """docrouter.cli.main(argv) with env as the whole environment, no stdin, output captured."""
    from docrouter.cli import main

    saved_env, saved_stdin = dict(os.environ), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    sys.stdin = io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess([str(MAIN), *argv], code, out.getvalue(), err.getvalue())


class StubTools:
    def __init__(self, folder: Path, tools: tuple[str, ...] = ALL_TOOLS):
        self.bin = folder / "stub-bin"
        self.bin.mkdir(parents=True)
        self.rules: list[dict] = []
        for tool in tools:
            path = self.bin / tool
            path.write_text(STUB.format(python=sys.executable))
            path.chmod(0o755)
        # Not a tool under test: commands that synthesize (validate's drift check, diff) run cdk8s on Node.
        node = shutil.which("node")
        if node:
            (self.bin / "node").symlink_to(node)
        self._save()

    def rule(self, command: str, stdout: str = "", exit: int = 0) -> None:
        """First matching rule wins, so add specific rules before general ones."""
        self.rules.append({"command": command, "stdout": stdout, "exit": exit})
        self._save()

    def _save(self) -> None:
        (self.bin / "rules.json").write_text(json.dumps(self.rules))

    def main(
        self, *args: str, env: dict[str, str] | None = None, subprocess_run: bool = False
    ) -> subprocess.CompletedProcess:
        """main.py with only the stubs on PATH; `env` adds variables (e.g. SOPS_AGE_KEY, EDITOR).

        In-process by default (a new interpreter per call proves nothing more and costs a second each);
        subprocess_run=True runs the real `python main.py`, which one test per command keeps doing."""
        env = {
            **os.environ,
            "PATH": str(self.bin),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            **(env or {}),
        }
        (self.bin / "calls.jsonl").unlink(missing_ok=True)
        if subprocess_run:
            return subprocess.run(
                [sys.executable, str(MAIN), *args],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=120,
            )
        return run_in_process(list(args), env)

    def records(self) -> list[dict]:
        log = self.bin / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def calls(self) -> list[str]:
        return [shlex.join(record["argv"]) for record in self.records()]

    def stdin_of(self, prefix: str) -> list[str]:
        return [r["stdin"] for r in self.records() if shlex.join(r["argv"]).startswith(prefix)]
