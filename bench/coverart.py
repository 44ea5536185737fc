"""Cover art rendering speed, against Pillow's own floor, in the same run.

For every shipped template: the median time to render a 1000×1000 cover and encode its JPEG
master, over covers of different tracks (seeds, hence palettes and shape positions), against
the floor of Pillow creating a 1000×1000 gradient image and JPEG-encoding it. Target: at most
3× the floor for every template. Then the derivative set (600/300/64 in JPEG and WebP) against
the master render it is made from: target at most 1.5×.

Pure Pillow, no database. ``--quick`` measures three templates a few times (the suite runs it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as `python bench/coverart.py` from the repo root
    sys.path.insert(0, str(REPO_ROOT))

from PIL import Image  # noqa: E402

from bench._common import fmt_ms, interleaved, summary  # noqa: E402
from coverart import presets  # noqa: E402
from coverart.render import CoverInputs, render_cover  # noqa: E402
from coverart.render import core as render_core  # noqa: E402
from coverart.render.output import derivatives, encode  # noqa: E402

TARGET = 3.0
DERIVATIVES_TARGET = 1.5
TRACKS = 8  # distinct seeds cycled through, like a worker rendering covers for many tracks


def floor(i: int) -> None:
    ramp = Image.linear_gradient("L").resize((1000, 1000))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_90), ramp))
    image.save(io.BytesIO(), "JPEG", quality=88)


def cover_for(spec):
    def cover(i: int) -> None:
        inputs = CoverInputs(
            title=("Midnight Run", "Café Déjà Vu", "The Long Way Home Tonight")[i % 3],
            artist="Nova Vance",
            genre="trap",
            seed=f"track:{i % TRACKS}",
        )
        encode(render_cover(spec, inputs), "jpeg")

    return cover


def with_cpu(fn, into: list[float]):
    """``fn`` that also appends the process CPU time it took (every thread) to ``into``."""

    def timed(i: int) -> None:
        start = time.process_time()
        fn(i)
        into.append(time.process_time() - start)

    return timed


def cold_render_ms(spec) -> float:
    """One render with every cache empty (the first cover of a template after a restart)."""
    for cached in (render_core._static_prefix, render_core._static_mask, render_core._gradient):
        cached.cache_clear()
    start = time.perf_counter()
    encode(render_cover(spec, CoverInputs(title="Cold Start", seed="cold")), "jpeg")
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three templates, few repetitions")
    parser.add_argument("--template", action="append", help="only this template (repeatable)")
    args = parser.parse_args()
    templates = presets.load()
    if args.template:
        templates = [t for t in templates if t["slug"] in args.template]
    repetitions, warmup = (30, 8) if not args.quick else (3, 2)
    if args.quick:
        templates = templates[:3]

    print(f"{'template':24} {'cover':>12} {'floor':>12} {'ratio':>6} {'cold':>9}")
    ratios: dict[str, float] = {}
    for template in templates:
        spec = template["spec"]
        cold = cold_render_ms(spec)
        covers, floors = interleaved(cover_for(spec), floor, repetitions=repetitions, warmup=warmup)
        cover_median, floor_median = summary(covers)["median"], summary(floors)["median"]
        ratios[template["slug"]] = cover_median / floor_median
        print(
            f"{template['slug']:24} {fmt_ms(cover_median)} {fmt_ms(floor_median)} "
            f"{ratios[template['slug']]:6.2f} {cold:7.1f}ms"
        )

    # The derivative set against the master render, on a few different designs. The set is
    # made on two threads (coverart.render.output): its wall time gains from a free core, its
    # CPU time (all threads, process_time) does not, so both ratios are reported.
    derivative_ratios, derivative_cpu_ratios = [], []
    for template in templates[:: max(1, len(templates) // 4)][:4]:
        spec = template["spec"]
        master = render_cover(spec, CoverInputs(title="Midnight Run", seed="d"))
        cpu: dict[str, list[float]] = {"render": [], "set": []}
        renders, sets = interleaved(
            with_cpu(cover_for(spec), cpu["render"]),
            with_cpu(lambda i, master=master: derivatives(master), cpu["set"]),
            repetitions=repetitions,
            warmup=warmup,
        )
        ratio = summary(sets)["median"] / summary(renders)["median"]
        cpu_ratio = summary(cpu["set"])["median"] / summary(cpu["render"])["median"]
        derivative_ratios.append(ratio)
        derivative_cpu_ratios.append(cpu_ratio)
        print(
            f"derivatives of {template['slug']:18} {fmt_ms(summary(sets)['median'])} vs master "
            f"{fmt_ms(summary(renders)['median'])}  ratio {ratio:.2f} (CPU time {cpu_ratio:.2f})"
        )

    worst = max(ratios, key=ratios.get)
    print(f"worst template: {worst} at {ratios[worst]:.2f}× the floor (target ≤ {TARGET})")
    print(
        json.dumps(
            {
                "bench": "coverart",
                "ratio": round(ratios[worst], 3),
                "target": TARGET,
                "worst_template": worst,
                "templates": len(ratios),
                "derivatives_ratio": round(max(derivative_ratios), 3),
                "derivatives_target": DERIVATIVES_TARGET,
                "derivatives_cpu_ratio": round(max(derivative_cpu_ratios), 3),
                "load_1min": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
