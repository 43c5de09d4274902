"""The bounty plugin's tests use only crowdgraph's public test kit, as any plugin's would.

Install the package first (``pip install -e .``): crowdgraph finds the plugin through its entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bounty_api import Bounties

    from crowdgraph.testing import Client, Factory

pytest_plugins = ["crowdgraph.testing"]


@pytest.fixture
async def bounties(
    make_platform: Callable[..., Any], factory: Factory, client_as: Callable[..., Client]
) -> Bounties:
    """The bounty plugin alone on a clean database, and an organization with 100,000 to spend."""
    from bounty_api import Bounties

    platform = await make_platform(plugins=["bounty"])
    return Bounties(platform, await factory.funded_project(100_000), client_as)
