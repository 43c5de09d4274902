"""Every setting from the environment (one naming rule), and combinations that stop the start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from crowdgraph.config import ConfigError, Settings, load_settings, variable_name
from crowdgraph.plugins import PluginError, load_plugins

SHIPPED = Path(__file__).resolve().parent.parent / "plugins.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plugins.toml"
    path.write_text(text, encoding="utf-8")
    return path


def every_setting(model: type[BaseModel], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found += every_setting(kind, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_a_file_holding_only_env_production_starts_in_production(tmp_path):
    settings = load_settings(write(tmp_path, 'env = "production"\n'), environ={})
    assert settings.production


def test_the_naming_rule_is_crowdgraph_and_the_dotted_path_in_upper_case():
    assert variable_name(("server", "port")) == "CROWDGRAPH_SERVER_PORT"
    assert variable_name(("env",)) == "CROWDGRAPH_ENV"
    assert (
        variable_name(("plugins", "microtask", "top_up")) == "CROWDGRAPH_PLUGINS_MICROTASK_TOP_UP"
    )


@pytest.mark.parametrize(
    ("variable", "value", "read"),
    [
        ("CROWDGRAPH_ENV", "production", lambda s: s.env == "production"),
        ("CROWDGRAPH_SERVER_PORT", "9001", lambda s: s.server.port == 9001),
        ("CROWDGRAPH_SERVER_REQUEST_SECONDS", "2.5", lambda s: s.server.request_seconds == 2.5),
        ("CROWDGRAPH_SERVER_METRICS", "false", lambda s: s.server.metrics is False),
        (
            "CROWDGRAPH_SERVER_TRUSTED_PROXIES",
            "10.0.0.0/8, 192.168.1.1",
            lambda s: (
                [str(n) for n in s.server.trusted_proxies] == ["10.0.0.0/8", "192.168.1.1/32"]
            ),
        ),
        (
            "CROWDGRAPH_SERVER_CORS_ORIGINS",
            "https://app.example.com,http://localhost:5173",
            lambda s: s.server.cors_origins == ["https://app.example.com", "http://localhost:5173"],
        ),
        ("CROWDGRAPH_DATABASE_POOL_MAX", "20", lambda s: s.database.pool_max == 20),
        ("CROWDGRAPH_GRAPHQL_MAX_DEPTH", "6", lambda s: s.graphql.max_depth == 6),
        ("CROWDGRAPH_AUTH_SESSION_HOURS", "8", lambda s: s.auth.session_hours == 8),
        (
            "CROWDGRAPH_PLUGINS_ENABLED",
            "microtask, contest",
            lambda s: s.plugins.enabled == ["microtask", "contest"],
        ),
        ("CROWDGRAPH_PLUGINS_ENABLED", "", lambda s: s.plugins.enabled == []),
    ],
)
def test_a_setting_comes_from_its_variable_converted_to_its_type(tmp_path, variable, value, read):
    path = write(tmp_path, '[server]\nport = 8000\n[plugins]\nenabled = ["marketplace"]\n')
    assert read(load_settings(path, environ={variable: value}))


def test_a_wrong_value_in_a_variable_names_the_variable_and_the_rule(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"CROWDGRAPH_SERVER_PORT": "eighty"})
    assert str(caught.value) == (
        f"{path}: server.port: Input should be a valid integer, unable to parse string as an "
        "integer (got 'eighty' from CROWDGRAPH_SERVER_PORT)"
    )
    with pytest.raises(ConfigError, match=r"server\.cors_origins\.0: .*from CROWDGRAPH_SERVER"):
        load_settings(path, environ={"CROWDGRAPH_SERVER_CORS_ORIGINS": "app.example.com"})


def test_the_environment_wins_over_the_file(tmp_path):
    path = write(tmp_path, "[graphql]\nmax_depth = 4\n")
    assert load_settings(path, environ={"CROWDGRAPH_GRAPHQL_MAX_DEPTH": "9"}).graphql.max_depth == 9


def test_a_plugins_setting_comes_from_its_variable(tmp_path):
    path = write(tmp_path, '[plugins]\nenabled = ["microtask"]\n')
    settings = load_settings(
        path,
        environ={
            "CROWDGRAPH_PLUGINS_MICROTASK_TOP_UP": "true",
            "CROWDGRAPH_PLUGINS_MICROTASK_PAY_FLOOR_PER_HOUR": "1500",
            "CROWDGRAPH_PLUGINS_WEBHOOKS_MAX_ATTEMPTS": "3",
        },
    )
    _, loaded = load_plugins(settings)
    plugins = {p.name: p.settings for p in loaded}
    assert plugins["microtask"].top_up is True  # type: ignore[attr-defined]
    assert plugins["microtask"].pay_floor_per_hour == 1500  # type: ignore[attr-defined]
    assert plugins["webhooks"].max_attempts == 3  # type: ignore[attr-defined]


def test_a_wrong_plugin_setting_in_a_variable_names_the_variable(tmp_path):
    path = write(tmp_path, '[plugins]\nenabled = ["microtask"]\n')
    settings = load_settings(path, environ={"CROWDGRAPH_PLUGINS_MICROTASK_TOP_UP": "maybe"})
    with pytest.raises(PluginError) as caught:
        load_plugins(settings)
    assert str(caught.value) == (
        "plugin microtask: bad settings: plugins.microtask.top_up: Input should be a valid "
        "boolean, unable to interpret input (got 'maybe' from CROWDGRAPH_PLUGINS_MICROTASK_TOP_UP)"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[graphql]\ndefault_page_size = 50\nmax_page_size = 10\n",
            "graphql.default_page_size: must be at most graphql.max_page_size (10) (got 50)",
        ),
        (
            "[graphql]\nmax_page_size = 200\nmax_nodes = 100\n",
            "graphql.max_nodes: must be at least graphql.max_page_size (200), "
            "or a page of that size is refused (got 100)",
        ),
        (
            "[database]\npool_min = 5\npool_max = 2\n",
            "database.pool_min: must be at most database.pool_max (2) (got 5)",
        ),
        (
            "[server]\nworkers = 4\n",
            "server.workers: must be 1 with SQLite, which serves one process (database.url); "
            "use PostgreSQL for more (got 4)",
        ),
        (
            '[server]\ncors_origins = ["https://app.example.com/"]\n',
            'server.cors_origins.0: must be "*" or an origin: http(s)://host[:port] in lower case, '
            "without a path or a final / (got 'https://app.example.com/')",
        ),
    ],
)
def test_a_bad_combination_stops_the_start_with_one_line_naming_the_setting_and_the_rule(
    tmp_path, toml, message
):
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == f"{path}: {message}"


def test_a_bad_combination_from_the_environment_names_the_variable(tmp_path):
    path = write(tmp_path, "[graphql]\nmax_page_size = 10\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"CROWDGRAPH_GRAPHQL_DEFAULT_PAGE_SIZE": "50"})
    assert str(caught.value).endswith(
        "graphql.default_page_size: must be at most graphql.max_page_size (10) "
        "(got 50 from CROWDGRAPH_GRAPHQL_DEFAULT_PAGE_SIZE)"
    )


def test_several_workers_on_postgresql_are_fine(tmp_path):
    path = write(tmp_path, '[server]\nworkers = 4\n[database]\nurl = "postgres://app@db/crowd"\n')
    assert load_settings(path, environ={}).server.workers == 4


def test_the_shipped_plugins_toml_shows_the_real_defaults():
    """Every value the shipped file sets is the default, but the plugins it enables, which it
    says are not the default; every setting is listed."""
    shipped = load_settings(SHIPPED, environ={}).model_dump()
    defaults = Settings().model_dump()
    assert shipped["plugins"].pop("enabled") == ["microtask", "contest", "marketplace"]
    assert defaults["plugins"].pop("enabled") == []
    assert shipped == defaults
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert "# default: [] (the core alone)" in next(line for line in lines if "enabled =" in line)
    keys = {line.split("=")[0].strip() for line in lines if "=" in line and line[:1].isalpha()}
    assert {path[-1] for path in every_setting(Settings)} <= keys


def test_a_misspelt_variable_of_a_core_section_stops_the_start_naming_it(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"CROWDGRAPH_SERVER_PROT": "9000"})
    assert str(caught.value) == (
        "environment variable CROWDGRAPH_SERVER_PROT names no setting: "
        "did you mean CROWDGRAPH_SERVER_PORT?"
    )


def test_a_variable_the_file_reads_by_name_is_not_a_misspelt_setting(tmp_path):
    path = write(tmp_path, '[database]\nurl = { env = "CROWDGRAPH_DATABASE_DSN" }\n')
    environ = {"CROWDGRAPH_DATABASE_DSN": "postgres://a@b/c", "CROWDGRAPH_TEST_POSTGRES_URL": "x"}
    assert load_settings(path, environ=environ).database.url == "postgres://a@b/c"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("http://localhost:5173", True),
        ("http://[::1]:8080", True),
        ("*", True),
        ("https://app.example.com/", False),
        ("https://app.example.com/path", False),
        ("app.example.com", False),
        ("ftp://app.example.com", False),
        ("https://App.example.com", False),
        ("https://app.example.com:port", False),
        ("https://user@app.example.com", False),
    ],
)
def test_cors_origins_are_origins_as_a_browser_sends_them(tmp_path, origin, allowed):
    path = write(tmp_path, f'[server]\ncors_origins = ["{origin}"]\n')
    if allowed:
        assert load_settings(path, environ={}).server.cors_origins == [origin]
    else:
        with pytest.raises(ConfigError, match=r"server\.cors_origins\.0: must be"):
            load_settings(path, environ={})
