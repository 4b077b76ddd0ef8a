"""The cluster tier's binaries: present, or one line saying how to get them."""

from __future__ import annotations

import pytest

from cluster.conftest import MESSAGE, MISSING, REQUIRED


def test_the_control_plane_binaries_are_present() -> None:
    if MISSING and not REQUIRED:
        pytest.skip(MESSAGE)
    assert not MISSING, f"{MESSAGE} (CONTROL_PLANE_REQUIRED=1)"
