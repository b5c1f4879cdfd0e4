#!/usr/bin/env bash
# Installs the system packages garage-hsm's build, tests and demo need, when missing:
# a JDK 17+ (the machine's), SoftHSM2 (the test and demo token), OpenSC's pkcs11-tool (adopting keys
# made by another tool), openssl (the independent verifier in tests), gcc (tests build small
# fake PKCS#11 libraries to prove what is and is not loaded, and a logging PKCS#11 shim), for
# the remote-token tests p11-kit (p11-kit server), p11-kit-modules (its client module), socat (the
# TCP hop) and libp11-kit-dev (pkcs11.h for the shim), and for the TPM 2.0 suite the software TPM
# (swtpm), its PKCS#11 module (tpm2-pkcs11), TCTIs, tpm2-tools (lockout counter) and the
# tpm2-abrmd resource manager with dbus-daemon for its private bus, and util-linux's script
# (bsdutils: runs the jar on a pseudo-terminal to test the PIN prompt). Debian/Ubuntu only.
set -euo pipefail

need=()
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
command -v p11-kit >/dev/null 2>&1 || need+=(p11-kit)
[ -e /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so ] || need+=(p11-kit-modules)
command -v socat >/dev/null 2>&1 || need+=(socat)
[ -e /usr/include/p11-kit-1/p11-kit/pkcs11.h ] || need+=(libp11-kit-dev)
tpm_libs=/usr/lib/x86_64-linux-gnu
command -v swtpm >/dev/null 2>&1 || need+=(swtpm)
command -v swtpm_setup >/dev/null 2>&1 || need+=(swtpm-tools)
[ -e "$tpm_libs/pkcs11/libtpm2_pkcs11.so" ] || need+=(libtpm2-pkcs11-1)
[ -e "$tpm_libs/libtss2-tcti-swtpm.so.0" ] || need+=(libtss2-tcti-swtpm0)
[ -e "$tpm_libs/libtss2-tcti-tabrmd.so.0" ] || need+=(libtss2-tcti-tabrmd0)
command -v tpm2_getcap >/dev/null 2>&1 || need+=(tpm2-tools)
[ -x /usr/sbin/tpm2-abrmd ] || need+=(tpm2-abrmd)
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus-daemon)
command -v script >/dev/null 2>&1 || need+=(bsdutils) # a pseudo-terminal for the prompt tests

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing ${need[*]} and no apt-get to install them" >&2
    echo "hint: install SoftHSM2, OpenSC, OpenSSL, p11-kit (+ client module), socat, gcc, the p11-kit headers, swtpm, tpm2-pkcs11, tpm2-tools and tpm2-abrmd with your package manager" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Fail, never skip: the token tests need these.
for f in /usr/lib/softhsm/libsofthsm2.so "$(command -v softhsm2-util)" "$(command -v pkcs11-tool)" \
  "$(command -v gcc)" "$(command -v p11-kit)" /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so \
  "$(command -v socat)" /usr/include/p11-kit-1/p11-kit/pkcs11.h \
  "$(command -v swtpm)" "$tpm_libs/pkcs11/libtpm2_pkcs11.so" "$tpm_libs/libtss2-tcti-swtpm.so.0" \
  "$tpm_libs/libtss2-tcti-tabrmd.so.0" "$(command -v tpm2_getcap)" /usr/sbin/tpm2-abrmd \
  "$(command -v dbus-daemon)" "$(command -v script)"; do
  if [ -z "$f" ] || [ ! -e "$f" ]; then
    echo "error: $f is missing after installation" >&2
    exit 1
  fi
done
