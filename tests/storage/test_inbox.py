"""The inbox keeps each update once, says which ones were new, and which are left to handle."""

from __future__ import annotations

from bot.storage.uow import SqlUnitOfWork
from tests.storage.conftest import minutes

BOT, OTHER_BOT = 111, 222


async def test_an_update_is_stored_once_and_a_batch_says_which_are_new(uow: SqlUnitOfWork):
    async with uow:
        first = await uow.inbox.add_new(BOT, [(1, '{"update_id": 1}'), (2, "{}")], at=minutes(1))
        await uow.commit()
    async with uow:  # Telegram delivers 2 again (unconfirmed before a crash), and 3
        again = await uow.inbox.add_new(BOT, [(2, "{}"), (3, '{"update_id": 3}')], at=minutes(2))
        await uow.commit()
    async with uow:  # another bot sharing the database has its own update ids
        other = await uow.inbox.add_new(OTHER_BOT, [(1, "{}")], at=minutes(2))
        await uow.commit()
        left = await uow.inbox.unhandled(BOT)
    assert (first, again, other) == ({1, 2}, {3}, {1})
    assert left == [(1, '{"update_id": 1}'), (2, "{}"), (3, '{"update_id": 3}')]  # in order


async def test_handled_updates_are_no_longer_left_and_are_forgotten_later(uow: SqlUnitOfWork):
    async with uow:
        await uow.inbox.add_new(BOT, [(n, "{}") for n in range(1, 6)], at=minutes(1))
        await uow.inbox.add_new(OTHER_BOT, [(1, "{}")], at=minutes(1))
        await uow.commit()
    async with uow:
        await uow.inbox.mark_handled(BOT, {1, 2, 4}, at=minutes(2))
        await uow.inbox.mark_handled(BOT, {5}, at=minutes(30))
        await uow.commit()
    async with uow:
        assert [update_id for update_id, _ in await uow.inbox.unhandled(BOT)] == [3]
        assert await uow.inbox.forget_handled(BOT, before=minutes(10)) == 3  # 1, 2 and 4
        await uow.commit()
    async with uow:
        # 3 is still to handle, 5 was handled too recently; the other bot's update is untouched
        assert await uow.inbox.add_new(BOT, [(3, "{}"), (5, "{}"), (1, "{}")], at=minutes(31)) == {
            1
        }
        assert [update_id for update_id, _ in await uow.inbox.unhandled(OTHER_BOT)] == [1]
