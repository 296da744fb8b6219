def test_create_customer_via_api_and_match_again(api_rw) -> None:  # type: ignore[no-untyped-def]
    body = {
        "first_name": "นายต้น",
        "last_name": "กล้าหาญ",
        "contacts": [{"kind": "phone", "value": "0066 81 359 6920"}],
    }
    created = api_rw.post("/api/v1/customers", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["created"] is True
    assert data["customer"]["title"] == "นาย"
    assert data["customer"]["contacts"] == [{"kind": "phone", "value": "+66813596920"}]
    again = api_rw.post(
        "/api/v1/customers", {"contacts": [{"kind": "phone", "value": "081-359-6920"}]}
    )
    assert again.status_code == 200
    assert again.json()["customer"]["id"] == data["customer"]["id"]


def test_bad_phone_is_422_naming_field_and_formats(api_rw) -> None:  # type: ignore[no-untyped-def]
    response = api_rw.post(
        "/api/v1/customers", {"first_name": "ต้น", "contacts": [{"kind": "phone", "value": "12345"}]}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_phone"
    assert error["details"]["field"] == "contacts[0].value"
    assert "+66 81 359 6920" in error["details"]["accepted_formats"]


def test_search_endpoint(api_rw) -> None:  # type: ignore[no-untyped-def]
    api_rw.post(
        "/api/v1/customers",
        {"first_name": "มาลี", "contacts": [{"kind": "phone", "value": "0812223344"}]},
    )
    hits = api_rw.get("/api/v1/search/customers?q=3344").json()
    assert [(h["matched_field"], h["customer"]["first_name"]) for h in hits] == [
        ("phone_suffix", "มาลี")
    ]


def test_read_only_key_cannot_create(api_ro) -> None:  # type: ignore[no-untyped-def]
    assert api_ro.post("/api/v1/customers", {"first_name": "x"}).status_code == 403
