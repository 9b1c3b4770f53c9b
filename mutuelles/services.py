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


def create_staff(*, username: str, password: str, role: str, first_name: str, last_name: str,
                 mutuelle=None, fund=None, email: str = ""):
    """Create (or update) a staff account with its role's group; staff use the admin."""
    from django.contrib.auth.models import Group

    from mutuelles.models import StaffRole

    User = get_user_model()
    with transaction.atomic():
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"role": role, "mutuelle": mutuelle, "fund": fund, "first_name": first_name,
                      "last_name": last_name, "email": email, "is_staff": True, "is_active": True},
        )
        user.full_clean(exclude=["password"])
        user.set_password(password)
        user.save()
        group = Group.objects.filter(name=StaffRole(role).label).first()
        if group is not None:
            user.groups.set([group])
    return user
