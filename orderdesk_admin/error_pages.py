"""The crash page, with the request id a person can quote to support.

Django's own `server_error` renders 500.html with an empty context, so the page could not show the
id. This one passes only the id, and still renders without the request's context processors: they
read the session and the database, which may be what just failed.

A request that found no free database connection in time (the pool's timeout) is not a crash: it is
answered 503 with Retry-After, so the caller backs off instead of reporting an error.
"""

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from kernel.pool import RETRY_AFTER_SECONDS, pool_exhausted


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if pool_exhausted(sys.exc_info()[1]):
        response = HttpResponse(
            "The server is busy. Please try again in a few seconds.", status=503, content_type="text/plain"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    # RequestContextMiddleware sets the id; a crash in a middleware before it leaves none.
    request_id = getattr(request, "request_id", "")
    return HttpResponseServerError(loader.get_template("500.html").render({"request_id": request_id}))
