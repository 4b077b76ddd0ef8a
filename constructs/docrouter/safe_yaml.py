"""The one place YAML is read and written: libyaml's C classes when present, the strict loader for files people edit.

libyaml's CSafeLoader/CSafeDumper give the same documents and byte-identical output as PyYAML's pure-Python
classes, about 5x faster; without libyaml the pure-Python classes are used after a one-line notice.

PyYAML's safe_load expands aliases (an alias "bomb" of a few lines becomes gigabytes) and silently keeps
the last of two repeated keys. StrictLoader refuses both before anything is expanded, and keeps
timestamps as strings, as Kubernetes does when it converts YAML to JSON.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, cast

import yaml

try:
    from yaml import CSafeDumper as FastSafeDumper
    from yaml import CSafeLoader as FastSafeLoader

    LIBYAML = True
except ImportError:  # PyYAML built without libyaml: correct, only slower
    # mypy types both names from the libyaml import above; the pure-Python classes stand in for them.
    from yaml import SafeDumper as FastSafeDumper  # type: ignore[assignment]
    from yaml import SafeLoader as FastSafeLoader  # type: ignore[assignment]

    LIBYAML = False
    print(
        "notice: libyaml is not available, YAML is read and written by pure-Python PyYAML (slower); "
        "Fix: reinstall PyYAML from a wheel (`make clean venv`).",
        file=sys.stderr,
    )

# libyaml's composer recurses in C without Python's recursion limit, so a deeply nested document crashes
# the interpreter (measured: 60 000 levels). Every nesting level needs one of these characters, so text
# with fewer of them than this is safe for it; more goes to the pure-Python loader, which raises RecursionError.
_NESTING_CHARACTERS = "[{-:?"
_C_SAFE_INDICATORS = 5000


class AliasRejected(yaml.YAMLError):
    pass


class DuplicateKey(yaml.YAMLError):
    pass


class _Strict(yaml.constructor.SafeConstructor):
    """Duplicate-key and timestamp rules, shared by the pure-Python and the libyaml loader."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001 - PyYAML's signature
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                shown = key if len(str(key)) <= 60 else f"{str(key)[:60]}…"
                raise DuplicateKey(f"key '{shown}' repeated at line {key_node.start_mark.line + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class PureStrictLoader(_Strict, yaml.SafeLoader):
    """Refuses an alias while composing, before it is ever expanded."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRejected(f"alias *{event.anchor} at line {event.start_mark.line + 1}")
        return super().compose_node(parent, index)


class _CStrictLoader(_Strict, FastSafeLoader):
    """libyaml composes in C (compose_node is never called): an alias shows up as a node reached twice.
    The composed graph is shared, not expanded, so the check is cheap even for a bomb; the exact message
    (which alias, which line) then comes from the pure-Python loader."""

    def __init__(self, stream):  # noqa: ANN001 - PyYAML's signature
        self._source = stream
        super().__init__(stream)

    def get_node(self):  # noqa: ANN201 - PyYAML's signature
        try:
            return self._refuse_aliases(super().get_node())
        except yaml.MarkedYAMLError:
            self._raise_pure_error()
            raise

    def get_single_node(self):  # noqa: ANN201 - PyYAML's signature
        try:
            return self._refuse_aliases(super().get_single_node())
        except yaml.MarkedYAMLError:
            self._raise_pure_error()
            raise

    def _raise_pure_error(self) -> None:
        """Bad input only: the pure-Python loader's message is more precise (it names a tab, a quote)."""
        if isinstance(self._source, (str, bytes)):
            for _ in yaml.load_all(self._source, Loader=PureStrictLoader):  # noqa: S506 - raises its own error
                pass

    def _refuse_aliases(self, root: yaml.Node | None) -> yaml.Node | None:
        if root is None or (isinstance(self._source, (str, bytes)) and _count(self._source, "*") == 0):
            return root  # no alias without a '*'
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                self._raise_alias(node)
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                stack.extend(item for pair in node.value for item in pair)
        return root

    def _raise_alias(self, node: yaml.Node) -> None:
        self._raise_pure_error()  # raises AliasRejected naming the alias and its line
        raise AliasRejected(f"alias of the anchor at line {node.start_mark.line + 1}")


def _timestamp_as_string(loader: PureStrictLoader | _CStrictLoader, node: yaml.ScalarNode) -> str:
    return loader.construct_yaml_str(node)


PureStrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_string)
_CStrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_string)


# A line that starts a new document ("---" at column 0): YAML forbids it inside any scalar (c-forbidden),
# so no nesting spans it, and each document's own indicators bound its depth (10 000 tiny documents
# in one file are each shallow, and go to libyaml).
_DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.M)
_DOCUMENT_START_BYTES = re.compile(rb"^---(?=[ \t\r\n]|$)", re.M)


def _libyaml_can_read(stream: object) -> bool:
    if not LIBYAML or not isinstance(stream, (str, bytes)):
        return False
    if sum(_count(stream, char) for char in _NESTING_CHARACTERS) < _C_SAFE_INDICATORS:
        return True
    pattern = _DOCUMENT_START if isinstance(stream, str) else _DOCUMENT_START_BYTES
    return all(
        sum(_count(document, char) for char in _NESTING_CHARACTERS) < _C_SAFE_INDICATORS
        for document in pattern.split(stream)  # type: ignore[arg-type]
    )


def _count(text: str | bytes, char: str) -> int:
    if isinstance(text, str):
        return text.count(char)
    return text.count(char.encode())


def _strict_loader(stream: str | bytes) -> yaml.SafeLoader | _CStrictLoader:
    """SafeLoader without aliases, duplicate keys or timestamp conversion (libyaml when safe for it)."""
    return _CStrictLoader(stream) if _libyaml_can_read(stream) else PureStrictLoader(stream)


def _safe_loader(stream: str | bytes) -> yaml.SafeLoader | yaml.CSafeLoader:
    """PyYAML's safe rules for our tools' own files (.sops.yaml, sops output, rendered manifests)."""
    return FastSafeLoader(stream) if _libyaml_can_read(stream) else yaml.SafeLoader(stream)


# Passed as `Loader=` like a class: yaml.load only calls Loader(stream), but PyYAML's stubs accept
# loader classes only, so each factory is typed as the class whose rules it keeps.
StrictLoader = cast("type[PureStrictLoader]", _strict_loader)
SafeLoader = cast("type[yaml.SafeLoader]", _safe_loader)


def safe_load(text: str | bytes) -> object:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a SafeLoader


def safe_load_all(text: str | bytes) -> list[object]:
    return list(yaml.load_all(text, Loader=SafeLoader))  # noqa: S506 - a SafeLoader


def safe_dump(data: object, **options: Any) -> str:
    """yaml.safe_dump (same defaults, same bytes) through libyaml."""
    return yaml.dump(data, Dumper=FastSafeDumper, **options)


def safe_dump_all(documents: Sequence[object], **options: Any) -> str:
    return yaml.dump_all(documents, Dumper=FastSafeDumper, **options)


def syntax_error(exc: yaml.YAMLError) -> str:
    """A YAML error as one short line: what and where (line:column), never the file's content."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        return f"{where}{' '.join(str(problem).split())[:200]}"
    return " ".join(str(exc).split())[:200] or type(exc).__name__
