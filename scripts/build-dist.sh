#!/bin/sh
# Lays out the release archive from this build's outputs and packs it (./mvnw package runs this
# after the shaded jar; jdeb then builds the .deb from the same layout):
#
#   target/dist/garage-hsm-<version>/
#     bin/garage-hsm, bin/garage-sign -> garage-hsm, bin/uptane-sign -> garage-hsm,
#     bin/garage-hsm-testserver
#     lib/garage-hsm-<version>-cli.jar, lib/garage-hsm-<version>-testserver.jar
#     man/man1/*.1.gz              (from the picocli model: CliReference + Asciidoctor)
#     completion/bash/garage-hsm, completion/zsh/_garage-hsm
#     hsm-config/, README.md, SECURITY.md, LICENSE, NOTICE
#   target/garage-hsm-<version>.tar.gz
#
# Reproducible: entries sorted by name, owner 0:0, modes 0755/0644, every mtime the build's
# project.build.outputTimestamp, gzip without name or time (checked by check-reproducible.sh).
#
# Usage: scripts/build-dist.sh VERSION OUTPUT-TIMESTAMP   (from the project folder)
set -eu

version=$1
timestamp=$2
target=target
name=garage-hsm-$version
stage=$target/dist/$name
ref=$target/cli-reference

for f in "$target/$name-cli.jar" "$target/$name-testserver.jar" "$ref/completion/bash/garage-hsm" \
  "$ref/completion/zsh/_garage-hsm"; do
  [ -f "$f" ] || { echo "build-dist: $f is missing" >&2; exit 1; }
done
ls "$ref"/man/*.1 >/dev/null 2>&1 || { echo "build-dist: no man pages in $ref/man" >&2; exit 1; }

rm -rf "$target/dist"
mkdir -p "$stage/bin" "$stage/lib" "$stage/man/man1" "$stage/completion/bash" \
  "$stage/completion/zsh"
cp scripts/garage-hsm scripts/garage-hsm-testserver "$stage/bin/"
ln -s garage-hsm "$stage/bin/garage-sign"
ln -s garage-hsm "$stage/bin/uptane-sign"
cp "$target/$name-cli.jar" "$target/$name-testserver.jar" "$stage/lib/"
for page in "$ref"/man/*.1; do
  gzip -n -9 -c "$page" >"$stage/man/man1/$(basename "$page").gz"
done
cp "$ref/completion/bash/garage-hsm" "$stage/completion/bash/"
cp "$ref/completion/zsh/_garage-hsm" "$stage/completion/zsh/"
cp -R hsm-config "$stage/"
cp README.md SECURITY.md LICENSE NOTICE "$stage/"

find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod 0644 {} +
chmod 0755 "$stage/bin/garage-hsm" "$stage/bin/garage-hsm-testserver"

tar --sort=name --format=gnu --mtime="$timestamp" --owner=0 --group=0 --numeric-owner \
  -C "$target/dist" -cf - "$name" | gzip -n -9 >"$target/$name.tar.gz"
echo "build-dist: $target/$name.tar.gz" >&2
