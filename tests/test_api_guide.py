"""Every operation of docs/api.md runs as written against the demo data, in order, without errors."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from crowdgraph.app import create_app
from crowdgraph.core.accounts import issue_token
from crowdgraph.core.models import Account, TokenKind
from crowdgraph.demo import create_demo
from crowdgraph.platform import Platform
from crowdgraph.plugins import BUILTINS
from crowdgraph.testing import settings_for, truncate_postgres

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
STEP = re.compile(
    r"<!-- as: (?P<who>\S+?)(?:; save: (?P<save>[^>]+?))? -->\s*```graphql\n(?P<query>.*?)```"
    r"(?:\s*```json\n(?P<variables>.*?)```)?",
    re.DOTALL,
)


def steps() -> list[dict[str, Any]]:
    return [m.groupdict() for m in STEP.finditer(GUIDE.read_text(encoding="utf-8"))]


def dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def fill(text: str, saved: dict[str, str]) -> str:
    return re.sub(r"\{\{(\w+)\}\}", lambda m: saved[m.group(1)], text)


def user_errors(data: Any) -> list[Any]:
    if isinstance(data, dict):
        found = list(data.get("userErrors") or [])
        for value in data.values():
            found += user_errors(value)
        return found
    if isinstance(data, list):
        return [e for item in data for e in user_errors(item)]
    return []


def test_the_guide_has_operations_for_a_worker_an_organization_and_an_admin():
    people = {step["who"] for step in steps()}
    assert {"amara@example.net", "owner@acme.example", "admin@crowdgraph.example"} <= people
    assert len(steps()) >= 20


async def test_every_operation_in_the_api_guide_runs_against_the_demo(
    database_engine, crowdgraph_databases
):
    url = await crowdgraph_databases.fresh(database_engine, tuple(BUILTINS))
    platform = Platform(settings_for(url, list(BUILTINS)))
    if database_engine == "postgres":
        async with platform.running(background=False):
            await truncate_postgres(platform)
    await create_demo(platform)
    platform.make_current()
    await platform.open()
    try:
        tokens: dict[str, str] = {}
        saved: dict[str, str] = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(platform=platform)),
            base_url="http://guide",
        ) as http:
            for number, step in enumerate(steps(), 1):
                who = step["who"]
                if who not in tokens:
                    tokens[who], _ = await issue_token(
                        await Account.get(email=who), TokenKind.API, "guide", timedelta(hours=1)
                    )
                variables = json.loads(fill(step["variables"], saved)) if step["variables"] else {}
                response = await http.post(
                    "/graphql",
                    json={"query": step["query"], "variables": variables},
                    headers={"authorization": f"Bearer {tokens[who]}"},
                )
                body = response.json()
                where = f"step {number} ({step['query'].split('{')[0].strip()})"
                assert not body.get("errors"), f"{where}: {body['errors']}"
                assert user_errors(body["data"]) == [], f"{where}: {user_errors(body['data'])}"
                for assignment in (step["save"] or "").split(","):
                    if assignment.strip():
                        name, path = (part.strip() for part in assignment.split("="))
                        saved[name] = dig(body["data"], path)
    finally:
        await platform.close()
