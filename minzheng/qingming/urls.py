app_name = "qingming"

urlpatterns: list = []
