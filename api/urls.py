"""/api/v1/ routes (issue 5)."""

urlpatterns: list = []
