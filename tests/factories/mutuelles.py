"""Factories for staff accounts (organismes and mutuelles come from the reference data)."""
import factory
from django.contrib.auth.models import Group

from mutuelles.models import User

PASSWORD = "mot-de-passe-de-test-1"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Salma"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.ma")
    role = "agent"
    is_staff = factory.LazyAttribute(lambda o: o.role != "assure")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if not create:
            return
        group = Group.objects.filter(name=self.get_role_display()).first()
        if group is not None:
            self.groups.add(group)
