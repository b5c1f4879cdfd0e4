#!/usr/bin/env bash
# The test command (README, CI): installs what the tests need, then builds and runs every test,
# including the SoftHSM2 token suites, the format check and Error Prone.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec ./mvnw -B verify "$@"
