"""Install events store conversation references of the team, channel and every member of
the roster; proactive messages (weekly prompt, owner DMs) go out through them, opening a
personal chat when needed; 403 marks a member unreachable."""

from __future__ import annotations

import pytest

from bot.messages import Address, Message, Text, message
from bot.model import Member
from bot.ports import Undeliverable
from storage.teams_store import CHANNEL, TEAM, USER, TeamsStore, engine_of
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded

DOCS_TENANT = "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"
DOCS_TEAM = "19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2"
DOCS_CHANNEL = "19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"
PG_TENANT = "00000000-0000-0000-0000-0000000000001"
ALEX = "00000000-0000-0000-0000-0000000000020"

ROSTER = [
    {"id": "29:megan", "name": "Megan Bowen", "aadObjectId": "aad-megan"},
    {"id": "29:adele", "name": "Adele Vance", "aadObjectId": "aad-adele"},
    {"id": "29:isaiah", "name": "Isaiah Langer", "aadObjectId": "aad-isaiah"},
]


def store(world: TeamsWorld) -> TeamsStore:
    return TeamsStore(engine_of(world.database))


async def members_of(world: TeamsWorld, tenant: str) -> dict[str, Member]:
    async with world.database.uow() as uow:
        workspace = await uow.workspace(platform="teams", external_id=tenant)
        repo = uow.scoped(workspace.id)
        found = {}
        for ref in ("aad-megan", "aad-adele", "aad-isaiah", ALEX):
            member = await repo.find_member(ref)
            if member is not None:
                found[ref] = member
        return found


def hello() -> Message:
    return message(Text("Time for your weekly check-in"))


async def test_bot_added_to_a_team_remembers_the_roster_and_registers_each_member(
    world: TeamsWorld,
) -> None:
    world.fake.rosters[DOCS_TEAM] = ROSTER

    response = await world.teams.post(recorded("docs_bot_added_to_team"))

    assert response.status in (200, 201)
    assert len(world.fake.of("members")) == 2  # two pages of two
    megan = await store(world).get(tenant_id=DOCS_TENANT, kind=USER, key="aad-megan")
    assert megan is not None and megan.member_id == "29:megan"
    assert megan.service_url == world.fake.url
    assert megan.bot_id == "28:608cacfd-1cea-40c9-b678-4b93e69bb72b"
    assert await store(world).get(tenant_id=DOCS_TENANT, kind=TEAM, key=DOCS_TEAM)
    channel = await store(world).get(tenant_id=DOCS_TENANT, kind=CHANNEL, key=DOCS_CHANNEL)
    assert channel is not None and channel.conversation_id == DOCS_CHANNEL
    assert set(await members_of(world, DOCS_TENANT)) == {"aad-megan", "aad-adele", "aad-isaiah"}
    assert world.fake.of("reply", "send") == []  # no welcome spam in the channel


async def test_installation_update_in_a_team_reads_the_roster_too(world: TeamsWorld) -> None:
    world.fake.rosters[DOCS_TEAM] = ROSTER[:1]

    await world.teams.post(recorded("docs_installation_update_add"))

    assert await store(world).get(tenant_id=DOCS_TENANT, kind=USER, key="aad-megan")


async def test_dm_to_a_member_known_from_the_roster_opens_their_personal_chat_once(
    world: TeamsWorld,
) -> None:
    world.fake.rosters[DOCS_TEAM] = ROSTER
    await world.teams.post(recorded("docs_bot_added_to_team"))
    address = Address(platform="teams", workspace=DOCS_TENANT, kind="dm", target="aad-adele")

    await world.messenger.send(address, hello())
    await world.messenger.send(address, hello())

    [create] = world.fake.of("create")
    assert create.body["members"] == [{"id": "29:adele"}]
    assert create.body["tenantId"] == DOCS_TENANT
    assert create.body["bot"]["id"] == "28:608cacfd-1cea-40c9-b678-4b93e69bb72b"
    sends = world.fake.of("send")
    assert [s.conversation_id for s in sends] == ["a:personal-29:adele"] * 2
    assert "weekly check-in" in sends[0].text


async def test_dm_to_someone_who_wrote_to_the_bot_uses_that_personal_chat(
    world: TeamsWorld,
) -> None:
    await world.teams.say("help")
    address = Address(platform="teams", workspace=PG_TENANT, kind="dm", target=ALEX)

    await world.messenger.send(address, hello())

    assert world.fake.of("create") == []
    [sent] = world.fake.of("send")
    assert sent.conversation_id == "928df567-d9a2-4a87-99c6-c9b03c103fe2"
    assert sent.body["from"]["id"] == "00000000-0000-0000-0000-00000000000011"


async def test_channel_message_is_a_new_post_in_the_channel_not_in_a_thread(
    world: TeamsWorld,
) -> None:
    await world.teams.say("help", fixture="playground_channel_mention")
    address = Address(platform="teams", workspace=PG_TENANT, kind="channel", target="team-id")

    await world.messenger.send(address, hello())

    [sent] = world.fake.of("send")
    assert sent.conversation_id == "team-id"


async def test_a_member_who_blocked_the_bot_is_marked_unreachable_until_they_write(
    world: TeamsWorld,
) -> None:
    await world.teams.say("help")
    address = Address(platform="teams", workspace=PG_TENANT, kind="dm", target=ALEX)
    world.fake.fail_next("send", 403)

    with pytest.raises(Undeliverable):
        await world.messenger.send(address, hello())
    with pytest.raises(Undeliverable):
        await world.messenger.send(address, hello())

    assert len(world.fake.attempts("send")) == 1  # the second was not even tried
    await world.teams.say("help")  # they unblocked the app and wrote again
    await world.messenger.send(address, hello())
    assert len(world.fake.of("send")) == 1


async def test_a_throttled_proactive_message_is_sent_once_after_retry(world: TeamsWorld) -> None:
    await world.teams.say("help")
    address = Address(platform="teams", workspace=PG_TENANT, kind="dm", target=ALEX)
    world.fake.fail_next("send", 429, retry_after=0.05)
    world.fake.fail_next("send", 502)

    await world.messenger.send(address, hello())

    assert [c.status >= 300 for c in world.fake.attempts("send")] == [True, True, False]


async def test_nobody_we_never_met_cannot_be_messaged(world: TeamsWorld) -> None:
    address = Address(platform="teams", workspace=PG_TENANT, kind="dm", target="stranger")

    with pytest.raises(Undeliverable, match="no Teams conversation"):
        await world.messenger.send(address, hello())


async def test_app_removed_from_a_personal_chat_marks_the_member_unreachable(
    world: TeamsWorld,
) -> None:
    await world.teams.say("help")
    removal = recorded("playground_personal_installation_update", action="remove")

    await world.teams.post(removal)

    ref = await store(world).get(tenant_id=PG_TENANT, kind=USER, key=ALEX)
    assert ref is not None and ref.unreachable


async def test_personal_install_remembers_the_personal_chat(world: TeamsWorld) -> None:
    await world.teams.post(recorded("docs_bot_added_to_personal_chat"))

    ref = await store(world).get(tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47", kind=USER,
                                 key="c33aafc4-646d-4543-9d4c-abd28e4d2110")
    assert ref is not None and ref.conversation_id == "a:1pL6i0oY3C0K8oAj8"


async def test_added_as_a_personal_app_the_bot_says_hello_with_the_members_overview(
    world: TeamsWorld,
) -> None:
    await world.teams.post(recorded("playground_personal_installation_update"))
    await world.teams.post(recorded("playground_personal_conversation_update"))

    [hello] = world.fake.of("send")  # once, though Teams sends two install events
    assert hello.conversation_id == "928df567-d9a2-4a87-99c6-c9b03c103fe2"
    assert "okrbot" in hello.text and "not in an okrbot team yet" in hello.text
    assert world.fake.of("reply") == []


async def test_the_playgrounds_team_install_events_read_the_roster_too(world: TeamsWorld) -> None:
    world.fake.rosters["team-id"] = ROSTER

    await world.teams.post(recorded("playground_team_installation_update"))
    await world.teams.post(recorded("playground_team_conversation_update"))

    assert await store(world).get(tenant_id=PG_TENANT, kind=USER, key="aad-isaiah")
    channel = await store(world).get(tenant_id=PG_TENANT, kind=CHANNEL, key="team-id")
    assert channel is not None and channel.conversation_id == "team-id"
    # one welcome (Teams sends both events for one install), saying how to start
    [welcome] = world.fake.of("reply", "send")
    assert welcome.conversation_id == "team-id" and "@okrbot setup" in welcome.text
