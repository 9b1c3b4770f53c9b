from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Bordereaux et paiements"

    def ready(self) -> None:
        from payments import pipeline, tasks

        pipeline.connect(tasks.queue_on_commit)  # what the services announce sets the next jobs going
