#!/usr/bin/env bash
# System packages the project needs beyond Python wheels. Installs them when running as root
# (CI, containers); otherwise prints the command to run.
#
#   scripts/system-deps.sh            what the server needs (make run)
#   scripts/system-deps.sh --browser  plus what the test suite needs (make test): the browser,
#                                     Redis, and the real-music tools of the audio tests
#   scripts/system-deps.sh --bench    plus what the benchmarks use (make bench)
set -euo pipefail

browser=false
bench=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    --bench) bench=true ;;
    *) echo "usage: $0 [--browser] [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
# Chromaprint's fpcalc: audio fingerprints.
command -v fpcalc >/dev/null || missing+=(libchromaprint-tools)
# DejaVu fonts: license certificate PDFs cover non-Latin names (reportlab's bundled Vera is the
# fallback).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if $browser; then
  # HTTP load generator of bench/api_http.py and bench/analytics.py (quick runs in the
  # suite); without it they fall back to a slower Python client.
  command -v wrk >/dev/null || missing+=(wrk)
  # Headless Chromium + its WebDriver: only the admin's real-browser tests (pytest -m browser).
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  # A throwaway Redis for the throttle's atomicity test (beatpass/api/tests/test_throttling.py).
  command -v redis-server >/dev/null || missing+=(redis-server)
  # Real music for the pinned tempo/key/duplicate cases (content/audio/tests/test_estimate_real.py):
  # MMA's groove library and OpenMSX's MIDI compositions, played by fluidsynth with a small
  # General MIDI soundfont (the same material as bench/estimation_real.py).
  command -v fluidsynth >/dev/null || missing+=(fluidsynth)
  [ -f /usr/share/sounds/sf2/TimGM6mb.sf2 ] || missing+=(timgm6mb-soundfont)
  command -v mma >/dev/null || missing+=(mma)
  [ -d /usr/share/games/openttd/baseset/openmsx ] || missing+=(openttd-openmsx)
fi
if $bench; then
  # wrk: the HTTP load generator of bench/analytics.py's ingest phase (C, one thread per core;
  # the Python fallback client steals the server's CPU on a small machine).
  command -v wrk >/dev/null || missing+=(wrk)
  # espeak-ng: the voices of bench/recon_quality.py's "released songs" (speech synthesis written
  # by others, so the matcher is not tuned against a masker we wrote; without it the bench falls
  # back to its synthetic singer, and the quick run in the suite does not need it).
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install these system packages first: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
