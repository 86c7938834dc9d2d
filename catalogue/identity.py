"""Who is calling.

Until single sign-on arrives, the embedded development mode accepts a clearly marked
development identity: a request header ``X-Dev-User: <name>``.  It is refused in production
mode (the settings refuse to start with it), and every response to such a request says so in
an ``X-Dev-Identity`` header.
"""

from __future__ import annotations

import re

from flask import current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalogue.errors import NotAuthenticated
from catalogue.models import User
from catalogue.permissions import ANONYMOUS, Identity

DEV_HEADER = "X-Dev-User"
_DEV_NAME = re.compile(r"^[A-Za-z0-9 ._-]{1,64}$")


def current_identity() -> Identity:
    """The caller's identity for this request (creating the development user on first use)."""
    cached: Identity | None = g.get("identity")
    if cached is not None:
        return cached
    identity = ANONYMOUS
    name = request.headers.get(DEV_HEADER)
    if name is not None:
        if not current_app.extensions["catalogue"].settings.dev_identity_enabled:
            raise NotAuthenticated(f"The {DEV_HEADER} development identity is disabled here.")
        if not _DEV_NAME.match(name):
            raise NotAuthenticated(
                f"{DEV_HEADER} must be 1-64 letters, digits, ' ', '.', '_', '-'."
            )
        user = _dev_user(name)
        identity = Identity(user_id=user.id, name=user.name, roles=frozenset({"researcher"}))
        g.dev_identity = True
    g.identity = identity
    return identity


def _dev_user(name: str) -> User:
    """The development user of that name, created in a transaction of its own."""
    db = current_app.extensions["catalogue"].db
    for _attempt in range(2):
        try:
            with db.unit_of_work() as session:
                return dev_user_in(session, name)
        except IntegrityError:
            continue  # created by a concurrent first request: read it on the next attempt
    raise RuntimeError("could not create the development user")


def dev_user_in(session: Session, name: str) -> User:
    """The development user of that name, created in ``session`` if new."""
    subject = f"dev:{name}"
    user = session.scalar(select(User).where(User.subject == subject))
    if user is None:
        user = User(subject=subject, name=name)
        session.add(user)
        session.flush()
    return user
