"""The web interface: server-rendered pages for people, over the same services as the API.

A page never shows what the API would refuse: records are shown in the API's wire form for
the same caller (``catalogue.api.records.as_the_api_shows``), searches go through the same
permission-aware search service, and every page reads without JavaScript.
"""
