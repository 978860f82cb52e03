#!/usr/bin/env bash
# run.sh is the demo: it builds testdata/examples/hello/ZImagefile with zlayer
# on a busybox base made locally, in a private buildah store, and runs the
# image's command. It needs no registry and no network beyond Debian's
# packages, which it installs when buildah or busybox-static is missing.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: run.sh PATH/TO/zlayer

Builds the two-stage hello example (copy-from, env, workdir, cmd and a run
step) with `zlayer build` in a private buildah store under
${DEMO_STATE:-/tmp/zlayer-demo}, then runs the image's command with
`buildah run`. As root it installs buildah and busybox-static with apt-get
when they are missing.
USAGE
}

case "${1:-}" in
-h | --help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
esac
zlayer=$1
here=$(cd "$(dirname "$0")" && pwd)
state=${DEMO_STATE:-/tmp/zlayer-demo}

# install_missing installs the Debian packages buildah and busybox-static
# when their programs are missing.
install_missing() {
	local pkgs=()
	command -v buildah >/dev/null || pkgs+=(buildah)
	if [ ! -x /bin/busybox ] || grep -q ld-linux <(head -c 4096 /bin/busybox); then
		pkgs+=(busybox-static)
	fi
	[ ${#pkgs[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
		echo "demo: missing ${pkgs[*]}; install them as root with: apt-get install -y ${pkgs[*]}" >&2
		exit 2
	fi
	echo "== installing ${pkgs[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
}

install_missing
export BUILDAH_ISOLATION=chroot TMPDIR=$state/tmp
mkdir -p "$state/tmp"
store=(--root "$state/root" --runroot "$state/run" --storage-driver overlay)
B() { buildah "${store[@]}" "$@"; }

echo "== base image localhost/busybox:latest"
"$here/../make-busybox-base.sh" "${store[@]}"

echo "== zlayer build"
"$zlayer" build "${store[@]}" --progress plain -t localhost/zlayer-demo:latest \
	--build-arg GREETING=hello "$here"

echo "== running the image"
ctr=$(B from --pull=never --quiet localhost/zlayer-demo:latest)
trap 'B rm "$ctr" >/dev/null' EXIT
B run "$ctr" -- /usr/local/bin/greet
