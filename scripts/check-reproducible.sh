#!/bin/sh
# Builds the project twice from the current worktree (committed and uncommitted files) in two
# separate temporary folders, then compares the sha256 of every jar (main, shaded CLI, test
# server), the release tar.gz and the .deb.
# Different absolute paths and different build times must still give identical bytes
# (project.build.outputTimestamp fixes entry times; see docs/benchmarks.md, "Reproducible jars").
#
# Usage: scripts/check-reproducible.sh [--keep]
#   --keep   keep the two build folders for inspection (diffoscope, unzip -Z)
# Exit: 0 identical, 1 different, 2 build failure.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[ "${1:-}" = "--keep" ] && keep=true

work=$(mktemp -d "${TMPDIR:-/tmp}/garage-hsm-repro.XXXXXX")
cleanup() { $keep || rm -rf "$work"; }
trap cleanup EXIT

copy_tree() {
  # Tracked and untracked-but-not-ignored files, so uncommitted pom changes are tested too.
  mkdir -p "$2"
  (cd "$1" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$1" && xargs -0 tar cf - --no-recursion) | (cd "$2" && tar xpf -)
}

build() {
  dir=$work/$1
  copy_tree "$here" "$dir"
  echo "building in $dir" >&2
  # A different umask in the second build catches permissions leaking into the archives.
  if ! (cd "$dir" && umask "$2" && ./mvnw -B -q clean package -DskipTests >"$work/$1.log" 2>&1); then
    echo "build $1 failed; log: $work/$1.log" >&2
    keep=true
    exit 2
  fi
}

build a 022
sleep 2 # so that any wall-clock time leaking into the jars differs between the builds
build b 077

status=0
for jar in "$work"/a/target/garage-hsm-*.jar "$work"/a/target/garage-hsm-*.tar.gz \
  "$work"/a/target/garage-hsm_*.deb; do
  name=$(basename "$jar")
  a=$(sha256sum <"$jar" | cut -d' ' -f1)
  b=$(sha256sum <"$work/b/target/$name" | cut -d' ' -f1)
  if [ "$a" = "$b" ]; then
    echo "same       $a  $name"
  else
    echo "DIFFERENT  $a  $b  $name"
    status=1
    # Show which entries differ, to say where to look.
    case $name in
      *.jar)
        for side in a b; do
          (cd "$work/$side/target" && mkdir -p "x-$name" && cd "x-$name" && unzip -q -o "../$name")
        done
        diff -r "$work/a/target/x-$name" "$work/b/target/x-$name" | head -20 || true
        unzip -Z -T "$jar" | head -5 || true
        ;;
      *.tar.gz | *.deb)
        for side in a b; do
          case $name in
            *.deb) dpkg-deb -c "$work/$side/target/$name" ;;
            *) tar -tvzf "$work/$side/target/$name" ;;
          esac >"$work/$side.list"
        done
        diff "$work/a.list" "$work/b.list" | head -20 || true
        ;;
    esac
    keep=true
  fi
done
$keep && echo "build folders kept in $work" >&2
exit $status
