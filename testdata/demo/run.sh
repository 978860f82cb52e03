#!/usr/bin/env bash
# Builds testdata/demo/ZImagefile with zlayer on a busybox base made locally,
# in a private buildah store under ${DEMO_STATE:-/tmp/zlayer-demo}. No network.
# Usage: run.sh PATH/TO/zlayer
set -euo pipefail
zlayer=${1:?usage: run.sh PATH/TO/zlayer}
here=$(cd "$(dirname "$0")" && pwd)
state=${DEMO_STATE:-/tmp/zlayer-demo}
export BUILDAH_ISOLATION=chroot TMPDIR=$state/tmp
mkdir -p "$state/tmp"
store=(--root "$state/root" --runroot "$state/run" --storage-driver overlay)
B() { buildah "${store[@]}" "$@"; }

[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	{ echo "demo: needs the statically linked /bin/busybox (apt-get install busybox-static)" >&2; exit 2; }

if ! B images -q localhost/busybox:latest >/dev/null 2>&1; then
	echo "== making the base image localhost/busybox:latest from busybox-static"
	ctr=$(B from scratch)
	mnt=$(B mount "$ctr")
	mkdir -p "$mnt"/{bin,tmp,etc,root}
	cp /bin/busybox "$mnt/bin/busybox"
	for a in $("$mnt/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$mnt/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$mnt/etc/passwd"
	echo 'root:x:0:' >"$mnt/etc/group"
	B umount "$ctr" >/dev/null
	B config --env PATH=/usr/local/bin:/bin --cmd '["/bin/sh"]' "$ctr"
	B commit --rm --timestamp 0 "$ctr" localhost/busybox:latest >/dev/null
fi

echo "== zlayer build"
"$zlayer" build "${store[@]}" --progress plain -t localhost/zlayer-demo:latest \
	--build-arg GREETING=hello "$here"

echo "== running the image"
ctr=$(B from --pull=never localhost/zlayer-demo:latest)
trap 'B rm "$ctr" >/dev/null' EXIT
B run "$ctr" -- /usr/local/bin/greet
