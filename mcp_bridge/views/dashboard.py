from django.http import HttpResponse


def dashboard(request):  # replaced by the real dashboard
    return HttpResponse("Dashboard not built yet", status=501)
