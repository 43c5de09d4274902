"""The raw twin: the key operations as a bare Starlette app with hand-written SQL (no GraphQL, no ORM).

It returns the bytes the GraphQL endpoint returns for the same operation, so the benchmark can put a
figure on what the GraphQL server costs next to the best endpoint a competent user would write.
"""
