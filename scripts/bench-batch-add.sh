#!/bin/sh
# Batch work in one run (issue 12): 'targets add --manifest' with 10,000 targets in ONE garage-hsm
# run, against the one-JVM-per-target way uptane-sign needs. uptane-sign itself is not available
# here, so garage-hsm's own single-target 'targets add' invocations stand in for it: the time of
# 20 of them, each a fresh JVM, is extrapolated to 10,000.
#
# Usage: scripts/bench-batch-add.sh [--no-build] [--targets N] [--single M]
# Environment: JAVA_HOME. Results: target/bench/batch-add.txt.
set -eu

cd "$(dirname "$0")/.."
build=true n=10000 single=20
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=false ;;
    --targets) n=$2; shift ;;
    --single) single=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 255 ;;
  esac
  shift
done
if [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=java; fi
if $build; then ./mvnw -q -B -DskipTests package; fi
jar=$(ls target/garage-hsm-*-cli.jar | head -n 1)
out=target/bench
work=$out/batch-add
rm -rf "$work"
mkdir -p "$work/home"
cp -R src/test/resources/vectors/repo-flow/tuf/myrepo "$work/home/myrepo"
cp -R "$work/home" "$work/home-single"
sha=bcb5b7fa87d5f6d696de9c2681da509e9f9e0c369d028a90f2f0f46e3cd9ff4f
awk -v n="$n" -v sha="$sha" 'BEGIN { for (i = 1; i <= n; i++)
  printf "{\"name\":\"image-%d\",\"version\":\"1.0.%d\",\"length\":%d,\"sha256\":\"%s\",\"hardwareids\":[\"board-a\",\"board-b\"],\"customMeta\":{\"build\":\"%d\"}}\n", i, i, 1000 + i, sha, i }' \
  > "$work/targets.jsonl"

now() { date +%s.%N; }
env_line="$("$java" -version 2>&1 | head -1); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

t0=$(now)
"$java" -jar "$jar" targets add -r myrepo --manifest "$work/targets.jsonl" --home-dir "$work/home" 2>/dev/null
t1=$(now)
added=$(grep -o '"image-[0-9]*-1\.0\.[0-9]*"' "$work/home/myrepo/roles/unsigned/targets.json" | sort -u | wc -l)
[ "$added" -eq "$n" ] || { echo "error: only $added of $n targets in targets.json" >&2; exit 1; }

t2=$(now)
i=1
while [ $i -le "$single" ]; do
  "$java" -jar "$jar" targets add -r myrepo --name "image-$i" --version "1.0.$i" --length "$((1000 + i))" \
    --sha256 "$sha" --hardwareids board-a,board-b --customMeta "{\"build\":\"$i\"}" \
    --home-dir "$work/home-single" 2>/dev/null
  i=$((i + 1))
done
t3=$(now)

awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v n="$n" -v m="$single" \
  -v env="$env_line" 'BEGIN {
  b = t1 - t0; s = t3 - t2; per = s / m
  printf "== %s\n", env
  printf "one run, %d targets from a JSON Lines manifest: %.2f s (JVM start included)\n", n, b
  printf "one JVM per target (garage-hsm single-target runs as the stand-in for uptane-sign):\n"
  printf "  %d runs: %.2f s, %.3f s per run -> %d targets ~ %.0f s (%.1f min)\n", m, s, per, n, per * n, per * n / 60
  printf "  (a real one-target-per-JVM run also rewrites a targets.json that grows to %d entries;\n", n
  printf "   the 20 runs here start from the vector repository, so the estimate is a lower bound)\n"
}' | tee "$out/batch-add.txt"
