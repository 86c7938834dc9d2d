"""The HTTP API: thin resources over the services, described by OpenAPI."""
