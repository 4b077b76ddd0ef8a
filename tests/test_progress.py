"""A progress line after two seconds, on standard error, only on a terminal, erased at the end (issue 24)."""

from __future__ import annotations

import io
import time

from docrouter.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_slow_work_on_a_terminal_shows_a_line_then_erases_it():
    stream = Terminal()
    with Progress("synth: 3 environments", stream=stream, delay=0.05):
        time.sleep(0.3)
    text = stream.getvalue()
    assert text.startswith("\rsynth: 3 environments… 0s")
    assert text.endswith("\r" + " " * len("synth: 3 environments… 0s") + "\r")


def test_quick_work_shows_nothing():
    stream = Terminal()
    with Progress("synth", stream=stream, delay=1.0):
        pass
    assert stream.getvalue() == ""


def test_not_a_terminal_shows_nothing_however_slow():
    stream = io.StringIO()
    with Progress("synth", stream=stream, delay=0.01):
        time.sleep(0.1)
    assert stream.getvalue() == ""


def test_the_default_delay_is_two_seconds():
    assert Progress("x").delay == 2.0
