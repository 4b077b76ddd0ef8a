"""The one way to read files of a committed tree (dist/, clusters/, secrets/, environment files).

Only regular files are read, never through a symbolic link, and never more than a cap: a FIFO would
block a reader forever and a link to /dev/zero would fill memory. The file is opened with O_NOFOLLOW
and O_NONBLOCK and checked with fstat on the open descriptor, so a file swapped for a link or a FIFO
after a check is refused too. Walking a folder never follows links either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 4 * 1024 * 1024  # flux bootstrap's gotk-components.yaml is well below this


class TreeFileError(Exception):
    """A file that must not or cannot be read; the message says what it is (never its content)."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files that are not folders, symbolic links) under folder, sorted, without following any link.

    FIFOs, sockets and devices count as files here, so whoever reads them gets read_regular's refusal.
    """
    files: list[Path] = []
    links: list[Path] = []
    if folder.is_symlink():
        return [], [folder]
    if not folder.is_dir():
        return [], []
    for current, directories, names in os.walk(folder, followlinks=False):
        for name in [*directories, *names]:
            path = Path(current) / name
            if path.is_symlink():
                links.append(path)
            elif name in names:
                files.append(path)
    return sorted(files), sorted(links)


def read_regular(path: Path, cap: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most cap bytes; TreeFileError for anything else."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the last component is a symbolic link
            raise TreeFileError("is a symbolic link; it is not followed") from None
        raise TreeFileError(f"cannot be read ({exc.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise TreeFileError("is not a regular file (a FIFO, socket or device); it is not read")
        if info.st_size > cap:
            raise TreeFileError(f"is {info.st_size} bytes, over the {cap}-byte cap", too_large=True)
        data = handle.read(cap + 1)
    if len(data) > cap:  # grew while being read
        raise TreeFileError(f"is over the {cap}-byte cap", too_large=True)
    return data


def starts_with(path: Path, prefix: bytes) -> bool:
    """Whether a regular file begins with prefix (False for links, FIFOs and unreadable files)."""
    try:
        return read_regular(path)[: len(prefix)] == prefix
    except TreeFileError:
        return False


def read_folder(folder: Path, suffixes: tuple[str, ...]) -> dict[Path, bytes]:
    """Every regular file with one of the suffixes under folder; links and special files are left out."""
    found = {}
    for path in walk(folder)[0]:
        if path.suffix in suffixes:
            try:
                found[path] = read_regular(path)
            except TreeFileError:
                continue  # validate reports it (parse/unreadable); readers of the tree never block on it
    return found
