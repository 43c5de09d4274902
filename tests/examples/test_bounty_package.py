"""The example plugin package (examples/crowdgraph-bounty) as an integrator gets it.

One test installs it with pip from its folder into a fresh virtual environment and runs its own
test suite there; the others put it among the built-in plugins in every combination.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree

import pytest
from crowdgraph_bounty.service import BountyDraft, post_bounty
from graphql import GraphQLInterfaceType
from packaging.version import Version

from crowdgraph.config import PluginsSettings, Settings
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.schema.build import build_schema
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import POSTGRES_ENV
from tests.examples.conftest import EXAMPLE, crowdgraph_extra_plugins

ALL = [*BUILTINS, "bounty"]
SUBSETS = [list(c) for n in range(len(ALL) + 1) for c in itertools.combinations(ALL, n)]


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def fresh_venv_with_the_example(tmp: Path) -> Path:
    """A new virtual environment holding only crowdgraph-bounty, installed by pip from a copy of its
    folder (so the source folder gets no build files). crowdgraph and every dependency come from the
    environment running these tests, through a ``.pth`` file, so nothing is downloaded when that
    environment can build wheels. Returns the new environment's python."""
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp
    )
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    lines = [f"import site; site.addsitedir({path!r})" for path in dict.fromkeys(ours)]
    (Path(purelib.strip()) / "crowdgraph-test-env.pth").write_text("\n".join(lines) + "\n")
    source = tmp / "crowdgraph-bounty"
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    )
    offline = ["--no-build-isolation", "--no-index"] if builds_wheels_offline() else []
    run(python, "-m", "pip", "install", "--no-deps", "--quiet", *offline, source, cwd=tmp)
    return python


def builds_wheels_offline() -> bool:
    """Whether setuptools here can build a wheel by itself (>= 70.1, or with ``wheel``); otherwise
    pip fetches a build environment from the package index."""
    try:
        setuptools = Version(metadata.version("setuptools"))
    except metadata.PackageNotFoundError:
        return False
    return setuptools >= Version("70.1") or importlib.util.find_spec("wheel") is not None


def test_the_example_installs_with_pip_into_a_fresh_venv_and_its_tests_pass(tmp_path):
    python = fresh_venv_with_the_example(tmp_path)
    config = tmp_path / "plugins.toml"
    config.write_text('[plugins]\nenabled = ["bounty"]\n')
    listed = json.loads(
        run(python, "-m", "crowdgraph", "--config", config, "plugins", "--json", cwd=tmp_path)
    )
    [bounty] = [row for row in listed if row["name"] == "bounty"]
    assert bounty["source"] == "crowdgraph-bounty"
    assert bounty["enabled"] is True
    assert "register_schema" in bounty["hooks"]
    where = run(
        python, "-c", "import crowdgraph_bounty; print(crowdgraph_bounty.__file__)", cwd=tmp_path
    )
    assert where.startswith(str(tmp_path / "venv"))  # the installed copy, not the source folder

    # Its own suite, as its author runs it: on SQLite, and on PostgreSQL when the variable is set.
    report = tmp_path / "report.xml"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    tests = tmp_path / "crowdgraph-bounty" / "tests"
    run(python, "-m", "pytest", tests, f"--junitxml={report}", cwd=tmp_path, env=env)
    cases = ElementTree.parse(report).getroot().iter("testcase")
    outcomes = {str(c.get("name")): [child.tag for child in c] for c in cases}
    assert len(outcomes) >= 15 and not any(outcomes.values()), outcomes  # none failed or skipped
    engines = {"postgres", "sqlite"} if os.environ.get(POSTGRES_ENV) else {"sqlite"}
    assert {name.rsplit("[", 1)[1][:-1] for name in outcomes if "[" in name} == engines


def platform_with(enabled: list[str]) -> Platform:
    return Platform(
        Settings(plugins=PluginsSettings(enabled=enabled)), extra_plugins=crowdgraph_extra_plugins
    )


@pytest.mark.parametrize("enabled", SUBSETS, ids=lambda s: "+".join(s) or "core-only")
def test_every_subset_of_the_builtins_and_the_bounty_plugin_builds_a_schema(enabled):
    schema = build_schema(platform_with(enabled)).schema._schema
    assert schema.query_type is not None and "me" in schema.query_type.fields
    stage = schema.type_map["ProjectStage"]
    assert isinstance(stage, GraphQLInterfaceType)
    stages = {t.name for t in schema.get_possible_types(stage)}
    assert ("Bounty" in stages) == ("bounty" in enabled)
    assert schema.mutation_type is not None
    assert ("postBounty" in schema.mutation_type.fields) == ("bounty" in enabled)


@pytest.mark.parametrize("enabled", [["bounty"], ALL], ids=["bounty", "all"])
async def test_a_bounty_is_a_stage_of_its_project_beside_the_builtin_models(
    enabled, make_platform, client_as, factory
):
    platform = await make_platform(plugins=enabled)
    funded = await factory.funded_project(10_000)
    draft = BountyDraft(
        title="Spot typos", description="In the help pages", reward=100, max_accepted=2
    )
    bounty = await post_bounty(funded.owner.actor, funded.project.id, draft, max_accepted=10)
    result = await client_as(funded.owner, on=platform).query(
        "query($id: ID!) { node(id: $id) { ... on Project { stages { id model } } } }",
        {"id": to_global_id("Project", funded.project.id)},
    )
    assert result.data["node"]["stages"] == [
        {"id": to_global_id("Bounty", bounty.id), "model": "bounty"}
    ]


def test_the_plugin_guide_walks_through_every_module_and_event_of_the_example():
    guide = (EXAMPLE.parents[1] / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = guide.split("## A complete example: crowdgraph-bounty", 1)[1]
    modules = [p.name for p in (EXAMPLE / "crowdgraph_bounty").glob("*.py")]
    modules += [p.name for p in (EXAMPLE / "tests").glob("*.py")]
    service = (EXAMPLE / "crowdgraph_bounty" / "service.py").read_text(encoding="utf-8")
    events = set(re.findall(r'"(bounty\.\w+\.\w+)"', service))
    assert len(events) == 5
    assert [name for name in sorted(modules) + sorted(events) if name not in section] == []
