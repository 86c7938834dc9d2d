"""Services: the catalogue's rules, independent of HTTP."""
