"""Writes for the producer program: submit, approve, deny, revoke. Used by the API and the admin.

Every transition locks the request row (``select_for_update``), checks the move is allowed,
applies its side effects on the catalog, records what they were on the request (so a revoke undoes
exactly that) and appends a ``BackstageRequestEvent`` — all in one transaction. Notifications are
rows in that transaction; their emails leave after commit (``accounts.services.notify``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from beatpass.accounts.services import absolute_url, notify
from beatpass.api.errors import Conflict
from content.catalog.models import Artist

from . import selectors
from .models import BackstageRequest, BackstageRequestEvent

Status = BackstageRequest.Status
Type = BackstageRequest.Type

CURRENT_USER = "CURRENT_USER"
INVALID_TRANSITION = "backstage_request_invalid_transition"

# action -> (statuses it may start from, message when it may not)
TRANSITIONS = {
    "approve": (
        (Status.PENDING, Status.REVOKED),
        "Only pending or revoked requests can be approved.",
    ),
    "deny": ((Status.PENDING,), "Only pending requests can be denied."),
    "revoke": ((Status.APPROVED,), "Only approved requests can be revoked."),
}


# --- submission ---------------------------------------------------------------------------------


def _resolve_artist(*, user, type: str, artist_ref: int | str | None) -> Artist | None:
    """The artist a claim/verify request is about. ``CURRENT_USER`` means the one the user manages.

    Raises 422 on the ``artist_id`` field for anything a client can fix.
    """
    if type == Type.BECOME_ARTIST:
        return None  # the approval creates the profile; an artist_id here means nothing
    if artist_ref in (None, ""):
        raise ValidationError({"artist_id": ["The artist id field is required for this type."]})
    if artist_ref == CURRENT_USER:
        managed = list(Artist.objects.managed_by(user).order_by("id")[:2])
        if not managed:
            raise ValidationError({"artist_id": ["You do not manage an artist profile."]})
        if len(managed) > 1:
            raise ValidationError(
                {"artist_id": ["You manage several artist profiles; choose one by its id."]}
            )
        artist = managed[0]
    else:
        artist = Artist.objects.filter(pk=artist_ref).first()
        if artist is None:
            raise ValidationError({"artist_id": ["The selected artist id is invalid."]})
    manages = artist.managers.filter(pk=user.pk).exists()
    if type == Type.CLAIM_ARTIST and manages:
        raise ValidationError({"artist_id": ["You already manage this artist profile."]})
    if type == Type.VERIFY_ARTIST and not manages:
        raise ValidationError(
            {"artist_id": ["You can only ask to verify an artist profile you manage."]}
        )
    return artist


def _raise_if_blocked(*, user) -> None:
    status = selectors.submission_status(user=user)
    if not status.can_submit:
        raise Conflict(status.message, code=status.error_code)


def backstage_request_create(
    *,
    user,
    type: str,
    artist_name: str,
    data: dict[str, Any],
    artist_ref: int | str | None = None,
) -> BackstageRequest:
    """Submit a request, enforcing the global per-user guard (pending/revoked block: 409).

    Locks the user's row so concurrent submissions by one user run the guard one at a time; the
    partial unique constraint on pending requests backs that up.
    """
    artist = _resolve_artist(user=user, type=type, artist_ref=artist_ref)
    User = get_user_model()  # noqa: N806
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        _raise_if_blocked(user=user)
        try:
            with transaction.atomic():
                backstage_request = BackstageRequest.objects.create(
                    user=user, type=type, artist_name=artist_name, artist=artist, data=data
                )
        except IntegrityError:  # the pending-request constraint: another submission won
            message, code, _ = selectors.BLOCKS[Status.PENDING]
            raise Conflict(message, code=code) from None
        BackstageRequestEvent.objects.create(
            request=backstage_request, actor=user, from_status="", to_status=Status.PENDING
        )
        _notify_handlers(backstage_request)
    return backstage_request


def _notify_handlers(backstage_request: BackstageRequest) -> None:
    submitter = backstage_request.user
    title = (
        f"New backstage request: {backstage_request.get_type_display()} "
        f"“{backstage_request.artist_name}”"
    )
    review_url = absolute_url(f"/admin/backstage/backstagerequest/{backstage_request.pk}/change/")
    body = (
        f"{submitter.email} submitted a {backstage_request.type} request for "
        f"“{backstage_request.artist_name}”.\n"
        f"Review it at {review_url}"
    )
    for handler in selectors.request_handlers().exclude(pk=submitter.pk):
        notify(
            user=handler,
            kind="backstage.submitted",
            title=title,
            body=body,
            data={
                "backstage_request_id": backstage_request.pk,
                "type": backstage_request.type,
                "url": review_url,
            },
        )


# --- transitions --------------------------------------------------------------------------------


def _lock_for(action: str, backstage_request: BackstageRequest) -> BackstageRequest:
    locked = (
        BackstageRequest.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=backstage_request.pk)
    )
    allowed, message = TRANSITIONS[action]
    if locked.status not in allowed:
        raise Conflict(message, code=INVALID_TRANSITION, extra={"status": locked.status})
    return locked


def _lock_artist(artist_id: int | None) -> Artist | None:
    if artist_id is None:
        return None
    return Artist.objects.select_for_update().filter(pk=artist_id).first()


def _record(
    backstage_request: BackstageRequest,
    *,
    to: str,
    actor,
    notes: str,
    effects: dict[str, Any],
) -> BackstageRequest:
    from_status = backstage_request.status
    backstage_request.status = to
    backstage_request.notes = notes
    backstage_request.handled_by = actor
    backstage_request.handled_at = timezone.now()
    backstage_request.save(
        update_fields=[
            "status",
            "notes",
            "handled_by",
            "handled_at",
            "artist",
            "granted_manager",
            "granted_verification",
            "updated_at",
        ]
    )
    BackstageRequestEvent.objects.create(
        request=backstage_request,
        actor=actor,
        from_status=from_status,
        to_status=to,
        notes=notes,
        effects=effects,
    )
    return backstage_request


def _grant(backstage_request: BackstageRequest) -> dict[str, Any]:
    """Apply what an approval gives; remember it on the request. Returns the effects for audit."""
    user = backstage_request.user
    effects: dict[str, Any] = {}
    artist = _lock_artist(backstage_request.artist_id)
    if backstage_request.type == Type.BECOME_ARTIST and artist is None:
        # Re-approving after a revoke finds the profile the first approval made and relinks it.
        artist = Artist.objects.create(name=backstage_request.artist_name)
        effects["artist_created"] = artist.pk
    if artist is None:
        raise Conflict(
            "The artist profile of this request no longer exists.",
            code="backstage_request_artist_missing",
        )
    backstage_request.artist = artist
    if backstage_request.type in (Type.BECOME_ARTIST, Type.CLAIM_ARTIST):
        if not artist.managers.filter(pk=user.pk).exists():
            artist.managers.add(user)
            backstage_request.granted_manager = True
            effects["manager_added"] = True
    elif backstage_request.type == Type.VERIFY_ARTIST and not artist.verified:
        artist.verified = True
        artist.save(update_fields=["verified", "updated_at"])
        backstage_request.granted_verification = True
        effects["verified"] = True
    effects["artist_id"] = artist.pk
    return effects


def _take_back(backstage_request: BackstageRequest) -> dict[str, Any]:
    """Undo exactly what the approval granted. The artist and its tracks stay."""
    effects: dict[str, Any] = {}
    artist = _lock_artist(backstage_request.artist_id)
    if artist is not None:
        if backstage_request.granted_manager:
            artist.managers.remove(backstage_request.user)
            effects["manager_removed"] = True
        if backstage_request.granted_verification and artist.verified:
            artist.verified = False
            artist.save(update_fields=["verified", "updated_at"])
            effects["unverified"] = True
        effects["artist_id"] = artist.pk
    backstage_request.granted_manager = False
    backstage_request.granted_verification = False
    return effects


def _with_notes(text: str, notes: str) -> str:
    return f"{text}\n\nNotes from the BeatPass team:\n{notes}" if notes else text


@transaction.atomic
def backstage_request_approve(
    *, backstage_request: BackstageRequest, actor, notes: str = ""
) -> BackstageRequest:
    """pending|revoked → approved. Locks the request row, then the artist row."""
    locked = _lock_for("approve", backstage_request)
    restored = locked.status == Status.REVOKED
    effects = _grant(locked)
    _record(locked, to=Status.APPROVED, actor=actor, notes=notes, effects=effects)
    what = {
        Type.BECOME_ARTIST: f"Your producer profile “{locked.artist.name}” is ready: you can "
        "upload beats now.",
        Type.CLAIM_ARTIST: f"The artist profile “{locked.artist.name}” is now linked to your "
        "account.",
        Type.VERIFY_ARTIST: f"The artist profile “{locked.artist.name}” is now verified.",
    }[locked.type]
    if restored:
        what = f"Your producer access has been restored. {what}"
    notify(
        user=locked.user,
        kind="backstage.approved",
        title="Your producer request was approved",
        body=_with_notes(what, notes),
        data=_notification_data(locked),
    )
    return locked


@transaction.atomic
def backstage_request_deny(
    *, backstage_request: BackstageRequest, actor, notes: str = ""
) -> BackstageRequest:
    """pending → denied. Locks the request row. Denied requests do not block a new submission."""
    locked = _lock_for("deny", backstage_request)
    _record(locked, to=Status.DENIED, actor=actor, notes=notes, effects={})
    text = (
        f"Your {locked.get_type_display().lower()} request for “{locked.artist_name}” was not "
        "approved. You can address the feedback and apply again."
    )
    notify(
        user=locked.user,
        kind="backstage.denied",
        title="Your producer request was denied",
        body=_with_notes(text, notes),
        data=_notification_data(locked),
    )
    return locked


@transaction.atomic
def backstage_request_revoke(
    *, backstage_request: BackstageRequest, actor, notes: str = ""
) -> BackstageRequest:
    """approved → revoked, undoing what the approval granted. Locks the request, then the artist."""
    locked = _lock_for("revoke", backstage_request)
    effects = _take_back(locked)
    _record(locked, to=Status.REVOKED, actor=actor, notes=notes, effects=effects)
    notify(
        user=locked.user,
        kind="backstage.revoked",
        title="Your producer access was revoked",
        body=_with_notes(_revoked_text(), notes),
        data={**_notification_data(locked), "contact_url": absolute_url(selectors.CONTACT_URL)},
    )
    return locked


def _revoked_text() -> str:
    """The spec's revocation message, with its contact path as a link that works in an email."""
    contact = selectors.CONTACT_URL
    return selectors.REVOKED_MESSAGE.replace(f" {contact} ", f" {absolute_url(contact)} ")


def _notification_data(backstage_request: BackstageRequest) -> dict[str, Any]:
    return {
        "url": absolute_url(f"/api/v1/backstage-request/{backstage_request.pk}"),
        "backstage_request_id": backstage_request.pk,
        "type": backstage_request.type,
        "status": backstage_request.status,
        "artist_id": backstage_request.artist_id,
        "notes": backstage_request.notes,
    }
