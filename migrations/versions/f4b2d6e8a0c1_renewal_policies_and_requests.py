"""certify: renewal policies and requests; grace and reinstatement fee/exam move from CE rules

Each credential type's renewal policy (window before expiry, grace period, attestations, fee,
staff review, reinstatement fee and exam) and renewal requests (kept as history). A type's
grace period and reinstatement fee and exam were on its CE rule versions: the latest
version's values become the type's renewal policy (a 90-day window, staff review of every
renewal), and the columns leave ce_rule_version; the downgrade puts them back.

Revision ID: f4b2d6e8a0c1
Revises: c9e1f3a5b7d2
Create Date: 2026-12-01 03:30:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.models

# revision identifiers, used by Alembic.
revision = "f4b2d6e8a0c1"
down_revision = "c9e1f3a5b7d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "renewal_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_type_id", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("attestations", sa.JSON(), nullable=False),
        sa.Column("fee_required", sa.Boolean(), nullable=False),
        sa.Column("review", sa.String(length=10), nullable=False),
        sa.Column("reinstatement_fee", sa.Boolean(), nullable=False),
        sa.Column("reinstatement_exam", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", core.models.UTCDateTime(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "window_days BETWEEN 0 AND 365", name=op.f("ck_renewal_policy_window_range")
        ),
        sa.CheckConstraint(
            "grace_days BETWEEN 0 AND 365", name=op.f("ck_renewal_policy_grace_range")
        ),
        sa.CheckConstraint(
            "review IN ('all', 'flagged')", name=op.f("ck_renewal_policy_review_known")
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["board.id"], name=op.f("fk_renewal_policy_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_type_id"], ["credential_type.id"],
            name=op.f("fk_renewal_policy_credential_type_id_credential_type"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user_account.id"],
            name=op.f("fk_renewal_policy_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_policy")),
        sa.UniqueConstraint("credential_type_id", name="uq_renewal_policy_type"),
    )  # fmt: skip
    with op.batch_alter_table("renewal_policy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renewal_policy_board_id"), ["board_id"], unique=False)
    op.create_table(
        "renewal_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=14), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expires_before", sa.Date(), nullable=False),
        sa.Column("expires_after", sa.Date(), nullable=True),
        sa.Column("attestations", sa.JSON(), nullable=False),
        sa.Column("fee", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("exam_passed_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("submitted_at", core.models.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", core.models.UTCDateTime(), nullable=True),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('renewal', 'reinstatement')", name=op.f("ck_renewal_request_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('review', 'approved', 'rejected')",
            name=op.f("ck_renewal_request_status_known"),
        ),
        sa.CheckConstraint(
            "fee IN ('none', 'attested', 'unpaid', 'paid')",
            name=op.f("ck_renewal_request_fee_known"),
        ),
        sa.ForeignKeyConstraint(
            ["board_id"], ["board.id"], name=op.f("fk_renewal_request_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credential.id"],
            name=op.f("fk_renewal_request_credential_id_credential"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"],
            name=op.f("fk_renewal_request_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["user_account.id"],
            name=op.f("fk_renewal_request_holder_id_user_account"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_request")),
    )  # fmt: skip
    with op.batch_alter_table("renewal_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_renewal_request_board_id"), ["board_id"])
        batch_op.create_index(batch_op.f("ix_renewal_request_credential_id"), ["credential_id"])
        batch_op.create_index("ix_renewal_request_board_status", ["board_id", "status"])
        batch_op.create_index(
            "uq_renewal_request_open",
            ["credential_id"],
            unique=True,
            postgresql_where=sa.text("status = 'review'"),
            sqlite_where=sa.text("status = 'review'"),
        )
    # each credential type's latest CE rule version: its grace and reinstatement fee/exam
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.board_id, v.credential_type_id, v.grace_days, v.reinstatement_fee, "
            "v.reinstatement_exam FROM ce_rule_version v "
            "WHERE v.effective_on = (SELECT MAX(w.effective_on) FROM ce_rule_version w "
            "                        WHERE w.credential_type_id = v.credential_type_id)"
        )
    ).all()
    policy = sa.table(
        "renewal_policy",
        *(sa.column(name) for name in (
            "board_id", "credential_type_id", "window_days", "grace_days", "fee_required",
            "review", "reinstatement_fee", "reinstatement_exam", "updated_at",
        )),
        sa.column("attestations", sa.JSON),
    )  # fmt: skip
    for board_id, type_id, grace, fee, exam in rows:
        bind.execute(
            policy.insert().values(
                board_id=board_id, credential_type_id=type_id, window_days=90,
                grace_days=grace or 0, attestations=[], fee_required=False, review="all",
                reinstatement_fee=bool(fee), reinstatement_exam=bool(exam),
                updated_at=datetime.now(UTC),
            )
        )  # fmt: skip
    with op.batch_alter_table("ce_rule_version", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ce_rule_version_grace_nonneg"), type_="check")
        batch_op.drop_column("reinstatement_exam")
        batch_op.drop_column("reinstatement_fee")
        batch_op.drop_column("grace_days")


def downgrade():
    with op.batch_alter_table("ce_rule_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grace_days", sa.Integer(), nullable=False,
                                      server_default="0"))  # fmt: skip
        batch_op.add_column(sa.Column("reinstatement_fee", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))  # fmt: skip
        batch_op.add_column(sa.Column("reinstatement_exam", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))  # fmt: skip
        batch_op.create_check_constraint("grace_nonneg", "grace_days >= 0")
    bind = op.get_bind()
    for type_id, grace, fee, exam in bind.execute(
        sa.text(
            "SELECT credential_type_id, grace_days, reinstatement_fee, reinstatement_exam "
            "FROM renewal_policy"
        )
    ).all():
        bind.execute(
            sa.text(
                "UPDATE ce_rule_version SET grace_days = :grace, reinstatement_fee = :fee, "
                "reinstatement_exam = :exam WHERE credential_type_id = :type_id"
            ),
            {"grace": grace, "fee": fee, "exam": exam, "type_id": type_id},
        )
    with op.batch_alter_table("renewal_request", schema=None) as batch_op:
        batch_op.drop_index("uq_renewal_request_open")
        batch_op.drop_index("ix_renewal_request_board_status")
        batch_op.drop_index(batch_op.f("ix_renewal_request_credential_id"))
        batch_op.drop_index(batch_op.f("ix_renewal_request_board_id"))
    op.drop_table("renewal_request")
    with op.batch_alter_table("renewal_policy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_renewal_policy_board_id"))
    op.drop_table("renewal_policy")
