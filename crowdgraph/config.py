"""Settings: plugins.toml, overridden by CROWDGRAPH_* environment variables, validated at startup."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, IPvAnyNetwork, ValidationError

DEFAULT_CONFIG = "plugins.toml"
DEFAULT_DATABASE_URL = "sqlite://crowdgraph.sqlite3"


class ConfigError(Exception):
    """A setting is missing or wrong; the message names where and what is allowed."""


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


class DatabaseSettings(BaseModel, extra="forbid"):
    url: str = DEFAULT_DATABASE_URL
    pool_min: int = Field(default=1, ge=1)
    pool_max: int = Field(default=10, ge=1)


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

    @property
    def production(self) -> bool:
        return self.env == "production"


def resolve_env_refs(value: Any, where: str, environ: Mapping[str, str]) -> Any:
    """Replace every ``{ env = "NAME" }`` table by that environment variable's value."""
    if isinstance(value, dict):
        if set(value) == {"env"}:
            name = value["env"]
            if name not in environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            return environ[name]
        return {
            k: resolve_env_refs(v, f"{where}.{k}" if where else k, environ)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [resolve_env_refs(v, f"{where}[{i}]", environ) for i, v in enumerate(value)]
    return value


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """One line per problem: the dotted location, the rule, and the value given."""
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in (prefix, *problem["loc"]) if part != "")
        given = problem.get("input")
        suffix = "" if isinstance(given, dict) or given is None else f" (got {given!r})"
        lines.append(f"{location or '(root)'}: {problem['msg']}{suffix}")
    return "; ".join(lines)


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read plugins.toml (or CROWDGRAPH_CONFIG) and apply the environment overrides."""
    environ = os.environ if environ is None else environ
    explicit = path is not None or "CROWDGRAPH_CONFIG" in environ
    config_path = Path(path or environ.get("CROWDGRAPH_CONFIG") or DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    elif explicit:
        raise ConfigError(f"config file {config_path} does not exist")
    try:
        raw = resolve_env_refs(raw, "", environ)
    except ConfigError as exc:
        raise ConfigError(f"{config_path}: {exc}") from exc
    if "CROWDGRAPH_DATABASE_URL" in environ:
        raw.setdefault("database", {})["url"] = environ["CROWDGRAPH_DATABASE_URL"]
    if "CROWDGRAPH_ENV" in environ:
        raw["env"] = environ["CROWDGRAPH_ENV"]
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{config_path}: {describe_validation_error(exc)}") from exc
    settings.source = str(config_path)
    return settings
