"""Login holds under abuse: guesses are throttled per account and per address (aliased guesses
one by one), an unknown email costs the same work as a known one, and no message names a role."""

from __future__ import annotations

import hashlib

import pytest

from crowdgraph.core import accounts
from crowdgraph.schema.relay import to_global_id
from crowdgraph.testing import PASSWORD

LOGIN_FIELDS = "token userErrors { field code message }"


def aliased_logins(guesses: list[tuple[str, str]]) -> str:
    """One request holding a login mutation per (email, password), each under its own alias."""
    calls = "\n".join(
        f'g{i}: login(input: {{email: "{email}", password: "{password}"}}) {{ {LOGIN_FIELDS} }}'
        for i, (email, password) in enumerate(guesses)
    )
    return f"mutation {{\n{calls}\n}}"


def codes(data: dict) -> list[str]:
    return [
        payload["userErrors"][0]["code"] if payload["userErrors"] else "OK"
        for _, payload in sorted(data.items(), key=lambda item: int(item[0][1:]))
    ]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dozens of guesses per test: real scrypt with a small cost keeps it fast."""
    monkeypatch.setattr(accounts, "SCRYPT", {"n": 2**4, "r": 8, "p": 1})


async def test_thirty_aliased_guesses_for_one_account_are_stopped_after_ten(
    platform, factory, make_client, clock
):
    worker = await factory.worker()
    email = worker.account.email
    client = make_client()
    guesses = [(email, f"wrong-guess-{i:04d}") for i in range(30)]

    answered = await client.query(aliased_logins(guesses))
    assert codes(answered.data) == ["BAD_CREDENTIALS"] * 10 + ["TOO_MANY_ATTEMPTS"] * 20
    refused = answered.data["g10"]["userErrors"][0]
    assert refused["field"] == "email"
    assert refused["message"] == "too many failed logins for this email: try again in 900 s"

    # the right password too waits out the window: a guesser learns nothing from it
    right = await client.query(aliased_logins([(email, PASSWORD)]))
    assert codes(right.data) == ["TOO_MANY_ATTEMPTS"]
    clock.advance(minutes=15)
    right = await client.query(aliased_logins([(email, PASSWORD)]))
    assert codes(right.data) == ["OK"]


async def test_an_address_guessing_across_many_emails_is_stopped(platform, make_client):
    client = make_client()
    guesses = [(f"someone{i}@example.org", "wrong-guess-0000") for i in range(30)]
    first = await client.query(aliased_logins(guesses))
    second = await client.query(aliased_logins(guesses))
    assert codes(first.data) == ["BAD_CREDENTIALS"] * 30
    assert codes(second.data) == ["BAD_CREDENTIALS"] * 20 + ["TOO_MANY_ATTEMPTS"] * 10
    assert second.data["g29"]["userErrors"][0]["message"] == (
        "too many failed logins from this address: try again in 900 s"
    )


async def test_a_successful_login_clears_the_accounts_failures(platform, factory, make_client):
    worker = await factory.worker()
    email = worker.account.email
    client = make_client()
    for _ in range(3):
        guesses = [(email, "wrong-guess-0000")] * 9 + [(email, PASSWORD)]
        assert codes((await client.query(aliased_logins(guesses))).data)[-1] == "OK"


async def test_an_unknown_email_costs_the_same_password_work_as_a_known_one(
    platform, factory, make_client, monkeypatch
):
    """The answer time told known emails (105-186 ms) from unknown ones (5-14 ms)."""
    worker = await factory.worker()
    hashed: list[int] = []
    scrypt = hashlib.scrypt

    def counted(password: bytes, **options: int) -> bytes:
        hashed.append(options["n"])
        return scrypt(password, **options)

    client = make_client()
    # the stand-in hash an unknown email is checked against is made once, on first use
    await client.query(aliased_logins([("first@example.org", "wrong-guess-0000")]))
    monkeypatch.setattr(hashlib, "scrypt", counted)
    await client.query(aliased_logins([(worker.account.email, "wrong-guess-0000")]))
    known = list(hashed)
    hashed.clear()
    await client.query(aliased_logins([("nobody@example.org", "wrong-guess-0000")]))
    assert hashed == known == [accounts.SCRYPT["n"]]


async def test_adding_a_member_never_says_which_role_an_account_has(platform, factory, make_client):
    org, owner = await factory.organization()
    admin = await factory.admin()
    worker = await factory.worker()
    add = """mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) {
        userErrors { field code message } } }"""
    messages = []
    for person in (admin, worker):
        response = await make_client(owner.token).query(
            add,
            {
                "input": {
                    "organizationId": to_global_id("Organization", org.id),
                    "email": person.account.email,
                    "role": "MANAGER",
                }
            },
        )
        (error,) = response.data["addOrganizationMember"]["userErrors"]
        messages.append(error["message"])
    # an admin and a worker get the same words: the rule, never the role
    assert {
        message.replace(person.account.email, "<email>")
        for message, person in zip(messages, (admin, worker), strict=True)
    } == {"<email> cannot be added: members must be client accounts"}
