from django.http import JsonResponse


def api_not_found(request, rest=""):
    """Unknown /api/ paths answer in the API's wire format, not Django's HTML page."""
    return JsonResponse({"message": "Not found."}, status=404)
