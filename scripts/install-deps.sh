#!/usr/bin/env bash
# Installs the system packages garage-hsm's build, tests and demo need, when missing:
# a JDK 17+ (the machine's), SoftHSM2 (the test and demo token), OpenSC's pkcs11-tool (adopting keys
# made by another tool), openssl (the independent verifier in tests), gcc (tests build small
# fake PKCS#11 libraries to prove what is and is not loaded, and a logging PKCS#11 shim), for
# the remote-token tests p11-kit (p11-kit server), p11-kit-modules (its client module), socat (the
# TCP hop) and libp11-kit-dev (pkcs11.h for the shim), and for the TPM 2.0 suite the software TPM
# (swtpm), its PKCS#11 module (tpm2-pkcs11), TCTIs, tpm2-tools (lockout counter) and the
# tpm2-abrmd resource manager with dbus-daemon for its private bus, util-linux's script
# (bsdutils: runs the jar on a pseudo-terminal to test the PIN prompt), man-db (the
# distribution test reads the packaged man pages with man), zsh (it tests the zsh completion) and
# unzip (test-launcher reads the class list in the jar). Debian/Ubuntu only.
set -euo pipefail

need=()
want() { # adds each package once
  local p
  for p in "$@"; do
    [[ " ${need[*]-} " == *" $p "* ]] || need+=("$p")
  done
}
command -v softhsm2-util >/dev/null 2>&1 || want softhsm2
[ -e /usr/lib/softhsm/libsofthsm2.so ] || want softhsm2
command -v pkcs11-tool >/dev/null 2>&1 || want opensc
command -v openssl >/dev/null 2>&1 || want openssl
command -v java >/dev/null 2>&1 || want openjdk-17-jdk-headless
command -v gcc >/dev/null 2>&1 || want gcc libc6-dev
[ -e /usr/include/stdio.h ] || want libc6-dev
command -v p11-kit >/dev/null 2>&1 || want p11-kit
[ -e /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so ] || want p11-kit-modules
command -v socat >/dev/null 2>&1 || want socat
[ -e /usr/include/p11-kit-1/p11-kit/pkcs11.h ] || want libp11-kit-dev
tpm_libs=/usr/lib/x86_64-linux-gnu
command -v swtpm >/dev/null 2>&1 || want swtpm
command -v swtpm_setup >/dev/null 2>&1 || want swtpm-tools
[ -e "$tpm_libs/pkcs11/libtpm2_pkcs11.so" ] || want libtpm2-pkcs11-1
[ -e "$tpm_libs/libtss2-tcti-swtpm.so.0" ] || want libtss2-tcti-swtpm0
[ -e "$tpm_libs/libtss2-tcti-tabrmd.so.0" ] || want libtss2-tcti-tabrmd0
command -v tpm2_getcap >/dev/null 2>&1 || want tpm2-tools
[ -x /usr/sbin/tpm2-abrmd ] || want tpm2-abrmd
command -v dbus-daemon >/dev/null 2>&1 || want dbus-daemon
command -v script >/dev/null 2>&1 || want bsdutils # a pseudo-terminal for the prompt tests
command -v man >/dev/null 2>&1 || want man-db
command -v col >/dev/null 2>&1 || want man-db
command -v zsh >/dev/null 2>&1 || want zsh
command -v unzip >/dev/null 2>&1 || want unzip # test-launcher reads the jar's class list

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing ${need[*]} and no apt-get to install them" >&2
    echo "hint: install SoftHSM2, OpenSC, OpenSSL, p11-kit (+ client module), socat, gcc, the p11-kit headers, swtpm, tpm2-pkcs11, tpm2-tools, tpm2-abrmd, man-db and zsh with your package manager" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${need[*]} (apt-get; a few minutes on a fresh machine)" >&2
  log=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
  echo "  apt-get update" >&2
  $sudo apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  # one line per package set up, so a long install shows progress; the whole log on failure
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}" 2>&1 |
    tee "$log" | sed -un 's/^Setting up \([^ ]*\) .*/  set up \1/p' >&2; then
    tail -n 30 "$log" >&2
    exit 1
  fi
  rm -f "$log"
fi

# Fail, never skip: the token tests need these.
for f in /usr/lib/softhsm/libsofthsm2.so "$(command -v softhsm2-util)" "$(command -v pkcs11-tool)" \
  "$(command -v gcc)" "$(command -v p11-kit)" /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so \
  "$(command -v socat)" /usr/include/p11-kit-1/p11-kit/pkcs11.h \
  "$(command -v swtpm)" "$tpm_libs/pkcs11/libtpm2_pkcs11.so" "$tpm_libs/libtss2-tcti-swtpm.so.0" \
  "$tpm_libs/libtss2-tcti-tabrmd.so.0" "$(command -v tpm2_getcap)" /usr/sbin/tpm2-abrmd \
  "$(command -v dbus-daemon)" "$(command -v script)" "$(command -v man)" "$(command -v col)" "$(command -v zsh)"; do
  if [ -z "$f" ] || [ ! -e "$f" ]; then
    echo "error: $f is missing after installation" >&2
    exit 1
  fi
done
