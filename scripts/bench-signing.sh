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
# Usage: scripts/bench-signing.sh [--no-build] [--no-openssl] [--backends file,iaik,sunpkcs11]
# Environment: JAVA_HOME; JMH_ARGS (default "-f 1 -wi 1 -w 1s -i 1 -r 5s"); SPEED_SECONDS (3).
# Results: target/bench/openssl-speed.txt, target/bench/signer-throughput.{txt,json}.
#
# Adding token rows (PKCS#11 integrator): implement the 'iaik' and 'sunpkcs11' cases of
# SignerThroughputBench.Backend.open (SoftHSM2 token, one Signer per thread = one session per
# thread), add them to the @Param list, and prepare the token here before JMH starts, e.g.
#   export SOFTHSM2_CONF=target/bench/softhsm2.conf   (tokendir under target/bench/tokens)
#   softhsm2-util --init-token --free --label bench --so-pin … --pin …   (PIN via a file/env var
#   read by the benchmark, never on a command line that stays in shell history)
# then run with --backends file,iaik,sunpkcs11. SunPKCS11 has no EdDSA; its ed25519 rows fail
# and JMH continues (-foe false).
set -eu

cd "$(dirname "$0")/.."
build=true openssl=true backends=file
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
