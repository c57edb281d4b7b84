"""URLs of the web app."""

from django.contrib.auth import views as auth_views
from django.urls import path

from wangge.web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("map/grids.geojson", views.grids_geojson, name="map_grids"),
    path("areas/<int:pk>/", views.area, name="area"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage.xlsx", views.coverage_xlsx, name="coverage_xlsx"),
]
