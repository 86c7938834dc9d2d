"""``/api/me``, ``/api/me/tokens``, ``/api/users`` and ``/api/security-events``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.domain.errors import InvalidInput, NotAuthenticated
from catalogue.models import utcnow
from catalogue.services import accounts
from schemas.accounts import (
    MeSchema,
    NewTokenSchema,
    SecurityEventSchema,
    TokenCreateSchema,
    TokenSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/api",
    description="Who you are, your personal access tokens; users and roles (administrators).",
)


def _signed_in() -> Any:
    identity = current_identity()
    if identity.is_anonymous:
        raise NotAuthenticated("Log in, or send a personal access token.")
    return identity


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="Not logged in")
    def get(self) -> Any:
        """The caller: name, roles, and the scopes of the credential used."""
        identity = _signed_in()
        return {
            "id": identity.user_id,
            "name": identity.name,
            "roles": sorted(identity.roles),
            "scopes": sorted(identity.scopes),
        }


@blp.route("/me/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> Any:
        """Your personal access tokens (never their secrets)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.tokens_of(session, identity)

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(409, description="Too many active tokens; revoke one first")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; its secret is in this answer only.  Use it as a Bearer token."""
        identity = _signed_in()
        limit = current_app.extensions["catalogue"].settings.token_max_days
        if data["expires_in_days"] > limit:
            raise InvalidInput({"expires_in_days": [f"At most {limit} days."]})
        expires_at = utcnow() + timedelta(days=data["expires_in_days"])
        with transaction() as session:
            token, secret = accounts.issue_token(
                session, identity, data["name"], data["scopes"], expires_at
            )
            body = {name: getattr(token, name) for name in TokenSchema().fields}
            body["token"] = secret
        return body, 201


@blp.route("/me/tokens/<id:token_id>")
class Token(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> Response:
        """Revoke a token: it stops working at once."""
        identity = _signed_in()
        with transaction() as session:
            accounts.revoke_token(session, identity, token_id)
        return Response(status=204)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self) -> Any:
        """Everyone known to the catalogue (administrators)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.list_users(session, identity)


@blp.route("/users/<id:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> Any:
        """One user (administrators)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.get_user(session, identity, user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Grant roles or disable an account (administrators).

        ``roles`` replaces the roles administrators granted; roles from the login
        provider's claims stay and follow the provider.
        """
        identity = _signed_in()
        with transaction() as session:
            return accounts.update_user(
                session, identity, user_id, data.get("roles"), data.get("active")
            )


@blp.route("/security-events")
class SecurityEvents(MethodView):
    @blp.response(200, SecurityEventSchema(many=True))
    def get(self) -> Any:
        """Logins, refused credentials, token and role changes, newest first (administrators)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.security_events(session, identity)
