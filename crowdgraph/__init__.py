"""crowdgraph: a GraphQL server for running a crowd workforce, with staffing models as plugins."""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("crowdgraph")

__all__ = ["__version__", "hookimpl"]
