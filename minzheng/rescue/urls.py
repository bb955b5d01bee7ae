app_name = "rescue"

urlpatterns: list = []
