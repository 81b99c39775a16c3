#!/usr/bin/env bash
# Quick start: set up, build, and run the whole test suite through CTest (unit tests,
# PromQL conformance files, integration tests against the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
