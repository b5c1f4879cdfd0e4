#!/usr/bin/env bash
# The test command (README, CI): installs what the tests need, then builds and runs every test,
# including the SoftHSM2 token suites, the format check and Error Prone, then tests the release
# tar.gz and .deb that the build made (scripts/test-dist.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
./mvnw -B verify "$@"
exec scripts/test-dist.sh
