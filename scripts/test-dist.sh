#!/usr/bin/env bash
# Tests the distribution that ./mvnw package built (scripts/test.sh runs this after the Maven
# suite; it fails, never skips):
#   release tar.gz: the layout; bin/garage-hsm, bin/garage-sign, bin/uptane-sign --version;
#     garage-hsm-testserver starts, 'init' + 'targets pull' work against it, an existing
#     credentials.zip is never overwritten.
#   .deb: its control fields; 'apt-get -s install' resolves its dependencies on this machine;
#     'dpkg -i' into a throw-away root (dpkg --root: nothing on this machine changes), then from
#     that root /usr/bin/garage-hsm --version, 'man -w garage-hsm', a subcommand's man page that
#     names every option of its --help, and the bash completion completing a partial command.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version=//p' target/maven-archiver/pom.properties 2>/dev/null || true)
[ -n "$version" ] || { echo "test-dist: no target/maven-archiver/pom.properties; run ./mvnw package" >&2; exit 1; }
tgz=target/garage-hsm-$version.tar.gz
deb=$(ls target/garage-hsm_*_all.deb 2>/dev/null | head -n 1 || true)
for f in "$tgz" "$deb"; do
  [ -n "$f" ] && [ -f "$f" ] || { echo "test-dist: missing ${f:-target/garage-hsm_*_all.deb}; run ./mvnw package" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-dist.XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1" >&2; failed=$((failed + 1)); }
# expect <label> <command...>: the command must succeed
expect() {
  local label=$1
  shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then pass "$label"; else fail "$label: $(head -c 400 "$tmp/err")"; fi
}
# first_line_is <label> <expected> <command...>
first_line_is() {
  local label=$1 want=$2 rc=0
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  local got
  got=$(head -n 1 "$tmp/out")
  if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then pass "$label"; else
    fail "$label: exit $rc, first line '$got' (want '$want'), stderr $(head -c 300 "$tmp/err")"
  fi
}

# ---- release tar.gz ----
mkdir "$tmp/tar"
tar -xzf "$tgz" -C "$tmp/tar"
d=$tmp/tar/garage-hsm-$version
missing=
for f in bin/garage-hsm bin/garage-sign bin/uptane-sign bin/garage-hsm-testserver \
  "lib/garage-hsm-$version-cli.jar" "lib/garage-hsm-$version-testserver.jar" \
  man/man1/garage-hsm.1.gz man/man1/garage-hsm-targets-sign.1.gz completion/bash/garage-hsm \
  completion/zsh/garage-hsm.zsh hsm-config/README.md README.md SECURITY.md NOTICE; do
  [ -e "$d/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass "tar: layout"; else fail "tar: missing$missing"; fi
if [ "$(readlink "$d/bin/garage-sign")" = garage-hsm ] && [ "$(readlink "$d/bin/uptane-sign")" = garage-hsm ]; then
  pass "tar: garage-sign and uptane-sign are links to garage-hsm"
else
  fail "tar: garage-sign/uptane-sign are not links to garage-hsm"
fi
if tar -tvzf "$tgz" | awk '$2 != "0/0" { bad = 1 } END { exit bad }'; then
  pass "tar: every entry owned by 0/0"
else
  fail "tar: entries not owned by 0/0: $(tar -tvzf "$tgz" | awk '$2 != "0/0"' | head -3)"
fi
first_line_is "tar: bin/garage-hsm --version" "garage-hsm $version" "$d/bin/garage-hsm" --version
first_line_is "tar: bin/garage-sign --version" "garage-hsm $version" "$d/bin/garage-sign" --version
first_line_is "tar: bin/uptane-sign --version" "garage-hsm $version" "$d/bin/uptane-sign" --version

# the rehearsal server from the archive, and garage-hsm from the archive against it
mkdir "$tmp/rehearsal"
(cd "$tmp/rehearsal" && exec "$d/bin/garage-hsm-testserver" credentials.zip >server.url 2>server.err) &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$tmp/rehearsal/server.url" ] && break; sleep 0.1; done
url=$(cat "$tmp/rehearsal/server.url" 2>/dev/null || true)
case $url in
  http://127.0.0.1:[0-9]*) pass "testserver: listens on $url" ;;
  *) fail "testserver: no URL on stdout: $(cat "$tmp/rehearsal/server.err" 2>/dev/null)" ;;
esac
if grep -q "garage-hsm init -r rehearsal -c $tmp/rehearsal/credentials.zip" "$tmp/rehearsal/server.err" 2>/dev/null; then
  pass "testserver: prints how to init against it"
else
  fail "testserver: no init instructions on stderr: $(cat "$tmp/rehearsal/server.err" 2>/dev/null)"
fi
expect "testserver: init from its credentials.zip" \
  sh -c "cd '$tmp/rehearsal' && '$d/bin/garage-hsm' init -r rehearsal -c credentials.zip"
expect "testserver: targets pull" \
  sh -c "cd '$tmp/rehearsal' && '$d/bin/garage-hsm' targets pull -r rehearsal && test -s tuf/rehearsal/roles/unsigned/targets.json"
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=
rc=0
(cd "$tmp/rehearsal" && "$d/bin/garage-hsm-testserver" credentials.zip) >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 1 ] && grep -q "already exists" "$tmp/err" && [ ! -s "$tmp/out" ]; then
  pass "testserver: refuses to overwrite an existing credentials.zip"
else
  fail "testserver: over an existing credentials.zip: exit $rc, $(head -c 300 "$tmp/err")"
fi

# ---- .deb ----
field() { dpkg-deb -f "$deb" "$1"; }
if [ "$(field Package)" = garage-hsm ] && [ "$(field Architecture)" = all ] &&
  [ "$(field Depends)" = "default-jre-headless (>= 2:1.17) | java17-runtime-headless" ] &&
  [ "$(field Recommends)" = "softhsm2, opensc, p11-kit-modules" ]; then
  pass "deb: control fields (Depends on Java 17+, Recommends softhsm2, opensc, p11-kit-modules)"
else
  fail "deb: control: $(dpkg-deb -f "$deb" | tr '\n' '|')"
fi
# apt's resolver on this machine (simulation only: no lock, no change)
if apt-get -s install "./$deb" >"$tmp/apt" 2>&1 && grep -q '^Inst garage-hsm' "$tmp/apt"; then
  pass "deb: apt-get -s install resolves its dependencies"
else
  fail "deb: apt-get -s install: $(tail -n 5 "$tmp/apt")"
fi

root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
expect "deb: dpkg -i into a throw-away root" \
  dpkg --root="$root" --force-not-root --force-depends --log=/dev/null -i "$deb"
if [ "$(dpkg-query --root="$root" -W -f '${Status} ${Version}' garage-hsm 2>/dev/null)" = "install ok installed $(field Version)" ]; then
  pass "deb: dpkg records garage-hsm $(field Version) as installed"
else
  fail "deb: dpkg-query: $(dpkg-query --root="$root" -W garage-hsm 2>&1)"
fi
first_line_is "deb: /usr/bin/garage-hsm --version" "garage-hsm $version" "$root/usr/bin/garage-hsm" --version
first_line_is "deb: /usr/share/garage-hsm/bin/garage-sign --version" "garage-hsm $version" \
  "$root/usr/share/garage-hsm/bin/garage-sign" --version
if [ ! -e "$root/usr/bin/garage-sign" ] && [ ! -e "$root/usr/bin/uptane-sign" ]; then
  pass "deb: does not claim /usr/bin/garage-sign or /usr/bin/uptane-sign"
else
  fail "deb: installs /usr/bin/garage-sign or uptane-sign"
fi
if [ "$(man -M "$root/usr/share/man" -w garage-hsm 2>&1)" = "$root/usr/share/man/man1/garage-hsm.1.gz" ]; then
  pass "deb: man -w garage-hsm"
else
  fail "deb: man -w garage-hsm: $(man -M "$root/usr/share/man" -w garage-hsm 2>&1)"
fi
# the man page says what --help says: every option of 'targets sign --help' is in its page
"$root/usr/bin/garage-hsm" targets sign --help >"$tmp/help" 2>&1 || true
MANWIDTH=120 MAN_KEEP_FORMATTING= man -M "$root/usr/share/man" garage-hsm-targets-sign 2>/dev/null |
  col -b >"$tmp/man" || true
opts=$(grep -o -- '--[a-z][a-z0-9-]*' "$tmp/help" | sort -u)
absent=
for o in $opts; do grep -q -- "$o" "$tmp/man" || absent="$absent $o"; done
if [ -n "$opts" ] && [ -z "$absent" ] && grep -q 'garage-hsm-targets-sign' "$tmp/man"; then
  pass "deb: man garage-hsm-targets-sign names every option of its --help ($(echo $opts | wc -w))"
else
  fail "deb: man garage-hsm-targets-sign lacks:${absent:- (no options found in --help)}"
fi
comp=$root/usr/share/bash-completion/completions/garage-hsm
words=$(bash -c '
  source "$1" || exit 1
  COMP_WORDS=(garage-hsm targets pu); COMP_CWORD=2
  COMP_LINE="garage-hsm targets pu"; COMP_POINT=${#COMP_LINE}
  _complete_garage-hsm garage-hsm pu targets 2>/dev/null # compopt: only inside real completion
  printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$comp" 2>&1 || true)
if [ "$words" = "pull push " ]; then
  pass "deb: bash completion: 'garage-hsm targets pu' -> pull push"
else
  fail "deb: bash completion of 'garage-hsm targets pu' gave '$words'"
fi
words=$(bash -c '
  source "$1" || exit 1
  COMP_WORDS=(garage-sign targets sign --key-); COMP_CWORD=3
  COMP_LINE="garage-sign targets sign --key-"; COMP_POINT=${#COMP_LINE}
  _complete_garage-hsm garage-sign --key- sign 2>/dev/null
  printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
  complete -p garage-sign >/dev/null' _ "$comp" 2>&1 || true)
case $words in
  *--key-name*) pass "deb: bash completion of options, and for the garage-sign name" ;;
  *) fail "deb: bash completion of 'garage-sign targets sign --key-' gave '$words'" ;;
esac

echo "test-dist: $passed checks passed, $failed failed"
[ "$failed" = 0 ]
