"""Pure rules and vocabularies: no Flask, no database.  What schemas/ may import."""
