"""Users, roles and personal access tokens; security events go to the audit trail.

Tokens are ``cat_`` followed by 43 random URL-safe characters (256 bits).  Only their SHA-256
hash is stored: a stolen database does not yield usable tokens, and a slow password hash is
not needed for secrets this long.  The secret is shown once, when the token is created.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from catalogue.domain import clock
from catalogue.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from catalogue.domain.terms import ROLES, SCOPES
from catalogue.models import (
    AccessRequest,
    ApiToken,
    AuditEvent,
    RecordEditor,
    User,
    UserRole,
    utcnow,
)
from catalogue.services.audit import security_event
from catalogue.services.permissions import Identity, can_administer
from schemas.identifiers import normalise_orcid

TOKEN_PREFIX = "cat_"
# Tokens a person may hold at once (unrevoked, unexpired): more is a leak waiting to happen.
MAX_ACTIVE_TOKENS = 25
# Writing last-used on every request would turn each read into a write; once a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def identity_of(session: Session, user: User, scopes: Iterable[str] | None = None) -> Identity:
    """The identity of ``user`` acting with ``scopes``: roles, co-edited and granted works.

    Without ``scopes`` (a login session) the identity has the scopes its roles can use:
    ``admin`` only for administrators, so ``/api/me`` tells a researcher what is true.
    """
    if scopes is None:
        scopes = [s for s in SCOPES if s != "admin" or "administrator" in user.roles]
    co_edits = session.scalars(
        select(RecordEditor.concept_id).where(RecordEditor.user_id == user.id)
    )
    # Grants count until their last day: checked on every request, so one that ends or is
    # revoked stops showing links at once.
    granted = session.scalars(
        select(AccessRequest.concept_id).where(
            AccessRequest.requester_id == user.id,
            AccessRequest.status == "approved",
            AccessRequest.valid_until.is_(None) | (AccessRequest.valid_until >= clock.today()),
        )
    )
    return Identity(
        user_id=user.id,
        name=user.name,
        roles=frozenset(user.roles),
        scopes=frozenset(scopes),
        co_edits=frozenset(co_edits),
        granted=frozenset(granted),
    )


# The development login's people: one per role, so a newcomer can try every role.  They
# own the demo records.  Production refuses to start with the development login on.
DEV_USERS = (
    ("dev|anna", "Anna de Vries (researcher)", ("researcher",)),
    ("dev|bram", "Bram Bakker (researcher)", ("researcher",)),
    ("dev|lotte", "Lotte Jansen (librarian)", ("researcher", "librarian")),
    ("dev|sanne", "Sanne Visser (data steward)", ("researcher", "data_steward")),
    ("dev|ada", "Ada Smit (administrator)", ("researcher", "administrator")),
)


def ensure_dev_users(session: Session) -> list[User]:
    """The development login's people, created on first use."""
    users = []
    for subject, name, roles in DEV_USERS:
        user = session.scalar(select(User).where(User.subject == subject))
        users.append(user or ensure_user(session, subject, name, roles))
    return users


def ensure_user(
    session: Session, subject: str, name: str, roles: Iterable[str], email: str | None = None
) -> User:
    """A local user (demo, development login, tests, scripts) with exactly ``roles``.

    Their roles count as granted by an administrator.
    """
    user = session.scalar(select(User).where(User.subject == subject))
    if user is None:
        user = User(subject=subject, name=name, email=email, created_at=utcnow())
        session.add(user)
    wanted = set(roles)
    if unknown := wanted - set(ROLES):
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    if set(user.roles) != wanted:
        user.role_grants = [UserRole(role=role, source="admin") for role in sorted(wanted)]
    session.flush()
    return user


# -- single sign-on -------------------------------------------------------------------------


def user_from_claims(
    session: Session,
    issuer: str,
    claims: Mapping[str, Any],
    role_claim: str,
    role_map: Mapping[str, str],
    default_role: str,
) -> User:
    """The user the provider vouched for, created on first login and refreshed on each.

    Roles from the provider (the mapped claim values and the default role) replace those of
    the previous login; roles granted by administrators stay.
    """
    subject = f"{issuer}|{claims['sub']}"
    user = session.scalar(select(User).where(User.subject == subject))
    if user is None:
        user = User(subject=subject, name="")
        session.add(user)
    elif not user.active:
        raise Forbidden("This account is disabled; ask an administrator.")
    user.name = str(
        claims.get("name") or claims.get("preferred_username") or claims.get("email") or "?"
    )[:255]
    user.email = claims.get("email") or user.email
    user.orcid = _orcid(claims.get("orcid")) or user.orcid
    user.last_login_at = utcnow()
    values = claims.get(role_claim) or []
    if isinstance(values, str):
        values = [values]
    wanted = {role_map[v] for v in values if isinstance(v, str) and v in role_map}
    if default_role:
        wanted.add(default_role)
    kept = [grant for grant in user.role_grants if grant.source != "provider"]
    user.role_grants = kept + [UserRole(role=role, source="provider") for role in sorted(wanted)]
    session.flush()
    return user


def _orcid(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    try:
        return normalise_orcid(raw)
    except ValueError:
        return None


# -- personal access tokens -------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """How a long random secret (a token's, a login session's) is stored: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    session: Session, identity: Identity, name: str, scopes: Iterable[str], expires_at: datetime
) -> tuple[ApiToken, str]:
    """A new token for the caller; returns it with its secret (shown once, never stored)."""
    if identity.is_anonymous:
        raise NotAuthenticated("Log in to create a token.")
    wanted = {"read", *scopes}
    if unknown := wanted - set(SCOPES):
        raise InvalidInput({"scopes": [f"Unknown scope(s): {', '.join(sorted(unknown))}."]})
    if missing := wanted - identity.scopes:
        raise Forbidden(
            f"A token cannot have more scopes than the credential creating it: {sorted(missing)}."
        )
    if "admin" in wanted and not identity.has_role("administrator"):
        raise InvalidInput({"scopes": ["Only administrators can have the admin scope."]})
    if expires_at <= utcnow():
        raise InvalidInput({"expires_at": ["Must be in the future."]})
    # Counted with the user's row locked (a no-op update: a row lock on PostgreSQL, the write
    # lock on SQLite), so tokens made at the same moment cannot together pass the limit.
    session.execute(update(User).where(User.id == identity.user_id).values(id=User.id))
    active = session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == identity.user_id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
        )
    )
    if (active or 0) >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            f"You have {MAX_ACTIVE_TOKENS} active tokens, the most one person may hold; "
            "revoke one you no longer use first."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=identity.user_id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:12],
        scopes=sorted(wanted, key=SCOPES.index),
        expires_at=expires_at,
        created_at=utcnow(),
    )
    session.add(token)
    session.flush()
    security_event(
        session, "token_created", identity.user_id, {"token": token.id, "scopes": token.scopes}
    )
    return token, secret


def tokens_of(session: Session, identity: Identity) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == identity.user_id).order_by(ApiToken.id)
        )
    )


def revoke_token(session: Session, identity: Identity, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != identity.user_id:
        raise NotFound("No such token of yours.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        security_event(session, "token_revoked", identity.user_id, {"token": token.id})
    return token


def authenticate_token(session: Session, secret: str) -> tuple[User, ApiToken]:
    """The user and token a bearer secret belongs to; NotAuthenticated says why not.

    The caller records the refusal (in its own transaction, so it outlives this one).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        raise NotAuthenticated("The bearer token is malformed.")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None:
        raise NotAuthenticated("The bearer token is not known.")
    now = utcnow()
    if token.revoked_at is not None:
        raise NotAuthenticated("The bearer token has been revoked.")
    if token.expires_at <= now:
        raise NotAuthenticated("The bearer token has expired.")
    if not token.user.active:
        raise NotAuthenticated("The account of this token is disabled.")
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user, token


# -- administration ---------------------------------------------------------------------------


def _administrator(identity: Identity) -> None:
    if not can_administer(identity):
        raise Forbidden("Only administrators (with the admin scope) manage users and roles.")


def list_users(session: Session, identity: Identity) -> list[User]:
    _administrator(identity)
    return list(session.scalars(select(User).order_by(User.id)))


def get_user(session: Session, identity: Identity, user_id: int) -> User:
    _administrator(identity)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def update_user(
    session: Session,
    identity: Identity,
    user_id: int,
    granted_roles: list[str] | None,
    active: bool | None,
) -> User:
    """Set the roles an administrator grants (provider roles are untouched) or disable a user."""
    user = get_user(session, identity, user_id)
    if user.id == identity.user_id:
        demoted = granted_roles is not None and "administrator" not in granted_roles
        if active is False or (demoted and "administrator" not in _provider_roles(user)):
            raise Forbidden("Administrators cannot disable or demote themselves.")
    before = {"roles": user.roles, "active": user.active}
    if granted_roles is not None:
        if unknown := set(granted_roles) - set(ROLES):
            raise InvalidInput({"roles": [f"Unknown role(s): {', '.join(sorted(unknown))}."]})
        kept = [grant for grant in user.role_grants if grant.source != "admin"]
        user.role_grants = kept + [
            UserRole(role=role, source="admin") for role in sorted(set(granted_roles))
        ]
    if active is not None:
        user.active = active
    session.flush()
    after = {"roles": user.roles, "active": user.active}
    if after != before:
        security_event(
            session,
            "user_changed",
            identity.user_id,
            {"user": user.id, "from": before, "to": after},
        )
    return user


# Whoever runs the `catalogue` command on the server: an administrator by position (how the
# first administrator is made), with no account of its own; the audit trail says "operator".
OPERATOR = Identity(name="operator", roles=frozenset({"administrator"}), system=True)


def grant_roles(session: Session, identity: Identity, user_id: int, roles: Iterable[str]) -> User:
    """Add ``roles`` to those administrators granted ``user_id`` (audited as any change)."""
    user = get_user(session, identity, user_id)
    granted = {grant.role for grant in user.role_grants if grant.source == "admin"}
    return update_user(session, identity, user_id, sorted(granted | set(roles)), None)


def _provider_roles(user: User) -> set[str]:
    return {grant.role for grant in user.role_grants if grant.source == "provider"}


@dataclass(frozen=True)
class SecurityEventFilter:
    """Which security events: of these kinds, by this person, in ``[since, until)``, and
    older than event ``before`` (the last one of the previous page: keyset paging, so a page
    costs the same however deep it is and new events do not shift the pages)."""

    kinds: tuple[str, ...] = ()
    person: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None


def security_events(
    session: Session,
    identity: Identity,
    limit: int = 200,
    where: SecurityEventFilter = SecurityEventFilter(),
) -> list[AuditEvent]:
    """Newest first, at most ``limit`` (administrators)."""
    _administrator(identity)
    query = select(AuditEvent).where(AuditEvent.record_id.is_(None))
    if where.kinds:
        query = query.where(AuditEvent.action.in_(where.kinds))
    if where.person is not None:
        query = query.where(AuditEvent.actor_id == where.person)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    if where.before is not None:
        query = query.where(AuditEvent.id < where.before)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))


def prune_security_events(session: Session, older_than: datetime) -> int:
    """Delete the security events from before ``older_than`` (the retention period, an
    operator's command); the pruning itself is recorded as a security event."""
    pruned = session.execute(
        delete(AuditEvent).where(AuditEvent.record_id.is_(None), AuditEvent.at < older_than)
    )
    count = int(pruned.rowcount or 0)  # type: ignore[attr-defined]
    security_event(
        session, "security_events_pruned", None,
        {"older_than": older_than.isoformat(), "pruned": count},
    )  # fmt: skip
    return count
