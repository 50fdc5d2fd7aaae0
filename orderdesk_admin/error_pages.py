"""The crash page, with the request id a person can quote to support.

Django's own `server_error` renders 500.html with an empty context, so the page could not show the
id. This one passes only the id, and still renders without the request's context processors: they
read the session and the database, which may be what just failed.
"""

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponseServerError:
    # RequestContextMiddleware sets the id; a crash in a middleware before it leaves none.
    request_id = getattr(request, "request_id", "")
    return HttpResponseServerError(loader.get_template("500.html").render({"request_id": request_id}))
