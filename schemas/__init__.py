"""marshmallow schemas: the one definition of what a record looks like on the wire."""
