"""The crowdgraph command, run in-process on a temporary plugins.toml and SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crowdgraph.cli import cli
from crowdgraph.plugins import BUILTINS


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "plugins.toml"
    path.write_text(
        f'[database]\nurl = "sqlite://{tmp_path / "cg.sqlite3"}"\n[plugins]\nenabled = []\n',
        encoding="utf-8",
    )
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"CROWDGRAPH_CONFIG": None}
    )


def test_plugins_lists_every_installed_plugin_and_whether_it_is_enabled(config):
    result = run(config, "plugins")
    assert result.exit_code == 0, result.output
    names = [
        line.split()[0] for line in result.output.splitlines() if line and not line.startswith(" ")
    ]
    assert set(BUILTINS) <= set(names)
    assert all(
        "disabled" in line for line in result.output.splitlines() if line.split()[:1] == ["contest"]
    )
    enabled = config.read_text().replace("enabled = []", 'enabled = ["contest"]')
    config.write_text(enabled)
    assert " enabled " in next(
        line for line in run(config, "plugins").output.splitlines() if line.startswith("contest")
    )


def test_plugins_json_describes_each_plugin(config):
    result = run(config, "plugins", "--json")
    assert result.exit_code == 0
    import json

    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["microtask"]["source"] == "builtin"
    assert rows["microtask"]["enabled"] is False
    assert "register_manifest" in rows["microtask"]["hooks"]


def test_schema_prints_the_sdl_of_the_enabled_plugins(config):
    result = run(config, "schema")
    assert result.exit_code == 0, result.output
    assert "type Query {" in result.output
    assert "me: Account" in result.output
    assert "type Mutation {" in result.output


def test_db_check_lists_pending_migrations_until_db_migrate_applies_them(config):
    before = run(config, "db", "check")
    assert before.exit_code == 1
    assert "pending core.0001_initial" in before.output
    migrated = run(config, "db", "migrate")
    assert migrated.exit_code == 0, migrated.output
    assert "applied core.0001_initial" in migrated.output
    assert "database is up to date" in migrated.output
    after = run(config, "db", "check")
    assert (after.exit_code, after.output.strip()) == (0, "no pending migrations")
    again = run(config, "db", "migrate")
    assert again.exit_code == 0 and "applied" not in again.output


def test_users_create_admin_creates_one_admin_per_email(config):
    assert run(config, "db", "migrate").exit_code == 0
    created = run(
        config,
        "users",
        "create-admin",
        "--email",
        "root@example.org",
        "--password",
        "long enough pw",
    )
    assert (created.exit_code, created.output.strip()) == (0, "admin root@example.org created")
    again = run(
        config,
        "users",
        "create-admin",
        "--email",
        "root@example.org",
        "--password",
        "long enough pw",
    )
    assert again.exit_code == 2
    assert again.output.strip() == (
        "error: email: an account with email root@example.org already exists"
    )
    weak = run(config, "users", "create-admin", "--email", "b@example.org", "--password", "short")
    assert weak.exit_code == 2 and "password must have at least 10 characters" in weak.output


def test_demo_creates_data_and_prints_tokens(config):
    result = run(config, "demo")
    assert result.exit_code == 0, result.output
    assert "demo database ready" in result.output
    tokens = [line for line in result.output.splitlines() if " cg_" in line]
    assert len(tokens) == 6
    assert run(config, "db", "check").exit_code == 0


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[server]\nport = 0\n", "server.port: Input should be greater than or equal to 1 (got 0)"),
        ('[plugins]\nenabled = ["nope"]\n', "plugin nope: unknown plugin"),
        ('[database]\nurl = "mysql://x@h/db"\n', "database.url: scheme 'mysql' is not supported"),
        ("[server\n", "not valid TOML"),
    ],
)
def test_a_bad_config_exits_2_with_one_clear_line(tmp_path, toml, message):
    path = tmp_path / "plugins.toml"
    path.write_text(toml, encoding="utf-8")
    result = run(path, "db", "check")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]


def test_a_missing_config_file_exits_2(tmp_path):
    result = run(tmp_path / "absent.toml", "schema")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: config file {tmp_path / 'absent.toml'} does not exist"


def test_demo_refuses_to_reset_a_postgresql_database_without_force(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text('[database]\nurl = "postgres://app@db.invalid/crowd"\n', encoding="utf-8")
    result = run(path, "demo")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: demo resets the database; pass --force to reset a PostgreSQL database"
    )


def test_serve_refuses_to_start_on_a_database_with_pending_migrations(config):
    result = run(config, "serve")
    assert result.exit_code == 2
    assert "pending migrations (core.0001_initial" in result.output
    assert "run `crowdgraph db migrate`" in result.output


def test_serve_without_a_plugins_toml_starts_its_processes_on_the_defaults(tmp_path, monkeypatch):
    import uvicorn

    started: dict[str, object] = {}

    def run_server(*args: object, **kwargs: object) -> None:
        started.update(kwargs, config=os.environ.get("CROWDGRAPH_CONFIG"))

    monkeypatch.setattr(uvicorn, "run", run_server)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CROWDGRAPH_CONFIG", raising=False)
    database = f"sqlite://{tmp_path / 'cg.sqlite3'}"
    env = {"CROWDGRAPH_DATABASE_URL": database, "CROWDGRAPH_CONFIG": None}
    assert CliRunner().invoke(cli, ["db", "migrate"], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert started["factory"] is True
    # The server processes would otherwise look for ./plugins.toml, which does not exist.
    assert started["config"] is None


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "pending migrations" not in lines[0] and "Traceback" not in result.output
    return lines[0]


def postgres_url(netloc: str, database: str = "postgres") -> str:
    return f"postgres://{netloc}/{database}"


def test_a_database_that_does_not_answer_stops_serve_and_migrate_with_one_line(tmp_path):
    unreachable = {
        postgres_url("postgres@127.0.0.1:1"): "cannot connect to 127.0.0.1:1 (",
        postgres_url(
            "postgres@no-such-host.invalid:5432"
        ): "host no-such-host.invalid is not known",
        f"sqlite://{tmp_path / 'missing' / 'cg.sqlite3'}": "the folder",
    }
    for url, reason in unreachable.items():
        path = tmp_path / "plugins.toml"
        path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        for command in (["serve"], ["db", "migrate"], ["db", "check"]):
            line = one_error_line(run(path, *command))
            assert line.startswith(f"error: database.url ({url}): {reason}"), line


@pytest.mark.skipif(
    not os.environ.get("CROWDGRAPH_TEST_POSTGRES_URL"), reason="needs a PostgreSQL server"
)
def test_refused_credentials_and_a_missing_database_are_told_apart(tmp_path):
    from urllib.parse import urlsplit

    server = urlsplit(os.environ["CROWDGRAPH_TEST_POSTGRES_URL"])
    where = f"{server.hostname}:{server.port or 5432}"
    cases = {
        postgres_url(f"cg_nobody:secret@{where}"): (
            f"postgres://cg_nobody:***@{where}/postgres",
            f"PostgreSQL at {where} refused the credentials: ",
        ),
        postgres_url(server.netloc, "cg_no_such_database"): (
            postgres_url(server.netloc, "cg_no_such_database"),
            f'PostgreSQL at {where} has no such database: database "cg_no_such_database" '
            "does not exist (create it, e.g. with createdb)",
        ),
    }
    for url, (shown, reason) in cases.items():
        path = tmp_path / "plugins.toml"
        path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        for command in (["serve"], ["db", "migrate"]):
            line = one_error_line(run(path, *command))
            assert line.startswith(f"error: database.url ({shown}): {reason}"), line
            assert "secret" not in line


def test_a_pool_smaller_than_its_minimum_stops_serve_with_one_line(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text("[database]\npool_min = 20\npool_max = 10\n", encoding="utf-8")
    line = one_error_line(run(path, "serve"))
    assert line == (
        f"error: {path}: database.pool_min: must be at most database.pool_max (10) (got 20)"
    )


def test_serve_refuses_several_processes_on_sqlite(config):
    assert run(config, "db", "migrate").exit_code == 0
    line = one_error_line(run(config, "serve", "--workers", "3"))
    assert line == (
        "error: --workers: must be 1 with SQLite, which serves one process (database.url); "
        "use PostgreSQL for more (got 3)"
    )


def test_demo_serve_takes_a_port_and_a_host(config, monkeypatch):
    import uvicorn

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    result = run(config, "demo", "--serve", "--port", "8765", "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert (started["port"], started["host"]) == (8765, "0.0.0.0")
    assert "on http://0.0.0.0:8765/graphql" in result.output
    alone = run(config, "demo", "--port", "8765")
    assert one_error_line(alone) == "error: --host and --port go with --serve"


def test_serve_leaves_access_logging_to_the_app(config, monkeypatch):
    import uvicorn

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    assert run(config, "db", "migrate").exit_code == 0
    assert run(config, "serve").exit_code == 0
    assert started["access_log"] is False
