"""The surveys API: shapes of surveys, results (with intervals and E–P), links, responses,
feelings and interviews; limits; another workspace's survey is a 404."""

from __future__ import annotations

from typing import Any

from samphan.core.access import Actor, actor_for_membership
from samphan.feedback import services
from samphan.feedback.models import Survey, SurveyResponse
from tests.conftest import ApiClient
from tests.factories import BranchFactory, CustomerFactory, MembershipFactory, OrderFactory
from tests.feedback.conftest import QUESTIONS, answers, make_survey


def test_create_read_change_and_delete(api_rw: ApiClient, owner: Actor) -> None:
    created = api_rw.post("/api/v1/surveys", {"title": "หลังซื้อ", "questions": QUESTIONS})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert set(body) >= {
        "id",
        "title",
        "kind",
        "is_active",
        "expiry_days",
        "public_url",
        "questions",
    }
    assert body["public_url"] is None and len(body["questions"]) == len(QUESTIONS)
    ep = next(q for q in body["questions"] if q["type"] == "ep_pair")
    assert ep["attributes"] == ["responsiveness", "accuracy"] and ep["scale"] == 5
    sid = body["id"]
    listed = api_rw.get("/api/v1/surveys").json()
    assert listed["count"] == 1 and listed["items"][0]["responses"] == 0
    changed = api_rw.request("PUT", f"/api/v1/surveys/{sid}", {"public_mode": "anonymous"}).json()
    assert changed["public_url"].startswith("http://testserver/q/")
    assert len(changed["questions"]) == len(QUESTIONS)  # questions untouched when not given
    assert api_rw.request("DELETE", f"/api/v1/surveys/{sid}").status_code == 204
    assert api_rw.get(f"/api/v1/surveys/{sid}").status_code == 404


def test_limits_and_validation(api_rw: ApiClient) -> None:
    too_many = api_rw.post(
        "/api/v1/surveys",
        {"title": "x", "questions": [{"type": "csat", "text": "q"}] * 31},
    )
    assert too_many.status_code == 422
    bad_choice = api_rw.post(
        "/api/v1/surveys",
        {"title": "x", "questions": [{"type": "single_choice", "text": "q", "choices": ["a"]}]},
    )
    assert bad_choice.status_code == 422 and bad_choice.json()["error"]["code"] == "invalid_choices"
    bad_attr = api_rw.post(
        "/api/v1/surveys",
        {"title": "x", "questions": [{"type": "ep_pair", "text": "q", "attributes": ["nope"]}]},
    )
    assert bad_attr.json()["error"]["code"] == "invalid_attributes"
    assert api_rw.post("/api/v1/surveys", {"title": "x" * 201}).status_code == 422
    bad_type = api_rw.post(
        "/api/v1/surveys", {"title": "x", "questions": [{"type": "?", "text": "q"}]}
    )
    assert bad_type.status_code == 422


def test_answered_questions_cannot_be_removed(api_rw: ApiClient, owner: Actor) -> None:
    survey = make_survey(owner)
    services.response_submit(survey=survey, answers=answers(survey), channel="api")
    kept = [
        {
            "id": q.pk,
            "type": q.type,
            "text": q.text,
            "choices": q.choices,
            "attributes": q.attributes,
        }
        for q in survey.questions.all()
    ][1:]
    response = api_rw.request("PUT", f"/api/v1/surveys/{survey.pk}", {"questions": kept})
    assert response.status_code == 409 and response.json()["error"]["code"] == "question_answered"
    assert api_rw.request("DELETE", f"/api/v1/surveys/{survey.pk}").status_code == 409


def _answer_ep(survey: Survey, e: int, p: int) -> dict[str, Any]:
    q = survey.questions.get(type="ep_pair")
    return {
        "question_id": q.pk,
        "ep": [
            {"attribute": "responsiveness", "expectation": e, "performance": p},
            {"attribute": "accuracy", "expectation": e, "performance": min(p + 1, 5)},
        ],
    }


def test_results_shape_and_figures(api_rw: ApiClient, owner: Actor) -> None:
    survey = make_survey(owner)
    branch = BranchFactory(workspace=owner.workspace)
    # Ten customers who bought at the branch: NPS scores 10,10,10,10,9,8,7,6,3,0.
    for i, nps in enumerate([10, 10, 10, 10, 9, 8, 7, 6, 3, 0]):
        customer = CustomerFactory(workspace=owner.workspace)
        order = OrderFactory(
            workspace=owner.workspace, customer=customer, branch=branch if i < 5 else None
        )
        given = answers(survey, nps=nps, csat=5 if nps >= 7 else 2)
        given.append(_answer_ep(survey, 4, 3 if i % 2 else 4))
        response = api_rw.post(
            f"/api/v1/surveys/{survey.pk}/responses",
            {"customer_id": customer.pk, "order_id": order.pk, "answers": given},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["channel"] == "api"
        if i == 0:
            again = api_rw.post(
                f"/api/v1/surveys/{survey.pk}/responses",
                {"order_id": order.pk, "answers": given},
            )
            assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    body = api_rw.get(f"/api/v1/surveys/{survey.pk}/results").json()
    assert body["responses"] == 10
    # 5 promoters, 2 passives, 3 detractors: NPS 20.
    nps = body["nps"]
    assert nps["value"] == 20 and (nps["promoters"], nps["passives"], nps["detractors"]) == (
        5,
        2,
        3,
    )
    assert nps["low"] < 20 < nps["high"]
    assert body["csat"]["value"] == 70 and body["csat"]["hits"] == 7
    ep = {row["attribute"]: row for row in body["ep"]}
    assert ep["responsiveness"]["disappointed"] == 50 and ep["responsiveness"]["satisfied"] == 50
    assert ep["accuracy"]["delighted"] == 50
    assert ep["responsiveness"]["quadrant"] in {
        "concentrate",
        "keep_up",
        "low_priority",
        "overkill",
    }
    assert body["importance_basis"] == "correlation"
    branch_row = body["comparisons"]["branch"][0]
    assert branch_row["label"] == branch.name and branch_row["n"] == 5
    assert isinstance(branch_row["within_noise"], bool)
    nps_question = next(q for q in body["questions"] if q["type"] == "nps_0_10")
    assert nps_question["trend"] and nps_question["trend"][0]["n"] == 10
    multi = next(q for q in body["questions"] if q["type"] == "multiple_choice")
    assert [c["choice"] for c in multi["counts"]] == ["ราคา", "บริการ", "ของ"]


def test_links_feelings_interviews(api_rw: ApiClient, owner: Actor) -> None:
    survey = make_survey(owner)
    customer = CustomerFactory(workspace=owner.workspace)
    link = api_rw.post(f"/api/v1/surveys/{survey.pk}/invitations", {"customer_id": customer.pk})
    assert link.status_code == 201 and link.json()["url"].startswith("http://testserver/s/")
    feeling = api_rw.post(
        f"/api/v1/customers/{customer.pk}/feelings",
        {"kind": "staff_relationship", "score": 2, "note": "รู้จักพี่นิดเป็นอย่างดี"},
    )
    assert feeling.status_code == 201 and feeling.json()["source"] == "staff"
    bad = api_rw.post(f"/api/v1/customers/{customer.pk}/feelings", {"kind": "x", "score": 1})
    assert bad.status_code == 422
    assert api_rw.get(f"/api/v1/customers/{customer.pk}/feelings").json()["count"] == 1
    interview = api_rw.post(
        "/api/v1/interviews",
        {
            "customer_id": customer.pk,
            "summary": "ลูกค้าประจำ ชอบชาเย็น",
            "qa": [{"q": "ทำไมมาร้านเรา", "a": "ใกล้บ้าน พนักงานใจดี"}],
            "quotes": ["ร้านนี้เหมือนบ้าน"],
            "themes": ["บริการ", "ทำเล"],
            "delight": "ส่วนลดวันเกิด",
        },
    )
    assert interview.status_code == 201, interview.json()
    iid = interview.json()["id"]
    assert api_rw.get(f"/api/v1/interviews/{iid}").json()["themes"] == ["บริการ", "ทำเล"]
    found = api_rw.get("/api/v1/interviews", data={"q": "เหมือนบ้าน"}).json()
    assert found["count"] == 1
    assert api_rw.get("/api/v1/interviews", data={"q": "ไม่มีคำนี้"}).json()["count"] == 0
    attrs = api_rw.get("/api/v1/feedback/attributes").json()
    assert len(attrs) == 12 and attrs[0]["code"] == "responsiveness"
    renamed = api_rw.post(
        "/api/v1/feedback/attributes",
        {"code": "accuracy", "name_th": "ความถูกต้อง", "name_en": "Accuracy", "is_active": False},
    )
    assert renamed.status_code == 200 and renamed.json()["is_active"] is False


def test_another_workspaces_survey_is_404(api_rw: ApiClient, owner: Actor) -> None:
    other = actor_for_membership(MembershipFactory())
    survey = make_survey(other)
    for method, path, body in [
        ("GET", f"/api/v1/surveys/{survey.pk}", None),
        ("GET", f"/api/v1/surveys/{survey.pk}/results", None),
        ("PUT", f"/api/v1/surveys/{survey.pk}", {"title": "x"}),
        ("POST", f"/api/v1/surveys/{survey.pk}/responses", {"answers": []}),
    ]:
        response = api_rw.request(method, path, body)
        assert response.status_code == 404, (path, response.json())
    assert not SurveyResponse.objects.exists()
