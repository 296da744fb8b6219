"""Commerce pages. One module per topic; each defines its own ``urlpatterns``."""
