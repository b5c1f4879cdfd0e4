#!/bin/sh
# Signatures per second through each signing backend, one thread and two, beside
# 'openssl speed' (issue 3; method as pkcs11-notes §7: 1 KiB message, signing only).
#
#   1. openssl speed -seconds $SECONDS rsa2048 rsa3072 rsa4096 ed25519  (one process; rates are
#      per CPU second, so insensitive to other load)
#   2. JMH SignerThroughputBench over io.garagehsm.signing.Signer: backends x key types x
#      {oneThread, twoThreads}; each thread also prints its CPU time per signature
#      ("# cpu per signature"), which contention does not distort.
#
# Usage: scripts/bench-signing.sh [--no-build] [--no-openssl] [--backends file,iaik,sunpkcs11,remote]
# Environment: JAVA_HOME; JMH_ARGS (default "-f 1 -wi 1 -w 1s -i 1 -r 5s"); SPEED_SECONDS (3).
# Results: target/bench/openssl-speed.txt, target/bench/signer-throughput.{txt,json}.
#
# Token rows (iaik, sunpkcs11): a throw-away SoftHSM2 token 'bench' is made under target/bench/
# with a random PIN in a 0600 file, and keys bench-<type> are generated on it with the CLI
# ('user-keys gen --token'); the benchmark opens one key (one PKCS#11 session) per thread.
# SunPKCS11 has no EdDSA: its ed25519 rows fail on purpose and JMH continues.
#
# Remote rows (remote): the same SoftHSM2 token exported by a 'p11-kit server' started here
# (socket under target/bench/p11kit, stopped by pid at exit), RSA keys remote-rsa* generated through
# p11-kit's client module into $BENCH_REMOTE_KEYS_DIR, signing through the IAIK backend over the
# socket; threads share one login and the token's session pool. p11-kit 0.24 does not carry
# EdDSA, so the ed25519 row fails on purpose.
set -eu

cd "$(dirname "$0")/.."
build=true openssl=true backends=file,iaik,sunpkcs11
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=false ;;
    --no-openssl) openssl=false ;;
    --backends) backends=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 255 ;;
  esac
  shift
done

if [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=java; fi
out=target/bench
cp_file=target/bench-classpath.txt

if $build; then
  ./mvnw -q -B test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
fi
mkdir -p "$out"
# Run from a snapshot of the classes, so a rebuild while benchmarks run cannot break them.
snapshot() {
  rm -rf "$out/cp-signing"
  mkdir -p "$out/cp-signing"
  cp -R target/classes "$out/cp-signing/classes"
  cp -R target/test-classes "$out/cp-signing/test-classes"
}
snapshot

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $("$java" -version 2>&1 | head -1); $(openssl version);" \
  "$(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/signing-environment.txt" >&2

case ",$backends," in
  *,iaik,*|*,sunpkcs11,*|*,remote,*)
    echo "== SoftHSM2 token 'bench' with keys bench-{ed25519,rsa2048,rsa3072,rsa4096}" >&2
    tok=$(cd "$out" && pwd)/softhsm
    rm -rf "$tok" "$out/keys"
    mkdir -p "$tok/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$tok" > "$tok/softhsm2.conf"
    export SOFTHSM2_CONF="$tok/softhsm2.conf"
    (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tok/user.pin"; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tok/so.pin")
    softhsm2-util --init-token --free --label bench --so-pin "$(cat "$tok/so.pin")" --pin "$(cat "$tok/user.pin")" >/dev/null
    export BENCH_KEYS_DIR; BENCH_KEYS_DIR=$(cd "$out" && pwd)/keys
    export BENCH_PIN_FILE="$tok/user.pin"
    cli="$java -cp $out/cp-signing/classes:$(cat "$cp_file") io.garagehsm.cli.Main"
    uri="pkcs11:token=bench?module-path=${GARAGE_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
    for k in "ed25519 256" "rsa 2048" "rsa 3072" "rsa 4096"; do
      set -- $k
      name=bench-$1; [ "$1" = rsa ] && name=bench-rsa$2
      $cli user-keys gen -k "$name" -t "$1" --keysize "$2" --token "$uri" \
        --pin-file "$BENCH_PIN_FILE" -p "$BENCH_KEYS_DIR" 2>/dev/null
    done
    ;;
esac

p11kit_pid=
cleanup() { [ -n "$p11kit_pid" ] && kill "$p11kit_pid" 2>/dev/null; true; }
trap cleanup EXIT
case ",$backends," in
  *,remote,*)
    echo "== p11-kit server exporting token 'bench'; keys remote-rsa{2048,3072,4096} through its client" >&2
    run=$(cd "$out" && pwd)/p11kit
    rm -rf "$run" "$out/remote-keys"
    mkdir -p "$run"
    XDG_RUNTIME_DIR=$run p11-kit server -f -n "$run/p11-kit.sock" \
      --provider "${GARAGE_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}" "pkcs11:token=bench" \
      > "$run/server.log" 2>&1 &
    p11kit_pid=$!
    for _ in $(seq 1 100); do [ -S "$run/p11-kit.sock" ] && break; sleep 0.1; done
    [ -S "$run/p11-kit.sock" ] || { echo "error: p11-kit server did not start: $(cat "$run/server.log")" >&2; exit 1; }
    export P11_KIT_SERVER_ADDRESS="unix:path=$run/p11-kit.sock"
    export BENCH_REMOTE_KEYS_DIR; BENCH_REMOTE_KEYS_DIR=$(cd "$out" && pwd)/remote-keys
    client=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
    for bits in 2048 3072 4096; do
      $cli user-keys gen -k "remote-rsa$bits" -t rsa --keysize "$bits" \
        --token "pkcs11:token=bench?module-path=$client" \
        --pin-file "$BENCH_PIN_FILE" -p "$BENCH_REMOTE_KEYS_DIR" 2>/dev/null
    done
    ;;
esac

if $openssl; then
  echo "== openssl speed" >&2
  openssl speed -seconds "${SPEED_SECONDS:-3}" rsa2048 rsa3072 rsa4096 ed25519 2>/dev/null |
    sed -n '/sign *verify/,$p' | tee "$out/openssl-speed.txt"
fi

echo "== JMH SignerThroughputBench (backends: $backends)" >&2
# shellcheck disable=SC2086
"$java" -cp "$out/cp-signing/test-classes:$out/cp-signing/classes:$(cat "$cp_file")" org.openjdk.jmh.Main \
  'io.garagehsm.bench.SignerThroughputBench' -p backend="$backends" \
  ${JMH_ARGS:--f 1 -wi 1 -w 1s -i 1 -r 5s} \
  -rf json -rff "$out/signer-throughput.json" | tee "$out/signer-throughput.txt"
grep -E '^# cpu per signature|^SignerThroughputBench|^Benchmark' "$out/signer-throughput.txt" >&2 || true
