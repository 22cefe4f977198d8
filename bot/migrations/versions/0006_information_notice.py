"""Players acknowledge the information notice before joining a team; the code they scanned
waits for it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00

Written from bot/storage/models.py (`PlayerRow.notice_acknowledged_at`, `PlayerRow.pending_code`).
Players stored before it are in their teams already and keep playing; they read the notice with
`/privacy`, and acknowledge it if they join a team again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("players") as players:
        players.add_column(
            sa.Column("notice_acknowledged_at", sa.DateTime(timezone=True), nullable=True)
        )
        players.add_column(sa.Column("pending_code", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("players") as players:
        players.drop_column("pending_code")
        players.drop_column("notice_acknowledged_at")
