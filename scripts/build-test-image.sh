#!/usr/bin/env bash
# Builds the stand-ins for the feather-work image, since no container registry is reachable here.
# Both have a non-root user 1000, an empty /home/user for the volume, and an app on :8080:
# - localhost/feather-work-test: busybox httpd serving test/image/www (CGI scripts the tests query);
# - localhost/feather-work-node: Node's own http server (test/image-node/server.mjs), for a
#   realistic listen backlog in load tests (busybox httpd's is 9) and WebSocket upgrades. Its
#   rootfs is the host's node binary with the libraries it links (from ldd), plus busybox.
# Each is rebuilt only when its sources change (the image carries a hash of them as a label).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
node_bin=$(command -v node)

# up_to_date IMAGE HASH: the image exists and carries this hash.
up_to_date() {
  [ "$(podman image inspect --format '{{index .Labels "feather-tenant.test-image"}}' "$1" 2>/dev/null)" = "$2" ]
}

# busybox_rootfs DIR: busybox and its applets, users root and user (1000), /home/user owned by 1000.
busybox_rootfs() {
  mkdir -p "$1"/{bin,etc,home/user,tmp,srv,run/secrets}
  cp /bin/busybox "$1/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"
  done
  printf 'root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$1/etc/passwd"
  printf 'root:x:0:\nuser:x:1000:\n' > "$1/etc/group"
  chmod 1777 "$1/tmp"
  chown 1000:1000 "$1/home/user"
}

# import_image DIR IMAGE HASH CMD-JSON
import_image() {
  tar --numeric-owner -C "$1" -cf "$1.tar" .
  # No `podman image rm -f` first: it would also remove every container using the old image
  # (other test runs'). Importing under the same tag moves the tag; the old image stays in use.
  podman import --quiet \
    --change 'USER=1000' --change 'WORKDIR=/home/user' \
    --change "LABEL=feather-tenant.test-image=$3" \
    --change "CMD=$4" \
    "$1.tar" "$2" >/dev/null
  echo "built test image $2 ($3)" >&2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sources() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum; cat "$here/scripts/build-test-image.sh"); }

image=${FEATHER_TEST_IMAGE:-localhost/feather-work-test:latest}
hash=$(sources "$here/test/image" | sha256sum | cut -c1-16)
if up_to_date "$image" "$hash"; then
  echo "test image $image is up to date ($hash)" >&2
else
  root="$tmp/busybox"
  busybox_rootfs "$root"
  cp -r "$here/test/image/www" "$root/srv/www"
  cp "$here/test/image/start.sh" "$root/bin/feather-start"
  chmod 755 "$root/bin/feather-start" "$root"/srv/www/cgi-bin/*
  import_image "$root" "$image" "$hash" '["/bin/feather-start"]'
fi

image=${FEATHER_TEST_NODE_IMAGE:-localhost/feather-work-node:latest}
hash=$( (sources "$here/test/image-node"; sha256sum "$node_bin") | sha256sum | cut -c1-16)
if up_to_date "$image" "$hash"; then
  echo "test image $image is up to date ($hash)" >&2
else
  root="$tmp/node"
  busybox_rootfs "$root"
  mkdir -p "$root/usr/bin"
  cp "$node_bin" "$root/usr/bin/node"
  # The dynamic loader and every library node links, at the paths ldd names.
  for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  install -m 644 "$here/test/image-node/server.mjs" "$root/srv/server.mjs"
  import_image "$root" "$image" "$hash" '["/usr/bin/node","/srv/server.mjs"]'
fi
