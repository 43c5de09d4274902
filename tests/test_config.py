"""Settings: plugins.toml, CROWDGRAPH_* overrides, secrets from the environment, clear errors."""

from pathlib import Path

import pytest

from crowdgraph.config import ConfigError, load_settings


def write(tmp_path: Path, text: str, name: str = "plugins.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plugins_toml_sets_every_section_and_each_plugins_table(tmp_path):
    path = write(
        tmp_path,
        """
env = "production"
[server]
port = 9000
max_body_bytes = 4096
[database]
url = "postgres://app@db:5432/crowd"
pool_max = 20
[graphql]
max_page_size = 50
[auth]
session_hours = 8
[plugins]
enabled = ["errands"]
[plugins.errands]
max_reward = 300
""",
    )
    settings = load_settings(path, environ={})
    assert settings.production
    assert (settings.server.port, settings.server.max_body_bytes) == (9000, 4096)
    assert (settings.database.url, settings.database.pool_max) == (
        "postgres://app@db:5432/crowd",
        20,
    )
    assert settings.graphql.max_page_size == 50
    assert settings.auth.session_hours == 8
    assert settings.plugins.enabled == ["errands"]
    assert settings.plugins.table("errands") == {"max_reward": 300}
    assert settings.source == str(path)


def test_no_plugins_toml_in_the_working_directory_means_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.env == "development"
    assert settings.database.url == "sqlite://crowdgraph.sqlite3"
    assert settings.plugins.enabled == []


def test_crowdgraph_config_names_the_file_to_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[server]\nport = 1111\n")
    other = write(tmp_path, "[server]\nport = 2222\n", name="other.toml")
    assert load_settings(environ={}).server.port == 1111
    assert load_settings(environ={"CROWDGRAPH_CONFIG": str(other)}).server.port == 2222


def test_a_config_file_named_explicitly_must_exist(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml does not exist"):
        load_settings(environ={"CROWDGRAPH_CONFIG": str(missing)})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(missing, environ={})


def test_database_url_and_env_come_from_the_environment_over_the_file(tmp_path):
    path = write(tmp_path, 'env = "development"\n[database]\nurl = "sqlite://file.db"\n')
    settings = load_settings(
        path,
        environ={"CROWDGRAPH_DATABASE_URL": "postgres://x@h/db", "CROWDGRAPH_ENV": "production"},
    )
    assert settings.database.url == "postgres://x@h/db"
    assert settings.env == "production"


def test_a_bad_crowdgraph_env_names_the_field_and_the_choices(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={"CROWDGRAPH_ENV": "staging"})
    message = str(caught.value)
    assert "env:" in message and "'development' or 'production'" in message
    assert "'staging'" in message


def test_a_secret_table_takes_its_value_from_the_named_environment_variable(tmp_path):
    path = write(
        tmp_path,
        '[database]\nurl = { env = "DB_URL" }\n[plugins.errands]\nmax_reward = { env = "MAX" }\n',
    )
    settings = load_settings(path, environ={"DB_URL": "postgres://secret@h/db", "MAX": "7"})
    assert settings.database.url == "postgres://secret@h/db"
    assert settings.plugins.table("errands") == {"max_reward": "7"}


def test_a_secret_whose_variable_is_unset_names_the_variable_and_the_setting(tmp_path):
    path = write(tmp_path, '[database]\nurl = { env = "DB_URL" }\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == f"{path}: database.url: environment variable DB_URL is not set"


@pytest.mark.parametrize(
    ("toml", "field", "rule"),
    [
        ("[server]\nport = 0\n", "server.port", "greater than or equal to 1 (got 0)"),
        (
            "[server]\nmax_body_bytes = 10\n",
            "server.max_body_bytes",
            "greater than or equal to 1024",
        ),
        ('[graphql]\nmax_page_size = "many"\n', "graphql.max_page_size", "valid integer"),
        ("[database]\npool_size = 3\n", "database.pool_size", "Extra inputs are not permitted"),
        ("colour = 1\n", "colour", "Extra inputs are not permitted"),
        ('[plugins]\nenabled = "errands"\n', "plugins.enabled", "valid list"),
    ],
)
def test_a_bad_value_names_the_field_and_the_rule(tmp_path, toml, field, rule):
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert f"{field}: " in message
    assert rule in message


def test_invalid_toml_is_reported_with_the_file_name(tmp_path):
    path = write(tmp_path, "[server\nport = 1\n")
    with pytest.raises(ConfigError, match=r"plugins\.toml: not valid TOML"):
        load_settings(path, environ={})


def test_a_plugin_table_that_is_not_a_table_names_the_plugin(tmp_path):
    path = write(tmp_path, "[plugins]\nerrands = 5\n")
    settings = load_settings(path, environ={})
    with pytest.raises(ConfigError, match=r"plugins\.errands must be a table \(got int\)"):
        settings.plugins.table("errands")
