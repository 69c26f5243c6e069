#!/usr/bin/env bash
# Builds a second stand-in work image whose app is Node's own http server (test/image-node):
# a realistic listen backlog for load tests, and WebSocket upgrades, which busybox httpd lacks.
# No registry is reachable, so the rootfs is the host's node binary with the libraries it links
# (from ldd) plus busybox for a shell. Rebuilt only when its sources change.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
image=${FEATHER_TEST_NODE_IMAGE:-localhost/feather-work-node:latest}
src="$here/test/image-node"
node_bin=$(command -v node)
hash=$( (cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum; cat "$here/scripts/build-node-test-image.sh"; sha256sum "$node_bin") | sha256sum | cut -c1-16)

if [ "$(podman image inspect --format '{{index .Labels "feather-tenant.test-image"}}' "$image" 2>/dev/null)" = "$hash" ]; then
  echo "test image $image is up to date ($hash)" >&2
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/rootfs"
mkdir -p "$root"/{bin,etc,home/user,tmp,srv,run/secrets,usr/bin}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp "$node_bin" "$root/usr/bin/node"
# The dynamic loader and every library node links, at the paths ldd names.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$root/etc/group"
cp "$src/server.mjs" "$root/srv/server.mjs"
chmod 644 "$root/srv/server.mjs"
chmod 1777 "$root/tmp"
chown 1000:1000 "$root/home/user"
tar --numeric-owner -C "$root" -cf "$tmp/rootfs.tar" .
podman import --quiet \
  --change 'USER=1000' --change 'WORKDIR=/home/user' \
  --change "LABEL=feather-tenant.test-image=$hash" \
  --change 'CMD=["/usr/bin/node","/srv/server.mjs"]' \
  "$tmp/rootfs.tar" "$image" >/dev/null
echo "built test image $image ($hash)" >&2
