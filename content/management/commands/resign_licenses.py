"""``manage.py resign_licenses [--from-key-id KID] [--dry-run]``: after adding a new signing key
(and making it current with ``LICENSE_SIGNING_KEY_ID``), re-sign the certificates signed with
older keys so those keys can be removed from ``LICENSE_SIGNING_KEYS``. Only certificates that
verify with their own key are re-signed; tampered ones are counted and left alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from content.licensing.services import licenses_resign


class Command(BaseCommand):
    help = "Re-sign license certificates with the current signing key (key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--from-key-id", help="Only certificates signed with this key id.")
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, from_key_id=None, dry_run=False, **options):
        counts = licenses_resign(from_key_id=from_key_id, dry_run=dry_run)
        verb = "would re-sign" if dry_run else "re-signed"
        self.stdout.write(
            f"{verb} {counts['resigned']}, already current {counts['current']}, "
            f"not authentic (left alone) {counts['not_authentic']}"
        )
