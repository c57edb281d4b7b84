"""Plain Django views of the API's URL space that are not operations of the API."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wangge.api.api import error_response
from wangge.api.errors import ApiError


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Any path under /api/ that names no operation (an unknown path, or an id that is not a
    number): the API's 404 body rather than the web app's page."""
    return error_response(request, 404, ApiError.NOT_FOUND, _("Not found, or outside your scope."))
