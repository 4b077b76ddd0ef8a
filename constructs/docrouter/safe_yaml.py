"""The one strict YAML loader for files people write or edit: environment files and committed manifests.

PyYAML's safe_load expands aliases (an alias "bomb" of a few lines becomes gigabytes) and silently keeps
the last of two repeated keys. This loader refuses both before anything is expanded, and keeps
timestamps as strings, as Kubernetes does when it converts YAML to JSON.
"""

from __future__ import annotations

import yaml


class AliasRejected(yaml.YAMLError):
    pass


class DuplicateKey(yaml.YAMLError):
    pass


class StrictLoader(yaml.SafeLoader):
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
                shown = key if len(str(key)) <= 60 else f"{str(key)[:60]}…"
                raise DuplicateKey(f"key '{shown}' repeated at line {key_node.start_mark.line + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def syntax_error(exc: yaml.YAMLError) -> str:
    """A YAML error as one short line: what and where (line:column), never the file's content."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        return f"{where}{' '.join(str(problem).split())[:200]}"
    return " ".join(str(exc).split())[:200] or type(exc).__name__
