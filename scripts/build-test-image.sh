#!/usr/bin/env bash
# Builds the stand-in for the feather-work image from busybox-static, since no container
# registry is reachable here: a non-root user 1000, an empty /home/user for the volume, and
# busybox httpd on :8080 serving test/image/www (with CGI scripts the tests query).
# Rebuilt only when test/image changes (the image carries a hash of it as a label).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
image=${FEATHER_TEST_IMAGE:-localhost/feather-work-test:latest}
src="$here/test/image"
hash=$( (cd "$src" && find . -type f | LC_ALL=C sort | xargs sha256sum; cat "$here/scripts/build-test-image.sh") | sha256sum | cut -c1-16)

if [ "$(podman image inspect --format '{{index .Labels "feather-tenant.test-image"}}' "$image" 2>/dev/null)" = "$hash" ]; then
  echo "test image $image is up to date ($hash)" >&2
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/rootfs"
mkdir -p "$root"/{bin,etc,home/user,tmp,srv,run/secrets}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$root/etc/group"
cp -r "$src/www" "$root/srv/www"
cp "$src/start.sh" "$root/bin/feather-start"
chmod 755 "$root/bin/feather-start" "$root"/srv/www/cgi-bin/*
chmod 1777 "$root/tmp"
chown 1000:1000 "$root/home/user"
tar --numeric-owner -C "$root" -cf "$tmp/rootfs.tar" .
# No `podman image rm -f` first: it would also remove every container using the old image
# (other test runs'). Importing under the same tag moves the tag; the old image stays in use.
podman import --quiet \
  --change 'USER=1000' --change 'WORKDIR=/home/user' \
  --change "LABEL=feather-tenant.test-image=$hash" \
  --change 'CMD=["/bin/feather-start"]' \
  "$tmp/rootfs.tar" "$image" >/dev/null
echo "built test image $image ($hash)" >&2
