from django.urls import URLPattern, path
from django.views.generic import RedirectView

from samphan.segments import views

app_name = "segments"
urlpatterns: list[URLPattern] = [
    path("segments/", views.segment_list, name="list"),
    # The list's old address, from before the "coming soon" page at /segments/ was dropped.
    path(
        "segments/list/",
        RedirectView.as_view(pattern_name="segments:list", permanent=True, query_string=True),
        name="list_moved",
    ),
    path("segments/new/", views.segment_new, name="new"),
    path("segments/from-suggestion/", views.suggestion_save, name="from_suggestion"),
    path("segments/from-suggestion/count/", views.suggestion_count, name="suggestion_count"),
    path("segments/builder/tree/", views.builder_tree, name="builder_tree"),
    path("segments/builder/count/", views.builder_count, name="builder_count"),
    path("segments/<int:segment_id>/", views.segment_detail, name="detail"),
    path("segments/<int:segment_id>/edit/", views.segment_edit, name="edit"),
    path("segments/<int:segment_id>/delete/", views.segment_delete, name="delete"),
    path("segments/<int:segment_id>/count/", views.segment_live_count, name="count"),
    path("segments/<int:segment_id>/export/", views.segment_export, name="export"),
    path("segments/<int:segment_id>/snapshots/", views.snapshot_create, name="snapshot_create"),
    path(
        "segments/<int:segment_id>/snapshots/<int:snapshot_id>/",
        views.snapshot_detail,
        name="snapshot",
    ),
    path(
        "segments/<int:segment_id>/snapshots/<int:snapshot_id>/export/",
        views.snapshot_export,
        name="snapshot_export",
    ),
]
