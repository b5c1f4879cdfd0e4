#!/usr/bin/env bash
# The main job, end to end on this machine: a full key-rotation ceremony with keys generated ON a
# SoftHSM2 token, against a local reposerver that applies ota-tuf's validation rules.
#
#   scripts/demo.sh [--keep] [--workdir DIR]
#
# Steps (HERE OTA Connect's "manage keys for software metadata" procedure):
#   1. install SoftHSM2 if missing, build garage-hsm, create a throw-away SoftHSM2 token
#   2. start the rehearsal reposerver (scripts/garage-hsm-testserver) and take its credentials.zip
#   3. init, targets pull
#   4. key generate --token: an RSA-4096 root key and an Ed25519 targets key, on the token
#   5. move-offline: new root signed by the token root key and the old online root key; the
#      server (like the real keyserver) drops the old key when it accepts the new root, and
#      move-offline then removes keys/origroot.sec
#   6. targets add + targets sign with the token targets key + targets push
#   7. verify: root pull (chain 1 -> 2 checked), targets pull (signature checked against the
#      new root), tokens list, and no private key material in the repository
#   8. export-credentials with the token key; a second repository signs and pushes with it
# The demo's PIN is random, kept in a 0600 file inside the work folder, and passed with
# --pin-file: never on a command line.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
keep=0
work=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --workdir) work=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

work=${work:-$(mktemp -d /tmp/garage-hsm-demo.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "demo: work folder kept: $work" >&2; fi
}
trap cleanup EXIT

step "1. prerequisites and build"
echo "checking the system packages (scripts/install-deps.sh)" >&2
"$here/scripts/install-deps.sh"
cd "$here"
echo "building garage-hsm (./mvnw package without tests; the first build downloads Maven and the" \
  "dependencies, a few minutes); log: $work/build.log" >&2
# one line per build step instead of Maven's full output (all of it in build.log); a shell loop,
# because awk may hold lines back in its input buffer
build_progress() {
  local line downloading=0
  while IFS= read -r line; do
    case $line in
      *"Downloading from "* | *"Downloaded from "*)
        if [ "$downloading" = 0 ]; then
          echo "  build: downloading from Maven Central"
          downloading=1
        fi
        ;;
      "[INFO] --- "*)
        line=${line#"[INFO] --- "}
        echo "  build: ${line%% @ *}"
        ;;
      "[INFO] BUILD "*) echo "  build: ${line#"[INFO] "}" ;;
    esac
  done
}
if ! ./mvnw -B -DskipTests -DskipFormatCheck=true package 2>&1 | tee "$work/build.log" |
  build_progress >&2; then
  tail -n 40 "$work/build.log" >&2
  echo "demo: the build failed (full log: $work/build.log)" >&2
  keep=1
  exit 1
fi
jar=$(ls "$here"/target/garage-hsm-*-cli.jar | head -n 1)

gh() { # garage-hsm, from the shaded jar
  if [ -x "$here/scripts/garage-hsm" ]; then
    GARAGE_HSM_JAR=$jar "$here/scripts/garage-hsm" "$@"
  else
    java -jar "$jar" "$@"
  fi
}

step "1b. a throw-away SoftHSM2 token 'demo-keys'"
umask 077
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/user.pin"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/so.pin"
"$here/scripts/softhsm-setup.sh" --dir "$work/softhsm" --label demo-keys \
  --pin-file "$work/user.pin" --so-pin-file "$work/so.pin" >&2
export SOFTHSM2_CONF="$work/softhsm/softhsm2.conf"
module=/usr/lib/softhsm/libsofthsm2.so
token="pkcs11:token=demo-keys?module-path=$module"
pin=(--pin-file "$work/user.pin")

step "2. the rehearsal reposerver (garage-hsm-testserver)"
cd "$work"
"$here/scripts/garage-hsm-testserver" "$work/credentials.zip" >"$work/server.url" \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$work/server.url" ] && break; sleep 0.1; done
[ -s "$work/server.url" ] || {
  cat "$work/server.log" >&2
  echo "demo: the reposerver did not start" >&2
  exit 1
}
cat "$work/server.log" >&2

step "3. init and targets pull"
gh init -r myrepo -c credentials.zip
gh targets pull -r myrepo

step "4. generate the new root (RSA-4096) and targets (Ed25519) keys ON the token"
gh key generate -r myrepo -n newroot -t rsa --keysize 4096 --token "$token" "${pin[@]}"
gh key generate -r myrepo -n newtargets -t ed25519 --token "$token" "${pin[@]}"
ls -l tuf/myrepo/keys >&2

step "5. move-offline: the token root key takes over"
gh move-offline -r myrepo --new-root newroot --new-targets newtargets \
  --old-root-alias origroot "${pin[@]}"

step "6. add a target, sign with the token targets key, push"
printf 'demo firmware 1.0.0\n' > firmware.bin
sha=$(sha256sum firmware.bin | cut -d' ' -f1)
len=$(wc -c < firmware.bin)
gh targets add -r myrepo --name demo-fw --version 1.0.0 --length "$len" --sha256 "$sha" \
  --hardwareids demo-board --format binary
gh targets sign -r myrepo --key-name newtargets --expire-after 3M "${pin[@]}"
gh targets push -r myrepo

step "7. verify"
gh root pull -r myrepo
gh targets pull -r myrepo
gh tokens list --token "$token"
if grep -rl -e 'PRIVATE KEY' tuf/myrepo/keys/newroot.* tuf/myrepo/keys/newtargets.* 2>/dev/null \
  || ls tuf/myrepo/keys/newroot.sec tuf/myrepo/keys/newtargets.sec 2>/dev/null; then
  echo "demo: private key material found for a token key" >&2
  exit 1
fi
echo "no private key file exists for the token keys newroot and newtargets" >&2
if [ -e tuf/myrepo/keys/origroot.sec ]; then
  echo "demo: the old online root key tuf/myrepo/keys/origroot.sec was left after the rotation" >&2
  exit 1
fi
echo "the old online root key origroot.sec was removed after the rotation (origroot.pub stays)" >&2

step "8. export credentials with the token targets key; a build repository signs with it"
gh export-credentials -r myrepo -k newtargets -o build-credentials.zip
unzip -l build-credentials.zip >&2
gh init -r build -c build-credentials.zip
gh targets pull -r build
gh targets add -r build --name demo-fw --version 1.0.1 --length "$len" --sha256 "$sha" \
  --hardwareids demo-board
gh targets sign -r build --key-name targets --expire-after 3M --module "$module" "${pin[@]}"
gh targets push -r build

# The closing line from the result: root.json as root pull fetched it, targets.json as pushed;
# their versions, and the key IDs of their signatures against the token keys' IDs.
version_of() { grep -o '"version" *: *[0-9][0-9]*' "$1" | tail -n 1 | grep -o '[0-9]*$'; }
signed_by() { grep -q "\"keyid\" *: *\"$2\"" "$1"; }
gh root pull -r build
root_v=$(version_of tuf/build/roles/root.json)
targets_v=$(version_of tuf/build/roles/targets.json)
root_id=$(gh user-keys id -i tuf/myrepo/keys/newroot.pub)
targets_id=$(gh user-keys id -i tuf/myrepo/keys/newtargets.pub)
signed_by tuf/build/roles/root.json "$root_id" ||
  { echo "demo: the server's root.json is not signed by the token key newroot" >&2; exit 1; }
signed_by tuf/build/roles/targets.json "$targets_id" ||
  { echo "demo: the server's targets.json is not signed by the token key newtargets" >&2; exit 1; }
step "done: the server accepted root v$root_v signed by token key newroot (${root_id:0:12}…) and" \
  "targets v$targets_v signed by token key newtargets (${targets_id:0:12}…) on token demo-keys"
