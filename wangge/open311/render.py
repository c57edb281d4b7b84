"""One renderer for every answer: a Python value (dicts, lists, strings, numbers, booleans,
None) becomes JSON or XML by the Spark convention of the Open311 wiki (JSON_and_XML_Conversion).

- The XML root element names the answer (`services`, `service_requests`, `discovery`, …); in
  JSON the root is dropped, so a list answer is a top-level array and a record an object.
- A list is a container element whose children are named by `ITEM_NAMES` (`services` holds
  `service` elements); in JSON it is always an array, even with one or no item.
- None is an empty element in XML and null in JSON; booleans are `true`/`false`.
"""

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "notes": "note",
}
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all (control characters typed or pasted into a field).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])
