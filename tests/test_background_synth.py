"""BackgroundSynth: the synth diff and validate run in their own process while they work on.

A stand-in main.py in a throwaway checkout plays synth, so each behaviour is checked quickly:
the files it wrote come back, a failure carries synth's own words (bounded), and leaving early
stops the process and leaves no temporary folder behind.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from docrouter.synthesis.background import MAX_SYNTH_OUTPUT, BackgroundSynth, SynthFailed

WRITES = """
import sys
from pathlib import Path
args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
env = args.get("--env", "kind")
(Path(args["--out"]) / env / "apps").mkdir(parents=True)
(Path(args["--out"]) / env / "apps" / "kustomization.yaml").write_text("resources: []\\n")
(Path(args["--clusters-out"]) / env).mkdir(parents=True)
(Path(args["--clusters-out"]) / env / "apps.yaml").write_text("kind: Kustomization\\n")
"""
FAILS = """
import sys
print("x" * 10000)
print("synth failed: environment 'kind': layer 'apps': the real reason", file=sys.stderr)
sys.exit(1)
"""
SLOW = "import time\ntime.sleep(60)\n"


def checkout(tmp_path: Path, script: str) -> Path:
    folder = tmp_path / "checkout"
    folder.mkdir()
    (folder / "main.py").write_text(script)
    return folder


def test_the_files_synth_wrote_come_back_under_dist_and_clusters(tmp_path):
    with BackgroundSynth(checkout(tmp_path, WRITES), envs=("staging",)) as synth:
        tree = synth.tree()
    assert tree == {
        "clusters/staging/apps.yaml": b"kind: Kustomization\n",
        "dist/staging/apps/kustomization.yaml": b"resources: []\n",
    }
    assert not synth.out.exists()


def test_a_failure_carries_the_end_of_synths_output(tmp_path):
    with BackgroundSynth(checkout(tmp_path, FAILS)) as synth, pytest.raises(SynthFailed) as caught:
        synth.tree()
    message = str(caught.value)
    assert "the real reason" in message
    assert len(message) < MAX_SYNTH_OUTPUT + 200


def test_leaving_early_stops_synth_and_removes_its_folder(tmp_path):
    started = time.monotonic()
    with pytest.raises(RuntimeError), BackgroundSynth(checkout(tmp_path, SLOW)) as synth:
        out = synth.out
        raise RuntimeError("the caller failed first (e.g. an unknown --base)")
    assert time.monotonic() - started < 10
    assert synth._process.returncode is not None and not out.exists()
