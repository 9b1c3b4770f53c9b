"""Create or update the staff groups and their permissions from mutuelles/data/roles.yaml."""
from pathlib import Path

import yaml
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ROLES_FILE = Path(__file__).resolve().parents[2] / "data" / "roles.yaml"


class Command(BaseCommand):
    help = "Crée les groupes du personnel (agent, médecin contrôleur, superviseur, organisme) et leurs droits."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        roles = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
        for name, perms in roles.items():
            group, _ = Group.objects.get_or_create(name=name)
            wanted = []
            for perm in perms:
                app_label, codename = perm.split(".", 1)
                found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
                if found is None:
                    raise CommandError(f"{ROLES_FILE.name} : permission inconnue « {perm} » (rôle {name}).")
                wanted.append(found)
            group.permissions.set(wanted)
            self.stdout.write(f"{name} : {len(wanted)} permissions")
