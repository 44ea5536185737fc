"""bench/analytics.py's URLconf: the project's, behind two reference views that tell the fixed
cost of a request from what an endpoint adds: ``bench/plain`` (a Django view answering ``{}``:
the middleware stack, routing and a response) and ``bench/signed-in`` (a DRF ``APIView`` with the
project's defaults, Bearer authentication, ``IsAuthenticated`` and the throttles, answering
``{}``: the fixed cost of any signed-in API request, the user's query included)."""

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def plain(request):
    return JsonResponse({})


class SignedIn(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [
    path("bench/plain", plain),
    path("bench/signed-in", SignedIn.as_view()),
    path("", include("beatpass.urls")),
]
