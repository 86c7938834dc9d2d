"""The closed lists the wire schemas, the models and the services share.

Kept here, in the pure layer, so ``schemas/`` can validate against them without importing the
application.
"""

from __future__ import annotations

ROLES = ("researcher", "librarian", "data_steward", "administrator")
SCOPES = ("read", "write", "admin")

# The Open Access report's scopes (what counts as the monitor's denominator) and groupings.
REPORT_SCOPES = {
    "peer-reviewed-articles": "peer-reviewed journal articles (the monitor's default)",
    "articles": "journal articles, peer reviewed or not",
    "all": "every publication",
}
GROUPS = ("theme", "department", "type")

# The metadata services enrichment asks (catalogue.adapters.enrichment.sources holds how).
SOURCES = ("crossref", "unpaywall", "openalex", "datacite", "doi")
