#!/usr/bin/env bash
# The project's test command (README, .ci/run): PTX check where nvcc exists, then every module's tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java-env.sh"
cd "$root"
if [ -x scripts/check-ptx.sh ]; then bash scripts/check-ptx.sh; fi
mvn -B -ntp verify
