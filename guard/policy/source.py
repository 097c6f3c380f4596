"""Read YAML while remembering where every key came from.

Error messages must point at the offending key (``file:line``), not at the file
start, so we compose PyYAML's node tree ourselves and record the line of every
mapping key and sequence item by its path. Duplicate keys, which PyYAML would
silently overwrite, are reported here too.

A policy file is bounded before anything is built from it: at most :data:`MAX_FILE_BYTES`,
and at most :data:`MAX_ALIASES` uses of YAML aliases (``*name``). Aliases are shared in the
composed tree but each use is built as a copy, so nine levels of ten aliases ("billion
laughs") would build 10⁹ nodes from a few hundred bytes; past the budget the file is a
problem at the line of the use, like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from guard.errors import Problem

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 1024 * 1024
"""The largest policy file (UTF-8 bytes): a policy set is written by people."""
MAX_ALIASES = 1000
"""Alias uses one file may expand (an alias inside an expanded alias counts again)."""


class _AliasBomb(Exception):
    """More alias uses than :data:`MAX_ALIASES`: raised at the line of the last one."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line

try:  # the C loader is ~10x faster and keeps marks; fall back when libyaml is absent
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass
class Document:
    """One YAML file: its data and the line (1-based) of every key path."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


def format_path(path: Path) -> str:
    """``("policies", 2, "action")`` -> ``policies[2].action``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse ``text``; return the document (or ``None``) and every problem found."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return None, [too_large(file, size)]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(file, None, {(): 1}), []
        builder = _Builder(loader, file)
        data = builder.build(node, ())
        return Document(file, data, builder.lines), builder.problems
    except _AliasBomb as exc:
        return None, [Problem(file, exc.line, "", f"more than {MAX_ALIASES} uses of YAML "
                              "aliases; each builds a copy of what it names")]
    except RecursionError:  # an alias inside what it names, or nesting past Python's stack
        return None, [Problem(file, 1, "", "YAML nested too deeply (or an alias inside "
                              "what it names)")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [Problem(file, line, "", f"invalid YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, "", f"invalid YAML: {exc}")]
    finally:
        loader.dispose()


def too_large(file: str, size: int) -> Problem:
    return Problem(file, 1, "", f"the file is {size} bytes; a policy file may hold at most "
                   f"{MAX_FILE_BYTES}")


class _Builder:
    """Turns a composed node tree into plain data, recording lines as it goes."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.seen: set[int] = set()  # nodes built once: another visit is an alias's use
        self.aliases = 0
        self.use = 0  # the line of the outermost alias use being expanded (0: none)

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return self._build(node, path)
        self.aliases += 1
        outermost = not self.use
        if outermost:
            self.use = self._line(path)
        if self.aliases > MAX_ALIASES:
            raise _AliasBomb(self.use)
        try:
            return self._build(node, path)
        finally:
            if outermost:
                self.use = 0

    def _build(self, node: yaml.Node, path: Path) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            line = key_node.start_mark.line + 1
            if key in out:
                first = self.lines.get((*path, key), line)
                message = f"duplicate key (first at line {first})"
                self.problems.append(Problem(self.file, line, format_path((*path, key)), message))
                continue
            self.lines[(*path, key)] = line
            out[key] = self.build(value_node, (*path, key))
        return out

    def _line(self, path: Path) -> int:
        """The line of the key or item whose value is ``path`` (the alias, not its anchor)."""
        if path and isinstance(path[-1], int):  # an item's line is its anchor's: take the list's
            return self.lines.get(path[:-1], 1)
        return self.lines.get(path, 1)

    def _key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            key = self.loader.construct_object(node, deep=True)
            return key if isinstance(key, str | int | float | bool) or key is None else str(key)
        return f"<{type(node).__name__} key>"
