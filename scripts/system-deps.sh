#!/usr/bin/env bash
# System packages the project needs beyond Python wheels. Installs them when running as root
# (CI, containers); otherwise prints the command to run.
set -euo pipefail

missing=()
# Chromaprint's fpcalc: audio fingerprints.
command -v fpcalc >/dev/null || missing+=(libchromaprint-tools)
# DejaVu fonts: license certificate PDFs cover non-Latin names (reportlab's bundled Vera is the
# fallback).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# Headless Chromium + its WebDriver: the admin's real-browser tests (pytest -m browser).
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)

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
