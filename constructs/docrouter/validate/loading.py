"""Read one manifest file defensively: every kind of bad input becomes a finding, never a traceback.

Files are size-capped before reading, must be UTF-8 text, and are parsed with a safe loader that
refuses YAML aliases (so an alias "bomb" is rejected before anything is expanded) and duplicate keys.
Timestamps stay strings, as they do when Kubernetes converts YAML to JSON.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.constructor import ConstructorError

from .model import WARNING, Finding, file_finding

MAX_FILE_BYTES = 4 * 1024 * 1024  # flux bootstrap's gotk-components.yaml is well below this
YAML_SUFFIXES = (".yaml", ".yml")


class AliasRejected(yaml.YAMLError):
    pass


class DuplicateKey(yaml.YAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases, duplicate keys or timestamp conversion."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRejected(f"alias *{event.anchor} at line {event.start_mark.line + 1}")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise DuplicateKey(f"key '{key}' repeated at line {key_node.start_mark.line + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def read_text(path: Path, display: str) -> tuple[str | None, list[Finding]]:
    """The file's text, or None and the finding that says why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                file_finding(
                    "parse/too-large",
                    display,
                    f"{size} bytes is over the {MAX_FILE_BYTES}-byte cap",
                    "split it into smaller files; manifests this large are almost always a mistake",
                )
            ]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [file_finding("parse/unreadable", display, str(exc), "check the file's permissions")]
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
        for index, document in enumerate(yaml.load_all(text, Loader=_StrictLoader)):
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
    except (yaml.YAMLError, ConstructorError, RecursionError, ValueError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        findings.append(file_finding("parse/invalid-yaml", display, message[:300], "fix the YAML syntax"))
    return documents, findings

