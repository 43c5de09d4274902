from crowdgraph.core.models import Role


async def test_registered_worker_can_log_in_and_see_themselves(make_platform, make_client):
    await make_platform(plugins=[])
    client = make_client()
    register = await client.mutate(
        "register",
        """mutation($input: RegisterInput!) { register(input: $input) {
            token account { email role } userErrors { field code message } } }""",
        {
            "input": {
                "email": "Ada@Example.org",
                "name": "Ada",
                "password": "long enough pw",
                "role": "WORKER",
            }
        },
    )
    assert register["account"] == {"email": "ada@example.org", "role": "WORKER"}
    me = await client.as_(register["token"]).query("{ me { email worker { kind } } }")
    assert me.data["me"] == {"email": "ada@example.org", "worker": {"kind": "EXTERNAL"}}


async def test_stage_and_detail_come_from_the_sample_plugin(make_platform, make_client, factory):
    platform = await make_platform(plugins=["errands"])
    org, owner = await factory.organization(funds=1000)
    project = await factory.project(owner, org)
    worker = await factory.worker()
    client = make_client(owner.token, on=platform)
    from crowdgraph.schema.relay import to_global_id

    posted = await client.mutate(
        "postErrand",
        """mutation($input: PostErrandInput!) { postErrand(input: $input) { errand { id title } userErrors { field code message } } }""",
        {
            "input": {
                "projectId": to_global_id("Project", project.id),
                "title": "Fetch coffee",
                "reward": 500,
            }
        },
    )
    taken = await client.as_(worker.token).mutate(
        "takeErrand",
        """mutation($input: TakeErrandInput!) { takeErrand(input: $input) { engagementId userErrors { field code message } } }""",
        {"input": {"errandId": posted["errand"]["id"]}},
    )
    result = await client.as_(worker.token).query(
        """query($id: ID!) { node(id: $id) { ... on Engagement { model status detail { model ... on ErrandType { title reward { amount } } } } } }""",
        {"id": taken["engagementId"]},
    )
    assert result.data["node"] == {
        "model": "errands",
        "status": "ACTIVE",
        "detail": {"model": "errands", "title": "Fetch coffee", "reward": {"amount": 500}},
    }
    assert Role.WORKER
