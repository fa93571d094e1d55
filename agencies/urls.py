from django.urls import path

from . import views, views_opendata

app_name = "agencies"

urlpatterns = [
    path("agencies/", views.directory, name="directory"),
    path("agencies/<slug:slug>/", views.detail, name="detail"),
    path("agencies/<slug:slug>/data/<str:table>.csv", views_opendata.table_csv, name="table_csv"),
    path(
        "agencies/<slug:slug>/data/figures.json", views_opendata.figures_json, name="figures_json"
    ),
    path(
        "agencies/<slug:slug>/data/datapackage.json", views_opendata.datapackage, name="datapackage"
    ),
    path("open-data/<str:table>.csv", views_opendata.table_csv, name="all_table_csv"),
    path("open-data/figures.json", views_opendata.figures_json, name="all_figures_json"),
    path("open-data/datapackage.json", views_opendata.datapackage, name="all_datapackage"),
    path("methodology/", views.methodology, name="methodology"),
]
