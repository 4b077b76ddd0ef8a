"""Replace several folders (dist/<env>/, clusters/<env>/, …) all together or not at all.

Every new folder is written aside first, into this run's own staging folder beside the targets
(`.synth-<random>/`, ignored by git), so two runs never share a temporary path. Only when every
one is written does the swap start: a journal names each (target, staged folder, inode of the
staged folder), then each pair is exchanged in one rename (Linux renameat2 RENAME_EXCHANGE, so
there is never a moment without the target; a plain remove-then-rename elsewhere), with
SIGINT/SIGTERM/SIGHUP held back until the last one. A run killed outright (SIGKILL, power loss)
leaves its staging folder; the next run finishes the swap the journal describes (a target whose
inode is already the staged one is done) or, without a journal, deletes the unfinished staging.

One synth at a time per output folder: an flock on a file in .cache/ (the second run waits).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from docrouter.paths import REPO_ROOT

STAGING_PREFIX = ".synth-"
JOURNAL = "journal.json"
LOCKS = REPO_ROOT / ".cache" / "synth-locks"
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step; False where the system cannot (not Linux, old kernel or libc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _replace(staged: Path, target: Path) -> None:
    """target becomes staged's content; the old target ends up at staged's path (or is gone)."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    if target.exists() and _exchange(staged, target):
        return
    if target.exists():
        retired = staged.with_name(staged.name + ".old")
        os.replace(target, retired)
        os.replace(staged, target)
        os.replace(retired, staged)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Keep SIGINT/SIGTERM/SIGHUP pending while the swap runs; they arrive right after it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Exclusive lock for writing under folder, shared by every synth of this checkout."""
    LOCKS.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:16]
    with open(LOCKS / f"{name}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another synth writing {folder} to finish…", file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


@dataclass
class Transaction:
    """Stage new folders, then swap them all in (or remove targets) with `commit()`."""

    parents: tuple[Path, ...]  # where targets live: one staging folder is made beside each
    _token: str = field(default_factory=lambda: secrets.token_hex(6))
    _moves: list[tuple[Path, Path | None]] = field(default_factory=list)  # (target, staged or None = remove)

    def staging(self, target: Path) -> Path:
        """A fresh folder to write target's new content into (same filesystem as target)."""
        parent = target.parent
        folder = parent / f"{STAGING_PREFIX}{self._token}" / str(len(self._moves))
        folder.mkdir(parents=True)
        self._moves.append((target, folder))
        return folder

    def remove(self, target: Path) -> None:
        self._moves.append((target, None))

    def _staging_roots(self) -> set[Path]:
        return {target.parent / f"{STAGING_PREFIX}{self._token}" for target, _ in self._moves}

    def commit(self) -> None:
        roots = self._staging_roots()
        entries: list[tuple[Path, Path, int]] = []  # (target, staged, inode of staged)
        for target, staged in self._moves:
            if staged is None:  # a removal swaps in an empty folder, then deletes it
                staged = target.parent / f"{STAGING_PREFIX}{self._token}" / f"{len(entries)}-empty"
                staged.mkdir(parents=True)
            entries.append((target, staged, staged.stat().st_ino))
        journal = json.dumps([{"target": str(t), "staged": str(s), "inode": i} for t, s, i in entries])
        for root in roots:
            _write_synced(root / JOURNAL, journal)
        with signals_held():
            for target, staged, _ in entries:
                _replace(staged, target)
            for target, staged, _ in entries:
                if staged.name.endswith("-empty"):
                    _remove(target)
            for root in roots:
                shutil.rmtree(root, ignore_errors=True)

    def abandon(self) -> None:
        for root in self._staging_roots():
            shutil.rmtree(root, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def recover(parents: tuple[Path, ...]) -> list[str]:
    """Finish or discard what an interrupted run left beside the targets; what was done, one line each."""
    done = _recover_old_layout(parents)
    for parent in dict.fromkeys(parents):
        for root in sorted(parent.glob(f"{STAGING_PREFIX}*")) if parent.is_dir() else []:
            if not root.is_dir() or root.is_symlink():
                continue
            journal = root / JOURNAL
            entries = _journal_entries(journal) if journal.is_file() else None
            if entries:
                with signals_held():
                    for target, staged, inode in entries:
                        if staged.exists() and staged.stat().st_ino == inode and not _has_inode(target, inode):
                            _replace(staged, target)
                        if staged.name.endswith("-empty") and _has_inode(target, inode):
                            _remove(target)
                done.append(f"finished the swap an interrupted synth left in {root}")
            else:
                done.append(f"removed the unfinished output of an interrupted synth: {root}")
            shutil.rmtree(root, ignore_errors=True)
    return done


def _recover_old_layout(parents: tuple[Path, ...]) -> list[str]:
    """Leftovers of the per-environment swap synth used before (`.<env>.synth-new`, `.<env>.synth-old`):
    an old tree whose target is missing goes back in place, everything else is deleted."""
    done = []
    for parent in dict.fromkeys(parents):
        for leftover in sorted(parent.glob(".*.synth-old")) if parent.is_dir() else []:
            target = parent / leftover.name[1 : -len(".synth-old")]
            if not target.exists() and leftover.is_dir() and not leftover.is_symlink():
                os.replace(leftover, target)
                done.append(f"restored {target} from an interrupted synth")
            else:
                _remove(leftover)
        for leftover in sorted(parent.glob(".*.synth-new")) if parent.is_dir() else []:
            _remove(leftover)
            done.append(f"removed the unfinished output of an interrupted synth: {leftover}")
    return done


def _has_inode(path: Path, inode: int) -> bool:
    return path.exists() and not path.is_symlink() and path.stat().st_ino == inode


def _journal_entries(journal: Path) -> list[tuple[Path, Path, int]] | None:
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        return [(Path(e["target"]), Path(e["staged"]), int(e["inode"])) for e in data]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a journal cut short: the swap had not started


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
