"""Entry point: `python main.py` synthesizes every environment into dist/<env>/.

`make synth` runs this inside the project's virtualenv; `cdk8s synth` runs it too.
"""

import sys
from pathlib import Path

# constructs/ is a source root (see pyproject.toml). Put it on the path so a plain
# `python main.py` works even before `pip install -e .`.
sys.path.insert(0, str(Path(__file__).resolve().parent / "constructs"))

from docrouter.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
