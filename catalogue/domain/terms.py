"""The closed lists the wire schemas, the models and the services share.

Kept here, in the pure layer, so ``schemas/`` can validate against them without importing the
application.
"""

from __future__ import annotations

ROLES = ("researcher", "librarian", "data_steward", "administrator")
SCOPES = ("read", "write", "admin")
# What the security events record (the audit trail's events about no record).
SECURITY_EVENTS = (
    "login", "login_failed", "logout", "session_ended", "logout_token_refused",
    "token_created", "token_refused", "token_revoked", "user_changed", "vocabulary_changed",
    "security_events_pruned",
)  # fmt: skip
# Why a login session ended: its person logged out here, the login provider said so (its
# back-channel logout), the person ended it from another session, an administrator did.
SESSION_END_REASONS = ("logout", "provider_logout", "ended_by_person", "ended_by_administrator")

# The Open Access report's scopes (what counts as the monitor's denominator) and groupings.
REPORT_SCOPES = {
    "peer-reviewed-articles": "peer-reviewed journal articles (the monitor's default)",
    "articles": "journal articles, peer reviewed or not",
    "all": "every publication",
}
GROUPS = ("theme", "department", "type")

# The metadata services enrichment asks (catalogue.adapters.enrichment.sources holds how).
SOURCES = ("crossref", "unpaywall", "openalex", "datacite", "doi")

# What a theme rule looks at: records of a department, with a keyword, or of an OpenAlex
# topic (the topic, its subfield or its field, by name).
THEME_RULE_KINDS = {
    "department": "records of a department (its id)",
    "keyword": "records with a keyword",
    "topic": "works OpenAlex files under a topic, subfield or field (its name)",
}
