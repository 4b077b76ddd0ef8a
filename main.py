"""Entry point: `python main.py <command>` (`make synth` runs `main.py synth`); no command prints help.

The installed console script `docrouter` runs the same docrouter.cli:main.
"""

import sys
from pathlib import Path

# constructs/ is a source root (see pyproject.toml). Put it on the path so a plain
# `python main.py` works even before `pip install -e .`.
sys.path.insert(0, str(Path(__file__).resolve().parent / "constructs"))

from docrouter.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
