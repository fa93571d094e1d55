from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.entry, name="entry"),
    path("feedback/thanks/", views.thanks, name="thanks"),
    path("f/<str:raw_code>", views.survey, name="survey"),
    path("anonymity/", views.anonymity, name="anonymity"),
]
