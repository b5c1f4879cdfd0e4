#!/bin/sh
# Start-up benchmark (issue 9, docs/benchmarks.md): each small offline command through the
# launcher scripts/garage-hsm exactly as users run it, median wall time and median peak RSS of N
# runs (/usr/bin/time), beside 'java -version' (the JVM floor). For each JDK: once with the
# launcher's class-data sharing archive (on JDK 25 its AOT cache; made by a first 'targets sign'
# run, as a user's first run makes it) and once with GARAGE_HSM_CDS=0. CPU (user + sys) is reported too: on a shared machine
# it is the steadier figure.
#
# Commands, on copies of the golden-vector repositories: sign-json (Ed25519 and RSA-2048),
# verify-json, targets add, targets sign (file key), root sign with two file keys, user-keys id,
# --version, and targets sign with an Ed25519 key on a throw-away SoftHSM2 token.
#
# Usage: scripts/bench-startup.sh [--no-build] [--runs N]   (default 5 runs)
# Environment: BENCH_JDKS (JDK folders; default OpenJDK 17 and Temurin 25 where installed).
# Results: target/bench/startup.txt (and a copy of each line on stdout).
set -eu

cd "$(dirname "$0")/.."
root=$(pwd)
build=true runs=5
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=false ;;
    --runs) runs=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 255 ;;
  esac
  shift
done
[ -x /usr/bin/time ] || { echo "bench-startup: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
if $build; then ./mvnw -q -B -DskipTests package; fi
jar=$(ls "$root"/target/garage-hsm-*-cli.jar | head -n 1)
out=$root/target/bench
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-startup.XXXXXX")
trap 'rm -rf "$work"' EXIT
# the launcher and jar as installed: bin/garage-hsm + lib/<jar> (a copy, so a rebuild cannot
# change the jar mid-run)
mkdir -p "$work/bin" "$work/lib"
cp scripts/garage-hsm "$work/bin/garage-hsm"
cp "$jar" "$work/lib/"
gh=$work/bin/garage-hsm
v=$root/src/test/resources/vectors

if [ -z "${BENCH_JDKS:-}" ]; then
  BENCH_JDKS=
  for h in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -x "$h/bin/java" ] && BENCH_JDKS="$BENCH_JDKS $h"
  done
fi

# A home with the repo-flow repository (targets) and the root-rotation one (root keys).
home=$work/home
mkdir -p "$home"
cp -R "$v/repo-flow/tuf/myrepo" "$home/flow"
cp -R "$v/root-rotation/tuf/myrepo" "$home/rot"
cp "$home/flow/config.json" "$home/rot/"

# A SoftHSM2 token with an Ed25519 key for the token row.
tok=$work/softhsm
mkdir -p "$tok/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$tok" \
  >"$tok/softhsm2.conf"
export SOFTHSM2_CONF="$tok/softhsm2.conf"
(umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tok/user.pin")
softhsm2-util --init-token --free --label bench --so-pin "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  --pin "$(cat "$tok/user.pin")" >/dev/null
module=${GARAGE_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
GARAGE_HSM_CDS=0 "$gh" user-keys gen -k tok -t ed25519 --token "pkcs11:token=bench?module-path=$module" \
  --pin-file "$tok/user.pin" -p "$home/flow/keys" >/dev/null 2>&1

sha=bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f
# name|arguments (split on blanks). The signing commands set --expire-after 1Y: the vectors'
# roles expire (targets 2026-12-27, root 2027-11-26), and signing them as they are is then refused.
# name|arguments (split on blanks)
commands="java -version|
--version|--version
sign-json ed25519|sign-json -k $v/keys/ed25519.sec -p $v/keys/ed25519.pub -i $v/sign-json/input.json
sign-json rsa2048|sign-json -k $v/keys/rsa2048.sec -p $v/keys/rsa2048.pub -i $v/sign-json/input.json
verify-json|verify-json -p $v/keys/ed25519.pub -i $v/sign-json/signed-ed25519.json
targets add|targets add -r flow --name bench --version 1 --length 3 --sha256 $sha --hardwareids board --home-dir $home
targets sign (file key)|targets sign -r flow --key-name targets --expire-after 1Y --home-dir $home
root sign (2 file keys)|root sign -r rot -k root-old -k root-new --expire-after 1Y --home-dir $home
user-keys id|user-keys id -i $v/keys/ed25519.pub
targets sign (SoftHSM2 key)|targets sign -r flow --key-name tok --pin-file $tok/user.pin --expire-after 1Y --home-dir $home"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

: >"$out/startup.txt"
report() { echo "$1" | tee -a "$out/startup.txt"; }
report "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); median of $runs runs"
for h in $BENCH_JDKS; do
  for cds in 1 0; do
    cache=$work/cache-$(basename "$h")-$cds
    report "-- $("$h/bin/java" -version 2>&1 | head -n 1), GARAGE_HSM_CDS=$cds"
    # the archive is made by a first file-key 'targets sign' (as a user's first run makes it); it
    # holds the classes of the other commands too (the jar's class list, ClassListBuild)
    env JAVA_HOME="$h" XDG_CACHE_HOME="$cache" GARAGE_HSM_CDS=$cds "$gh" targets sign -r flow \
      --key-name targets --expire-after 1Y --home-dir "$home" >/dev/null 2>&1
    printf '%-30s %8s %8s %8s\n' command "wall s" "CPU s" "RSS MiB" | tee -a "$out/startup.txt"
    echo "$commands" | while IFS='|' read -r name args; do
      if [ "$name" = "java -version" ]; then
        set -- "$h/bin/java" -version
      else
        # shellcheck disable=SC2086 # args is a word list on purpose
        set -- env JAVA_HOME="$h" XDG_CACHE_HOME="$cache" GARAGE_HSM_CDS=$cds "$gh" $args
      fi
      "$@" >/dev/null 2>&1 || { echo "bench-startup: '$name' failed under $h" >&2; exit 1; }
      : >"$work/times"
      i=0
      while [ $i -lt "$runs" ]; do
        /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >/dev/null 2>&1
        cat "$work/t" >>"$work/times"
        i=$((i + 1))
      done
      wall=$(awk '{print $1}' "$work/times" | median)
      cpu=$(awk '{printf "%.2f\n", $2 + $3}' "$work/times" | median)
      rss=$(awk '{printf "%.0f\n", $4 / 1024}' "$work/times" | median)
      printf '%-30s %8s %8s %8s\n' "$name" "$wall" "$cpu" "$rss" | tee -a "$out/startup.txt"
    done
  done
done
report "== done $(date -u +%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
