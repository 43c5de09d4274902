"""Who may do what, through GraphQL: every core operation for every kind of caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from crowdgraph.schema.relay import to_global_id
from tests.schema.conftest import CALLERS, Cast

OK = "ok"
UNAUTH, FORBIDDEN, NOT_FOUND = "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"
P = "userErrors { field code message }"


@dataclass
class Operation:
    root: str
    document: str
    outcomes: dict[str, str]
    """caller -> OK or the error code; callers left out expect OK."""
    variables: Callable[[Cast, str], dict[str, Any]] = field(default=lambda cast, caller: {})

    def expected(self, caller: str) -> str:
        return self.outcomes.get(caller, OK)


def org_var(cast: Cast, caller: str) -> dict[str, Any]:
    return {"slug": cast.org.slug}


def org_id(cast: Cast) -> str:
    return to_global_id("Organization", cast.org.id)


def members_only(*allowed: str) -> dict[str, str]:
    outcomes = {caller: FORBIDDEN for caller in CALLERS if caller not in allowed}
    outcomes["anonymous"] = UNAUTH
    return outcomes


SIGNED_IN = {"anonymous": UNAUTH}
WORKERS_ONLY = members_only("worker", "other_worker")
MANAGERS = members_only("owner", "manager", "admin")
OWNERS = members_only("owner", "admin")

OPERATIONS = {
    "me": Operation("me", "{ me { id } }", {}),
    "skills": Operation("skills", "{ skills { nodes { slug } } }", {}),
    "organization": Operation(
        "organization",
        "query($slug: String!) { organization(slug: $slug) { name } }",
        {},
        org_var,
    ),
    "organization.members": Operation(
        "organization",
        "query($slug: String!) { organization(slug: $slug) { members { role } } }",
        MANAGERS,
        org_var,
    ),
    "organization.budget": Operation(
        "organization",
        "query($slug: String!) { organization(slug: $slug) { budget { available { amount } } } }",
        MANAGERS,
        org_var,
    ),
    "organization.ledgerEntries": Operation(
        "organization",
        "query($slug: String!) { organization(slug: $slug) { ledgerEntries { nodes { id } } } }",
        MANAGERS,
        org_var,
    ),
    "projects": Operation("projects", "{ projects { nodes { id } } }", SIGNED_IN),
    "workers": Operation(
        "workers",
        "{ workers { nodes { id } } }",
        {"anonymous": UNAUTH, "worker": FORBIDDEN, "other_worker": FORBIDDEN},
    ),
    "engagements": Operation("engagements", "{ engagements { nodes { id } } }", SIGNED_IN),
    "createApiToken": Operation(
        "createApiToken",
        f'mutation {{ createApiToken(input: {{name: "x"}}) {{ token {P} }} }}',
        SIGNED_IN,
    ),
    "updateWorkerProfile": Operation(
        "updateWorkerProfile",
        f'mutation {{ updateWorkerProfile(input: {{headline: "Hi"}}) {{ worker {{ id }} {P} }} }}',
        WORKERS_ONLY,
    ),
    "setWorkerSkill": Operation(
        "setWorkerSkill",
        f'mutation {{ setWorkerSkill(input: {{skill: "python", level: 3}}) {{ workerSkill {{ level }} {P} }} }}',
        WORKERS_ONLY,
    ),
    "createSkill": Operation(
        "createSkill",
        f"mutation($input: CreateSkillInput!) {{ createSkill(input: $input) {{ skill {{ id }} {P} }} }}",
        members_only("admin"),
        lambda cast, caller: {
            "input": {"slug": f"skill-{caller.replace('_', '-')}", "name": "S", "category": "c"}
        },
    ),
    "verifyWorkerSkill": Operation(
        "verifyWorkerSkill",
        f"mutation($input: VerifyWorkerSkillInput!) {{ verifyWorkerSkill(input: $input) {{ workerSkill {{ verified }} {P} }} }}",
        members_only("admin"),
        lambda cast, caller: {
            "input": {
                "workerId": to_global_id("Worker", cast.people["worker"].worker.id),  # type: ignore[union-attr]
                "skill": "python",
                "level": 4,
            }
        },
    ),
    "createOrganization": Operation(
        "createOrganization",
        f"mutation($input: CreateOrganizationInput!) {{ createOrganization(input: $input) {{ organization {{ id }} {P} }} }}",
        {"anonymous": UNAUTH, "worker": FORBIDDEN, "other_worker": FORBIDDEN},
        lambda cast, caller: {"input": {"name": "New", "slug": f"new-{caller.replace('_', '-')}"}},
    ),
    "addOrganizationMember": Operation(
        "addOrganizationMember",
        f"mutation($input: AddOrganizationMemberInput!) {{ addOrganizationMember(input: $input) {{ membership {{ role }} {P} }} }}",
        OWNERS,
        lambda cast, caller: {
            "input": {
                "organizationId": org_id(cast),
                "email": cast.people["manager"].account.email,
                "role": "MANAGER",
            }
        },
    ),
    "addEmployee": Operation(
        "addEmployee",
        f"mutation($input: AddEmployeeInput!) {{ addEmployee(input: $input) {{ worker {{ kind }} {P} }} }}",
        MANAGERS,
        lambda cast, caller: {
            "input": {
                "organizationId": org_id(cast),
                "email": f"hire-{caller}@example.org",
                "name": "Hire",
                "password": "long enough pw",
            }
        },
    ),
    "createProject": Operation(
        "createProject",
        f"mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ project {{ id }} {P} }} }}",
        MANAGERS,
        lambda cast, caller: {"input": {"organizationId": org_id(cast), "name": f"By {caller}"}},
    ),
    "updateProject": Operation(
        "updateProject",
        f"mutation($input: UpdateProjectInput!) {{ updateProject(input: $input) {{ project {{ name }} {P} }} }}",
        {**MANAGERS, "stranger": NOT_FOUND},
        lambda cast, caller: {
            "input": {
                "projectId": to_global_id("Project", cast.public_project.id),
                "name": "Renamed",
            }
        },
    ),
    "fundBudget": Operation(
        "fundBudget",
        f"mutation($input: FundBudgetInput!) {{ fundBudget(input: $input) {{ entry {{ id }} {P} }} }}",
        OWNERS,
        lambda cast, caller: {
            "input": {"organizationId": org_id(cast), "amount": 100, "idempotencyKey": caller}
        },
    ),
}


@pytest.mark.parametrize("name", OPERATIONS)
async def test_each_core_operation_admits_exactly_the_callers_it_should(name, cast, make_client):
    operation = OPERATIONS[name]
    outcomes = {}
    for caller in CALLERS:
        result = await make_client(cast.token(caller)).query(
            operation.document, operation.variables(cast, caller)
        )
        if result.errors:
            assert all(e.get("extensions", {}).get("code") for e in result.errors), result.errors
            assert (result.body.get("data") or {}).get(operation.root) is None
            outcomes[caller] = result.codes[0]
        else:
            payload = result.data[operation.root]
            if isinstance(payload, dict) and "userErrors" in payload:
                assert payload["userErrors"] == [], (caller, payload)
            outcomes[caller] = OK
    assert outcomes == {caller: operation.expected(caller) for caller in CALLERS}


NODE = "query($id: ID!) { node(id: $id) { id __typename } }"


def node_targets(cast: Cast) -> dict[str, tuple[str, set[str]]]:
    """object -> (global id, the callers who may see it); everyone else gets null."""
    everyone = set(CALLERS) - {"anonymous"}
    return {
        "internal worker": (
            to_global_id("Worker", cast.employee.worker.id),  # type: ignore[union-attr]
            {"owner", "manager", "admin"},
        ),
        "external worker": (
            to_global_id("Worker", cast.people["worker"].worker.id),  # type: ignore[union-attr]
            everyone,
        ),
        "internal project": (
            to_global_id("Project", cast.internal_project.id),
            {"owner", "manager", "admin"},
        ),
        "public project": (
            to_global_id("Project", cast.public_project.id),
            {"worker", "other_worker", "owner", "manager", "admin"},
        ),
        "engagement": (
            to_global_id("Engagement", cast.engagement_id),
            {"worker", "owner", "manager", "admin"},
        ),
        "organization": (to_global_id("Organization", cast.org.id), set(CALLERS)),
    }


@pytest.mark.parametrize(
    "target",
    [
        "internal worker",
        "external worker",
        "internal project",
        "public project",
        "engagement",
        "organization",
    ],
)
async def test_node_never_shows_an_object_to_a_caller_who_may_not_see_it(target, cast, make_client):
    global_id, allowed = node_targets(cast)[target]
    seen = set()
    for caller in CALLERS:
        result = await make_client(cast.token(caller)).query(NODE, {"id": global_id})
        node = (result.body.get("data") or {}).get("node")
        if node is not None:
            assert node["id"] == global_id
            seen.add(caller)
        else:
            assert set(result.codes) <= {UNAUTH}
    assert seen == allowed


async def test_internal_work_is_seen_by_its_own_employees_only(cast, make_client):
    global_id = to_global_id("Project", cast.internal_project.id)
    mine = await make_client(cast.employee.token).query(NODE, {"id": global_id})
    theirs = await make_client(cast.other_employee.token).query(NODE, {"id": global_id})
    assert mine.data["node"] == {"id": global_id, "__typename": "Project"}
    assert theirs.data["node"] is None
    listed = await make_client(cast.people["worker"].token).query("{ projects { nodes { id } } }")
    assert global_id not in {p["id"] for p in listed.data["projects"]["nodes"]}


async def test_lists_show_only_what_the_caller_may_see(cast, make_client):
    query = "{ engagements { nodes { id } } workers { nodes { id } } }"
    stranger = await make_client(cast.token("stranger")).query(query)
    assert stranger.data["engagements"]["nodes"] == []
    seen_workers = {w["id"] for w in stranger.data["workers"]["nodes"]}
    employee = to_global_id("Worker", cast.employee.worker.id)  # type: ignore[union-attr]
    other_employee = to_global_id("Worker", cast.other_employee.worker.id)  # type: ignore[union-attr]
    assert other_employee in seen_workers and employee not in seen_workers
    owner = await make_client(cast.token("owner")).query(query)
    assert [e["id"] for e in owner.data["engagements"]["nodes"]] == [
        to_global_id("Engagement", cast.engagement_id)
    ]
    assert employee in {w["id"] for w in owner.data["workers"]["nodes"]}
    assert other_employee not in {w["id"] for w in owner.data["workers"]["nodes"]}


@pytest.mark.parametrize(
    "global_id", ["not base64!", to_global_id("Nope", 1), to_global_id("Worker", "x")]
)
async def test_node_with_a_malformed_or_unknown_id_is_null(global_id, cast, make_client):
    result = await make_client(cast.token("admin")).query(NODE, {"id": global_id})
    assert result.data["node"] is None


async def test_an_id_of_the_wrong_type_is_a_user_error_naming_the_field(cast, make_client):
    result = await make_client(cast.token("owner")).query(
        OPERATIONS["createProject"].document,
        {"input": {"organizationId": to_global_id("Project", cast.public_project.id), "name": "x"}},
    )
    (problem,) = result.data["createProject"]["userErrors"]
    assert problem["field"] == "organizationId" and problem["code"] == "INVALID_ID"
    assert problem["message"].startswith("organizationId must be the ID of a Organization")
