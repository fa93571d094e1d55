from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Site-wide values every template may use."""
    return {
        "OPERATOR_NAME": settings.OPERATOR_NAME,
        "DEMO_ENABLED": settings.DEMO_ENABLED,
    }
