from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beatpass.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from beatpass.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
