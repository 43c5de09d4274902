"""The arrows of the house plan (docs/architecture.md) are checked, not just drawn."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "crowdgraph"
PLUGINS = sorted(p.name for p in (PACKAGE / "plugins").iterdir() if (p / "__init__.py").exists())


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in modules_under(folder)
        for name in sorted(imports_of(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_core_imports_nothing_of_schema_plugins_app_or_cli():
    forbidden = (
        "crowdgraph.schema",
        "crowdgraph.plugins",
        "crowdgraph.app",
        "crowdgraph.cli",
        "crowdgraph.platform",
        "strawberry",
        "starlette",
    )
    assert offenders(PACKAGE / "core", forbidden) == []


def test_schema_never_imports_a_particular_plugin():
    forbidden = tuple(f"crowdgraph.plugins.{name}" for name in PLUGINS)
    assert offenders(PACKAGE / "schema", forbidden) == []


def test_webhooks_never_import_a_staffing_model():
    forbidden = tuple(f"crowdgraph.plugins.{name}" for name in PLUGINS)
    assert offenders(PACKAGE / "webhooks", forbidden) == []


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_plugin_never_imports_another_plugin(plugin):
    others = tuple(f"crowdgraph.plugins.{name}" for name in PLUGINS if name != plugin)
    assert offenders(PACKAGE / "plugins" / plugin, others) == []
