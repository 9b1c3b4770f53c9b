"""Services of the mutuelles app: staff accounts and the robot actor of automatic steps."""
from django.contrib.auth import get_user_model
from django.db import transaction

SYSTEM_USERNAME = "systeme"


def system_user():
    """The account named in audit rows for what the workers do on their own."""
    User = get_user_model()
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        with transaction.atomic():
            user, _ = User.objects.get_or_create(
                username=SYSTEM_USERNAME, defaults={"first_name": "Traitement", "last_name": "automatique",
                                                    "is_active": False},
            )
    return user
