import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crowdgraph-bounty"
# The example package is not installed in the test environment: import it from its folder.
sys.path.insert(0, str(EXAMPLE))

import crowdgraph_bounty  # noqa: E402

crowdgraph_extra_plugins = {"bounty": crowdgraph_bounty}
