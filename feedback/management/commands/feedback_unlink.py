from django.core.management.base import BaseCommand

from feedback.services import codes_restamp


class Command(BaseCommand):
    help = (
        "Rewrite every redeemed feedback code so no code shares a database transaction id with the "
        "feedback it was used for (a nightly backstop; submissions already do this per agency)."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = codes_restamp()
        self.stdout.write(f"Restamped {count} redeemed codes.")
