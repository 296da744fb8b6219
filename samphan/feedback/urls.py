from django.urls import path

from samphan.feedback import public, views

app_name = "feedback"
urlpatterns = [
    path("feedback/", views.index, name="index"),
    path("feedback/surveys/new/", views.survey_new, name="survey_new"),
    path("feedback/surveys/template/", views.survey_from_preset, name="survey_from_preset"),
    path("feedback/surveys/<int:survey_id>/", views.survey_edit, name="survey_edit"),
    path("feedback/surveys/<int:survey_id>/results/", views.survey_results, name="results"),
    path("feedback/surveys/<int:survey_id>/qr.svg", views.survey_qr, name="survey_qr"),
    path(
        "feedback/surveys/<int:survey_id>/public-link/",
        views.survey_public_reset,
        name="survey_public_reset",
    ),
    path("feedback/qualities/", views.qualities, name="qualities"),
    path("feedback/scorecard/", views.scorecard, name="scorecard"),
    path("feedback/interviews/", views.interviews, name="interviews"),
    path("feedback/interviews/<int:interview_id>/", views.interview, name="interview"),
    path(
        "feedback/interviews/<int:interview_id>/delete/",
        views.interview_delete,
        name="interview_delete",
    ),
    path(
        "feedback/customers/<int:customer_id>/interview/",
        views.interview_new,
        name="interview_new",
    ),
    path("feedback/customers/<int:customer_id>/feelings/", views.feeling_add, name="feeling_add"),
    path("feedback/customers/<int:customer_id>/invite/", views.invite, name="invite"),
    path(
        "feedback/invitations/<int:invitation_id>/sent/",
        views.invitation_sent,
        name="invitation_sent",
    ),
    # Public: no login.
    path("s/<str:token>/", public.answer_page, name="answer"),
    path("q/<str:token>/", public.public_page, name="public"),
]
