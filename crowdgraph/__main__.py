from crowdgraph.cli import main

main()
