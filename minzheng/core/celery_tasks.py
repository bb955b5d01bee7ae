from celery import shared_task
from django.utils.module_loading import import_string


@shared_task(name="minzheng.run_path", acks_late=True)
def run_path(path: str, kwargs: dict) -> None:
    import_string(path)(**kwargs)
