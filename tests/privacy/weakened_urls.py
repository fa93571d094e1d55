"""The real site plus the old per-response open data at its old addresses (weakened, test-only)."""

from django.urls import path

from openpolicing.urls import urlpatterns as real

from .weakened import old_aggregates_csv, old_responses_csv

urlpatterns = [
    path("agencies/<slug:slug>/data/responses.csv", old_responses_csv),
    path("agencies/<slug:slug>/data/aggregates.csv", old_aggregates_csv),
    *real,
]
