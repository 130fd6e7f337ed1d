"""OpenAPI post-processing: every operation documents the project's one error shape for the
statuses it can answer with (see readiness.api_errors)."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Per-field messages when the input is not valid.",
                    "additionalProperties": True,
                },
            },
        }
    },
}

READ_ERRORS = {
    "400": "Invalid filter or parameter.",
    "401": "The token is not valid.",
    "403": "Not allowed (e.g. a session without two-factor verification).",
    "404": "No such object, or not one the caller may see.",
    "406": "No acceptable representation for the Accept header.",
    "429": "Too many requests; retry after the time given in Retry-After.",
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "400": "The input is not valid; `fields` says where.",
    "403": "The caller may not do this.",
    "409": "The object changed since it was read, or its state forbids the change.",
    "413": "The upload is larger than the limit.",
    "415": "Unsupported media type.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = READ_ERRORS if method in ("get", "head", "options") else WRITE_ERRORS
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
