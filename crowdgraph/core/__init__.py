"""The shared domain: accounts, organizations, workers, skills, projects, engagements, money, events.

Nothing in here knows about GraphQL, plugins, the app or the CLI.
"""
