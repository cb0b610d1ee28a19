from django.core.management.base import BaseCommand, CommandError

from shopee_cs.security.services import allowlist_entry_add, roles_ensure


class Command(BaseCommand):
    help = (
        "Create the Agent/Supervisor/Admin roles (idempotent) and optionally add global IP "
        "allowlist entries, e.g. `security_setup --allow 203.0.113.0/24` on a fresh production "
        "install, where an empty allowlist refuses everyone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--allow", action="append", default=[], metavar="CIDR")

    def handle(self, *args, allow, **options):
        roles = roles_ensure()
        self.stdout.write(f"Roles: {', '.join(roles)}")
        for cidr in allow:
            try:
                entry = allowlist_entry_add(cidr=cidr, note="security_setup")
            except ValueError as exc:
                raise CommandError(f"{cidr!r} is not a valid CIDR") from exc
            self.stdout.write(f"Allowlisted (global): {entry.cidr}")
