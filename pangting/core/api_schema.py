"""The OpenAPI document states every status an operation can answer, not only its success.

drf-spectacular documents the success response of each operation from its serializer. The
errors come from shared plumbing instead (authentication, the policy answering 404 for both
missing and forbidden records, validation, the version check of steps, throttling), so one
postprocessing hook adds them to every operation, each with the body the API really sends.
A client generator (or schemathesis's status-code check) then finds no undocumented status.

A second hook states how form bodies read an empty value: a form has no null, so DRF reads an
empty field of a nullable input as null. The JSON body keeps its schema; the form and multipart
bodies get a variant of it where each nullable field also allows the empty string.
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext_lazy as _

from pangting.core.api_inputs import ID_BOUNDS, QUERY_INTEGER_BOUNDS

# Bodies of error answers, as `pangting.core.api.exception_handler` and DRF render them.
ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "ErrorDetail": {
        "type": "object",
        "description": _("错误说明：detail 为中文提示。"),
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrorDetail": {
        "type": "object",
        "description": _(
            "输入有误：键为字段名（或 detail、non_field_errors），值为中文提示的列表；嵌套字段的值为同样结构的对象。"
        ),
        "minProperties": 1,
        "additionalProperties": {
            "anyOf": [
                {"type": "string"},
                {"type": "array"},
                {"type": "object"},
                {"type": "integer"},
            ]
        },
    },
}

_UNSAFE = {"post", "put", "patch", "delete"}
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_EMPTY_FORM_VALUE = {"type": "string", "maxLength": 0, "description": _("表单中留空即为 null")}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def default_error_responses(method: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error statuses every operation of this kind can answer, with their bodies.

    - 400: the request body or query did not validate (field errors), or a business rule refused it.
    - 401: no or an invalid, expired or revoked token.
    - 403: a signed-in session without a valid CSRF token on a write, or an account that must
      first change its password.
    - 404: the record does not exist or lies outside the caller's scope (both answer the same).
    - 409: a step sent with a `version` the record no longer has (another change came first).
    - 415: a body in a media type the operation does not read.
    - 429: too many requests (throttling, lockout of a token request).
    """
    has_input = "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
    errors: dict[str, dict[str, Any]] = {}
    if has_input:
        errors["400"] = _json(_ref("ValidationErrorDetail"), _("输入有误或业务规则不允许"))
    errors["401"] = _json(_ref("ErrorDetail"), _("未登录，或令牌无效、已过期、已撤销"))
    errors["403"] = _json(_ref("ErrorDetail"), _("CSRF 校验失败，或须先修改密码"))
    errors["404"] = _json(_ref("ErrorDetail"), _("记录不存在或不在您的范围内"))
    if method in _UNSAFE:
        errors["409"] = _json(_ref("ErrorDetail"), _("记录已被他人修改（版本号已变），请刷新后重试"))
    if "requestBody" in operation:
        errors["415"] = _json(_ref("ErrorDetail"), _("不支持的请求体格式"))
    errors["429"] = _json(_ref("ErrorDetail"), _("请求过于频繁，请稍后再试"))
    return errors


def bound_query_integers(operation: dict[str, Any]) -> None:
    """State the bounds `core.api_inputs` enforces on integer query parameters declared without any.

    A `year` is 1–9999, a `page` is positive, any other integer filter is a record id; an
    operation that declares its own bounds or an enum (e.g. the figures' year) keeps them.
    """
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") != "query" or schema.get("type") != "integer":
            continue
        if "enum" in schema or "minimum" in schema or "maximum" in schema:
            continue
        low, high = QUERY_INTEGER_BOUNDS.get(parameter["name"], ID_BOUNDS)
        schema.update(minimum=low, maximum=high)


def document_error_statuses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the shared error statuses to every operation.

    An operation's own declaration of a status wins for its description; for 400 its schema is
    widened to also allow field errors, since the serializers answer those as well.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_COMPONENTS.items():
        schemas.setdefault(name, copy.deepcopy(schema))
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                continue
            bound_query_integers(operation)
            responses = operation.setdefault("responses", {})
            for status, response in default_error_responses(method, operation).items():
                own = responses.get(status)
                if own is None:
                    responses[status] = response
                    continue
                own_schema = own.get("content", {}).get("application/json", {}).get("schema")
                if status == "400" and own_schema is not None:
                    own["content"]["application/json"]["schema"] = {
                        "anyOf": [own_schema, _ref("ValidationErrorDetail")]
                    }
    return result


def _form_variant(name: str, schemas: dict[str, Any]) -> str | None:
    """The name of the form variant of component `name`, made once; None when nothing in it is nullable."""
    variant = f"{name}Form"
    if variant in schemas:
        return variant
    component = schemas.get(name, {})
    properties = component.get("properties", {})
    nullable = [key for key, prop in properties.items() if prop.get("nullable") and not prop.get("readOnly")]
    if not nullable:
        return None
    made = copy.deepcopy(component)
    for key in nullable:
        made["properties"][key] = {"anyOf": [properties[key], dict(_EMPTY_FORM_VALUE)]}
    schemas[variant] = made
    return variant


def document_empty_form_values(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: in form bodies an empty nullable field means null."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    prefix = "#/components/schemas/"
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            for media_type, content in (body or {}).get("content", {}).items():
                ref = content.get("schema", {}).get("$ref", "")
                if media_type not in _FORM_TYPES or not ref.startswith(prefix):
                    continue
                if (variant := _form_variant(ref[len(prefix) :], schemas)) is not None:
                    content["schema"] = _ref(variant)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result
