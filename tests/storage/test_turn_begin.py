"""What a turn's start stores, now that it reads first and writes only what is missing or
changed (``UnitOfWork.known``, ``Turn.begin``): on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.model import Channel
from bot.request_context import Turn
from storage.database import Database

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
PLACE = Place(channel="C0TEAM", channel_name="team-web")


def carol(**changes: object) -> Actor:
    fields: dict[str, object] = {"platform": "slack", "workspace": "T0ACME", "user": "U0CAROL",
                                 "name": "Carol", "workspace_name": "Acme"}
    return Actor(**{**fields, **changes})  # type: ignore[arg-type]


async def begin(database: Database, actor: Actor, place: Place = PLACE) -> Turn:
    async with database.uow() as uow:
        turn = await Turn.begin(uow=uow, clock=ManualClock(NOW), actor=actor, place=place)
        await uow.commit()
    return turn


async def set_up_channel(database: Database) -> None:
    turn = await begin(database, carol())
    async with database.uow() as uow:
        await uow.scoped(turn.workspace.id or 0).add_channel(Channel(
            workspace_id=turn.workspace.id or 0, external_id=PLACE.channel, name="team-web",
            owner_id=turn.member.id))
        await uow.commit()


async def test_a_known_speaker_in_their_team_costs_one_read_and_no_write(
    database: Database,
) -> None:
    await set_up_channel(database)
    await begin(database, carol())  # joins the team
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lstrip().split()[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        turn = await begin(database, carol())
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    assert turn.channel is not None and turn.channel.external_id == PLACE.channel
    assert [s for s in statements if s not in ("BEGIN", "COMMIT")] == ["SELECT"]


async def test_changes_the_platform_reports_are_still_saved(database: Database) -> None:
    await set_up_channel(database)
    await begin(database, carol())
    await begin(database, carol(name="Carol B.", tz="Europe/Berlin", is_admin=True,
                                workspace_name="Acme Inc"))
    # no names told this time: the stored ones stay
    turn = await begin(database, carol(name="", workspace_name=""))
    assert turn.member.name == "Carol B."
    assert turn.member.tz == "Europe/Berlin"
    assert turn.workspace.name == "Acme Inc"
    assert turn.member.is_admin is False  # is_admin follows the platform every turn
    async with database.uow() as uow:
        member = await uow.scoped(turn.workspace.id or 0).member_by_id(turn.member.id or 0)
    assert member is not None and member.name == "Carol B." and member.is_admin is False


async def test_a_new_speaker_is_stored_and_joins_the_team(database: Database) -> None:
    await set_up_channel(database)
    alice = carol(user="U0ALICE", name="Alice")
    turn = await begin(database, alice)
    assert turn.member.id is not None and turn.member.name == "Alice"
    async with database.uow() as uow:
        repo = uow.scoped(turn.workspace.id or 0)
        members = await repo.channel_members(turn.channel.id or 0)  # type: ignore[union-attr]
    assert [m.external_id for m in members] == ["U0ALICE"]
    # a DM then finds the one team they are in
    direct = await begin(database, alice, Place(channel="D0ALICE", is_direct=True))
    assert direct.channel is not None and direct.channel.external_id == PLACE.channel


async def test_a_channel_that_is_no_team_yet_and_a_new_workspace(database: Database) -> None:
    turn = await begin(database, carol(workspace="T0NEW", workspace_name="New"),
                       Place(channel="C0ELSE"))
    assert turn.channel is None
    assert turn.workspace.id is not None and turn.workspace.name == "New"
    again = await begin(database, carol(workspace="T0NEW", workspace_name="New"),
                        Place(channel="C0ELSE"))
    assert again.workspace.id == turn.workspace.id and again.member.id == turn.member.id
