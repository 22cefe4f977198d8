"""Voices of the rally's texts (recorded, from files, or synthetic drafts), the players' 🔊
choice, and the voices an outbox message is followed by.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:45:00

Written from bot/storage/models.py (`VoiceRow`, `PlayerRow.voice`, `OutboxRow.voices`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "voices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rally_id", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=True),
        sa.Column("path", sa.String(length=512), nullable=True),
        sa.Column("duration_s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("text_digest", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rally_id"], ["rallies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rally_id", "key", "language", "source"),
    )
    with op.batch_alter_table("players") as players:
        players.add_column(
            sa.Column("voice", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("voices", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("voices")
    with op.batch_alter_table("players") as players:
        players.drop_column("voice")
    op.drop_table("voices")
