from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cifta.demo"
    label = "demo"
    verbose_name = "Demo world"
