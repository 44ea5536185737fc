"""Cover art writes: templates, previews, covers applied to tracks and albums.

Rendering and encoding happen before any row lock is taken and write files under a fresh
folder; the database change then runs in a short transaction that locks the track (or album)
row. A failure after the files were written removes them again; replaced covers lose their
files once the transaction has committed (``CoverArt`` deletion signal), so there are neither
orphan files nor rows pointing at missing ones.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image
from rest_framework.exceptions import PermissionDenied, ValidationError

from content import clock
from content.audio import probe
from content.catalog.models import Album, AlbumArtist, Track, TrackArtist
from content.catalog.selectors import album_is_manageable, track_is_manageable
from content.uploads.models import FileEntry
from content.uploads.services import human_size, local_path
from coverart import presets, selectors
from coverart.matching import mood_for, normalize_genres
from coverart.models import CoverArt, CoverPreview, CoverTemplate, validate_template_fields
from coverart.render import CoverInputs, choose_palette, clean_text, render_cover
from coverart.render.core import MAX_ARTIST, MAX_TITLE
from coverart.render.output import cover_files, encode, square_picture

log = logging.getLogger(__name__)

# Bump when the renderer's output changes, so cached template previews are redrawn.
RENDERER_REVISION = 1
PLACEHOLDER_TITLE = "Track Title"
PLACEHOLDER_ARTIST = "Artist Name"
PREVIEW_SIZE = 600
TEMPLATE_FIELDS = ("name", "slug", "description", "genres", "moods", "spec", "active", "sort_order")


# --- storage --------------------------------------------------------------------------------------


def _write(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def _delete_now(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a missing file must not fail the request that cleans up
            log.warning("could not delete stored file %s", name, exc_info=True)


def delete_files_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: _delete_now(names))


def file_url(name: str) -> str:
    return default_storage.url(name)


def _write_exact(name: str, data: bytes) -> None:
    """Write ``name`` unless it exists. Used for content-addressed files: an existing file
    already holds these very bytes (rendering is deterministic)."""
    if not default_storage.exists(name):
        saved = _write(name, data)
        if saved != name:  # lost a race to a twin request; keep the first copy
            _delete_now([saved])


# --- templates ------------------------------------------------------------------------------------


def _template_errors(data: dict[str, Any]) -> None:
    errors = validate_template_fields(
        spec=data.get("spec"), genres=data.get("genres", []), moods=data.get("moods", [])
    )
    if errors:
        raise ValidationError(errors)


def template_create(*, user, data: dict[str, Any]) -> CoverTemplate:
    _require_staff(user)
    _template_errors(data)
    fields = {k: v for k, v in data.items() if k in TEMPLATE_FIELDS}
    fields.setdefault("slug", slugify(fields["name"])[:64])
    if CoverTemplate.objects.filter(slug=fields["slug"]).exists():
        raise ValidationError({"slug": ["A template with this slug already exists."]})
    try:
        with transaction.atomic():
            template = CoverTemplate.objects.create(**fields)
    except IntegrityError:
        raise ValidationError({"slug": ["A template with this slug already exists."]}) from None
    _enqueue_preview(template)
    return template


def template_update(*, user, template: CoverTemplate, data: dict[str, Any]) -> CoverTemplate:
    _require_staff(user)
    merged = {f: data.get(f, getattr(template, f)) for f in TEMPLATE_FIELDS}
    _template_errors(merged)
    if merged["slug"] != template.slug and (
        CoverTemplate.objects.filter(slug=merged["slug"]).exclude(pk=template.pk).exists()
    ):
        raise ValidationError({"slug": ["A template with this slug already exists."]})
    for field, value in merged.items():
        setattr(template, field, value)
    template.save()
    _enqueue_preview(template)
    return template


def template_duplicate(*, template: CoverTemplate) -> CoverTemplate:
    """An inactive copy (slug ``<slug>-copy``, ``-copy-2``, …) to edit without touching the
    original."""
    base = f"{template.slug[:58]}-copy"
    taken = set(CoverTemplate.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug = base
    number = 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    copy = CoverTemplate.objects.create(
        name=f"{template.name} (copy)"[:100],
        slug=slug,
        description=template.description,
        genres=list(template.genres),
        moods=list(template.moods),
        spec=json.loads(json.dumps(template.spec)),
        active=False,
        sort_order=template.sort_order,
    )
    _enqueue_preview(copy)
    return copy


def templates_set_active(*, templates: Iterable[CoverTemplate], active: bool) -> int:
    ids = [t.pk for t in templates]
    return (
        CoverTemplate.objects.filter(pk__in=ids)
        .exclude(active=active)
        .update(active=active, updated_at=timezone.now())
    )


def template_preview_hash(template: CoverTemplate) -> str:
    payload = json.dumps(
        [RENDERER_REVISION, template.spec, PLACEHOLDER_TITLE, PLACEHOLDER_ARTIST], sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def render_template(
    template: CoverTemplate,
    *,
    title: str,
    artist: str,
    genre: str = "",
    mood: str = "",
    seed: str = "",
    palette: str | int | None = None,
    picture: Image.Image | None = None,
) -> Image.Image:
    inputs = CoverInputs(
        title=title,
        artist=artist,
        genre=genre,
        mood=mood,
        seed=seed,
        palette=palette,
        image=picture,
    )
    return render_cover(template.spec, inputs)


def template_preview_ensure(*, template: CoverTemplate) -> str:
    """The storage name of the template's placeholder preview, rendering it if the spec (or
    the renderer) changed since the last one."""
    digest = template_preview_hash(template)
    if template.preview_hash == digest and template.preview:
        return template.preview
    image = render_template(
        template, title=PLACEHOLDER_TITLE, artist=PLACEHOLDER_ARTIST, seed="preview", palette=0
    )
    name = f"coverart/templates/{template.slug}-{digest[:16]}.jpg"
    _write_exact(name, encode(_downscale(image, PREVIEW_SIZE), "jpeg"))
    old = template.preview
    updated = CoverTemplate.objects.filter(pk=template.pk).update(preview=name, preview_hash=digest)
    template.preview, template.preview_hash = name, digest
    if updated and old and old != name:
        delete_files_on_commit([old])
    return name


def template_previews_ensure(*, templates: Iterable[CoverTemplate]) -> None:
    """Render the previews a listing is about to show if any is missing or stale: once after
    a spec change (the save queued it already; this covers a slow or absent worker)."""
    for template in templates:
        template_preview_ensure(template=template)


def _enqueue_preview(template: CoverTemplate) -> None:
    from beatpass.celery import enqueue_on_commit

    enqueue_on_commit("coverart.render_template_preview", template.pk)


def cover_templates_seed(*, update: bool = False) -> tuple[int, int]:
    """Load the shipped presets (``coverart/presets/*.json``): create the missing ones and,
    with ``update``, overwrite the others with the shipped data. Returns (created, updated)."""
    created = updated = 0
    existing = {t.slug: t for t in CoverTemplate.objects.all()}
    for data in presets.load():
        template = existing.get(data["slug"])
        if template is None:
            CoverTemplate.objects.create(**data)
            created += 1
        elif update:
            for field, value in data.items():
                setattr(template, field, value)
            template.save()
            updated += 1
    return created, updated


def _downscale(image: Image.Image, size: int) -> Image.Image:
    return image.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)


# --- previews -------------------------------------------------------------------------------------


def preview_create(
    *,
    template: CoverTemplate,
    title: str,
    artist: str = "",
    genres: Iterable[str] = (),
    mood: str | None = None,
    seed: str | None = None,
    palette: str | int | None = None,
) -> CoverPreview:
    """Render (or find) the preview for these inputs; each hit keeps it alive for another
    ``COVERART_PREVIEW_TTL_SECONDS``. Identical concurrent requests share one row and one
    file: the file name is the hash of the inputs and rendering is deterministic."""
    title, artist = clean_text(title, MAX_TITLE), clean_text(artist, MAX_ARTIST)
    genres = normalize_genres(genres)
    mood = mood or mood_for(genres=genres) or ""
    seed = seed if seed else f"{title}|{artist}"
    _check_palette(template, palette)
    key = hashlib.sha256(
        json.dumps(
            [
                RENDERER_REVISION,
                template.pk,
                template_preview_hash(template),
                title,
                artist,
                genres,
                mood,
                seed,
                palette,
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    expires_at = clock.now() + datetime.timedelta(seconds=settings.COVERART_PREVIEW_TTL_SECONDS)
    preview = CoverPreview.objects.filter(key=key).first()
    if preview is not None and preview.expires_at > clock.now():
        CoverPreview.objects.filter(pk=preview.pk).update(expires_at=expires_at)
        preview.expires_at = expires_at
        return preview
    image = render_template(
        template,
        title=title,
        artist=artist,
        genre=_genre_label(genres),
        mood=mood,
        seed=seed,
        palette=palette,
    )
    name = f"coverart/previews/{key[:2]}/{key}.jpg"
    _write_exact(name, encode(_downscale(image, PREVIEW_SIZE), "jpeg"))
    preview, _ = CoverPreview.objects.update_or_create(
        key=key, defaults={"template": template, "path": name, "expires_at": expires_at}
    )
    return preview


def previews_cleanup(*, batch_size: int = 500) -> int:
    """Delete expired previews and their files (the files after commit). Rows locked by a
    concurrent cleanup are skipped, so two runs never fight."""
    deleted = 0
    while True:
        with transaction.atomic():
            rows = list(
                CoverPreview.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lte=clock.now())
                .order_by("expires_at")[:batch_size]
            )
            if not rows:
                return deleted
            for row in rows:
                row.delete()  # the file goes after commit (post_delete receiver)
        deleted += len(rows)


def _check_palette(template: CoverTemplate, palette: str | int | None) -> None:
    if palette is None or palette == "":
        return
    try:
        choose_palette(template.spec, seed="", palette=palette)
    except ValueError:
        names = ", ".join(p["name"] for p in template.spec["palettes"])
        raise ValidationError(
            {"palette": [f"Unknown palette for this template; choose one of: {names}."]}
        ) from None


def _genre_label(genres: list[str]) -> str:
    return genres[0].replace("-n-", " & ").replace("-", " ") if genres else ""


# --- covers of tracks and albums ------------------------------------------------------------------


def _require_staff(user) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied("Only staff can edit cover templates.")


def _require_owner(*, user, track: Track | None, album: Album | None) -> None:
    allowed = (
        track_is_manageable(user=user, track=track)
        if track is not None
        else album_is_manageable(user=user, album=album)
    )
    if not allowed:
        raise PermissionDenied("Only managers of the main artist can change this cover art.")


def _cover_text(*, track: Track | None, album: Album | None) -> dict[str, Any]:
    """Title, artist line, genres, mood and default seed of the cover of a track or album."""
    if track is not None:
        artists = list(
            TrackArtist.objects.filter(track=track, role=TrackArtist.Role.MAIN)
            .order_by("position", "id")
            .values_list("artist__name", flat=True)
        )
        genres = list(track.genres.order_by("name").values_list("name", flat=True))
        mood = mood_for(genres=genres, scale=track.scale or None, bpm=track.bpm)
        return {
            "title": track.name,
            "artist": " & ".join(artists),
            "genres": genres,
            "mood": mood or "",
            "seed": f"track:{track.pk}",
        }
    assert album is not None
    artists = list(
        AlbumArtist.objects.filter(album=album)
        .order_by("position", "id")
        .values_list("artist__name", flat=True)[:1]
    )
    genres = list(
        Track.genres.through.objects.filter(track__album=album)
        .order_by("genre__name")
        .values_list("genre__name", flat=True)
        .distinct()
    )
    tempo = Track.objects.filter(album=album).order_by("number", "id").first()
    mood = mood_for(
        genres=genres,
        scale=(tempo.scale or None) if tempo else None,
        bpm=tempo.bpm if tempo else None,
    )
    return {
        "title": album.name,
        "artist": artists[0] if artists else "",
        "genres": genres,
        "mood": mood or "",
        "seed": f"album:{album.pk}",
    }


def _store_cover(master: Image.Image) -> tuple[str, list[str]]:
    key = f"coverart/covers/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        for name, data in cover_files(master).items():
            written.append(_write(f"{key}/{name}", data))
    except Exception:
        _delete_now(written)
        raise
    return key, [Path(n).name for n in written]


def cover_apply_template(
    *,
    user,
    template: CoverTemplate,
    track: Track | None = None,
    album: Album | None = None,
    palette: str | int | None = None,
    seed: str | None = None,
    picture_entry: FileEntry | None = None,
) -> CoverArt:
    """Render ``template`` for the track (or album) and make it its cover; ``picture_entry``
    (an image the user uploaded) fills the template's photo slot, if it has one."""
    _require_owner(user=user, track=track, album=album)
    _check_palette(template, palette)
    picture = _entry_picture(user=user, entry=picture_entry) if picture_entry else None
    text = _cover_text(track=track, album=album)
    seed = seed or text["seed"]
    chosen = choose_palette(template.spec, seed=seed, palette=palette)["name"]
    master = render_template(
        template,
        title=text["title"],
        artist=text["artist"],
        genre=_genre_label(text["genres"]),
        mood=text["mood"],
        seed=seed,
        palette=palette,
        picture=picture,
    )
    return _save_cover(
        user=user,
        track=track,
        album=album,
        master=master,
        fields={
            "source": CoverArt.Source.TEMPLATE,
            "template": template,
            "palette": chosen,
            "seed": seed[:64],
        },
    )


def cover_apply_upload(
    *, user, path: str, filename: str = "", track: Track | None = None, album: Album | None = None
) -> CoverArt:
    """Make the picture at ``path`` (a request's temporary file) the cover."""
    _require_owner(user=user, track=track, album=album)
    master = custom_picture(path=path, filename=filename)
    return _save_cover(
        user=user,
        track=track,
        album=album,
        master=master,
        fields={"source": CoverArt.Source.UPLOAD, "template": None, "palette": "", "seed": ""},
    )


def cover_apply_file_entry(
    *, user, entry: FileEntry, track: Track | None = None, album: Album | None = None
) -> CoverArt:
    """Make an image the user uploaded earlier (``POST /uploads``) the cover."""
    _require_owner(user=user, track=track, album=album)
    master = _entry_picture(user=user, entry=entry)
    return _save_cover(
        user=user,
        track=track,
        album=album,
        master=master,
        fields={"source": CoverArt.Source.UPLOAD, "template": None, "palette": "", "seed": ""},
    )


def _entry_picture(*, user, entry: FileEntry) -> Image.Image:
    if entry.owner_id != user.pk or entry.kind != FileEntry.Kind.IMAGE:
        raise ValidationError({"file_id": ["Choose an image you uploaded."]})
    try:
        with local_path(entry) as path:
            return custom_picture(path=path, filename=entry.name, field="file_id")
    except FileNotFoundError:
        raise ValidationError({"file_id": ["The uploaded file is no longer available."]}) from None


def custom_picture(*, path: str, filename: str = "", field: str = "image") -> Image.Image:
    """Check an uploaded picture against the cover rules and return it as a square master.

    The upload checks of ``content.uploads`` run first (magic-byte sniff, extension match,
    header probe with the decompression-bomb limit, full decode), then the cover rules: JPG,
    PNG or WebP, at most ``COVERART_MAX_UPLOAD_BYTES``, both sides at least
    ``COVERART_MIN_UPLOAD_PIXELS``. A non-square picture is centre-cropped.
    """

    def reject(message: str) -> ValidationError:
        return ValidationError({field: [message]})

    max_bytes = settings.COVERART_MAX_UPLOAD_BYTES
    size = Path(path).stat().st_size
    if size == 0:
        raise reject("The file is empty.")
    if size > max_bytes:
        raise reject(f"Cover art may not be greater than {human_size(max_bytes)}.")
    fmt = probe.sniff(path)
    if fmt not in probe.IMAGE_FORMATS:
        raise reject("Cover art must be a JPG, PNG or WebP image.")
    if filename and not probe.extension_matches(filename, fmt):
        raise reject(f"The file extension does not match its contents (the file is {fmt.upper()}).")
    try:
        info = probe.probe_image(path, fmt, max_pixels=settings.UPLOAD_MAX_IMAGE_PIXELS)
    except probe.ProbeError as exc:
        raise reject(str(exc)) from None
    minimum = settings.COVERART_MIN_UPLOAD_PIXELS
    if info.width < minimum or info.height < minimum:
        raise reject(
            f"Cover art must be at least {minimum}×{minimum} pixels "
            f"(this image is {info.width}×{info.height})."
        )
    pil_format = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
    with Image.open(path, formats=[pil_format]) as picture:
        picture.load()
        return square_picture(picture)


def _save_cover(
    *, user, track: Track | None, album: Album | None, master: Image.Image, fields: dict
) -> CoverArt:
    """Store the files, then swap the cover in one transaction that locks the owner row."""
    key, names = _store_cover(master)
    try:
        with transaction.atomic():
            owner = _lock_owner(track=track, album=album)
            old = CoverArt.objects.select_for_update().filter(**_owner_filter(owner)).first()
            if old is not None:
                old.delete()  # its files go after commit (post_delete signal)
            cover = CoverArt.objects.create(
                **_owner_filter(owner), storage_key=key, files=names, created_by=user, **fields
            )
            owner.image = file_url(f"{key}/{selectors.MASTER_FILE}")
            owner.save(update_fields=["image", "updated_at"])
    except Exception:
        _delete_now(f"{key}/{name}" for name in names)
        _remove_empty_folder(key)
        raise
    return cover


def _lock_owner(*, track: Track | None, album: Album | None):
    if track is not None:
        return Track.objects.select_for_update().get(pk=track.pk)
    return Album.objects.select_for_update().get(pk=album.pk)


def _owner_filter(owner) -> dict[str, Any]:
    return {"track": owner} if isinstance(owner, Track) else {"album": owner}


def cover_remove(*, user, track: Track | None = None, album: Album | None = None) -> None:
    """Remove the cover: the track then shows its album's cover, or the placeholder."""
    _require_owner(user=user, track=track, album=album)
    with transaction.atomic():
        owner = _lock_owner(track=track, album=album)
        CoverArt.objects.filter(**_owner_filter(owner)).delete()
        if owner.image:
            owner.image = ""
            owner.save(update_fields=["image", "updated_at"])


def cover_files_of(cover: CoverArt) -> list[str]:
    return [f"{cover.storage_key}/{name}" for name in cover.files]


# --- files follow their rows (post_delete receivers, connected in apps.py) ------------------------


def on_cover_deleted(sender, instance: CoverArt, **kwargs) -> None:
    names, folder = cover_files_of(instance), instance.storage_key

    def remove() -> None:
        _delete_now(names)
        _remove_empty_folder(folder)

    transaction.on_commit(remove)


def _remove_empty_folder(folder: str) -> None:
    """Local storage keeps empty directories; object stores have none to remove."""
    try:
        path = default_storage.path(folder)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):
        os.rmdir(path)


def on_preview_deleted(sender, instance: CoverPreview, **kwargs) -> None:
    # Preview files are content-addressed: a newer row may share the name, so check first.
    path = instance.path
    transaction.on_commit(
        lambda: None if CoverPreview.objects.filter(path=path).exists() else _delete_now([path])
    )


def on_template_deleted(sender, instance: CoverTemplate, **kwargs) -> None:
    delete_files_on_commit([instance.preview])
