#!/bin/sh
# Shell test of scripts/garage-hsm against the built shaded jar (run after ./mvnw package; the
# verify phase runs it too). Checks, under JDK 17 and Temurin 25 (when installed):
#   * --version and 'user-keys id -i <pub>' work and print the expected result;
#   * no warning (JNI / native access / Unsafe / anything "WARNING") reaches stdout or stderr;
#   * installed as a garage-sign / uptane-sign symlink, it finds the jar the same way;
#   * GARAGE_HSM_JAR and GARAGE_HSM_JAVA_OPTS are honoured;
#   * a Java older than 17 is refused with a clear message and exit 3;
#   * class-data sharing: the first run makes the archive (a dynamic CDS archive; on Java 25+ an
#     AOT cache) in a private cache folder and prints nothing more, later runs load garage-hsm's
#     classes from it, a truncated or noisy archive is ignored and made again, GARAGE_HSM_CDS=0
#     and an unusable cache folder change nothing but speed, the first run keeps stdin and the
#     exit code;
#   * the archive serves every common command whichever ran first: the build lists the common
#     commands' classes in the jar (ClassListBuild; sorted, no generated classes), the recording
#     run loads them at its end (cli/ArchiveTraining), so after a first 'targets sign' a
#     'root sign' and a token 'targets sign' (SoftHSM2) load no class from the jar; a recording
#     run's stdout, stderr and exit code are those of a run without an archive, and other runs
#     never read the list.
# Environment: TEST_JAVA_HOMES (space-separated JDK folders) overrides the JDKs tried.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
launcher=$root/scripts/garage-hsm
vectors=$root/src/test/resources/vectors/keys
jar=$(ls "$root"/target/garage-hsm-*-cli.jar 2>/dev/null | head -n 1)
[ -n "$jar" ] || { echo "test-launcher: no target/garage-hsm-*-cli.jar; run ./mvnw package" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-launcher.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the launcher's class-data sharing archives go here, never into the user's cache
export XDG_CACHE_HOME="$tmp/cache"
fails=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1" >&2; fails=$((fails + 1)); }

if [ -n "${TEST_JAVA_HOMES:-}" ]; then
  homes=$TEST_JAVA_HOMES
else
  homes=
  for h in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -x "$h/bin/java" ] && homes="$homes $h"
  done
fi
[ -n "$homes" ] || { echo "test-launcher: no JDK found" >&2; exit 2; }

# check <label> <expected stdout (exact)> <command...>; stderr must be empty.
# check_version: the same, on the first line of --version (the others are commit, Java, wrapper).
first_line=false
check_version() {
  first_line=true
  check "$@"
  first_line=false
}
check() {
  label=$1 expected=$2
  shift 2
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$label: exit $rc: $(head -c 300 "$tmp/err")"
  elif [ "$(if $first_line; then head -n 1 "$tmp/out"; else cat "$tmp/out"; fi)" != "$expected" ]; then
    fail "$label: stdout '$(head -c 300 "$tmp/out")', expected '$expected'"
  elif grep -qi 'warning' "$tmp/out"; then
    fail "$label: warning on stdout: $(grep -i -m1 warning "$tmp/out")"
  elif [ -s "$tmp/err" ]; then
    fail "$label: stderr not empty: $(head -c 300 "$tmp/err")"
  else
    pass "$label"
  fi
}

version="garage-hsm $(sed -n 's/^version=//p' "$root/target/maven-archiver/pom.properties" 2>/dev/null)"
keyid=$(cat "$vectors/ed25519.keyid")
rsaid=$(cat "$vectors/rsa4096.keyid")

# A layout as installed: bin/<names> -> the launcher, lib/<jar>.
mkdir -p "$tmp/inst/bin" "$tmp/inst/lib"
cp "$launcher" "$tmp/inst/bin/garage-hsm"
cp "$jar" "$tmp/inst/lib/"
ln -s garage-hsm "$tmp/inst/bin/garage-sign"
ln -s "$tmp/inst/bin/garage-hsm" "$tmp/inst/bin/uptane-sign"
# A symlink to the source-tree launcher (finds ../target/).
ln -s "$launcher" "$tmp/garage-sign"

for h in $homes; do
  v=$(basename "$h")
  unset GARAGE_HSM_JAR GARAGE_HSM_JAVA_OPTS || true
  check_version "$v: --version" "$version" env JAVA_HOME="$h" "$launcher" --version
  check "$v: user-keys id (ed25519)" "$keyid" env JAVA_HOME="$h" "$launcher" user-keys id -i "$vectors/ed25519.pub"
  check "$v: user-keys id (rsa4096)" "$rsaid" env JAVA_HOME="$h" "$launcher" user-keys id -i "$vectors/rsa4096.pub"
  check "$v: as garage-sign (symlink into source tree)" "$keyid" \
    env JAVA_HOME="$h" "$tmp/garage-sign" user-keys id -i "$vectors/ed25519.pub"
  check "$v: as garage-sign (relative symlink, installed)" "$keyid" \
    env JAVA_HOME="$h" "$tmp/inst/bin/garage-sign" user-keys id -i "$vectors/ed25519.pub"
  check_version "$v: as uptane-sign (absolute symlink, installed)" "$version" \
    env JAVA_HOME="$h" "$tmp/inst/bin/uptane-sign" --version
  check_version "$v: java from PATH" "$version" \
    env -u JAVA_HOME PATH="$h/bin:/usr/bin:/bin" "$launcher" --version
  check_version "$v: GARAGE_HSM_JAR + GARAGE_HSM_JAVA_OPTS" "$version" \
    env JAVA_HOME="$h" GARAGE_HSM_JAR="$tmp/inst/lib/$(basename "$jar")" \
    GARAGE_HSM_JAVA_OPTS="-Xmx64m -XX:+UseSerialGC" "$tmp/inst/bin/garage-hsm" --version
done

# --version's other lines: the commit (or "unknown"), the Java runtime, the PKCS#11 wrapper.
"$launcher" --version >"$tmp/out" 2>"$tmp/err" || true
if [ "$(sed -n 2p "$tmp/out")" = "commit: $(sed -n 's/^commit=//p' "$root/target/classes/io/garagehsm/cli/build-info.properties")" ] &&
  sed -n 3p "$tmp/out" | grep -q '^java: [0-9]' &&
  sed -n 4p "$tmp/out" | grep -q '^pkcs11 wrapper: ipkcs11wrapper [0-9]'; then
  pass "--version: commit, java, pkcs11 wrapper"
else
  fail "--version: $(tr '\n' '|' <"$tmp/out")"
fi

# The build's list of the common commands' classes (ClassListBuild), in the jar: sorted (the jar
# stays reproducible), once each, only classes that can be loaded by name, with the classes of
# 'root sign' (run by the build) and of the token path (listed by name).
list=$tmp/archive-classes.txt
unzip -p "$jar" io/garagehsm/cli/archive-classes.txt >"$list" 2>/dev/null || : >"$list"
if [ "$(wc -l <"$list")" -gt 1000 ] && LC_ALL=C sort -c -u "$list" 2>/dev/null &&
  ! grep -q -e / -e '\$\$Lambda' -e ' ' "$list" &&
  grep -qx io.garagehsm.ops.root.RootSigning "$list" && grep -qx io.garagehsm.pkcs11.IaikLogin "$list" &&
  grep -qx sun.security.rsa.RSAPSSSignature "$list" && grep -qx org.jcp.xml.dsig.internal.dom.XMLDSigRI "$list"; then
  pass "class list in the jar: $(wc -l <"$list") classes, sorted, with root sign's and the token path's"
else
  fail "class list in the jar: $(wc -l <"$list") lines; sorted: $(LC_ALL=C sort -c -u "$list" 2>&1 | head -c 200)"
fi
# repositories for the commands below (copies of the golden vectors)
home=$tmp/home
mkdir -p "$home"
cp -R "$root/src/test/resources/vectors/repo-flow/tuf/myrepo" "$home/flow"
cp -R "$root/src/test/resources/vectors/root-rotation/tuf/myrepo" "$home/rot"
cp "$home/flow/config.json" "$home/rot/"
# a throw-away SoftHSM2 token with an Ed25519 key in the flow repository (for the token path)
tok=$tmp/softhsm
mkdir -p "$tok/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$tok" >"$tok/softhsm2.conf"
(umask 077 && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tok/user.pin")
SOFTHSM2_CONF=$tok/softhsm2.conf softhsm2-util --init-token --free --label launcher \
  --so-pin "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" --pin "$(cat "$tok/user.pin")" >/dev/null ||
  fail "softhsm2-util --init-token"
SOFTHSM2_CONF=$tok/softhsm2.conf GARAGE_HSM_CDS=0 "$launcher" user-keys gen -k tok -t ed25519 \
  --token "pkcs11:token=launcher?module-path=${GARAGE_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}" \
  --pin-file "$tok/user.pin" -p "$home/flow/keys" >/dev/null 2>&1 || fail "user-keys gen on the token"
signjson="sign-json -k $vectors/ed25519.sec -p $vectors/ed25519.pub -i $root/src/test/resources/vectors/sign-json/input.json"

# Class-data sharing (the archive in the cache folder): made by the first run, used by the next,
# never a reason for a failed or noisy run.
for h in $homes; do
  v=$(basename "$h")
  unset GARAGE_HSM_JAR GARAGE_HSM_JAVA_OPTS GARAGE_HSM_CDS || true
  c=$tmp/cds-$v
  run_id() { env JAVA_HOME="$h" XDG_CACHE_HOME="$c" "$@" "$launcher" user-keys id -i "$vectors/ed25519.pub"; }
  # Java 25 and newer: an AOT cache (.aot), else a dynamic CDS archive (.jsa)
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$h/release")
  if [ "$major" -ge 25 ]; then ext=aot; map="-XX:AOTMode=on -XX:AOTCache="; else ext=jsa; map="-Xshare:on -XX:SharedArchiveFile="; fi
  check "$v: CDS first run (makes the archive)" "$keyid" run_id
  a=$(ls "$c"/garage-hsm/*.$ext 2>/dev/null | head -n 1)
  if [ -n "$a" ] && [ -s "$a" ]; then pass "$v: CDS archive made ($(basename "$a"))"; else fail "$v: no .$ext archive in $c/garage-hsm: $(ls "$c"/garage-hsm 2>&1)"; fi
  if [ "$(ls "$c"/garage-hsm | grep -c -v '\.\(jsa\|aot\|size\)$')" -eq 0 ]; then pass "$v: nothing but the archive and its size left"; else fail "$v: left in the cache: $(ls "$c"/garage-hsm)"; fi
  if [ "$(stat -c %a "$c/garage-hsm")" = 700 ]; then pass "$v: cache folder private"; else fail "$v: cache folder mode $(stat -c %a "$c/garage-hsm")"; fi
  check "$v: CDS second run (maps it)" "$keyid" run_id
  # the second run really takes garage-hsm's own classes from the archive
  rm -f "$tmp/classes.log"
  run_id GARAGE_HSM_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/classes.log" >/dev/null 2>&1 || true
  n=$(grep -c 'io\.garagehsm\..* source: shared objects file' "$tmp/classes.log" 2>/dev/null || true)
  if [ "${n:-0}" -gt 20 ]; then pass "$v: later runs load garage-hsm's classes from the archive ($n)"; else fail "$v: $n garage-hsm classes from the archive"; fi
  # and picocli's (Java 5 class files, never archived, until the build rewrote them as Java 8:
  # ClassFileUpgrade)
  p=$(grep -c '^\[.*\] picocli\..* source: shared objects file' "$tmp/classes.log" 2>/dev/null || true)
  q=$(grep '^\[.*\] picocli\.' "$tmp/classes.log" 2>/dev/null | grep -c -v 'source: shared objects file' || true)
  if [ "${p:-0}" -gt 50 ] && [ "${q:-0}" -eq 0 ]; then pass "$v: picocli's classes all from the archive ($p)"; else fail "$v: picocli classes: $p from the archive, $q not"; fi
  if [ -n "$a" ]; then
    rc=0
    # shellcheck disable=SC2086 # map is an option word and the start of the next
    # the jar by the path the launcher used and its native-access option (an AOT cache must see
    # the same class path and module options)
    native=
    if [ "$major" -ge 22 ]; then native=--enable-native-access=ALL-UNNAMED; fi
    env JAVA_HOME="$h" "$h/bin/java" $native $map"$a" -Xlog:disable \
      -cp "$(cd "$root/scripts" && pwd -P)/../target/$(basename "$jar")" -version >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 0 ] && pass "$v: the archive maps ($map)" || fail "$v: the archive does not map (exit $rc)"
    # damaged: cut short (Java 17 would crash mapping it), then overwritten with noise
    head -c 100000 "$a" >"$tmp/short" && cat "$tmp/short" >"$a" 2>/dev/null || { chmod u+w "$a"; cat "$tmp/short" >"$a"; }
    check "$v: CDS truncated archive ignored" "$keyid" run_id
    check "$v: CDS archive made again after truncation" "$keyid" run_id
    a2=$(ls "$c"/garage-hsm/*.$ext | head -n 1)
    if [ "$(wc -c <"$a2")" -gt 100000 ]; then pass "$v: CDS archive whole again"; else fail "$v: CDS archive still truncated"; fi
    chmod u+w "$a2"
    head -c "$(wc -c <"$a2")" /dev/urandom >"$a2"
    check "$v: CDS archive of noise ignored" "$keyid" run_id
  fi
  # a relative GARAGE_HSM_JAR gets its archive too (the trial JVM runs in the cache folder)
  c=$tmp/cds-rel-$v
  (cd "$tmp/inst/lib" && env JAVA_HOME="$h" XDG_CACHE_HOME="$c" GARAGE_HSM_JAR="$(basename "$jar")" \
    "$launcher" user-keys id -i "$vectors/ed25519.pub") >/dev/null 2>&1 || true
  if ls "$c"/garage-hsm/*.$ext >/dev/null 2>&1; then pass "$v: CDS archive made for a relative GARAGE_HSM_JAR"; else fail "$v: no archive for a relative GARAGE_HSM_JAR: $(ls "$c"/garage-hsm 2>&1)"; fi
  # off, and no usable cache folder: no archive, same answers
  check "$v: GARAGE_HSM_CDS=0" "$keyid" run_id GARAGE_HSM_CDS=0 XDG_CACHE_HOME="$tmp/cds-off-$v"
  if [ -e "$tmp/cds-off-$v" ]; then fail "$v: GARAGE_HSM_CDS=0 made a cache folder"; else pass "$v: GARAGE_HSM_CDS=0 writes nothing"; fi
  : >"$tmp/not-a-folder"
  check "$v: CDS cache folder cannot be made" "$keyid" run_id XDG_CACHE_HOME="$tmp/not-a-folder/x"
  check "$v: CDS without HOME or XDG_CACHE_HOME" "$keyid" env -u HOME -u XDG_CACHE_HOME JAVA_HOME="$h" \
    "$launcher" user-keys id -i "$vectors/ed25519.pub"
  # the first run passes stdin through and returns the command's exit code
  c=$tmp/cds-stdin-$v
  rc=0
  env JAVA_HOME="$h" XDG_CACHE_HOME="$c" "$launcher" user-keys id -i /dev/stdin \
    <"$vectors/ed25519.pub" >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$keyid" ] && [ ! -s "$tmp/err" ]; then
    pass "$v: CDS first run reads stdin"
  else
    fail "$v: CDS first run with stdin: exit $rc, '$(head -c 200 "$tmp/out")' '$(head -c 200 "$tmp/err")'"
  fi
  rc=0
  env JAVA_HOME="$h" XDG_CACHE_HOME="$tmp/cds-rc-$v" "$launcher" user-keys id -i "$tmp/missing.pub" \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
  if [ "$rc" -ne 0 ] && grep -q '^error: ' "$tmp/err" && ! grep -qi 'warning\|cds' "$tmp/err"; then
    pass "$v: CDS first run keeps the exit code ($rc)"
  else
    fail "$v: CDS first run of a failing command: exit $rc, stderr '$(head -c 300 "$tmp/err")'"
  fi
  # whichever command runs first, the archive serves the others: after a first 'targets sign',
  # 'root sign' takes every class of the build's list from the archive, none from the jar
  # (an expiry from today: the vectors' own end, targets 2026-12-27, and an expired role is refused)
  c=$tmp/cds-train-$v
  env JAVA_HOME="$h" XDG_CACHE_HOME="$c" "$launcher" targets sign -r flow --key-name targets \
    --expire-after 1Y --home-dir "$home" >/dev/null 2>&1 || fail "$v: targets sign (first run) failed"
  rm -f "$tmp/root.log"
  env JAVA_HOME="$h" XDG_CACHE_HOME="$c" GARAGE_HSM_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/root.log:none" \
    "$launcher" root sign -r rot -k root-old -k root-new --expire-after 1Y --home-dir "$home" >/dev/null 2>&1 ||
    fail "$v: root sign after a first targets sign failed"
  shared=$(grep -c '^io\.garagehsm\.ops\.root\..* source: shared objects file' "$tmp/root.log" 2>/dev/null || true)
  # (not one class from the jar: a class the list lacks is a miss too)
  missed=$(grep ' source: file:.*\.jar$' "$tmp/root.log" 2>/dev/null | cut -d' ' -f1 | head -n 5 | tr '\n' ' ')
  if [ "${shared:-0}" -gt 0 ] && [ -z "$missed" ]; then
    pass "$v: root sign after a first targets sign: no class from the jar, all from the archive"
  else
    fail "$v: root sign after a first targets sign: $shared ops.root classes from the archive; from the jar: $missed"
  fi
  # and a token command (the build has no token: ClassListBuild lists the token path by name)
  rm -f "$tmp/tok.log"
  env JAVA_HOME="$h" XDG_CACHE_HOME="$c" SOFTHSM2_CONF="$tok/softhsm2.conf" \
    GARAGE_HSM_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/tok.log:none" "$launcher" targets sign -r flow \
    --key-name tok --pin-file "$tok/user.pin" --expire-after 1Y --home-dir "$home" >/dev/null 2>&1 ||
    fail "$v: token targets sign after a first targets sign failed"
  shared=$(grep -c '^org\.xipki\.pkcs11\..* source: shared objects file' "$tmp/tok.log" 2>/dev/null || true)
  missed=$(grep ' source: file:.*\.jar$' "$tmp/tok.log" 2>/dev/null | cut -d' ' -f1 | head -n 5 | tr '\n' ' ')
  if [ "${shared:-0}" -gt 0 ] && [ -z "$missed" ]; then
    pass "$v: token targets sign after a first targets sign: no class from the jar ($shared wrapper classes from the archive)"
  else
    fail "$v: token targets sign after a first targets sign: $shared wrapper classes from the archive; from the jar (add to ClassListBuild.BY_NAME): $missed"
  fi
  # a recording run answers exactly as a run without an archive (output, diagnostics, exit code)
  for args in "$signjson" "verify-json -p $vectors/ed25519.pub -i $root/src/test/resources/vectors/sign-json/signed-ed25519.json" \
    "user-keys id -i $tmp/missing.pub"; do
    rc1=0 rc2=0
    # shellcheck disable=SC2086 # args is a word list on purpose
    env JAVA_HOME="$h" GARAGE_HSM_CDS=0 "$launcher" $args >"$tmp/out1" 2>"$tmp/err1" || rc1=$?
    rm -rf "$tmp/cds-rec-$v"
    # shellcheck disable=SC2086
    env JAVA_HOME="$h" XDG_CACHE_HOME="$tmp/cds-rec-$v" "$launcher" $args >"$tmp/out2" 2>"$tmp/err2" || rc2=$?
    if [ "$rc1" = "$rc2" ] && cmp -s "$tmp/out1" "$tmp/out2" && cmp -s "$tmp/err1" "$tmp/err2" &&
      ls "$tmp/cds-rec-$v"/garage-hsm/*.$ext >/dev/null 2>&1; then
      pass "$v: recording run of '${args%% -*}' answers as a plain run (exit $rc1)"
    else
      fail "$v: recording run of '${args%% -*}': exit $rc2 vs $rc1, stdout/stderr $(cmp "$tmp/out1" "$tmp/out2" 2>&1; cmp "$tmp/err1" "$tmp/err2" 2>&1)"
    fi
  done
  # only the recording run loads the list: a run without an archive loads no root-signing class
  rm -f "$tmp/plain.log"
  env JAVA_HOME="$h" GARAGE_HSM_CDS=0 GARAGE_HSM_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/plain.log:none" \
    "$launcher" user-keys id -i "$vectors/ed25519.pub" >/dev/null 2>&1 || true
  if [ -s "$tmp/plain.log" ] && ! grep -q '^io\.garagehsm\.ops\.root\.' "$tmp/plain.log"; then
    pass "$v: runs that record no archive never load the list"
  else
    fail "$v: a plain user-keys id loaded root signing classes (or no log)"
  fi
  # the user's own sharing options win: the launcher adds none
  check "$v: GARAGE_HSM_JAVA_OPTS=-Xshare:off" "$keyid" \
    run_id GARAGE_HSM_JAVA_OPTS=-Xshare:off XDG_CACHE_HOME="$tmp/cds-xshare-$v"
  if [ -e "$tmp/cds-xshare-$v" ]; then fail "$v: -Xshare:off still made an archive"; else pass "$v: -Xshare:off, no archive"; fi
  # a collector in GARAGE_HSM_JAVA_OPTS replaces the launcher's (two would stop the JVM)
  check "$v: GARAGE_HSM_JAVA_OPTS with another collector" "$keyid" \
    run_id GARAGE_HSM_JAVA_OPTS="-XX:+UseG1GC -Xmx128m"
done

# Refusals: a fake Java 11, a missing jar.
mkdir -p "$tmp/jdk11/bin"
printf 'JAVA_VERSION="11.0.22"\n' >"$tmp/jdk11/release"
printf '#!/bin/sh\necho "should not run" \nexit 0\n' >"$tmp/jdk11/bin/java"
chmod +x "$tmp/jdk11/bin/java"
rc=0
JAVA_HOME=$tmp/jdk11 "$launcher" --version >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 3 ] && grep -q 'needs Java 17 or newer' "$tmp/err" && [ ! -s "$tmp/out" ]; then
  pass "Java 11 refused"
else
  fail "Java 11: exit $rc, stderr '$(cat "$tmp/err")'"
fi
rc=0
GARAGE_HSM_JAR=$tmp/missing.jar "$launcher" --version >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 3 ] && grep -q 'GARAGE_HSM_JAR' "$tmp/err"; then
  pass "missing GARAGE_HSM_JAR refused"
else
  fail "missing jar: exit $rc, stderr '$(cat "$tmp/err")'"
fi

[ "$fails" -eq 0 ] || { echo "test-launcher: $fails failure(s)" >&2; exit 1; }
echo "test-launcher: all passed"
