"""ceu: CE per renewal cycle moves from certify's requirement sets to CE rule versions

Each board's values are kept: a requirement set's CE hours per cycle (and CE hours in ethics)
become a CE rule version of its credential type, in force since 2000-01-01 (so every cycle
keeps the rule it had), with an "ethics" category minimum (the category is made when the
board has none). Credential types that already have CE rule versions keep theirs.

Revision ID: e3c5a7b9d1f2
Revises: d7143352d45b
Create Date: 2026-11-30 22:40:00

"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import core.models

# revision identifiers, used by Alembic.
revision = "e3c5a7b9d1f2"
down_revision = "d7143352d45b"
branch_labels = None
depends_on = None

IN_FORCE_SINCE = date(2000, 1, 1)

rule_version = sa.table(
    "ce_rule_version",
    sa.column("id", sa.Integer),
    sa.column("board_id", sa.Integer),
    sa.column("credential_type_id", sa.Integer),
    sa.column("effective_on", sa.Date),
    sa.column("total_minutes", sa.Integer),
    sa.column("cycle_kind", sa.String),
    sa.column("proration", sa.String),
    sa.column("rounding", sa.String),
    sa.column("carry_over_minutes", sa.Integer),
    sa.column("grace_days", sa.Integer),
    sa.column("reinstatement_extra_minutes", sa.Integer),
    sa.column("reinstatement_fee", sa.Boolean),
    sa.column("reinstatement_exam", sa.Boolean),
    sa.column("created_at", core.models.UTCDateTime()),
)
category = sa.table(
    "ce_category",
    sa.column("id", sa.Integer),
    sa.column("board_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
    sa.column("position", sa.Integer),
)
minimum = sa.table(
    "ce_rule_minimum",
    sa.column("rule_version_id", sa.Integer),
    sa.column("category_id", sa.Integer),
    sa.column("minutes", sa.Integer),
)
requirement_set = sa.table(
    "requirement_set",
    sa.column("credential_type_id", sa.Integer),
    sa.column("ce_minutes_per_cycle", sa.Integer),
    sa.column("ce_ethics_minutes", sa.Integer),
)


def _ethics_category(bind, board_id):
    found = bind.execute(
        sa.select(category.c.id).where(category.c.board_id == board_id, category.c.code == "ethics")
    ).scalar()
    if found is not None:
        return found
    position = bind.execute(
        sa.select(sa.func.count()).select_from(category).where(category.c.board_id == board_id)
    ).scalar()
    return bind.execute(
        category.insert()
        .values(board_id=board_id, code="ethics", name="Ethics", description="", position=position)
        .returning(category.c.id)
    ).scalar_one()


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT board_id, credential_type_id, ce_minutes_per_cycle, ce_ethics_minutes "
            "FROM requirement_set "
            "WHERE ce_minutes_per_cycle IS NOT NULL OR ce_ethics_minutes IS NOT NULL "
            "ORDER BY id"
        )
    ).all()
    for board_id, type_id, total, ethics in rows:
        has_rules = bind.execute(
            sa.select(rule_version.c.id).where(rule_version.c.credential_type_id == type_id)
        ).first()
        if has_rules is not None:
            continue
        version_id = bind.execute(
            rule_version.insert()
            .values(
                board_id=board_id,
                credential_type_id=type_id,
                effective_on=IN_FORCE_SINCE,
                total_minutes=total if total is not None else ethics,
                cycle_kind="renewal",
                proration="none",
                rounding="down_hour",
                carry_over_minutes=0,
                grace_days=0,
                reinstatement_extra_minutes=0,
                reinstatement_fee=False,
                reinstatement_exam=False,
                created_at=datetime.now(UTC),
            )
            .returning(rule_version.c.id)
        ).scalar_one()
        if ethics:
            bind.execute(
                minimum.insert().values(
                    rule_version_id=version_id,
                    category_id=_ethics_category(bind, board_id),
                    minutes=ethics,
                )
            )
    with op.batch_alter_table("requirement_set", schema=None) as batch_op:
        batch_op.drop_column("ce_ethics_minutes")
        batch_op.drop_column("ce_minutes_per_cycle")


def downgrade():
    with op.batch_alter_table("requirement_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ce_minutes_per_cycle", sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column("ce_ethics_minutes", sa.INTEGER(), nullable=True))
    bind = op.get_bind()
    # each credential type's earliest CE rule version goes back onto its requirement set
    versions = bind.execute(
        sa.text(
            "SELECT v.credential_type_id, v.total_minutes, "
            "(SELECT m.minutes FROM ce_rule_minimum m JOIN ce_category c ON c.id = m.category_id "
            " WHERE m.rule_version_id = v.id AND c.code = 'ethics') "
            "FROM ce_rule_version v "
            "WHERE v.effective_on = (SELECT MIN(w.effective_on) FROM ce_rule_version w "
            "                        WHERE w.credential_type_id = v.credential_type_id)"
        )
    ).all()
    for type_id, total, ethics in versions:
        bind.execute(
            requirement_set.update()
            .where(requirement_set.c.credential_type_id == type_id)
            .values(ce_minutes_per_cycle=total, ce_ethics_minutes=ethics)
        )
