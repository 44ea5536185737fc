from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beatpass.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from beatpass.api import checks, schema  # noqa: F401  (the site-only middleware check; the OpenAPI auth extension)
