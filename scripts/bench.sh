#!/bin/sh
# Metadata-signing benchmarks (docs/benchmarks.md):
#  1. JMH TargetsSigningBench: parse -> canonicalise -> sign -> role checksum -> pretty atomic
#     write, for {1000, 10000, 100000} targets x {ed25519, rsa3072}, each fork at -Xmx512m.
#  2. Whole-run, peak-heap check: a 100k-target repository on disk, signed in a fresh JVM with
#     -Xmx512m under /usr/bin/time -v (wall time, max RSS) and -Xlog:gc (heap after each GC),
#     once through public APIs (io.garagehsm.bench.SignTargetsRun) and, when the jar has it,
#     through the real 'targets sign' command.
#  3. Start-up (scripts/bench-startup.sh): each small offline command through the launcher,
#     median wall / CPU / peak RSS of 5 runs, with and without the class-data sharing archive.
#  4. Large targets through the launcher as users run it: 'targets sign' of BENCH_TARGETS targets
#     with the launcher's defaults (first run + 3), at -Xmx256m and with C2 back; then 'targets
#     push' and 'targets pull' of that file against the test reposerver (testserver jar); with
#     --million (or BENCH_MILLION=1) also 'targets sign' of 1,000,000 targets at -Xmx2g (~2 min).
#
# Usage: scripts/bench.sh [--no-build] [--no-jmh] [--no-whole] [--no-startup] [--no-large]
#                         [--million] [--min-heap]
#   --min-heap  also find the smallest -Xmx (8 MiB steps) that signing 1k/10k/100k targets needs
# Environment:
#   JAVA_HOME        JDK to run with (default: java on PATH)
#   JMH_ARGS         replaces the default JMH settings ("-f 1 -wi 2 -i 3 -w 2s -r 3s -prof gc")
#   BENCH_TARGETS    target count of the whole run (default 100000)
#   BENCH_KEYS       key types of the whole run (default "ed25519 rsa3072")
#   BENCH_XMX        heap limit of the whole run (default 512m)
#   BENCH_MINHEAP_TARGETS  sizes for --min-heap (default "1000 10000 100000")
#   BENCH_MILLION=1  same as --million
# Results: target/bench/ (JMH JSON, GC logs, time -v output). Exit 1 when a whole run fails
# (e.g. OutOfMemoryError under the heap limit) or a JMH benchmark fails.
#
# Numbers are only as quiet as the machine: close other builds; note the load average printed.
set -eu

cd "$(dirname "$0")/.."
build=true jmh=true whole=true minheap=false startup=true large=true million=false
[ "${BENCH_MILLION:-0}" = 1 ] && million=true
for a in "$@"; do
  case $a in
    --no-build) build=false ;;
    --no-jmh) jmh=false ;;
    --no-whole) whole=false ;;
    --min-heap) minheap=true ;;
    --no-startup) startup=false ;;
    --no-large) large=false ;;
    --million) million=true ;;
    *) echo "unknown option $a" >&2; exit 255 ;;
  esac
done

if [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=java; fi
out=target/bench
cp_file=target/bench-classpath.txt
targets=${BENCH_TARGETS:-100000}
keys=${BENCH_KEYS:-ed25519 rsa3072}
xmx=${BENCH_XMX:-512m}

if $build; then
  echo "== building (package, test classes, test classpath)" >&2
  ./mvnw -q -B package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
fi
mkdir -p "$out"
# Run from a snapshot of the classes, so a rebuild while benchmarks run cannot break them.
snapshot() {
  rm -rf "$out/cp-targets"
  mkdir -p "$out/cp-targets"
  cp -R target/classes "$out/cp-targets/classes"
  cp -R target/test-classes "$out/cp-targets/test-classes"
}
snapshot
jar=$(ls target/garage-hsm-*-cli.jar 2>/dev/null | head -1)
[ -n "$jar" ] || { echo "no target/garage-hsm-*-cli.jar; run without --no-build" >&2; exit 2; }
cp "$jar" "$out/cp-targets/"
jar=$out/cp-targets/$(basename "$jar")

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $("$java" -version 2>&1 | head -1); $(nproc) CPUs;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/environment.txt" >&2

status=0

if $jmh; then
  echo "== JMH TargetsSigningBench" >&2
  # shellcheck disable=SC2086 # JMH_ARGS is a word list on purpose
  "$java" -cp "$out/cp-targets/test-classes:$out/cp-targets/classes:$(cat "$cp_file")" org.openjdk.jmh.Main \
    'io.garagehsm.bench.TargetsSigningBench' ${JMH_ARGS:--f 1 -wi 2 -i 3 -w 2s -r 3s -prof gc} \
    -rf json -rff "$out/targets-signing.json" | tee "$out/targets-signing.txt" || status=1
  # A failed benchmark (e.g. OutOfMemoryError at -Xmx512m) shows as <failure>; JMH goes on.
  if grep -q '<failure>' "$out/targets-signing.txt"; then
    echo "JMH: a benchmark failed (see $out/targets-signing.txt)" >&2
    status=1
  fi
fi

# Runs "$@" with -Xmx$xmx under time -v; prints one summary line; returns java's exit code.
timed() {
  label=$1
  shift
  gclog=$out/gc-$label.log
  rc=0
  /usr/bin/time -v -o "$out/time-$label.txt" "$java" "-Xmx$xmx" "-Xlog:gc:file=$gclog" "$@" \
    >"$out/stdout-$label.txt" 2>"$out/stderr-$label.txt" || rc=$?
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/time-$label.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time-$label.txt")
  # Largest heap occupancy after a collection ("... 300M->120M(512M) ..."): the live set bound.
  after=$(sed -n 's/.*->\([0-9]*\)M(.*/\1/p' "$gclog" | sort -n | tail -1)
  before=$(sed -n 's/.* \([0-9]*\)M->[0-9]*M(.*/\1/p' "$gclog" | sort -n | tail -1)
  gcs=$(grep -c 'Pause' "$gclog" || true)
  printf '%-28s exit=%s wall=%s maxRSS=%sMiB heap-before-GC-max=%sM heap-after-GC-max=%sM GCs=%s\n' \
    "$label" "$rc" "$wall" "$((${rss:-0} / 1024))" "${before:-?}" "${after:-?}" "$gcs" |
    tee -a "$out/whole-run.txt"
  if [ "$rc" -ne 0 ]; then
    grep -m3 -E 'OutOfMemoryError|error|Exception' "$out/stderr-$label.txt" >&2 || true
  fi
  return "$rc"
}

if $whole; then
  : >"$out/whole-run.txt"
  home=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-bench.XXXXXX")
  trap 'rm -rf "$home"' EXIT
  cp="$jar:$out/cp-targets/test-classes"
  has_cli_sign=false
  # picocli prints the top help (exit 0) for unknown words followed by --help, so look for the
  # command names in the help listings instead of trusting the exit code.
  if "$java" -jar "$jar" --help 2>/dev/null | grep -Eq '^ +targets( |$)' &&
    "$java" -jar "$jar" targets --help 2>/dev/null | grep -Eq '^ +sign( |$)'; then
    has_cli_sign=true
  fi
  echo "== whole run, $targets targets, -Xmx$xmx (CLI 'targets sign' present: $has_cli_sign)" >&2
  for kt in $keys; do
    repo=bench-$kt
    "$java" -cp "$cp" io.garagehsm.bench.SignTargetsRun generate "$home" "$repo" "$targets" "$kt"
    cp "$home/$repo/roles/unsigned/targets.json" "$home/unsigned-$kt.json"
    if timed "api-$kt-$targets" -cp "$cp" io.garagehsm.bench.SignTargetsRun sign "$home" "$repo" targets; then
      sed -n 's/^\(phases_ms\|total_ms\|allocated_mib\|sampled_peak_heap_mib\|signed_bytes\)/  &/p' \
        "$out/stderr-api-$kt-$targets.txt" | tee -a "$out/whole-run.txt"
    else
      status=1
    fi
    if $has_cli_sign; then
      # The unsigned file must be as generated (the API run leaves it unchanged, as garage-sign).
      cp "$home/unsigned-$kt.json" "$home/$repo/roles/unsigned/targets.json"
      timed "cli-$kt-$targets" -jar "$jar" targets sign -r "$repo" --key-name targets \
        --home-dir "$home" || status=1
    fi
  done
  if $minheap; then
    # Smallest -Xmx (8 MiB resolution, binary search) with which the whole run completes: the
    # heap the work really needs, unlike heap-in-use peaks, which mostly show G1's laziness.
    echo "== smallest -Xmx per size (API path)" >&2
    for n in ${BENCH_MINHEAP_TARGETS:-1000 10000 100000}; do
      for kt in $keys; do
        repo=min-$kt-$n
        "$java" -cp "$cp" io.garagehsm.bench.SignTargetsRun generate "$home" "$repo" "$n" "$kt" 2>/dev/null
        lo=0 hi=1024 # MiB: lo fails (by definition), hi is assumed to work
        while [ $((hi - lo)) -gt 8 ]; do
          mid=$(((lo + hi) / 2))
          if "$java" "-Xmx${mid}m" -cp "$cp" io.garagehsm.bench.SignTargetsRun sign "$home" "$repo" \
            targets >/dev/null 2>&1; then hi=$mid; else lo=$mid; fi
        done
        printf 'min-heap %-8s %6s targets: completes with -Xmx%sm, fails with -Xmx%sm\n' \
          "$kt" "$n" "$hi" "$lo" | tee -a "$out/whole-run.txt"
      done
    done
  fi
fi

if $startup; then
  echo "== start-up (scripts/bench-startup.sh)" >&2
  JAVA_HOME=${JAVA_HOME:-} scripts/bench-startup.sh --no-build || status=1
fi

if $large; then
  # 'targets sign' through the launcher (its JVM defaults and class-data sharing archive), as
  # users run it; wall, CPU and peak RSS from /usr/bin/time. Then 'targets push' and 'targets
  # pull' of the same file against the test reposerver (garage-hsm-*-testserver.jar).
  lhome=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-large.XXXXXX")
  server_pid=
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$lhome" ${home:+"$home"}' EXIT
  mkdir -p "$lhome/bin" "$lhome/lib"
  cp scripts/garage-hsm "$lhome/bin/"
  cp "$jar" "$lhome/lib/"
  : >"$out/large.txt"
  echo "== $(date -u +%H:%M:%SZ) load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/large.txt"
  launcher_run() { # <label> <GARAGE_HSM_JAVA_OPTS> <args...>
    label=$1 opts=$2
    shift 2
    rc=0
    env XDG_CACHE_HOME="$lhome/cache" GARAGE_HSM_JAVA_OPTS="$opts" /usr/bin/time -f '%e %U %S %M' \
      -o "$out/time-large.txt" "$lhome/bin/garage-hsm" "$@" --home-dir "$lhome" >/dev/null \
      2>"$out/stderr-large-$(echo "$label" | tr ' /' '__').txt" || rc=$?
    # the last line (time writes "Command exited with non-zero status N" before it)
    t=$(tail -n 1 "$out/time-large.txt")
    w=$(echo "$t" | cut -d' ' -f1) u=$(echo "$t" | cut -d' ' -f2)
    s=$(echo "$t" | cut -d' ' -f3) m=$(echo "$t" | cut -d' ' -f4)
    printf '%-44s exit=%s wall=%ss cpu=%ss maxRSS=%sMiB\n' "$label" "$rc" "$w" \
      "$(echo "$u $s" | awk '{print $1 + $2}')" "$((${m:-0} / 1024))" | tee -a "$out/large.txt"
    [ "$rc" -eq 0 ] || status=1
  }
  large_run() { # <label> <repo> <GARAGE_HSM_JAVA_OPTS>
    cp "$lhome/unsigned-$2.json" "$lhome/$2/roles/unsigned/targets.json"
    launcher_run "$1" "$3" targets sign -r "$2" --key-name targets
  }
  sizes=$targets
  if $million; then sizes="$sizes 1000000"; fi
  echo "== large targets through the launcher: $sizes" >&2
  for n in $sizes; do
    repo=large-$n
    "$java" -cp "$jar:$out/cp-targets/test-classes" io.garagehsm.bench.SignTargetsRun generate \
      "$lhome" "$repo" "$n" ed25519 >/dev/null
    cp "$lhome/$repo/roles/unsigned/targets.json" "$lhome/unsigned-$repo.json"
    if [ "$n" -eq 1000000 ]; then
      large_run "launcher ed25519 $n -Xmx2g" "$repo" -Xmx2g
    else
      large_run "launcher ed25519 $n (first run)" "$repo" ""
      for i in 1 2 3; do
        large_run "launcher ed25519 $n defaults #$i" "$repo" ""
      done
      large_run "launcher ed25519 $n -Xmx256m" "$repo" -Xmx256m
      for i in 1 2; do
        large_run "launcher ed25519 $n C2 (TieredStopAtLevel=4) #$i" "$repo" -XX:TieredStopAtLevel=4
      done
    fi
  done

  # targets push + pull of BENCH_TARGETS targets against the test reposerver
  tsjar=$(ls target/garage-hsm-*-testserver.jar 2>/dev/null | head -1)
  if [ -z "$tsjar" ]; then
    echo "no target/garage-hsm-*-testserver.jar: pull/push not measured" | tee -a "$out/large.txt"
    status=1
  else
    cp "$tsjar" "$lhome/lib/"
    (cd "$lhome" && exec "$java" -jar "lib/$(basename "$tsjar")" "$lhome/credentials.zip" \
      >"$lhome/server.url" 2>"$lhome/server.log") &
    server_pid=$!
    for _ in $(seq 1 300); do [ -s "$lhome/server.url" ] && break; sleep 0.1; done
    repo=pushpull
    launcher_run "init (test reposerver)" "" init -r "$repo" -c "$lhome/credentials.zip"
    launcher_run "targets pull (empty)" "" targets pull -r "$repo"
    cp "$lhome/unsigned-large-$targets.json" "$lhome/$repo/roles/unsigned/targets.json"
    launcher_run "targets sign $targets (server key)" "" targets sign -r "$repo" --key-name targets
    # the test reposerver is another process on the same 2 cores: its CPU for each step too
    server_cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$server_pid/stat"; }
    for step in push pull; do
      c0=$(server_cpu)
      launcher_run "targets $step $targets" "" targets "$step" -r "$repo"
      printf '  test reposerver CPU for the %s: %ss\n' "$step" \
        "$(echo "$c0 $(server_cpu)" | awk '{print $2 - $1}')" | tee -a "$out/large.txt"
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
  fi
fi

[ "$status" -eq 0 ] || echo "FAILED: see $out/" >&2
exit "$status"
