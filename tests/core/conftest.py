import pytest_asyncio

from crowdgraph.platform import Platform
from crowdgraph.testing import PlatformFactory


@pytest_asyncio.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    """Core tests run with the sample plugin only, so they never depend on the built-in models."""
    return await make_platform(plugins=["errands"])
