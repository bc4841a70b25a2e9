"""The API's OpenAPI document states every status it answers, and errors come as documented JSON (issue 14, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from pangting.core.api_inputs import YEAR_MAX

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_it_documents_the_shared_error_statuses_on_every_operation(document):
    found = operations(document)
    assert len(found) > 90
    for method, path, operation in found:
        responses = operation["responses"]
        label = f"{method.upper()} {path}"
        assert {"401", "403", "404", "429"} <= set(responses), label
        if method != "get":
            assert "409" in responses, label  # a stale version
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), label
        for status in ("401", "404"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorDetail"}, label


def test_it_widens_an_operations_own_400_to_field_errors(document):
    token = document["paths"]["/api/v1/auth/token"]["post"]["responses"]["400"]
    schema = token["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/ValidationErrorDetail"} in schema["anyOf"]
    assert len(schema["anyOf"]) == 2  # and keeps its own shape


def test_it_states_the_bounds_of_integer_query_parameters(document):
    people = document["paths"]["/api/v1/people/"]["get"]["parameters"]
    organization = next(p for p in people if p["name"] == "organization")
    assert organization["schema"]["minimum"] == 1
    visits = document["paths"]["/api/v1/observation/visits/"]["get"]["parameters"]
    year = next(p for p in visits if p["name"] == "year")
    assert year["schema"]["maximum"] == YEAR_MAX
    figures = document["paths"]["/api/v1/reports/figures/"]["get"]["parameters"]
    assert next(p for p in figures if p["name"] == "year")["schema"]["minimum"] == 2000  # its own bounds kept


def test_the_organization_parent_is_nullable_in_answers(document):
    assert document["components"]["schemas"]["Organization"]["properties"]["parent"]["nullable"] is True


def test_a_path_no_api_route_matches_answers_json_404(client):
    response = client.get("/api/v1/people/1.5/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_an_api_filter_with_a_bad_value_answers_400_in_chinese(admin_client):
    for query, name in (("year=0", "year"), ("year=abc", "year"), ("kind=", "kind"), ("kind=memo", "kind")):
        response = admin_client.get(f"/api/v1/reports/documents/?{query}")
        assert response.status_code == 400, query
        assert name in response.json(), query
