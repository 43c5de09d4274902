import tests.sample_plugin

pytest_plugins = ["crowdgraph.testing"]

crowdgraph_extra_plugins = {"errands": tests.sample_plugin}
