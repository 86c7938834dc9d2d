"""``/api/vocabularies/...``: the terms records may use."""

from __future__ import annotations

import re
from typing import Any

from flask.views import MethodView
from marshmallow import Schema

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.domain.errors import InvalidInput, NotFound
from catalogue.services.vocabularies import EDITABLE, VOCABULARIES, list_terms, save_term
from schemas.terms import (
    AccessRightSchema,
    DepartmentSchema,
    LicenceSchema,
    ResourceTypeSchema,
    TermChangeSchema,
    TermListArgsSchema,
    ThemeChangeSchema,
    ThemeSchema,
)

blp = Blueprint(
    "vocabularies",
    __name__,
    url_prefix="/api/vocabularies",
    description="Innovation themes, departments, SPDX licences, resource types, access rights.",
)

_TERM_ID = re.compile(r"^[A-Za-z0-9.+-]{1,100}$")
_NEW_TERM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_SCHEMAS: dict[str, type[Schema]] = {
    "themes": ThemeSchema,
    "departments": DepartmentSchema,
    "licences": LicenceSchema,
    "resource-types": ResourceTypeSchema,
    "access-rights": AccessRightSchema,
}


def _register(vocabulary: str, schema: type[Schema]) -> None:
    title = vocabulary.replace("-", " ")

    class Terms(MethodView):
        @blp.arguments(TermListArgsSchema, location="query", as_kwargs=True)
        @blp.response(200, schema(many=True))
        def get(self, q: str | None = None) -> Any:
            with reader() as session:
                return list_terms(session, vocabulary, q)

    class Term(MethodView):
        @blp.response(200, schema)
        @blp.alt_response(404, description="No such term")
        def get(self, term_id: str) -> Any:
            with reader() as session:
                term = (
                    session.get(VOCABULARIES[vocabulary], term_id)
                    if _TERM_ID.match(term_id)
                    else None
                )
                if term is None:
                    raise NotFound(f"No term {term_id!r} in {title}.")
                return term

    Terms.get.__doc__ = f"List the {title}."
    Term.get.__doc__ = f"One of the {title}."
    item: type[MethodView] = Term
    if vocabulary in EDITABLE:
        change_schema = ThemeChangeSchema if vocabulary == "themes" else TermChangeSchema

        class EditableTerm(Term):
            @blp.arguments(change_schema)
            @blp.response(200, schema)
            @blp.alt_response(201, schema=schema, description="A new term")
            def put(self, data: dict[str, Any], term_id: str) -> Any:
                if not _NEW_TERM_ID.match(term_id):
                    raise InvalidInput(
                        {"term_id": ["2-64 lower-case letters, digits and '-', like 'cardiology'."]}
                    )
                with transaction() as session:
                    identity = current_identity()
                    term, created = save_term(session, identity, vocabulary, term_id, data)
                    return term, 201 if created else 200

        EditableTerm.put.__doc__ = (
            f"Add or change one of the {title} (administrators); terms are retired, not deleted."
        )
        item = EditableTerm

    name = vocabulary.replace("-", "_")
    blp.route(f"/{vocabulary}", endpoint=f"{name}_list")(Terms)
    blp.route(f"/{vocabulary}/<term_id>", endpoint=f"{name}_item")(item)


for _vocabulary, _schema in _SCHEMAS.items():
    _register(_vocabulary, _schema)
