#!/usr/bin/env bash
# make-busybox-base.sh makes the local base image localhost/busybox:latest
# from the statically linked busybox of Debian's busybox-static package, so
# that images can be built with no registry and no network.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: make-busybox-base.sh [BUILDAH GLOBAL FLAGS...]

Makes the base image localhost/busybox:latest in a buildah store from the
statically linked /bin/busybox (apt-get install busybox-static): every busybox
applet under /bin, root and nobody in /etc/passwd, PATH=/usr/local/bin:/bin
and CMD ["/bin/sh"]. The image is committed with --timestamp 0, so it has the
same ID in every store. If the store already holds the image, nothing is done.

Any arguments are passed to buildah before the verb, to choose the store:
  make-busybox-base.sh --root /tmp/st/root --runroot /tmp/st/run --storage-driver overlay

Environment: BUILDAH (default: buildah), BUSYBOX (default: /bin/busybox).
USAGE
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac

buildah=${BUILDAH:-buildah}
busybox=${BUSYBOX:-/bin/busybox}
image=localhost/busybox:latest
B() { "$buildah" "$@"; }
flags=("$@")

command -v "$buildah" >/dev/null ||
	{ echo "make-busybox-base.sh: $buildah not found (apt-get install buildah)" >&2; exit 2; }
if [ ! -x "$busybox" ] || grep -q 'ld-linux' <(head -c 4096 "$busybox"); then
	echo "make-busybox-base.sh: $busybox is missing or not statically linked (apt-get install busybox-static)" >&2
	exit 2
fi

if B "${flags[@]}" inspect --type image "$image" >/dev/null 2>&1; then
	echo "$image is already in the store"
	exit 0
fi

ctr=$(B "${flags[@]}" from scratch)
trap 'B "${flags[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(B "${flags[@]}" mount "$ctr")
mkdir -p "$mnt"/{bin,tmp,etc,root,usr/local/bin}
chmod 1777 "$mnt/tmp"
cp "$busybox" "$mnt/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$mnt/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$mnt/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$mnt/etc/group"
B "${flags[@]}" umount "$ctr" >/dev/null
B "${flags[@]}" config --env PATH=/usr/local/bin:/bin --cmd '["/bin/sh"]' "$ctr"
B "${flags[@]}" commit --rm --quiet --timestamp 0 "$ctr" "$image" >/dev/null
trap - EXIT
echo "made $image"
