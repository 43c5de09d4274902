"""The ``crowdgraph`` command."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from crowdgraph import __version__
from crowdgraph.config import ConfigError, Settings, load_settings, processes_rule
from crowdgraph.db import (
    check_connection,
    engine,
    makemigrations,
    migrate,
    pending_migrations,
    reset_database,
)
from crowdgraph.platform import Platform

T = TypeVar("T")
PORT = click.IntRange(1, 65535)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class State:
    """Settings and platform, built on first use so that ``--help`` never touches them."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    def platform(self) -> Platform:
        return Platform(self.settings)

    def connected_platform(self) -> Platform:
        """The platform, once its database is known to answer (else one line says why not)."""
        platform = self.platform()
        run(check_connection(self.settings.database))
        return platform


pass_state = click.make_pass_decorator(State)


def fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(2)


class Group(click.Group):
    """Turns configuration errors into one clear line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(str(exc))


@click.group(cls=Group)
@click.version_option(__version__, prog_name="crowdgraph")
@click.option(
    "--config",
    "-c",
    envvar="CROWDGRAPH_CONFIG",
    default=None,
    metavar="PATH",
    help="plugins.toml to read (default: ./plugins.toml, or CROWDGRAPH_CONFIG).",
)
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """crowdgraph: a GraphQL server for running a crowd workforce."""
    ctx.obj = State(config)


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default: server.host).")
@click.option("--port", default=None, type=PORT, help="Port (default: server.port).")
@click.option(
    "--workers", default=None, type=int, help="Server processes (default: server.workers)."
)
@pass_state
def serve(state: State, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the server (GraphQL at /graphql, health at /healthz)."""
    serve_settings(state.settings, host, port, workers)


async def ready_to_serve(platform: Platform) -> None:
    """What the server checks before it starts: the database answers, is migrated, and holds no
    money for a plugin that is not enabled. Each problem is one ConfigError line."""
    await check_connection(platform.settings.database)
    pending = await pending_migrations(platform.db_config)
    if pending:
        raise ConfigError(
            f"the database has {len(pending)} pending migrations ({', '.join(pending[:3])}...): "
            "run `crowdgraph db migrate`"
        )
    async with platform.running(background=False):
        await platform.check_held_funds()


def serve_settings(
    settings: Settings, host: str | None, port: int | None, workers: int | None
) -> None:
    import uvicorn

    from crowdgraph.schema.build import build_schema

    platform = Platform(settings)
    build_schema(platform)  # a schema clash stops the start here, before anything is printed
    processes = workers or settings.server.workers
    rule = processes_rule(processes, settings.database.url)
    if rule:
        fail(f"--workers: {rule} (got {processes})")
    run(ready_to_serve(platform))
    host = host or settings.server.host
    port = port or settings.server.port
    where = f"http://{host}:{port}/graphql"
    click.echo(
        f"crowdgraph {__version__} ({settings.env}) on {where}; plugins: {', '.join(platform.plugin_names) or 'none'}"
    )
    if settings.source and Path(settings.source).exists():
        # The server processes read the same file (none: the defaults, as here).
        os.environ["CROWDGRAPH_CONFIG"] = str(Path(settings.source).resolve())
    if processes > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Worker processes write their metrics here so that /metrics reports the whole server.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="crowdgraph-metrics-")
    uvicorn.run(
        "crowdgraph.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_config=None,  # the app configures JSON logs in every worker process
        access_log=False,  # the app logs each request itself, with its fields (observability.py)
        timeout_graceful_shutdown=30,
        proxy_headers=False,  # crowdgraph.ratelimit reads X-Forwarded-For, from trusted_proxies only
    )


@cli.command()
@pass_state
def schema(state: State) -> None:
    """Print the GraphQL schema (SDL) of the enabled plugins."""
    from crowdgraph.schema.build import build_schema

    click.echo(build_schema(state.platform()).schema.as_str())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def plugins(state: State, as_json: bool) -> None:
    """List the plugins this installation can load: version, source, enabled, hooks."""
    from crowdgraph.plugins import available_plugins, describe_plugins

    rows = describe_plugins(state.settings, available_plugins())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "enabled " if row["enabled"] else "disabled"
        click.echo(
            f"{row['name']:<14} {row['version']:<8} {mark} {row['source']:<20} {', '.join(row['hooks'])}"
        )
        if row.get("error"):
            click.echo(f"{'':<14} error: {row['error']}")


@cli.group(cls=Group)
def db() -> None:
    """Database migrations."""


@db.command("migrate")
@pass_state
def db_migrate(state: State) -> None:
    """Apply pending migrations of the core and every enabled plugin."""
    platform = state.connected_platform()

    def progress(event: str, app: str, name: str) -> None:
        if event == "apply_done":
            click.echo(f"  applied {app}.{name}")

    run(migrate(platform.db_config, progress))
    click.echo("database is up to date")


@db.command("check")
@pass_state
def db_check(state: State) -> None:
    """List pending migrations; exit 1 if there are any."""
    pending = run(pending_migrations(state.connected_platform().db_config))
    for name in pending:
        click.echo(f"pending {name}")
    if pending:
        sys.exit(1)
    click.echo("no pending migrations")


@db.command("makemigrations")
@pass_state
def db_makemigrations(state: State) -> None:
    """Write migrations for model changes (for developers of crowdgraph and its plugins)."""
    for path in run(makemigrations(state.connected_platform().db_config)):
        click.echo(f"  wrote {path}")


@cli.group(cls=Group)
def users() -> None:
    """Accounts."""


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Administrator")
@click.option("--password", default=None, help="Prompted for when left out.")
@pass_state
def create_admin(state: State, email: str, name: str, password: str | None) -> None:
    """Create an admin account."""
    from crowdgraph.core.accounts import create_account
    from crowdgraph.core.errors import InvalidInput
    from crowdgraph.core.models import Role

    password = password or getpass.getpass("password: ")
    platform = state.connected_platform()

    async def act() -> None:
        async with platform.running(background=False):
            await create_account(email, name, password, Role.ADMIN)

    try:
        run(act())
    except InvalidInput as exc:
        fail(str(exc))
    click.echo(f"admin {email} created")


@cli.command()
@click.option("--serve", "then_serve", is_flag=True, help="Start the server afterwards.")
@click.option("--host", default=None, help="With --serve: interface (default: server.host).")
@click.option("--port", default=None, type=PORT, help="With --serve: port (default: server.port).")
@click.option(
    "--force", is_flag=True, help="Reset a PostgreSQL database (SQLite files are always reset)."
)
@pass_state
def demo(state: State, then_serve: bool, host: str | None, port: int | None, force: bool) -> None:
    """Create (or reset) a demo database with realistic data, and print tokens to try."""
    from crowdgraph.demo import create_demo

    settings = state.settings
    if engine(settings.database.url) == "postgres" and not force:
        fail("demo resets the database; pass --force to reset a PostgreSQL database")
    if (host or port) and not then_serve:
        fail("--host and --port go with --serve")
    platform = state.connected_platform()
    run(reset_database(platform.db_config))
    run(migrate(platform.db_config))
    summary = run(create_demo(platform))
    click.echo(summary)
    if then_serve:
        serve_settings(settings, host, port, None)


@cli.group(cls=Group)
def ledger() -> None:
    """Money held for plugins."""


@ledger.command("release-holds")
@click.argument("plugin")
@pass_state
def release_holds(state: State, plugin: str) -> None:
    """Give the money still held for a plugin that is not enabled back to the organizations."""
    from crowdgraph.core.ledger import release_held_funds

    platform = state.connected_platform()
    if plugin in platform.plugin_names:
        fail(f"plugin {plugin} is enabled: its own rules pay and release what it holds")

    async def act() -> list[str]:
        async with platform.running(background=False):
            memo = f"released by an admin: plugin {plugin} is not enabled"
            entries = await release_held_funds(plugin, memo)
            return [
                f"  released {e.amount} {e.currency} from {e.source} to {e.destination}"
                for e in entries
            ]

    lines = run(act())
    click.echo("\n".join([*lines, f"nothing is held for plugin {plugin} any more"]))


def current_platform() -> Platform:
    """The configured platform of the running command (honours --config); plugin commands use it."""
    state = click.get_current_context().find_object(State)
    assert state is not None
    return state.platform()


def config_from_argv(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg in ("--config", "-c") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    from crowdgraph.plugins import load_plugins

    try:
        pm, _ = load_plugins(load_settings(config_from_argv(sys.argv[1:])))
    except ConfigError:
        pass  # the command itself reports bad configuration, naming the problem
    else:
        pm.hook.register_commands(cli=cli, platform_factory=current_platform)
    cli()
