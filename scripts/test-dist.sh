#!/usr/bin/env bash
# Tests the distribution that ./mvnw package built (scripts/test.sh runs this after the Maven
# suite; it fails, never skips):
#   release tar.gz: the layout; bin/garage-hsm, bin/garage-sign, bin/uptane-sign --version;
#     garage-hsm-testserver starts, 'init' + 'targets pull' work against it, an existing
#     credentials.zip is never overwritten.
#   .deb: its control fields; 'apt-get -s install' resolves its dependencies on this machine;
#     'dpkg -i' into a throw-away root (dpkg --root: nothing on this machine changes), then from
#     that root /usr/bin/garage-hsm --version (all four lines), /usr/bin/garage-hsm-testserver,
#     'man -w garage-hsm', a subcommand's man page that
#     names every option of its --help, the bash completion completing a partial command, the
#     zsh completion from /usr/share/zsh/vendor-completions (fpath + compinit, in an interactive
#     zsh on a pseudo-terminal), the DEP-5 copyright file.
#   both: LICENSE (Apache-2.0) and NOTICE.
#   reproducible: scripts/check-reproducible.sh --against-target (one more clean build, a few
#     minutes; --no-rebuild leaves it out while working on this script — scripts/test.sh never does).
set -euo pipefail
cd "$(dirname "$0")/.."
rebuild=1
[ "${1:-}" = "--no-rebuild" ] && rebuild=0

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
  completion/zsh/_garage-hsm hsm-config/README.md README.md SECURITY.md LICENSE NOTICE; do
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
if cmp -s "$d/LICENSE" LICENSE && grep -q 'Apache License' "$d/LICENSE" &&
  grep -q 'Version 2.0, January 2004' "$d/LICENSE" && grep -q 'LICENSE' "$d/NOTICE"; then
  pass "tar: LICENSE (Apache-2.0) and NOTICE"
else
  fail "tar: LICENSE is not the Apache License 2.0 text, or NOTICE does not point to it"
fi

# zsh_complete <name> <setup> <keys>: an interactive 'zsh -f' on a pseudo-terminal (zsh/zpty) runs
# <setup>, then gets <keys> typed (\t = Tab, as a user presses it). Prints, sorted, every match
# the completion system offered (each compadd call records what it adds); the terminal's output
# is left in $tmp/<name>.tty.
cat >"$tmp/zsh-complete.zsh" <<'ZSH'
zmodload zsh/zpty || exit 2
out=$1 setup=$2 keys=$3
: >$out.matches
zpty -b z "TERM=dumb zsh -f -i" || exit 2
zpty -w z "PS1='> '; $setup"
zpty -w z "compadd() { local -a __m; builtin compadd -O __m \"\$@\"; print -rl -- \$__m >>${(q)out}.matches; builtin compadd \"\$@\" }"
zpty -w -n z "$keys"
for i in {1..100}; do [[ -s $out.matches ]] && break; sleep 0.1; done
sleep 0.5 # let later completions in the same keys finish
zpty -w -n z $'\C-u''print -r -- END-OF-TEST'$'\n'
tty=
for i in {1..100}; do
  zpty -r -t z chunk && tty+=$chunk
  [[ $tty = *END-OF-TEST*END-OF-TEST* ]] && break
  sleep 0.1
done
print -rn -- "$tty" >$out.tty
zpty -d z
ZSH
zsh_complete() {
  local name=$1
  (cd "$tmp/wd" && zsh -f "$tmp/zsh-complete.zsh" "$tmp/$name" "$2" "$3") >/dev/null 2>&1 || true
  sort -u "$tmp/$name.matches" 2>/dev/null | sed '/^$/d' | tr '\n' ' '
}
# zsh_expect <label> <name> <want> <setup> <keys>: exactly <want> (sorted, blank-separated) offered
zsh_expect() {
  local got
  got=$(zsh_complete "$2" "$4" "$5")
  if [ "$got" = "$3" ]; then pass "$1"; else
    fail "$1: offered '$got' (want '$3'); terminal: $(tr -d '\r' <"$tmp/$2.tty" 2>/dev/null | tail -c 300)"
  fi
}
mkdir "$tmp/wd"
: >"$tmp/wd/credentials.zip"
path_with_tar=$d/bin:$PATH
# the tar's file sourced from ~/.zshrc after compinit, as its README line says
zsh_setup_tar="PATH='$path_with_tar'; autoload -Uz compinit; compinit -u -d '$tmp/zcompdump-tar'; source '$d/completion/zsh/_garage-hsm'"
zsh_expect "tar: zsh completion (sourced): 'garage-sign targets pu' -> pull push" zsh-tar1 "pull push " \
  "$zsh_setup_tar" $'garage-sign targets pu\t'
zsh_expect "tar: zsh completion (sourced): a file argument ('init -c cr' -> credentials.zip)" zsh-tar2 \
  "credentials.zip " "$zsh_setup_tar" $'garage-hsm init -c cr\t'

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
# all of --version: version, the commit it was built from, the Java runtime, the PKCS#11 wrapper
"$root/usr/bin/garage-hsm" --version >"$tmp/version" 2>&1 || true
want_commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$(sed -n 2p "$tmp/version")" = "commit: $want_commit" ] &&
  sed -n 3p "$tmp/version" | grep -q -E '^java: (1[7-9]|[2-9][0-9])(\.[0-9]+)* \(' &&
  sed -n 4p "$tmp/version" | grep -q -E '^pkcs11 wrapper: ipkcs11wrapper [0-9]+\.[0-9]+' &&
  [ "$(wc -l <"$tmp/version")" = 4 ]; then
  pass "deb: --version names the commit ($want_commit), the Java runtime and the PKCS#11 wrapper"
else
  fail "deb: --version printed: $(tr '\n' '|' <"$tmp/version")"
fi
first_line_is "deb: /usr/share/garage-hsm/bin/garage-sign --version" "garage-hsm $version" \
  "$root/usr/share/garage-hsm/bin/garage-sign" --version
# the rehearsal server through /usr/bin (a symlink into /usr/share/garage-hsm/bin)
mkdir "$tmp/deb-rehearsal"
(cd "$tmp/deb-rehearsal" && exec "$root/usr/bin/garage-hsm-testserver" >server.url 2>server.err) &
server_pid=$!
for _ in $(seq 1 300); do [ -s "$tmp/deb-rehearsal/server.url" ] && break; sleep 0.1; done
case $(cat "$tmp/deb-rehearsal/server.url" 2>/dev/null) in
  http://127.0.0.1:[0-9]*)
    if [ -s "$tmp/deb-rehearsal/credentials.zip" ]; then pass "deb: /usr/bin/garage-hsm-testserver starts and writes credentials.zip"; else
      fail "deb: garage-hsm-testserver wrote no credentials.zip"
    fi
    ;;
  *) fail "deb: /usr/bin/garage-hsm-testserver: $(head -c 300 "$tmp/deb-rehearsal/server.err" 2>/dev/null)" ;;
esac
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=
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

zsh_setup_deb="PATH='$root/usr/bin':\$PATH; fpath=('$root/usr/share/zsh/vendor-completions' \$fpath); autoload -Uz compinit; compinit -u -d '$tmp/zcompdump-deb'"
zsh_expect "deb: zsh completion from vendor-completions: 'garage-hsm targ' -> targets" zsh-deb1 \
  "targets " "$zsh_setup_deb" $'garage-hsm targ\t'
# a second completion in the same shell (after the first one loaded _garage-hsm): a subcommand's
# options
words=$(zsh_complete zsh-deb2 "$zsh_setup_deb" $'garage-hsm targets sign --\t')
case " $words" in
  *" --key-name "*" --repo "* | *" --repo "*" --key-name "*)
    if grep -q 'garage-hsm targets sign --' "$tmp/zsh-deb2.tty" && ! grep -q -i -E 'not found|error|compdef' "$tmp/zsh-deb2.tty"; then
      pass "deb: zsh completion of a subcommand's options ('garage-hsm targets sign --' -> --key-name, --repo, ...)"
    else
      fail "deb: zsh completion printed: $(tr -d '\r' <"$tmp/zsh-deb2.tty" | tail -c 300)"
    fi
    ;;
  *) fail "deb: zsh completion of 'garage-hsm targets sign --' offered '$words'" ;;
esac
zsh_expect "deb: zsh completion for the uptane-sign name ('uptane-sign root pu' -> pull push)" zsh-deb3 \
  "pull push " "$zsh_setup_deb" $'uptane-sign root pu\t'

# Debian's machine-readable copyright file, pointing at base-files' Apache-2.0 text
copyright=$root/usr/share/doc/garage-hsm/copyright
if [ "$(head -n 1 "$copyright")" = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" ] &&
  awk 'BEGIN { RS = "" } /^Files: \*\n/ && /\nLicense: Apache-2.0(\n|$)/ { f = 1 } /^License: Apache-2.0\n/ && /common-licenses\/Apache-2.0/ { l = 1 } END { exit !(f && l) }' "$copyright" &&
  [ -f /usr/share/common-licenses/Apache-2.0 ] && cmp -s "$root/usr/share/doc/garage-hsm/NOTICE" NOTICE; then
  pass "deb: DEP-5 copyright (Files: * Apache-2.0, text in /usr/share/common-licenses) and NOTICE"
else
  fail "deb: /usr/share/doc/garage-hsm/copyright is not DEP-5 with Files: * under Apache-2.0, or NOTICE is missing"
fi
# the pom's default (the project, no personal address); a publisher sets -Ddeb.maintainer
if field Maintainer | grep -q -E '^[^<>]+ <[^ @<>]+@[^ @<>]+>$' && ! field Maintainer | grep -q example; then
  pass "deb: Maintainer '$(field Maintainer)'"
else
  fail "deb: Maintainer is '$(field Maintainer)'"
fi

# ---- reproducible: one more clean build (another folder, umask 077, minutes later) must give
# the same bytes as the archives tested above (and the jars)
if [ "$rebuild" = 1 ]; then
  started=$(date +%s)
  if scripts/check-reproducible.sh --against-target >"$tmp/repro" 2>&1; then
    pass "reproducible: a second clean build gives the same jars, tar.gz and .deb ($(($(date +%s) - started)) s)"
  else
    fail "reproducible: $(grep -v '^same' "$tmp/repro" | head -c 1500)"
  fi
fi

echo "test-dist: $passed checks passed, $failed failed"
[ "$failed" = 0 ]
