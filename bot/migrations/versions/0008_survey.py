"""The end-of-rally survey: who took part (by player), and the anonymous counts of the answers,
in two tables that share no key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:30:00

Written from bot/storage/models.py (`SurveyParticipationRow`, `SurveyTallyRow`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "survey_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rally_id", sa.String(length=24), nullable=False),
        sa.Column("player_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_question", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["player_id"], ["players.id"], name=op.f("fk_survey_participations_player_id_players")
        ),
        sa.ForeignKeyConstraint(
            ["rally_id"], ["rallies.id"], name=op.f("fk_survey_participations_rally_id_rallies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_participations")),
        sa.UniqueConstraint(
            "rally_id", "player_id", name=op.f("uq_survey_participations_rally_id_player_id")
        ),
    )
    op.create_table(
        "survey_tallies",
        sa.Column("rally_id", sa.String(length=24), nullable=False),
        sa.Column("question_id", sa.String(length=24), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("choice", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rally_id"], ["rallies.id"], name=op.f("fk_survey_tallies_rally_id_rallies")
        ),
        sa.PrimaryKeyConstraint(
            "rally_id", "question_id", "language", "choice", name=op.f("pk_survey_tallies")
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("survey_tallies")
    op.drop_table("survey_participations")
