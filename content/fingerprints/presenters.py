"""Output of fingerprint statuses and duplicate matches."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, OuterRef

from content.catalog.models import Track
from content.catalog.presenters import artists_for_tracks
from content.fingerprints.models import Fingerprint
from content.fingerprints.selectors import Duplicate


def present_status(fingerprint: Fingerprint | None) -> dict:
    if fingerprint is None:
        return {"status": "success", "fingerprint_status": Fingerprint.Status.PENDING}
    body = {
        "status": "success",
        "fingerprint_status": fingerprint.status,
        "fingerprint_id": fingerprint.pk,
        "attempts": fingerprint.attempts,
    }
    if fingerprint.status == Fingerprint.Status.COMPLETED:
        body.update(
            duration=fingerprint.duration,
            hash=fingerprint.hash,
            fingerprinted_at=fingerprint.fingerprinted_at,
        )
    elif fingerprint.status == Fingerprint.Status.FAILED:
        body.update(error=fingerprint.error, error_code=fingerprint.error_code)
    return body


def present_duplicates(duplicates: Sequence[Duplicate], *, viewer, extra=None) -> list[dict]:
    """``[{"track": {id, name, artists}, "similarity", "fingerprinted_at"}]`` in two queries.

    A match the viewer may not see (someone else's private track) is still reported, so the
    refusal is explained, but as ``"track": null``: a duplicate check must not reveal what
    private catalogue exists.
    """
    ids = [d.track_id for d in duplicates]
    if not ids:
        return []
    visible = Track.objects.visible_to(viewer).filter(pk=OuterRef("pk"))
    rows = (
        Track.objects.filter(pk__in=ids)
        .annotate(is_visible=Exists(visible))
        .values_list("pk", "name", "is_visible")
    )
    names = {pk: (name if is_visible else None) for pk, name, is_visible in rows}
    artists = artists_for_tracks(ids, rich=False)
    out = []
    for i, dup in enumerate(duplicates):
        if dup.track_id not in names:
            continue
        name = names[dup.track_id]
        item = {
            "track": None
            if name is None
            else {
                "id": dup.track_id,
                "name": name,
                "artists": [{"id": a["id"], "name": a["name"]} for a in artists[dup.track_id]],
            },
            "similarity": dup.similarity,
            "fingerprinted_at": dup.fingerprinted_at,
        }
        if extra is not None:
            item.update(extra[i])
        out.append(item)
    return out
