from django.apps import AppConfig


class ShopeeCsConfig(AppConfig):
    name = "shopee_cs"
    verbose_name = "shopee_cs core"

    def ready(self) -> None:
        from shopee_cs import (
            checks,  # noqa: F401 - registers the system checks
            receivers,  # noqa: F401 - audit, revocation, cache invalidation
        )
