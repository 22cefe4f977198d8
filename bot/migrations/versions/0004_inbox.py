"""The inbox (every Telegram update stored before it is confirmed to Telegram), and teammates'
news in the outbox (sent by the background sender, coalesced per chat).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:15:00

Written from bot/storage/models.py (`InboxRow`) and checked against `alembic check`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "inbox",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_bot_id_handled_at", "inbox", ["bot_id", "handled_at"])
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("topic", sa.String(length=16), nullable=True))
        outbox.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        outbox.add_column(sa.Column("markup", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("markup")
        outbox.drop_column("subject")
        outbox.drop_column("topic")
    op.drop_index("ix_inbox_bot_id_handled_at", table_name="inbox")
    op.drop_table("inbox")
