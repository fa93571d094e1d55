"""The public site around the product: explanations, the demo, onboarding, stay-connected."""

from django.urls import path
from django.views.generic import TemplateView

from feedback import views_demo

from . import site_views

app_name = "site"


def page(template: str) -> TemplateView:
    return TemplateView.as_view(template_name=f"site/{template}.html")


urlpatterns = [
    path("how-it-works/", page("how_it_works"), name="how_it_works"),
    path("procedural-justice/", page("procedural_justice"), name="procedural_justice"),
    path("why-trust-matters/", page("why_trust"), name="why_trust"),
    path("faq/", page("faq"), name="faq"),
    path("accessibility/", page("accessibility"), name="accessibility"),
    path("language/<slug:code>/", site_views.language, name="language"),
    path("demo/", site_views.demo, name="demo"),
    path("demo/try/", views_demo.demo_try, name="demo_try"),
    path("for-agencies/", site_views.for_agencies, name="for_agencies"),
    path("for-agencies/thanks/", site_views.for_agencies_thanks, name="for_agencies_thanks"),
    path("stay-connected/", site_views.subscribe, name="subscribe"),
    path("stay-connected/sent/", site_views.subscribe_sent, name="subscribe_sent"),
    path(
        "stay-connected/confirm/<str:token>/",
        site_views.subscribe_confirm,
        name="subscribe_confirm",
    ),
    path("stay-connected/unsubscribe/<str:token>/", site_views.unsubscribe, name="unsubscribe"),
]
