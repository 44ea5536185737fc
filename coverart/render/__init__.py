"""Pure cover renderer (Pillow, no Django): template specs, layers, text, derivatives.

``validate_spec`` checks a template spec; ``render_cover`` draws one; ``derivatives`` encodes
the master and its smaller sizes; ``square_picture`` prepares a custom upload.
"""

from coverart.render.core import (
    MASTER_SIZE,
    CoverInputs,
    TextTrace,
    choose_palette,
    clean_text,
    render_cover,
)
from coverart.render.spec import SPEC_SCHEMA, SPEC_VERSION, SpecError, palette_names, validate_spec

__all__ = [
    "MASTER_SIZE",
    "SPEC_SCHEMA",
    "SPEC_VERSION",
    "CoverInputs",
    "SpecError",
    "TextTrace",
    "choose_palette",
    "clean_text",
    "palette_names",
    "render_cover",
    "validate_spec",
]
