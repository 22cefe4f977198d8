"""When a rally's personal data was purged (its retention period over, or by hand).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:40:00

Written from bot/storage/models.py (`RallyRow.purged_at`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("rallies") as rallies:
        rallies.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("rallies") as rallies:
        rallies.drop_column("purged_at")
