from django.apps import AppConfig


class MutuellesConfig(AppConfig):
    name = "mutuelles"
    verbose_name = "Organismes et mutuelles"
