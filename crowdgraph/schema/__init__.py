"""GraphQL for the core, and build_schema(), which assembles core + plugin parts.

Public helpers for plugins: ``SchemaPart``, ``Context``, the relay helpers (``Node``, ``Connection``,
``connection``, ``to_global_id``, ``decode_id``), ``Payload``/``run_mutation``, and the core types.
"""
