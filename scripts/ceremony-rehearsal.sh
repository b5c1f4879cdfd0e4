#!/usr/bin/env bash
# Rehearse a key ceremony end to end on this machine, with the commands a real one uses:
#
#   scripts/ceremony-rehearsal.sh [--keep] [--workdir DIR] [--jar FILE] [--credentials ZIP]
#
#   --jar FILE         use this garage-hsm-*-cli.jar instead of building one
#   --credentials ZIP  rehearse against the reposerver of this credentials.zip (e.g. a staging
#                      repository) instead of starting the local test reposerver
#   --keep             keep the work folder (tokens, repository, transcript, bundles)
#
#   1. three throw-away SoftHSM2 tokens, one per keyholder (kh-a, kh-b, kh-c), each in its own
#      SoftHSM2 configuration: a keyholder's commands see only their own token, the
#      coordinator's commands see none
#   2. the local test reposerver (as scripts/demo.sh), init, targets pull
#   3. each keyholder generates an Ed25519 root key on their token; move-offline makes kh-a the
#      root key (root v2, signed by kh-a's token and the old online root key)
#   4. 2-of-3 root rotation: root key add kh-b kh-c, threshold 2 (edited in the unsigned root as a
#      person would), ceremony export --role root; kh-a and kh-b each sign a copy of the bundle
#      with only their own token; ceremony merge; root push (the server checks both
#      thresholds); root pull (checks the chain v2 -> v3)
#   5. an offline targets bundle round trip: export, sign on an "air-gapped" home that holds only
#      the targets key, merge, targets push, targets pull
#   6. status, ceremony close (kh-c seals the transcript), ceremony verify-transcript: the
#      Markdown report of the ceremony is printed on stdout
# PINs are random, in a 0600 file, passed with --pin-file: never on a command line.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
keep=0
work=
jar=
credentials=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --workdir) work=${2:?}; shift 2 ;;
    --jar) jar=${2:?}; shift 2 ;;
    --credentials) credentials=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ceremony-rehearsal: unknown option $1" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*" >&2; }

step "1. prerequisites, build, three keyholder tokens"
"$here/scripts/install-deps.sh"
if [ -z "$jar" ]; then
  (cd "$here" && ./mvnw -q -B -DskipTests -DskipFormatCheck=true package test-compile \
    dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test)
  jar=$(ls "$here"/target/garage-hsm-*-cli.jar | head -n 1)
fi
[ -f "$jar" ] || { echo "ceremony-rehearsal: no jar $jar" >&2; exit 1; }
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
if [ -n "$credentials" ]; then
  [ -f "$credentials" ] || { echo "ceremony-rehearsal: no file $credentials" >&2; exit 1; }
  credentials=$(cd "$(dirname "$credentials")" && pwd)/$(basename "$credentials")
fi

work=${work:-$(mktemp -d /tmp/garage-hsm-ceremony.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "ceremony-rehearsal: work folder kept: $work" >&2; fi
}
trap cleanup EXIT

umask 077
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/user.pin"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/so.pin"
module=/usr/lib/softhsm/libsofthsm2.so
pin=(--pin-file "$work/user.pin")
for kh in kh-a kh-b kh-c; do
  "$here/scripts/softhsm-setup.sh" --dir "$work/$kh" --label "$kh" \
    --pin-file "$work/user.pin" --so-pin-file "$work/so.pin" >/dev/null
done
# the coordinator's laptop: no token plugged in
mkdir -p "$work/coordinator/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work/coordinator/tokens" > "$work/coordinator/softhsm2.conf"

run() { # garage-hsm from the jar, through the launcher when there is one
  if [ -x "$here/scripts/garage-hsm" ]; then
    GARAGE_HSM_JAR=$jar "$here/scripts/garage-hsm" "$@"
  else
    java -jar "$jar" "$@"
  fi
}
# a keyholder's machine: only that keyholder's token is plugged in
as() { local who=$1; shift; SOFTHSM2_CONF="$work/$who/softhsm2.conf" run "$@"; }
gh() { as coordinator "$@"; }

step "2. reposerver, init, targets pull"
cd "$work"
if [ -n "$credentials" ]; then
  cp "$credentials" "$work/credentials.zip"
elif command -v garage-hsm-testserver >/dev/null 2>&1; then
  garage-hsm-testserver "$work/credentials.zip" > "$work/server.url" &
  server_pid=$!
elif [ -x "$here/scripts/garage-hsm-testserver" ]; then
  "$here/scripts/garage-hsm-testserver" "$work/credentials.zip" > "$work/server.url" &
  server_pid=$!
else
  [ -f "$here/target/test.classpath" ] || {
    echo "ceremony-rehearsal: no test reposerver: build without --jar, or pass --credentials" >&2
    exit 1
  }
  java -cp "$here/target/test-classes:$here/target/classes:$(cat "$here/target/test.classpath")" \
    io.garagehsm.server.testserver.TestReposerverMain "$work/credentials.zip" > "$work/server.url" &
  server_pid=$!
fi
if [ -n "$server_pid" ]; then
  for _ in $(seq 1 300); do [ -s "$work/server.url" ] && break; sleep 0.1; done
  [ -s "$work/server.url" ] || { echo "ceremony-rehearsal: the reposerver did not start" >&2; exit 1; }
  echo "reposerver at $(cat "$work/server.url")" >&2
fi
gh init -r fleet -c credentials.zip
gh targets pull -r fleet

step "3. each keyholder generates a root key on their own token; move-offline to kh-a"
for kh in kh-a kh-b kh-c; do
  as "$kh" key generate -r fleet -n "$kh" -t ed25519 --token "pkcs11:token=$kh?module-path=$module" \
    "${pin[@]}"
done
gh key generate -r fleet -n offline-targets -t ed25519
as kh-a move-offline -r fleet --new-root kh-a --new-targets offline-targets \
  --old-root-alias origroot "${pin[@]}"
gh root pull -r fleet

step "4. 2-of-3 root: add kh-b and kh-c, threshold 2, offline bundle signed by kh-a and kh-b"
gh root key add -r fleet -k kh-b -k kh-c
# the one hand edit of the ceremony: the root role's threshold (first "threshold" after "root")
sed -i '/"root" *: *{/,/"threshold"/ s/"threshold" *: *[0-9][0-9]*/"threshold" : 2/' \
  tuf/fleet/roles/unsigned/root.json
gh ceremony export -r fleet --role root -o root.bundle --expire-after 1Y
cp root.bundle root-b.bundle
as kh-a ceremony sign root.bundle -r fleet -k kh-a "${pin[@]}"
as kh-b ceremony sign root-b.bundle -r fleet -k kh-b "${pin[@]}"
gh ceremony merge -r fleet root.bundle root-b.bundle
gh root push -r fleet
gh root pull -r fleet

step "5. offline targets bundle: export, sign on the air-gapped home, merge, push"
mkdir -p airgap/user-keys
cp tuf/fleet/keys/offline-targets.pub tuf/fleet/keys/offline-targets.sec airgap/user-keys/
printf 'rehearsal firmware 1.0.0\n' > firmware.bin
sha=$(sha256sum firmware.bin | cut -d' ' -f1)
len=$(wc -c < firmware.bin)
gh targets add -r fleet --name rehearsal-fw --version 1.0.0 --length "$len" --sha256 "$sha" \
  --hardwareids rehearsal-board --format binary
gh ceremony export -r fleet --role targets -o targets.bundle --expire-after 3M
gh ceremony sign targets.bundle -k offline-targets --home-dir "$work/airgap"
rm -rf airgap
gh ceremony merge -r fleet targets.bundle
gh targets push -r fleet
gh targets pull -r fleet

step "6. status, seal the transcript, the report"
gh status -r fleet
as kh-c ceremony close -r fleet -k kh-c "${pin[@]}"
gh ceremony verify-transcript -r fleet
step "done: root v3 (2 of 3 token keys) and targets signed offline, accepted by the reposerver"
