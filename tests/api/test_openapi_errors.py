"""Every operation documents the errors it can answer, with the one error body."""

from __future__ import annotations

from django.test import Client

ERROR_REF = "#/components/schemas/ErrorOut"


def test_every_operation_documents_its_error_answers(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["paths"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            expected = {"400", "401", "422"}
            if method != "get":
                expected |= {"403", "413"}
            if "{" in path:
                expected.add("404")
            assert expected <= codes, (method, path, sorted(codes))
            for code in codes - {"200", "201", "202", "204"}:
                body = operation["responses"][code]["content"]["application/json"]["schema"]
                assert body == {"$ref": ERROR_REF}, (method, path, code)
    error = schema["components"]["schemas"]["ErrorOut"]["properties"]["error"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}


def test_list_limits_are_documented(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    params = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/customers"]["get"]["parameters"]
    }
    assert params["limit"]["maximum"] == 500 and params["limit"]["minimum"] == 1
    assert params["offset"]["minimum"] == 0 and params["offset"]["maximum"] == 10**9
