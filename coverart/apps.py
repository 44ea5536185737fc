from django.apps import AppConfig


class CoverartConfig(AppConfig):
    name = "coverart"
