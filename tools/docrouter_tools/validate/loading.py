"""Read one manifest file defensively: every kind of bad input becomes a finding, never a traceback.

Files are size-capped before reading, must be UTF-8 text, and are parsed with a safe loader that
refuses YAML aliases (so an alias "bomb" is rejected before anything is expanded) and duplicate keys.
Timestamps stay strings, as they do when Kubernetes converts YAML to JSON.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from docrouter.safe_yaml import AliasRejected, DuplicateKey, StrictLoader, syntax_error
from docrouter.tree_files import MAX_FILE_BYTES, TreeFileError, read_regular, walk
from docrouter_tools.validate.model import WARNING, Finding, file_finding

YAML_SUFFIXES = (".yaml", ".yml")


def walk_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files, symbolic links) under folder, never following a link (tree_files.walk)."""
    return walk(folder)


def symlink_finding(display: str) -> Finding:
    return file_finding(
        "parse/symlink",
        display,
        "is a symbolic link; it is not followed (its target may be outside the repository)",
        "replace it with the real file (run `make synth` for generated files)",
    )


def read_text(path: Path, display: str) -> tuple[str | None, list[Finding]]:
    """The file's text, or None and the finding that says why it cannot be used."""
    if path.is_symlink():
        return None, [symlink_finding(display)]
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except TreeFileError as exc:
        if exc.too_large:
            fix = "split it into smaller files; manifests this large are almost always a mistake"
            return None, [file_finding("parse/too-large", display, str(exc), fix)]
        return None, [file_finding("parse/unreadable", display, str(exc), "replace it with a regular file")]
    if b"\0" in raw:
        return None, [file_finding("parse/binary", display, "holds NUL bytes (binary data)", "remove the file")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [
            file_finding("parse/encoding", display, f"not UTF-8 ({exc.reason} at byte {exc.start})", "save it as UTF-8")
        ]


def parse_documents(text: str, display: str) -> tuple[list[tuple[int, object]], list[Finding]]:
    """(index, document) for each non-empty document, and findings for the rest."""
    documents: list[tuple[int, object]] = []
    findings: list[Finding] = []
    try:
        for index, document in enumerate(yaml.load_all(text, Loader=StrictLoader)):
            if document is None:
                findings.append(
                    file_finding(
                        "parse/empty-document", display, "empty document", "remove the stray `---`", WARNING, index
                    )
                )
            else:
                documents.append((index, document))
    except AliasRejected as exc:
        findings.append(
            file_finding(
                "parse/yaml-alias", display, f"uses a YAML alias ({exc})", "write the repeated value out in full"
            )
        )
    except DuplicateKey as exc:
        findings.append(file_finding("parse/duplicate-key", display, str(exc), "keep one of the two keys"))
    except yaml.YAMLError as exc:
        # Where and what, never the broken line itself: it may be a Secret's value.
        findings.append(file_finding("parse/invalid-yaml", display, syntax_error(exc), "fix the YAML syntax"))
    except RecursionError:
        findings.append(file_finding("parse/invalid-yaml", display, "nested too deeply", "flatten the document"))
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit conversion limit
        message = " ".join(str(exc).split())[:120] or type(exc).__name__
        findings.append(file_finding("parse/invalid-yaml", display, message, "fix the value"))
    return documents, findings
