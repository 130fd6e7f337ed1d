"""Active content in an uploaded PDF, found by parsing the file as a viewer would.

A byte search is blind to names written with escapes ("/J#61vaScript" is "/JavaScript") and to
objects inside compressed object streams; pypdf decodes both. Every object of the file is
looked at, whether or not the document tree reaches it, since viewers repair broken files.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

JAVASCRIPT, LAUNCH, ATTACHMENT, INTERACTIVE = "javascript", "launch", "attachment", "interactive"

# Action types (/S) by what they do when the document is opened or a field is touched.
ACTION_KINDS = {
    "/JavaScript": JAVASCRIPT,
    "/Rendition": JAVASCRIPT,  # may carry a script of its own
    "/Launch": LAUNCH,
    "/GoToR": LAUNCH,  # opens another file, possibly on a remote share
    "/GoToE": ATTACHMENT,
    "/ImportData": LAUNCH,
    "/SubmitForm": LAUNCH,  # sends the form's content to an address
    "/RichMediaExecute": INTERACTIVE,
}
KEY_KINDS = {
    "/JS": JAVASCRIPT,
    "/JavaScript": JAVASCRIPT,  # the document's named scripts in the names tree
    "/EmbeddedFiles": ATTACHMENT,
    "/EF": ATTACHMENT,  # a file specification carrying the file itself
    "/XFA": INTERACTIVE,
    "/RichMediaContent": INTERACTIVE,
}
TYPE_KINDS = {"/EmbeddedFile": ATTACHMENT}
SUBTYPE_KINDS = {"/FileAttachment": ATTACHMENT, "/RichMedia": INTERACTIVE}

MESSAGES = {
    JAVASCRIPT: gettext_lazy("“%(name)s” contains JavaScript, which is not accepted in documents."),
    LAUNCH: gettext_lazy(
        "“%(name)s” contains launch actions, which open other files or programs or send data "
        "elsewhere; they are not accepted in documents."
    ),
    ATTACHMENT: gettext_lazy(
        "“%(name)s” contains attached files, which are not accepted: upload each document on "
        "its own."
    ),
    INTERACTIVE: gettext_lazy(
        "“%(name)s” contains XFA forms or embedded multimedia, which are not accepted."
    ),
}


def check_pdf(handle, params: dict) -> None:
    """Raises ValidationError when the PDF cannot be parsed, is encrypted or carries active
    content. Leaves `handle` at an undefined position."""
    handle.seek(0)
    try:
        reader = PdfReader(handle, strict=False)
        encrypted = reader.is_encrypted
        kind = None if encrypted else _active_content(reader)
    except Exception:  # pypdf raises many unrelated types on a malformed or hostile file
        raise _unreadable(params) from None
    if encrypted:
        message = _(
            "“%(name)s” is encrypted or password-protected. Save a copy without protection and "
            "try again."
        )
        raise ValidationError(message, code="encrypted", params=params)
    if kind:
        raise ValidationError(MESSAGES[kind], code="active_content", params=params)


def _unreadable(params: dict) -> ValidationError:
    message = _(
        "“%(name)s” could not be read as a PDF: it is damaged or not a genuine PDF. Save or "
        "export it again as PDF and try again."
    )
    return ValidationError(message, code="unreadable", params=params)


def _active_content(reader: PdfReader) -> str | None:
    for dictionary in _all_dictionaries(reader):
        kind = _kind_of(dictionary)
        if kind:
            return kind
    return None


def _kind_of(dictionary: DictionaryObject) -> str | None:
    for key in dictionary:
        if key in KEY_KINDS:
            return KEY_KINDS[key]
    action = dictionary.get("/S")
    if action in ACTION_KINDS:
        return ACTION_KINDS[action]
    if action == "/URI" and _is_script_address(dictionary.get("/URI")):
        return JAVASCRIPT
    return TYPE_KINDS.get(dictionary.get("/Type")) or SUBTYPE_KINDS.get(dictionary.get("/Subtype"))


def _is_script_address(address) -> bool:
    if isinstance(address, bytes):
        address = address.decode("latin-1")
    return isinstance(address, str) and address.strip().lower().startswith("javascript:")


def _all_dictionaries(reader: PdfReader):
    """Every dictionary of the file: the trailer, every object the cross-reference lists
    (including those packed in object streams) and everything they contain or reference."""
    listed = [
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    ]
    listed += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    stack, seen = [reader.trailer, *listed], set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams are dictionaries too
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
