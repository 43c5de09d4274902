"""Hand-written statements on either engine: numbered placeholders, rows as models."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def marks(db: BaseDBAsyncClient, count: int) -> list[str]:
    """Placeholders 1..count as the engine writes them (``$1`` on PostgreSQL, ``?1`` on SQLite),
    so that a statement may use one value in several places."""
    sign = "$" if db.capabilities.dialect == "postgres" else "?"
    return [f"{sign}{n}" for n in range(1, count + 1)]


async def returning(db: BaseDBAsyncClient, model: type[M], statement: str, values: list[Any]) -> M:
    """Run a statement that ends ``RETURNING *`` on ``model``'s table; its one row, as a model."""
    # execute_query_dict: Tortoise's execute_query drops the rows of an INSERT or UPDATE.
    (row,) = await db.execute_query_dict(statement, values)
    return model._init_from_db(**row)
