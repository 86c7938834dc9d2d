"""The rules that suggest innovation themes for harvested and imported works."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.services import theme_rules
from schemas.harvests import ThemeRulesSchema

blp = Blueprint(
    "theme_rules",
    __name__,
    url_prefix="/api/theme-rules",
    description="Which theme to suggest for records of a department or with a keyword.",
)


@blp.route("")
class ThemeRules(MethodView):
    @blp.response(200, ThemeRulesSchema)
    def get(self) -> Any:
        """Every rule: records of a department, or with a keyword, are suggested a theme."""
        with reader() as session:
            return {"rules": theme_rules.rules(session)}

    @blp.arguments(ThemeRulesSchema)
    @blp.response(200, ThemeRulesSchema)
    def put(self, data: dict[str, Any]) -> Any:
        """Replace every rule (administrators).  Suggestions follow at the next harvest or
        import of a work; a person confirms one by adding the theme to the record."""
        given = [{**rule, "theme": rule["theme_id"]} for rule in data["rules"]]
        with transaction() as session:
            return {"rules": theme_rules.replace_rules(session, current_identity(), given)}
