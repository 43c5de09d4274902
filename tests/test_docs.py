"""Every hook is documented for integrators (as datasette does in its tests/test_docs.py)."""

import inspect
import re
from pathlib import Path

from crowdgraph import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs"


def hookspec_names() -> list[str]:
    return [
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "crowdgraph_spec")
    ]


def test_every_hookspec_has_a_docstring():
    missing = [name for name in hookspec_names() if not getattr(hookspecs, name).__doc__]
    assert missing == []


def test_every_hookspec_is_documented_in_the_plugin_guide():
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `?(\w+)", guide, flags=re.MULTILINE))
    assert set(hookspec_names()) - documented == set()


def test_the_plugin_guide_documents_no_hook_that_does_not_exist():
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `(\w+)\(", guide, flags=re.MULTILINE))
    assert documented - set(hookspec_names()) == set()
