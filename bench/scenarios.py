"""The operations the GraphQL server and its raw twin are compared on, as HTTP requests to either.

An operation is one step or two (claim, then submit what was claimed); ``i`` picks the caller and
the row, so that concurrent clients spread over workers and submissions. The requests are plain
bytes over a keep-alive connection (:class:`Http`), so that the load generator costs little CPU.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

ME = "query { me { id name } }"
FEED = """query { microtaskFeed(first: 20) { nodes { id title reward { amount currency }
    hourlyPay { amount currency } } } }"""
WORKERS = """query { workers(first: 100) { nodes { id name country
    skills { level verified skill { slug name } } } } }"""
PROJECTS = """query($id: ID!) { node(id: $id) { ... on Organization {
    projects(first: 100) { nodes { id name status stages { id title model } } } } } }"""
LEADERBOARD = """query($id: ID!) { node(id: $id) { ... on Contest {
    leaderboard { rank entrantName finalScore prize { amount currency } } } } }"""
TALENT = """query { marketplaceTalent(filter: {skills: [{slug: "python"}]}, first: 20) {
    nodes { score reasons worker { id name } } } }"""
CLAIM = """mutation($input: MicrotaskBatchIdInput!) { claimMicrotask(input: $input) {
    assignment { id status } userErrors { field code message } } }"""
SUBMIT = """mutation($input: SubmitMicrotaskAnswerInput!) { submitMicrotaskAnswer(input: $input) {
    assignment { id status } userErrors { field code message } } }"""
SCORE = """mutation($input: ScoreContestSubmissionInput!) { scoreContestSubmission(input: $input) {
    score { id total } userErrors { field code message } } }"""
OFFER = """mutation($input: CreateMarketplaceOfferInput!) { createMarketplaceOffer(input: $input) {
    offer { id title price { amount currency } } userErrors { field code message } } }"""
OFFER_INPUT = {
    "title": "Nightly CSV imports",
    "description": "I move CSV exports into PostgreSQL.",
    "pricing": "FIXED",
    "price": 50_000,
    "currency": "USD",
    "deliveryDays": 7,
    "skills": ["python"],
}


@dataclass
class Params:
    """What the requests name: tokens and global IDs of the seeded world (JSON-friendly)."""

    owner: str
    judge: str
    workers: list[str]
    organization: str
    contest: str
    claims_batch: str
    submissions: list[str]


class Client(Protocol):
    async def request(
        self, method: str, path: str, token: str, body: bytes | None = None
    ) -> tuple[int, bytes]: ...


class Http:
    """HTTP/1.1 over one keep-alive connection; bodies with Content-Length only (as uvicorn sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, token: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nhost: {self.host}\r\nauthorization: Bearer {token}\r\n"
        if body is not None:
            head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        )
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def graphql(http: Client, token: str, query: str, variables: dict[str, Any]) -> bytes:
    body = json.dumps({"query": query, "variables": variables}).encode()
    status, answer = await http.request("POST", "/graphql", token, body)
    return checked(status, answer)


async def raw(http: Client, token: str, method: str, path: str, data: Any = None) -> bytes:
    body = None if data is None else json.dumps(data).encode()
    status, answer = await http.request(method, path, token, body)
    return checked(status, answer)


def checked(status: int, answer: bytes) -> bytes:
    if status != 200 or b'"errors":[' in answer or b'"userErrors":[{' in answer:
        raise RuntimeError(f"request failed ({status}): {answer[:300]!r}")
    return answer


Step = Callable[[Client, Params, int], Awaitable[list[bytes]]]


@dataclass(frozen=True)
class Operation:
    name: str
    graphql: Step
    raw: Step
    writes: bool = False
    requests: int = 1
    """HTTP requests per operation (claim and submit: two)."""


def worker(p: Params, i: int) -> str:
    return p.workers[i % len(p.workers)]


def new_id(body: bytes, payload: str, field: str) -> str:
    return str(json.loads(body)["data"][payload][field]["id"])


async def gql_claim_submit(http: Client, p: Params, i: int) -> list[bytes]:
    token = worker(p, i)
    claimed = await graphql(http, token, CLAIM, {"input": {"batchId": p.claims_batch}})
    held = new_id(claimed, "claimMicrotask", "assignment")
    submit = {"input": {"assignmentId": held, "answer": "cat"}}
    return [claimed, await graphql(http, token, SUBMIT, submit)]


async def raw_claim_submit(http: Client, p: Params, i: int) -> list[bytes]:
    token = worker(p, i)
    claimed = await raw(http, token, "POST", "/claim", {"batchId": p.claims_batch})
    held = new_id(claimed, "claimMicrotask", "assignment")
    submitted = await raw(http, token, "POST", "/submit", {"assignmentId": held, "answer": "cat"})
    return [claimed, submitted]


def score_input(p: Params, i: int) -> dict[str, Any]:
    return {
        "submissionId": p.submissions[i % len(p.submissions)],
        "values": {"Concept": 3 + i % 7, "Craft": 2 + i % 8},
        "feedback": "Clear concept, careful craft.",
    }


def one(call: Callable[[Client, Params, int], Awaitable[bytes]]) -> Step:
    async def step(http: Client, p: Params, i: int) -> list[bytes]:
        return [await call(http, p, i)]

    return step


OPERATIONS = [
    Operation(
        "who am I (the floor: the token and nothing else)",
        one(lambda h, p, i: graphql(h, worker(p, i), ME, {})),
        one(lambda h, p, i: raw(h, worker(p, i), "GET", "/me")),
    ),
    Operation(
        "worker feed",
        one(lambda h, p, i: graphql(h, worker(p, i), FEED, {})),
        one(lambda h, p, i: raw(h, worker(p, i), "GET", "/feed?first=20")),
    ),
    Operation(
        "workers, 100 with skills",
        one(lambda h, p, i: graphql(h, p.owner, WORKERS, {})),
        one(lambda h, p, i: raw(h, p.owner, "GET", "/workers?first=100")),
    ),
    Operation(
        "projects, 100 with stages",
        one(lambda h, p, i: graphql(h, p.owner, PROJECTS, {"id": p.organization})),
        one(
            lambda h, p, i: raw(
                h, p.owner, "GET", f"/organizations/{p.organization}/projects?first=100"
            )
        ),
    ),
    Operation(
        "contest leaderboard",
        one(lambda h, p, i: graphql(h, p.owner, LEADERBOARD, {"id": p.contest})),
        one(lambda h, p, i: raw(h, p.owner, "GET", f"/contests/{p.contest}/leaderboard")),
    ),
    Operation(
        "talent search",
        one(lambda h, p, i: graphql(h, p.owner, TALENT, {})),
        one(lambda h, p, i: raw(h, p.owner, "GET", "/talent?skill=python&first=20")),
    ),
    Operation("claim and submit", gql_claim_submit, raw_claim_submit, writes=True, requests=2),
    Operation(
        "contest: score a submission",
        one(lambda h, p, i: graphql(h, p.judge, SCORE, {"input": score_input(p, i)})),
        one(lambda h, p, i: raw(h, p.judge, "POST", "/scores", score_input(p, i))),
        writes=True,
    ),
    Operation(
        "marketplace: create an offer",
        one(lambda h, p, i: graphql(h, worker(p, i), OFFER, {"input": OFFER_INPUT})),
        one(lambda h, p, i: raw(h, worker(p, i), "POST", "/offers", OFFER_INPUT)),
        writes=True,
    ),
]
BY_NAME = {operation.name: operation for operation in OPERATIONS}
CREATED = ("assignment", "offer")
"""What a write creates: its new row's ID differs between the two sides, and nothing else may."""


def same_body(graphql_body: bytes, raw_body: bytes) -> bool:
    """Byte-identical, but for the ID of a row each side created for itself (a claimed
    assignment, a new offer): the GraphQL body with its new ID replaced by the twin's."""
    if graphql_body == raw_body:
        return True
    mine, theirs = json.loads(graphql_body), json.loads(raw_body)
    for payload in (mine.get("data") or {}).values():
        for key in CREATED:
            if isinstance(payload, dict) and isinstance(payload.get(key), dict):
                old = payload[key]["id"]
                new = next(iter(theirs["data"].values()))[key]["id"]
                return graphql_body.replace(old.encode(), new.encode()) == raw_body
    return False
