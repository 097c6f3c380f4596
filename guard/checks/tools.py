"""``type: tools``: which of an MCP server's tools a caller may use.

A ``tools/call`` of a tool the policy does not admit is denied; a ``tools/list`` result is
filtered, so an agent never sees a tool it may not call (a model that never reads a tool's
description cannot be talked into calling it, nor read instructions planted in it). Every
matched tools policy must admit a tool, so allowlists intersect, as route policies' do: each
check denies and filters on its own. Traffic of any other API passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from guard.checks.base import PASS, Check, Outcome, PolicyMeta

if TYPE_CHECKING:
    from guard.engine.context import Context
    from guard.envelope import Pointer


@dataclass(frozen=True)
class ToolRules:
    """Globs on tool names: ``allow`` (empty: every tool) and ``deny`` (never)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    message: str | None = None

    def admits(self, name: Any) -> bool:
        if not isinstance(name, str):
            return not self.allow and not self.deny  # a tool that names itself nothing
        if any(fnmatchcase(name, glob) for glob in self.deny):
            return False
        return not self.allow or any(fnmatchcase(name, glob) for glob in self.allow)


class ToolsCheck(Check):
    """Denies calls of tools not admitted and hides them from tool lists."""

    def __init__(self, meta: PolicyMeta, rules: ToolRules) -> None:
        super().__init__(meta)
        self.rules = rules

    def applies(self, api: str) -> bool:
        return api == "mcp"

    async def evaluate(self, ctx: Context) -> Outcome:
        request = ctx.envelope
        if request.api != "mcp":
            return PASS
        method = request.body.get("method")
        if ctx.stage == "input":
            return self._call(request.body) if method == "tools/call" else PASS
        if method == "tools/list" and ctx.response is not None:
            return self._listed(ctx.response.body)
        return PASS

    def _call(self, body: Any) -> Outcome:
        params = body.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        if self.rules.admits(name):
            return Outcome("pass", detail={"tool": name})
        message = self.rules.message or f"tool {name!r} is not allowed"
        return Outcome("deny", message, 403, detail={"tool": name})

    def _listed(self, body: Any) -> Outcome:
        updates: list[tuple[Pointer, Any]] = []
        hidden: list[str] = []
        messages = enumerate(body) if isinstance(body, list) else [((), body)]
        for at, message in messages:
            prefix: Pointer = at if isinstance(at, tuple) else (at,)
            tools = _tools(message)
            if tools is None:
                continue
            kept = [tool for tool in tools if self.rules.admits(_name(tool))]
            if len(kept) != len(tools):
                hidden += [str(_name(t)) for t in tools if t not in kept]
                updates.append(((*prefix, "result", "tools"), kept))
        if not updates:
            return PASS
        return Outcome("modify", f"hid {len(hidden)} tool(s) not allowed: {', '.join(hidden)}",
                       200, updates=updates, detail={"hidden": hidden})


def _tools(message: Any) -> list[Any] | None:
    result = message.get("result") if isinstance(message, dict) else None
    tools = result.get("tools") if isinstance(result, dict) else None
    return tools if isinstance(tools, list) else None


def _name(tool: Any) -> Any:
    return tool.get("name") if isinstance(tool, dict) else None
