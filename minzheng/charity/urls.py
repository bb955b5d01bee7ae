app_name = "charity"
urlpatterns = []
