"""A progress line for work that takes more than two seconds (synth of several environments, validate's
drift synth, diff's syntheses): on standard error, only on a terminal, rewritten in place every second
and erased when the work ends, so reports on standard output and logs of CI stay exactly as they were."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

DELAY_SECONDS = 2.0


class Progress:
    """`with Progress("synth: 3 environments"):` shows `synth: 3 environments… 4s` after two seconds."""

    def __init__(self, what: str, stream: TextIO | None = None, delay: float = DELAY_SECONDS) -> None:
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.delay = delay
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._width = 0

    def __enter__(self) -> Progress:
        isatty = getattr(self.stream, "isatty", None)
        if isatty and isatty():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        started = time.monotonic()
        if self._done.wait(self.delay):
            return
        while not self._done.is_set():
            line = f"{self.what}… {time.monotonic() - started:.0f}s"
            self._width = max(self._width, len(line))
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()
            self._done.wait(1.0)

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
            if self._width:  # erase the line: what follows starts on a clean one
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
