"""What talks to the outside: the database and its unit of work, the search index's
outbox worker, migrations, and the metadata services of enrichment."""
