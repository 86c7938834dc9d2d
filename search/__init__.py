"""Everything Elasticsearch.  Knows nothing of Flask or of the catalogue's models."""

from search.client import SearchConfig, SearchEngine

__all__ = ["SearchConfig", "SearchEngine"]
