"""Settings: plugins.toml, overridden by CROWDGRAPH_* environment variables, validated at startup.

Every setting can come from the environment: its variable is ``CROWDGRAPH_`` and its dotted path in
plugins.toml, upper case, dots (and dashes) as underscores: ``[server] port`` is
``CROWDGRAPH_SERVER_PORT``, ``env`` is ``CROWDGRAPH_ENV``, ``[plugins.microtask] top_up`` is
``CROWDGRAPH_PLUGINS_MICROTASK_TOP_UP``. A list is written comma-separated
(``CROWDGRAPH_PLUGINS_ENABLED=microtask,contest``). The environment wins over the file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    IPvAnyNetwork,
    ValidationError,
    model_validator,
)

DEFAULT_CONFIG = "plugins.toml"
DEFAULT_DATABASE_URL = "sqlite://crowdgraph.sqlite3"
ENV_PREFIX = "CROWDGRAPH_"
CONFIG_VARIABLE = "CROWDGRAPH_CONFIG"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names where and what is allowed."""


class Combination(ValueError):
    """A setting that passes its own rule but not together with another one."""

    def __init__(self, setting: str, rule: str, given: object) -> None:
        super().__init__(rule)
        self.setting, self.rule, self.given = setting, rule, given


def is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme == "sqlite"


def web_origin(value: str) -> str:
    """``*``, or ``http(s)://host[:port]`` exactly as a browser sends it in ``Origin`` (lower case,
    no path, no final ``/``): anything else would never match."""
    if value == "*":
        return value
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = None
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    exact = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    if parts.scheme in ("http", "https") and host and value == exact:
        return value
    raise ValueError(
        'must be "*" or an origin: http(s)://host[:port] in lower case, without a path or a final /'
    )


WebOrigin = Annotated[str, AfterValidator(web_origin)]


class ServerSettings(BaseModel, extra="forbid"):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    """Largest request body accepted by /graphql."""
    request_seconds: float = Field(default=30, ge=0)
    """Longest an HTTP request may take before it is stopped with 503; 0 turns the limit off."""
    rate_limit_per_token: int = Field(default=600, ge=0)
    """Requests a minute per bearer token that authenticates (bursts up to a sixth of it);
    0 turns this limit off (such requests are then not limited at all)."""
    rate_limit_per_address: int = Field(default=300, ge=0)
    """Requests a minute per client address, for requests without a token that authenticates
    (none, or a malformed or made-up one); 0 turns this limit off."""
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    """Addresses or networks of the proxies in front of the server (e.g. ``["10.0.0.0/8"]``):
    only a request from one of them has its X-Forwarded-For believed. Empty: never believed."""
    metrics: bool = True
    """Serve Prometheus metrics at /metrics; false: no such route (404)."""
    metrics_token: str = ""
    """When set, /metrics asks for ``Authorization: Bearer <metrics_token>``; give it from the
    environment: ``metrics_token = { env = "NAME" }``."""
    cors_origins: list[WebOrigin] = Field(default_factory=list)
    """Web origins (``https://app.example.com``) whose pages may call /graphql from a browser
    (CORS); empty: none. ``"*"`` allows every origin."""
    cors_max_age: int = Field(default=600, ge=0)
    """Seconds a browser may remember the answer to a CORS preflight."""


class DatabaseSettings(BaseModel, extra="forbid"):
    url: str = DEFAULT_DATABASE_URL
    pool_min: int = Field(default=1, ge=1)
    pool_max: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _pool(self) -> Self:
        if self.pool_min > self.pool_max:
            raise Combination(
                "pool_min", f"must be at most database.pool_max ({self.pool_max})", self.pool_min
            )
        return self


class GraphQLSettings(BaseModel, extra="forbid"):
    max_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5_000, ge=100)
    max_selections: int = Field(default=500, ge=10)
    """Most fields and fragments a document may write (a fragment's contents counted once); more
    is refused before validation, whose cost grows with them."""
    max_page_size: int = Field(default=100, ge=1)
    default_page_size: int = Field(default=20, ge=1)
    max_nodes: int = Field(default=50_000, ge=1)
    """Most nodes one operation may ask for: each connection's page size (first, else the default)
    times the pages around it, summed over the connections (GitHub's node limit)."""

    @model_validator(mode="after")
    def _pages(self) -> Self:
        if self.default_page_size > self.max_page_size:
            raise Combination(
                "default_page_size",
                f"must be at most graphql.max_page_size ({self.max_page_size})",
                self.default_page_size,
            )
        if self.max_nodes < self.max_page_size:
            raise Combination(
                "max_nodes",
                f"must be at least graphql.max_page_size ({self.max_page_size}), "
                "or a page of that size is refused",
                self.max_nodes,
            )
        return self


class AuthSettings(BaseModel, extra="forbid"):
    session_hours: int = Field(default=24 * 14, ge=1)
    """How long a login token lives."""
    api_token_days: int = Field(default=90, ge=1)
    """Default lifetime of an API token created without an expiry."""
    login_failures_per_account: int = Field(default=10, ge=0)
    """Failed logins for one email within login_window_minutes; more are refused until the
    oldest leaves the window (against guessing one account's password). 0 turns it off."""
    login_failures_per_address: int = Field(default=50, ge=0)
    """Failed logins from one client address within login_window_minutes, whichever emails
    (against trying a few passwords on many accounts). 0 turns it off."""
    login_window_minutes: int = Field(default=15, ge=1)


class PluginsSettings(BaseModel, extra="allow"):
    enabled: list[str] = Field(default_factory=list)

    def table(self, name: str) -> dict[str, Any]:
        """The raw settings table of one plugin (validated later by its manifest's model)."""
        extra = self.model_extra or {}
        value = extra.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"plugins.{name} must be a table (got {type(value).__name__})")
        return value


class Settings(BaseModel, extra="forbid"):
    env: Literal["development", "production"] = "development"
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    graphql: GraphQLSettings = Field(default_factory=GraphQLSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    plugins: PluginsSettings = Field(default_factory=PluginsSettings)
    source: str | None = Field(default=None, exclude=True)
    """Where these settings were read from (a path), for messages."""
    environment: dict[str, str] = Field(default_factory=dict, exclude=True)
    """The CROWDGRAPH_* variables these settings were read with (the plugins' settings use them)."""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @model_validator(mode="after")
    def _processes(self) -> Self:
        rule = processes_rule(self.server.workers, self.database.url)
        if rule:
            raise Combination("server.workers", rule, self.server.workers)
        return self


def processes_rule(workers: int, url: str) -> str | None:
    """What is wrong with running ``workers`` server processes on the database at ``url``."""
    if workers > 1 and is_sqlite(url):
        return (
            "must be 1 with SQLite, which serves one process (database.url); "
            "use PostgreSQL for more"
        )
    return None


def resolve_env_refs(
    value: Any, where: str, environ: Mapping[str, str], read: set[str] | None = None
) -> Any:
    """Replace every ``{ env = "NAME" }`` table below ``value`` by that environment variable's
    value (the file's top level is a document, never such a table: ``env = "production"``);
    the names read are added to ``read``."""
    if isinstance(value, dict):
        if where and set(value) == {"env"}:
            name = value["env"]
            if name not in environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            if read is not None:
                read.add(name)
            return environ[name]
        return {
            k: resolve_env_refs(v, f"{where}.{k}" if where else k, environ, read)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [resolve_env_refs(v, f"{where}[{i}]", environ, read) for i, v in enumerate(value)]
    return value


def variable_name(path: Sequence[str]) -> str:
    """The environment variable of the setting at ``path``: ``("server", "port")`` is
    ``CROWDGRAPH_SERVER_PORT``."""
    return ENV_PREFIX + "_".join(path).upper().replace("-", "_").replace(".", "_")


def from_environment(
    model: type[BaseModel], raw: dict[str, Any], path: tuple[str, ...], environ: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``raw`` with every setting of ``model`` that the environment gives put in (a list is
    comma-separated; pydantic converts the rest), and which variable gave each, by location."""
    merged = dict(raw)
    given: dict[str, str] = {}
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        here = (*path, name)
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            section = merged.get(name, {})
            if isinstance(section, dict):
                merged[name], inner = from_environment(kind, section, here, environ)
                given.update(inner)
            continue
        variable = variable_name(here)
        if variable in environ:
            value = environ[variable]
            is_list = get_origin(kind) is list or kind is list
            merged[name] = [v.strip() for v in value.split(",") if v.strip()] if is_list else value
            given[".".join(here)] = variable
    return merged, given


CORE_SECTIONS = ("server", "database", "graphql", "auth")
"""Sections whose every setting is known here: a variable under them that names none is a typo."""


def check_unknown_variables(environ: Mapping[str, str], used: set[str]) -> None:
    """Stop at a ``CROWDGRAPH_<SECTION>_...`` variable of a core section that names no setting
    (it would be ignored without a word), unless a ``{ env = ... }`` table reads it."""
    prefixes = tuple(variable_name((section, "")) for section in CORE_SECTIONS)
    known = [
        variable_name((section, name))
        for section in CORE_SECTIONS
        for name in Settings.model_fields[section].annotation.model_fields  # type: ignore[union-attr]
    ]
    for name in sorted(environ):
        if name.startswith(prefixes) and name not in used:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f": did you mean {close[0]}?" if close else ""
            raise ConfigError(f"environment variable {name} names no setting{hint}")


def describe_validation_error(
    error: ValidationError, prefix: str = "", given: Mapping[str, str] | None = None
) -> str:
    """One line per problem: the dotted location, the rule, and the value given (with the
    environment variable that gave it, when one did)."""
    lines = []
    for problem in error.errors():
        location = [str(part) for part in (prefix, *problem["loc"]) if part != ""]
        rule, value = problem["msg"], problem.get("input")
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, Combination):
            location = [*location, cause.setting]
            rule, value = cause.rule, cause.given
        elif isinstance(cause, ValueError):
            rule = str(cause)
        dotted = ".".join(location)
        variable = next(
            (
                name
                for where, name in (given or {}).items()
                if dotted == where or dotted.startswith(f"{where}.")
            ),
            None,
        )
        if isinstance(value, dict) or value is None:
            suffix = f" (from {variable})" if variable else ""
        else:
            suffix = f" (got {value!r} from {variable})" if variable else f" (got {value!r})"
        lines.append(f"{dotted or '(root)'}: {rule}{suffix}")
    return "; ".join(lines)


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read plugins.toml (or CROWDGRAPH_CONFIG) and apply the environment overrides."""
    environ = os.environ if environ is None else environ
    explicit = path is not None or CONFIG_VARIABLE in environ
    config_path = Path(path or environ.get(CONFIG_VARIABLE) or DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    elif explicit:
        raise ConfigError(f"config file {config_path} does not exist")
    read: set[str] = set()
    try:
        raw = resolve_env_refs(raw, "", environ, read)
    except ConfigError as exc:
        raise ConfigError(f"{config_path}: {exc}") from exc
    raw, given = from_environment(Settings, raw, (), environ)
    check_unknown_variables(environ, set(given.values()) | read)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        where = f"{config_path}: " if config_path.exists() else ""
        raise ConfigError(f"{where}{describe_validation_error(exc, '', given)}") from exc
    settings.source = str(config_path)
    settings.environment = {k: v for k, v in environ.items() if k.startswith(ENV_PREFIX)}
    return settings
