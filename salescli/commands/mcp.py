"""mcp: serve salescli to AI assistants over the Model Context Protocol (stdio), with the acting rep's rights."""

from __future__ import annotations

import typer

from salescli.app import App
from salescli.options import command_group

app = command_group(single=True)


@app.command("mcp")
def mcp(ctx: typer.Context) -> None:
    """Speak MCP on stdin/stdout for an AI assistant (Claude Desktop, Cursor, ...): find leads, today's agenda, log
    an activity, add a task, create and show quotes, pipeline, KPI report. The tools act as the rep --rep (or
    SALESCLI_REP, or the default rep) names on SQLite, as the database login on PostgreSQL, with that rep's rights.
    Nothing but MCP goes to stdout."""
    from salescli.mcp_server import serve

    serve(App.of(ctx).settings)
