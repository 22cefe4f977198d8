"""The migrations build exactly the schema the models describe, and are safe to re-run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import alembic_config, migrate, session_factory
from bot.storage.models import Base, RallyRow
from bot.storage.uow import SqlUnitOfWork
from tests.databases import sqlite_url
from tests.storage.conftest import START

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrating_an_empty_database_builds_exactly_the_models(empty_engine: AsyncEngine):
    await migrate(empty_engine)

    async with empty_engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []
        assert await connection.run_sync(current_revision) == HEAD
        assert await connection.run_sync(table_names) == {
            *Base.metadata.tables,
            "alembic_version",
        }


async def test_migrating_again_is_a_no_op_and_keeps_the_data(empty_engine: AsyncEngine):
    await migrate(empty_engine)
    uow = SqlUnitOfWork(session_factory(empty_engine))
    async with uow:
        rally = await uow.rallies.ensure("spring", at=START)
        rally.phase = "running"
        await uow.commit()

    await migrate(empty_engine)

    async with empty_engine.connect() as connection:
        assert await connection.run_sync(current_revision) == HEAD
        assert await connection.run_sync(schema_differences) == []
        phases = (await connection.execute(select(RallyRow.id, RallyRow.phase))).all()
    assert [tuple(row) for row in phases] == [("spring", "running")]


async def test_downgrade_to_base_removes_the_schema_and_upgrade_restores_it(engine: AsyncEngine):
    config = alembic_config()

    def downgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
    async with engine.connect() as connection:
        assert await connection.run_sync(table_names) == {"alembic_version"}
        assert await connection.run_sync(current_revision) is None

    await migrate(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []


def test_alembic_command_line_migrates_the_database_named_by_database_url(tmp_path: Path):
    database = tmp_path / "cli" / "rallye.db"
    environment = {**os.environ, "DATABASE_URL": sqlite_url(database)}

    subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO_ROOT / "alembic.ini"), "upgrade", "head"],
        check=True,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
    )

    with sqlite3.connect(database) as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    connection.close()
    assert revision == [(HEAD,)]
    assert tables == {*Base.metadata.tables, "alembic_version"}
