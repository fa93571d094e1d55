from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("agencies/", views.directory, name="directory"),
    path("agencies/<slug:slug>/", views.detail, name="detail"),
    path("agencies/<slug:slug>/data/responses.csv", views.responses_csv, name="responses_csv"),
    path("agencies/<slug:slug>/data/responses.json", views.responses_json, name="responses_json"),
    path("agencies/<slug:slug>/data/aggregates.csv", views.aggregates_csv, name="aggregates_csv"),
    path("agencies/<slug:slug>/data/datapackage.json", views.datapackage, name="datapackage"),
    path("open-data/responses.csv", views.responses_csv, name="all_responses_csv"),
    path("open-data/responses.json", views.responses_json, name="all_responses_json"),
    path("open-data/aggregates.csv", views.aggregates_csv, name="all_aggregates_csv"),
    path("open-data/datapackage.json", views.datapackage, name="all_datapackage"),
    path("methodology/", views.methodology, name="methodology"),
]
