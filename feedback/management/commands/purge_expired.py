from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from feedback.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Blank the text of withheld comments and delete sign-in attempt records older than "
        "RETENTION_DAYS (SECURITY.md 24). Safe to run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override RETENTION_DAYS")

    def handle(self, *args: object, days: int | None, **opts: object) -> None:
        purged = retention_purge(days=days if days is not None else settings.RETENTION_DAYS)
        self.stdout.write(
            f"Blanked {purged.comments} withheld comment(s); "
            f"deleted {purged.login_records} sign-in record(s)."
        )
