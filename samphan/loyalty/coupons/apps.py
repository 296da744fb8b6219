from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "samphan.loyalty.coupons"
    label = "coupons"
    verbose_name = "Coupons"
