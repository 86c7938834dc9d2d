"""People and their credentials: users, roles, access tokens, login sessions, co-editors,
access requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalogue.domain.terms import ROLES
from catalogue.models.base import Base, UTCDateTime, utcnow

ROLE_SOURCES = ("provider", "admin")
REQUEST_STATUSES = ("pending", "approved", "denied", "revoked")


class User(Base):
    """A person known to the catalogue (owner of records, actor in the audit trail)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # ``<issuer>|<sub>`` for single sign-on users, so two providers can never collide.
    subject: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    orcid: Mapped[str | None] = mapped_column(String(19))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_grants: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", order_by="UserRole.role", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted({grant.role for grant in self.role_grants})


class UserRole(Base):
    """One role of one user, and where it came from.

    Roles from the provider's claims are replaced at every login; roles an administrator
    granted stay until an administrator takes them away.
    """

    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
        CheckConstraint(f"source IN {ROLE_SOURCES!r}", name="source"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A personal access token.  Only a SHA-256 hash of the secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so its owner can tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A browser's login, kept on the server so it can be ended from anywhere: by its person,
    an administrator, or the login provider's back-channel logout.

    The cookie carries a random secret; only its SHA-256 hash is kept here.  Every request
    carried by the cookie looks its row up, so an ended session ends on every app process.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The provider's session id (the ID token's ``sid``): what a back-channel logout names.
    provider_sid: Mapped[str | None] = mapped_column(String(255), index=True)
    # How the person logged in ("sso" or "development login") and from where, so they can
    # tell their sessions apart in a list.
    via: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute; a session idle for longer than the session lifetime ends.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SeenLogoutToken(Base):
    """A back-channel logout token already acted on (its issuer and ``jti``, hashed): the
    same token sent again is refused.  Kept a day, far longer than a token is accepted."""

    __tablename__ = "seen_logout_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RecordEditor(Base):
    """A co-editor of a work: may edit every version of it, as its owner may."""

    __tablename__ = "record_editors"

    concept_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AccessRequest(Base):
    """A request to use a restricted dataset, and the data steward's decision.

    A grant covers every version of the dataset (its ``concept_id``) up to ``valid_until``;
    a data steward may revoke it before (status ``revoked``).
    """

    __tablename__ = "access_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATUSES!r}", name="status"),
        # One pending request per person and dataset, however many are sent at once.
        Index(
            "uq_access_requests_pending",
            "concept_id",
            "requester_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    concept_id: Mapped[str] = mapped_column(String(16), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    # The last day a grant gives access (included); revoking ends it before.
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def active_on(self, day: date) -> bool:
        """Whether this is a grant that gives access on ``day``."""
        return self.status == "approved" and (self.valid_until is None or day <= self.valid_until)
