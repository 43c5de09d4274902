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


REPO = DOCS.parent
MARKDOWN = [
    REPO / "README.md",
    *DOCS.glob("*.md"),
    *REPO.glob("crowdgraph/plugins/*/README.md"),
    *REPO.glob("examples/*/README.md"),
]


def test_the_docs_refer_only_to_files_in_the_repository():
    """Every relative link resolves inside the repository, and no text points outside it."""
    broken = []
    for page in MARKDOWN:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.exists() or not resolved.is_relative_to(REPO):
                broken.append(f"{page.relative_to(REPO)}: {target}")
        broken += [f"{page.relative_to(REPO)}: {m}" for m in re.findall(r"\.\./shared\S*", text)]
    assert broken == []
