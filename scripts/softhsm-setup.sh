#!/bin/sh
# Create (or reuse) a SoftHSM2 token for garage-hsm in a folder of your choice.
#
#   scripts/softhsm-setup.sh --dir ~/.garage-hsm/softhsm --label ci-root \
#       [--pin-file FILE] [--so-pin-file FILE]
#
# PINs are read from the given files (first line) or prompted for without echo; they are never
# taken from the command line. Prints the pkcs11: URI and the SOFTHSM2_CONF export line.
# Idempotent: an existing token with that label is reused, never re-initialised.
# Installs nothing; if SoftHSM2 is missing it says how to install it.
set -eu

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

dir= label= pin_file= so_pin_file=
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=${2:?}; shift 2 ;;
    --label) label=${2:?}; shift 2 ;;
    --pin-file) pin_file=${2:?}; shift 2 ;;
    --so-pin-file) so_pin_file=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "softhsm-setup: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$dir" ] && [ -n "$label" ] || usage

if ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "softhsm-setup: softhsm2-util not found. Install SoftHSM2 first:" >&2
  echo "  Debian/Ubuntu: sudo apt-get install -y softhsm2" >&2
  echo "  Fedora:        sudo dnf install softhsm" >&2
  echo "  macOS:         brew install softhsm" >&2
  exit 1
fi

module=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
         /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so \
         /opt/homebrew/lib/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
  if [ -f "$m" ]; then module=$m; break; fi
done
if [ -z "$module" ]; then
  echo "softhsm-setup: the SoftHSM2 module (libsofthsm2.so) was not found; install softhsm2" >&2
  exit 1
fi

umask 077
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
conf="$dir/softhsm2.conf"
if [ ! -f "$conf" ]; then
  cat > "$conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
fi
SOFTHSM2_CONF=$conf
export SOFTHSM2_CONF

# First line of a file, or a prompt without echo.
read_secret() { # $1 = file or empty, $2 = prompt
  if [ -n "$1" ]; then
    head -n 1 "$1" | tr -d '\r\n'
  else
    if [ ! -t 0 ]; then
      echo "softhsm-setup: no terminal to ask for the $2; use --pin-file/--so-pin-file" >&2
      exit 1
    fi
    printf '%s: ' "$2" >&2
    stty -echo
    trap 'stty echo' EXIT INT TERM
    IFS= read -r secret
    stty echo
    trap - EXIT INT TERM
    printf '\n' >&2
    printf '%s' "$secret"
  fi
}

if softhsm2-util --show-slots | grep -q "Label: *$label *\$"; then
  echo "softhsm-setup: token '$label' already exists in $dir/tokens; reusing it" >&2
else
  pin=$(read_secret "$pin_file" "user PIN for new token '$label'")
  so_pin=$(read_secret "$so_pin_file" "SO PIN for new token '$label'")
  if [ -z "$pin" ] || [ -z "$so_pin" ]; then
    echo "softhsm-setup: empty PIN" >&2
    exit 1
  fi
  # softhsm2-util takes PINs only as arguments; they are visible to local `ps` for the
  # lifetime of this one short command.
  softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$pin" >&2
  unset pin so_pin
fi

# RFC 7512 percent-encoding of the label (anything but unreserved characters).
encoded=$(printf '%s' "$label" | LC_ALL=C od -An -v -tx1 | LC_ALL=C awk '
  { for (i = 1; i <= NF; i++) { h = toupper($i); c = sprintf("%c", ("0x" h) + 0);
      if (h ~ /^(3[0-9]|4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]|2D|2E|5F|7E)$/) printf "%s", c;
      else printf "%%%s", h } }')
echo "export SOFTHSM2_CONF=$conf"
echo "pkcs11:token=$encoded?module-path=$module"
