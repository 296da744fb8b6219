from django.urls import path

from samphan.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:import_id>/run/", views.import_run, name="import_run"),
    path("imports/<int:import_id>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:import_id>/delete/", views.import_delete, name="import_delete"),
    path("imports/<int:import_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:import_id>/problems.csv", views.import_errors_csv, name="import_errors_csv"),
]
