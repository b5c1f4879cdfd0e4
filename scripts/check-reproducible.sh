#!/bin/sh
# Builds the project twice from the current worktree (committed and uncommitted files) in two
# separate temporary folders, then compares the sha256 of every jar (main, shaded CLI, test
# server), the release tar.gz and the .deb.
# Different absolute paths, build times and umasks must still give identical bytes
# (project.build.outputTimestamp fixes entry times; see docs/benchmarks.md, "Reproducible jars").
#
# Usage: scripts/check-reproducible.sh [--keep] [--against-target]
#   --keep             keep the build folders for inspection (diffoscope, unzip -Z)
#   --against-target   build once (umask 077, another folder, later) and compare with what the
#                      last ./mvnw package left in target/ (scripts/test-dist.sh does this: one
#                      build instead of two)
# Exit: 0 identical, 1 different, 2 build failure.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
keep=false
against_target=false
for arg in "$@"; do
  case $arg in
    --keep) keep=true ;;
    --against-target) against_target=true ;;
    *) echo "usage: scripts/check-reproducible.sh [--keep] [--against-target]" >&2; exit 2 ;;
  esac
done
# The copies have no .git: the build's commit (build-info.properties in the jar) comes from this
# checkout's repository, as in a build in place.
GIT_DIR=$(git -C "$here" rev-parse --absolute-git-dir 2>/dev/null) && export GIT_DIR

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

if $against_target; then
  ls "$here"/target/garage-hsm-*.tar.gz "$here"/target/garage-hsm_*.deb >/dev/null 2>&1 ||
    { echo "check-reproducible: nothing built in $here/target; run ./mvnw package" >&2; exit 2; }
  ln -s "$here" "$work/a" # the first build is the one in target/
  build b 077
else
  build a 022
  sleep 2 # so that any wall-clock time leaking into the jars differs between the builds
  build b 077
fi

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
          mkdir -p "$work/x-$side-$name"
          (cd "$work/x-$side-$name" && unzip -q -o "$work/$side/target/$name")
        done
        diff -r "$work/x-a-$name" "$work/x-b-$name" | head -20 || true
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
        case $name in
          *.tar.gz) # same list, different bytes: which files differ
            for side in a b; do
              mkdir -p "$work/x-$side-$name" && tar -xzf "$work/$side/target/$name" -C "$work/x-$side-$name"
            done
            diff -r "$work/x-a-$name" "$work/x-b-$name" | head -20 || true
            ;;
        esac
        ;;
    esac
    keep=true
  fi
done
$keep && echo "build folders kept in $work" >&2
exit $status
