app_name = "funeral"

urlpatterns: list = []
