"""The public survey page a customer opens from an invitation: no log-in, the token in
the path (namespace "survey")."""

app_name = "survey"

urlpatterns: list = []
