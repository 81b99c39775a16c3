#!/usr/bin/env bash
# Quick start: set up, build, and serve with the shipped config (data in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec ./build/src/app/strata serve --config config/strata.yaml "$@"
