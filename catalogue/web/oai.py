"""An OAI-PMH 2.0 data provider at ``/oai`` (openarchives.org/OAI/openarchivesprotocol.html).

- All six verbs, by GET or POST; every protocol error by its name (badVerb, badArgument,
  badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch).
- Formats: ``oai_dc``; ``oai_datacite`` (the DataCite 4.6 ``<resource>``, as a DOI
  registration sends it); ``dcat_ap`` (the record's DCAT-AP graph in RDF/XML).
- Sets: ``kind:dataset``, ``kind:publication``, ``theme:{id}``, ``department:{id}``.
- Datestamps are when a record last changed, in UTC at seconds granularity; ``from`` and
  ``until`` take a day or a second, both in the same granularity.
- Withdrawn records are ``deleted`` headers (``deletedRecord`` persistent); drafts never
  appear. Pages are in record-id order and the resumption token carries the last id: a
  record changed during a harvest keeps its place (no skip, no repeat). Tokens expire after
  a day (``expirationDate``) and are refused as ``badResumptionToken`` after that.

Written here rather than with a library: the ``oaipmh`` package's server side is unmaintained
(last release 2017, Python 2 era), and the protocol is small; the answers are checked against
the official ``OAI-PMH.xsd`` and harvested by ``sickle`` in the tests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, request
from lxml import etree
from rdflib import Graph
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from catalogue.api.context import reader
from catalogue.api.records import as_the_api_shows
from catalogue.models import Department, Record, Theme
from catalogue.services.exports import Site, datacite, dcat, harvest
from catalogue.services.exports.datacite import xml_text
from catalogue.web.machine import site

blp = Blueprint("oai", __name__)

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
PAGE_SIZE = 200
TOKEN_LIFETIME = timedelta(days=1)

# prefix -> (schema, namespace)
FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
    "oai_datacite": ("http://schema.datacite.org/meta/kernel-4.6/metadata.xsd", datacite.NAMESPACE),
    "dcat_ap": ("https://semiceu.github.io/DCAT-AP/releases/3.0.1/", "http://data.europa.eu/r5r/"),
}
VERBS = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
}


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def _envelope(args: dict[str, str]) -> etree._Element:
    root = etree.Element(
        f"{{{OAI}}}OAI-PMH",
        {f"{{{XSI}}}schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"},
        nsmap={None: OAI, "xsi": XSI},
    )
    _sub(root, f"{{{OAI}}}responseDate", _stamp(datetime.now(UTC)))
    shown = {
        k: v for k, v in args.items() if k in VERBS.get(args.get("verb", ""), set()) | {"verb"}
    }
    _sub(root, f"{{{OAI}}}request", site().url("/oai"), **shown)
    return root


def _answer(root: etree._Element) -> Response:
    body = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="text/xml")


@blp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    raw = request.form if request.method == "POST" else request.args
    repeated = [key for key in raw if len(raw.getlist(key)) > 1]
    args = {key: raw[key] for key in raw}
    root = _envelope(args)
    try:
        if repeated:
            raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
        verb = args.get("verb")
        if verb not in VERBS:
            raise OaiError("badVerb", "Missing or unknown verb." if verb else "No verb given.")
        unknown = set(args) - VERBS[verb] - {"verb"}
        if unknown:
            raise OaiError(
                "badArgument", f"Arguments not allowed here: {', '.join(sorted(unknown))}."
            )
        if "resumptionToken" in args and set(args) - {"verb", "resumptionToken"}:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        HANDLERS[verb](root, args)
    except OaiError as problem:
        for child in list(root)[2:]:
            root.remove(child)
        if problem.code in ("badVerb", "badArgument"):
            root[1].attrib.clear()  # the spec: the base URL only, no attributes
        _sub(root, f"{{{OAI}}}error", problem.message, code=problem.code)
    return _answer(root)


# -- Identify, formats, sets ---------------------------------------------------------------


def _identify(root: etree._Element, args: dict[str, str]) -> None:
    here = site()
    with reader() as session:
        earliest = harvest.earliest_change(session) or datetime.now(UTC)
    element = _sub(root, f"{{{OAI}}}Identify")
    _sub(element, f"{{{OAI}}}repositoryName", here.name)
    _sub(element, f"{{{OAI}}}baseURL", here.url("/oai"))
    _sub(element, f"{{{OAI}}}protocolVersion", "2.0")
    host = urlsplit(here.base_url).hostname or "localhost"
    _sub(element, f"{{{OAI}}}adminEmail", here.contact_email or f"catalogue@{host}")
    _sub(element, f"{{{OAI}}}earliestDatestamp", _stamp(earliest))
    _sub(element, f"{{{OAI}}}deletedRecord", "persistent")
    _sub(element, f"{{{OAI}}}granularity", "YYYY-MM-DDThh:mm:ssZ")


def _list_formats(root: etree._Element, args: dict[str, str]) -> None:
    if "identifier" in args:
        with reader() as session:
            _record(session, args["identifier"])
    element = _sub(root, f"{{{OAI}}}ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        item = _sub(element, f"{{{OAI}}}metadataFormat")
        _sub(item, f"{{{OAI}}}metadataPrefix", prefix)
        _sub(item, f"{{{OAI}}}schema", schema)
        _sub(item, f"{{{OAI}}}metadataNamespace", namespace)


def _list_sets(root: etree._Element, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "The list of sets comes in one answer.")
    element = _sub(root, f"{{{OAI}}}ListSets")
    sets = [("kind:dataset", "Datasets"), ("kind:publication", "Publications")]
    with reader() as session:
        sets += [
            (f"theme:{i}", f"Theme: {label}")
            for i, label in session.execute(select(Theme.id, Theme.label).order_by(Theme.id))
        ]
        sets += [
            (f"department:{i}", f"Department: {label}")
            for i, label in session.execute(
                select(Department.id, Department.label).order_by(Department.id)
            )
        ]
    for spec, name in sets:
        item = _sub(element, f"{{{OAI}}}set")
        _sub(item, f"{{{OAI}}}setSpec", spec)
        _sub(item, f"{{{OAI}}}setName", name)


# -- records -------------------------------------------------------------------------------


def oai_identifier(here: Site, record_id: str) -> str:
    return f"oai:{urlsplit(here.base_url).netloc}:{record_id}"


def _record(session: Session, identifier: str) -> Record:
    prefix = oai_identifier(site(), "")
    record_id = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
    found = session.get(Record, record_id) if record_id else None
    if found is None or found.status == "draft":
        raise OaiError("idDoesNotExist", f"No record {identifier!r} here.")
    return found


def _header(parent: etree._Element, record: Record, shown: dict[str, Any]) -> None:
    deleted = record.status == "withdrawn"
    header = _sub(parent, f"{{{OAI}}}header", **({"status": "deleted"} if deleted else {}))
    _sub(header, f"{{{OAI}}}identifier", oai_identifier(site(), record.id))
    _sub(header, f"{{{OAI}}}datestamp", _stamp(record.updated_at))
    _sub(header, f"{{{OAI}}}setSpec", f"kind:{record.kind}")
    for theme in shown.get("themes") or []:
        _sub(header, f"{{{OAI}}}setSpec", f"theme:{theme}")
    for department in shown.get("departments") or []:
        _sub(header, f"{{{OAI}}}setSpec", f"department:{department}")


def _oai_dc(shown: dict[str, Any], here: Site) -> etree._Element:
    root = etree.Element(
        f"{{{OAI_DC}}}dc",
        {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {FORMATS['oai_dc'][0]}"},
        nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
    )

    def add(name: str, value: Any) -> None:
        if value not in (None, ""):
            _sub(root, f"{{{DC}}}{name}", str(value))

    add("title", shown.get("title"))
    for creator in shown.get("creators") or []:
        add("creator", creator.get("name"))
    for keyword in (shown.get("keywords") or []) + (shown.get("themes") or []):
        add("subject", keyword)
    add("description", shown.get("description"))
    add("publisher", shown.get("publisher") or here.institution)
    for contributor in shown.get("contributors") or []:
        add("contributor", contributor.get("name"))
    add("date", shown.get("publication_date") or shown.get("publication_year"))
    add("type", shown.get("resource_type"))
    for item in shown.get("distributions") or []:
        add("format", item.get("media_type") or item.get("format"))
    if shown.get("doi"):
        add("identifier", f"https://doi.org/{shown['doi']}")
    add("identifier", here.record_url(shown["id"]))
    add("language", shown.get("language"))
    for item in shown.get("related_identifiers") or []:
        add("relation", item.get("identifier"))
    add("coverage", shown.get("spatial_coverage"))
    add("rights", shown.get("license_url"))
    add("rights", shown.get("access_right_uri"))
    return root


def _dcat_ap(shown: dict[str, Any], here: Site) -> etree._Element:
    graph: Graph = dcat.record_graph(shown, here)
    element: etree._Element = etree.fromstring(graph.serialize(format="xml", encoding="utf-8"))
    return element


METADATA: dict[str, Callable[[dict[str, Any], Site], etree._Element]] = {
    "oai_dc": _oai_dc,
    "oai_datacite": datacite.to_element,
    "dcat_ap": _dcat_ap,
}


def _write_record(parent: etree._Element, record: Record, prefix: str, with_metadata: bool) -> None:
    shown = as_the_api_shows(record)
    if not with_metadata:
        _header(parent, record, shown)
        return
    element = _sub(parent, f"{{{OAI}}}record")
    _header(element, record, shown)
    if record.status != "withdrawn":
        _sub(element, f"{{{OAI}}}metadata").append(METADATA[prefix](shown, site()))


def _get_record(root: etree._Element, args: dict[str, str]) -> None:
    if "identifier" not in args or "metadataPrefix" not in args:
        raise OaiError("badArgument", "GetRecord needs identifier and metadataPrefix.")
    prefix = _prefix(args["metadataPrefix"])
    with reader() as session:
        record = _record(session, args["identifier"])
        _write_record(_sub(root, f"{{{OAI}}}GetRecord"), record, prefix, True)


def _prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"No format {prefix!r}; see ListMetadataFormats.")
    return prefix


def _moment(text: str, end: bool) -> tuple[datetime, str]:
    """A ``from``/``until`` value and its granularity ("day" or "second")."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end else time.min, UTC), "day"
        if len(text) == 20 and text.endswith("Z") and "T" in text:
            moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return (moment + timedelta(microseconds=999_999) if end else moment), "second"
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"Not a UTC datestamp (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ): {text!r}."
    )


def _selection(args: dict[str, str]) -> harvest.Selection:
    since = until = None
    grains = set()
    if "from" in args:
        since, grain = _moment(args["from"], end=False)
        grains.add(grain)
    if "until" in args:
        until, grain = _moment(args["until"], end=True)
        grains.add(grain)
    if len(grains) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if since and until and since > until:
        raise OaiError("badArgument", "from is after until.")
    spec = args.get("set")
    chosen: dict[str, Any] = {}
    if spec:
        kind, _, value = spec.partition(":")
        if kind == "kind" and value in ("dataset", "publication"):
            chosen["kind"] = value
        elif kind in ("theme", "department") and value:
            chosen[kind] = value
        else:
            raise OaiError("badArgument", f"No set {spec!r}; see ListSets.")
    return harvest.Selection(since=since, until=until, with_withdrawn=True, **chosen)


def _token(args: dict[str, str], after: str, issued: datetime, cursor: int) -> str:
    state: dict[str, Any] = {
        k: args[k] for k in ("metadataPrefix", "from", "until", "set") if k in args
    }
    state |= {"after": after, "issued": issued.timestamp(), "cursor": cursor}
    return base64.urlsafe_b64encode(orjson.dumps(state)).decode().rstrip("=")


def _untoken(token: str) -> tuple[dict[str, str], str, datetime, int]:
    try:
        state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        issued = datetime.fromtimestamp(float(state.pop("issued")), UTC)
        after, cursor = str(state.pop("after")), int(state.pop("cursor"))
        args = {str(k): str(v) for k, v in state.items()}
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        binascii.Error,
        orjson.JSONDecodeError,
    ):
        raise OaiError("badResumptionToken", "This resumption token is not one of ours.") from None
    if datetime.now(UTC) - issued > TOKEN_LIFETIME:
        raise OaiError("badResumptionToken", "This resumption token has expired; start again.")
    return args, after, issued, cursor


def _list(root: etree._Element, args: dict[str, str], with_metadata: bool) -> None:
    if "resumptionToken" in args:
        args, after, issued, cursor = _untoken(args["resumptionToken"])
    else:
        after, issued, cursor = "", datetime.now(UTC), 0
    if "metadataPrefix" not in args:
        raise OaiError("badArgument", "metadataPrefix is required.")
    prefix = _prefix(args["metadataPrefix"])
    chosen = _selection(args)
    verb = "ListRecords" if with_metadata else "ListIdentifiers"
    with reader() as session:
        # One more than a page: a list that ends on a page's edge says so on that page,
        # never with an empty page after it (the schema wants at least one header).
        records = harvest.page(session, chosen, after or None, PAGE_SIZE + 1)
        more = len(records) > PAGE_SIZE
        records = records[:PAGE_SIZE]
        if not records:
            raise OaiError("noRecordsMatch", "No records match these arguments.")
        element = _sub(root, f"{{{OAI}}}{verb}")
        for record in records:
            _write_record(element, record, prefix, with_metadata)
        if more or after:
            total = harvest.count(session, chosen)
            attrs = {"completeListSize": str(total), "cursor": str(cursor)}
            if more:
                attrs["expirationDate"] = _stamp(issued + TOKEN_LIFETIME)
            token = _token(args, records[-1].id, issued, cursor + len(records)) if more else ""
            _sub(element, f"{{{OAI}}}resumptionToken", token, **attrs)


HANDLERS: dict[str, Callable[[etree._Element, dict[str, str]], None]] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": lambda root, args: _list(root, args, False),
    "ListRecords": lambda root, args: _list(root, args, True),
}
