"""Entry point: `python main.py <command>` (`make synth` runs `main.py synth`); no command prints help.

The installed console script `.venv/bin/docrouter` runs the same docrouter.cli:main. Any Python 3.11+
can start this file: it re-runs itself with the checkout's .venv/bin/python (which has cdk8s, pydantic,
...) when that exists, and otherwise says in one line to create it with `make venv`.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REEXEC_GUARD = "DOCROUTER_REEXEC"  # set on the re-run, so a broken venv cannot loop


def _in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _has_requirements() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("cdk8s", "pydantic", "yaml"))


def use_the_venv() -> None:
    """Run under .venv/bin/python, or stop with one line saying how to get it."""
    venv_python = VENV / "bin" / "python"
    if _in_venv() or os.environ.get(REEXEC_GUARD):
        return
    if venv_python.exists():
        os.environ[REEXEC_GUARD] = "1"
        os.execv(venv_python, [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    if sys.version_info < (3, 11) or not _has_requirements():
        found = "Python " + sys.version.split()[0]
        sys.exit(f"main.py needs the project's virtualenv ({found} lacks it): run `make venv`, then run this again.")


if __name__ == "__main__":
    use_the_venv()

# constructs/ is a source root (see pyproject.toml). Put it on the path so a plain
# `python main.py` works even before `pip install -e .`.
for _root in ("tools", "constructs"):
    sys.path.insert(0, str(ROOT / _root))

from docrouter.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
