"""Accounts: sign-up, login, bearer tokens hashed at rest, expiry, revocation, logout."""

import pytest

from crowdgraph.core.accounts import PASSWORD_RULE, hash_token
from crowdgraph.core.models import Account, ApiToken

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) {
    token account { email role } userErrors { field code message } } }"""
LOGIN = """mutation($input: LoginInput!) { login(input: $input) {
    token account { email } userErrors { field code message } } }"""
LOGOUT = "mutation { logout { ok userErrors { field code message } } }"
CREATE_TOKEN = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
    token apiToken { id name kind prefix revoked } userErrors { field code message } } }"""
REVOKE_TOKEN = """mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
    apiToken { revoked } userErrors { field code message } } }"""
PROTECTED = "{ projects { nodes { id } } }"
TOKEN_REFUSED = "the token is unknown, expired or revoked: log in again"


def account_input(email: str = "ada@example.org", password: str = "long enough pw", **kw):
    return {"input": {"email": email, "name": "Ada", "password": password, "role": "WORKER", **kw}}


async def register(client, email: str = "ada@example.org") -> str:
    payload = await client.mutate("register", REGISTER, account_input(email))
    return payload["token"]


async def test_register_refuses_a_taken_email_a_short_password_and_the_admin_role(
    platform, make_client
):
    client = make_client()
    await register(client)
    taken = await client.query(REGISTER, account_input("ADA@example.org "))
    assert taken.data["register"]["userErrors"] == [
        {
            "field": "email",
            "code": "TAKEN",
            "message": "an account with email ada@example.org already exists",
        }
    ]
    short = await client.query(REGISTER, account_input("bob@example.org", password="short"))
    assert [e["code"] for e in short.data["register"]["userErrors"]] == ["TOO_SHORT"]
    admin = await client.query(REGISTER, account_input("eve@example.org", role="ADMIN"))
    assert admin.data["register"]["userErrors"][0]["code"] == "INVALID_CHOICE"
    assert await Account.filter(email__in=["bob@example.org", "eve@example.org"]).count() == 0


async def test_login_gives_a_working_token_and_bad_credentials_give_one_vague_error(
    platform, make_client
):
    client = make_client()
    await register(client)
    login = await client.mutate(
        "login", LOGIN, {"input": {"email": " Ada@Example.org", "password": "long enough pw"}}
    )
    assert login["account"] == {"email": "ada@example.org"}
    me = await client.as_(login["token"]).query("{ me { email } }")
    assert me.data["me"] == {"email": "ada@example.org"}
    for email, password in (
        ("ada@example.org", "wrong password"),
        ("nobody@example.org", "x" * 12),
    ):
        refused = await client.query(LOGIN, {"input": {"email": email, "password": password}})
        assert refused.data["login"] == {
            "token": None,
            "account": None,
            "userErrors": [
                {
                    "field": "password",
                    "code": "BAD_CREDENTIALS",
                    "message": "email or password is wrong",
                }
            ],
        }


async def test_the_database_holds_only_hashes_of_tokens(make_client, platform):
    client = make_client()
    session = await register(client)
    api = (
        await client.as_(session).mutate("createApiToken", CREATE_TOKEN, {"input": {"name": "ci"}})
    )["token"]
    rows = await ApiToken.all().values()
    assert len(rows) == 2
    assert {row["token_hash"] for row in rows} == {hash_token(session), hash_token(api)}
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert session not in stored and api not in stored
    assert {row["prefix"] for row in rows} == {session[:10], api[:10]}


async def test_a_session_token_expires_after_the_configured_hours(make_client, clock, platform):
    client = make_client()
    token = await register(client)
    hours = platform.settings.auth.session_hours
    clock.advance(hours=hours, seconds=-1)
    assert (await client.as_(token).query(PROTECTED)).errors == []
    clock.advance(seconds=1)
    expired = await client.as_(token).query(PROTECTED)
    assert expired.codes == ["UNAUTHENTICATED"]
    assert expired.errors[0]["message"] == TOKEN_REFUSED


async def test_an_unknown_token_is_refused_with_a_clear_message(platform, make_client):
    refused = await make_client("cg_not-a-real-token").query(PROTECTED)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.errors[0]["message"] == TOKEN_REFUSED
    anonymous = await make_client().query(PROTECTED)
    assert anonymous.codes == ["UNAUTHENTICATED"]
    assert "Authorization: Bearer <token>" in anonymous.errors[0]["message"]


async def test_an_authorization_header_that_is_not_bearer_is_explained(platform, make_client):
    client = make_client()
    client.headers["authorization"] = "Basic YWRhOnB3"
    refused = await client.query(PROTECTED)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.errors[0]["message"] == "the Authorization header must be 'Bearer <token>'"


async def test_a_deactivated_account_cannot_use_its_tokens(platform, make_client, factory):
    worker = await factory.worker()
    await Account.filter(id=worker.account.id).update(is_active=False)
    refused = await make_client(worker.token).query(PROTECTED)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.errors[0]["message"] == "this account is deactivated"


async def test_an_api_token_lives_its_days_and_can_be_revoked(
    platform, make_client, factory, clock
):
    worker = await factory.worker()
    client = make_client(worker.token)
    created = await client.mutate(
        "createApiToken", CREATE_TOKEN, {"input": {"name": "script", "expiresInDays": 2}}
    )
    assert created["apiToken"]["kind"] == "API" and created["apiToken"]["revoked"] is False
    api = client.as_(created["token"])
    assert (await api.query(PROTECTED)).errors == []
    listed = await client.query("{ me { apiTokens { name } } }")
    assert [t["name"] for t in listed.data["me"]["apiTokens"]] == ["test", "script"]

    revoked = await client.mutate(
        "revokeApiToken", REVOKE_TOKEN, {"input": {"id": created["apiToken"]["id"]}}
    )
    assert revoked["apiToken"] == {"revoked": True}
    assert (await api.query(PROTECTED)).codes == ["UNAUTHENTICATED"]
    assert (await client.query(PROTECTED)).errors == []


async def test_an_api_token_expires_after_its_days(platform, make_client, factory, clock):
    worker = await factory.worker()
    client = make_client(worker.token)
    created = await client.mutate(
        "createApiToken", CREATE_TOKEN, {"input": {"name": "short", "expiresInDays": 2}}
    )
    clock.advance(days=2)
    assert (await client.as_(created["token"]).query(PROTECTED)).codes == ["UNAUTHENTICATED"]


async def test_nobody_revokes_another_accounts_token(platform, make_client, factory):
    owner, other = await factory.worker(), await factory.worker()
    created = await make_client(owner.token).mutate(
        "createApiToken", CREATE_TOKEN, {"input": {"name": "mine"}}
    )
    refused = await make_client(other.token).query(
        REVOKE_TOKEN, {"input": {"id": created["apiToken"]["id"]}}
    )
    assert refused.codes == ["NOT_FOUND"]
    assert (await make_client(created["token"]).query(PROTECTED)).errors == []


async def test_logout_revokes_the_session_token_and_nothing_else(platform, make_client, factory):
    worker = await factory.worker()
    client = make_client()
    login = await client.mutate(
        "login",
        LOGIN,
        {"input": {"email": worker.account.email, "password": "correct-horse-battery"}},
    )
    session = client.as_(login["token"])
    assert (await session.mutate("logout", LOGOUT, {}))["ok"] is True
    refused = await session.query(PROTECTED)
    assert refused.codes == ["UNAUTHENTICATED"]
    assert refused.errors[0]["message"] == TOKEN_REFUSED
    assert (await client.as_(worker.token).query(PROTECTED)).errors == []
    assert (await client.query(LOGOUT)).codes == ["UNAUTHENTICATED"]


async def test_using_a_token_records_when_it_was_last_used_at_most_every_five_minutes(
    platform, make_client, factory, clock
):
    worker = await factory.worker()
    client = make_client(worker.token)
    await client.query(PROTECTED)
    first = (await ApiToken.get(account_id=worker.account.id)).last_used_at
    assert first == clock.now()
    clock.advance(minutes=4)
    await client.query(PROTECTED)
    assert (await ApiToken.get(account_id=worker.account.id)).last_used_at == first
    clock.advance(minutes=2)
    await client.query(PROTECTED)
    assert (await ApiToken.get(account_id=worker.account.id)).last_used_at == clock.now()


async def test_the_registered_account_shows_its_worker_profile_at_once(platform, make_client):
    payload = await make_client().mutate(
        "register",
        """mutation($input: RegisterInput!) { register(input: $input) {
            account { worker { kind } } userErrors { field code message } } }""",
        account_input(),
    )
    assert payload["account"] == {"worker": {"kind": "EXTERNAL"}}


@pytest.mark.parametrize(
    ("days", "rule"),
    [(0, ">= 1 (got 0)"), (-3, ">= 1 (got -3)"), (2_912_439, "<= 3660 (got 2912439)")],
)
async def test_an_api_token_lives_a_day_to_ten_years(platform, make_client, factory, days, rule):
    worker = await factory.worker()
    result = await make_client(worker.token).query(
        CREATE_TOKEN, {"input": {"name": "never", "expiresInDays": days}}
    )
    assert result.data["createApiToken"]["token"] is None
    assert result.data["createApiToken"]["userErrors"] == [
        {
            "field": "expiresInDays",
            "code": "OUT_OF_RANGE",
            "message": f"expiresInDays must be {rule}",
        }
    ]


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaa", "TOO_FEW_CHARACTERS"),
        ("abababababab", "TOO_FEW_CHARACTERS"),
        ("ada@example.org", "SAME_AS_EMAIL"),
        ("1234567890", "TOO_COMMON"),
        ("Password123", "TOO_COMMON"),
        ("short", "TOO_SHORT"),
    ],
)
async def test_a_weak_password_is_refused_naming_the_field_and_the_rule(
    platform, make_client, password, code
):
    result = await make_client().query(REGISTER, account_input(password=password))
    (error,) = result.data["register"]["userErrors"]
    assert (error["field"], error["code"]) == ("password", code)
    assert "password must" in error["message"]
    assert await Account.filter(email="ada@example.org").count() == 0


async def test_the_schema_states_the_password_rule(platform, make_client):
    described = await make_client().query(
        """{ __type(name: "RegisterInput") { inputFields { name description } } }"""
    )
    fields = {f["name"]: f["description"] for f in described.data["__type"]["inputFields"]}
    assert fields["password"] == PASSWORD_RULE
    assert PASSWORD_RULE.startswith("At least 10 characters")
