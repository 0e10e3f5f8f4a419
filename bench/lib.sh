# Shared by bench/run-tftp and bench/run-bootstorm (sourced after the
# script sets NAME, and BUILD/PEERS/OUT if it wants others): the checks,
# the namespace it re-executes in, a cpuacct cgroup and a network
# namespace per server, and the servers themselves.
#
#   bench_enter TOOL...   as root, with the peers and TOOLs present,
#                         re-executes "$0" in its own mount and network
#                         namespace, with a private /run
#   bench_setup PREFIX    scratch $WORK and cgroup $CG; cleanup on exit
#   start_server NAME     one of tftpd-hpa atftpd dnsmasq pxekit, or
#                         pxekit-fork (--workers 0), pxekit-nogso, or
#                         pxekit-alt (the in.tftpd at $TFTPD_ALT, an
#                         A/B of two builds in one interleaved run):
#                         in namespace $NSPFX-NAME, cgroup $CG/NAME,
#                         serving $ROOT; waits for port 69
#   cpu_ns NAME           CPU time of the server's processes so far
#   mem_kib NAME          "PSS RSS" (KiB) of its processes now
# MAXCONN (1000) is what atftpd and dnsmasq are told to allow;
# PXEKIT_ARGS is added to in.tftpd's command line, after PXEKIT_CAP:
# "--max-per-client 0" unless the script set it (run-tftp's and run-gso's
# clients all send from 127.0.0.1 and stand for many machines;
# run-bootstorm gives each machine its own address and sets it empty).
top=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PXEKIT_PEERS:-/opt/pxekit-peers}
BUILD=${BUILD:-$top/_build}
OUT=${OUT:-$top/bench/results}
TFTPD=$BUILD/tftpd/in.tftpd
MAXCONN=${MAXCONN:-1000}
PXEKIT_ARGS=${PXEKIT_ARGS:-}
PXEKIT_CAP=${PXEKIT_CAP-"--max-per-client 0"}
PXEKIT_ARGS="$PXEKIT_CAP $PXEKIT_ARGS"

bench_enter() {
	[ -n "${PXEKIT_BENCH_NS:-}" ] && return 0
	[ "$(id -u)" = 0 ] || { echo "$NAME: run as root"; exit 1; }
	for f in "$TFTPD" "$PEERS/tftpd-hpa/usr/sbin/in.tftpd" "$PEERS/atftpd/usr/sbin/atftpd"; do
		[ -x "$f" ] || { echo "$NAME: missing $f (tools/install-deps --test; a build in _build)"; exit 1; }
	done
	for t in dnsmasq cc "$@"; do
		command -v "$t" >/dev/null ||
			{ echo "$NAME: missing $t (apt-get install dnsmasq-base gnuplot-nox)"; exit 1; }
	done
	PXEKIT_BENCH_NS=1 exec unshare --mount --net --fork -- /bin/sh "$0"
}

bench_setup() {
	mount --make-rprivate / 2>/dev/null || true
	mount -t tmpfs -o mode=755 tmpfs /run
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$WORK"
	CG=/sys/fs/cgroup/cpuacct/$1-$$
	mkdir -p "$OUT" "$CG"
	PIDS=""
	trap bench_cleanup EXIT
}

bench_cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	# Transfer processes may outlive their parent by a moment.
	for try in 1 2 3 4 5 6 7 8 9 10; do
		for d in "$CG"/*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
		rmdir "$CG" 2>/dev/null && break
		sleep 0.3
	done
	rmdir "$CG" 2>/dev/null || true
	rm -rf "$WORK"
}

start_server() { # name
	ip netns add "$NSPFX-$1"
	ip -n "$NSPFX-$1" link set lo up
	mkdir -p "$CG/$1"
	case $1 in
	tftpd-hpa) set -- "$1" "$PEERS/tftpd-hpa/usr/sbin/in.tftpd" -L -s "$ROOT" -u nobody ;;
	atftpd) set -- "$1" "$PEERS/atftpd/usr/sbin/atftpd" --daemon --no-fork --user nobody.nogroup \
		--logfile /dev/null --maxthread "$MAXCONN" "$ROOT" ;;
	dnsmasq) set -- "$1" dnsmasq --keep-in-foreground --port=0 --enable-tftp --tftp-root="$ROOT" \
		--tftp-max="$MAXCONN" --user=nobody --conf-file=/dev/null --pid-file="$WORK/dnsmasq.pid" ;;
	pxekit) set -- "$1" "$TFTPD" -L -s "$ROOT" -u nobody $PXEKIT_ARGS ;;
	pxekit-fork) set -- "$1" "$TFTPD" -L -s "$ROOT" -u nobody --workers 0 $PXEKIT_ARGS ;;
	pxekit-nogso) set -- "$1" "$TFTPD" -L -s "$ROOT" -u nobody --no-gso $PXEKIT_ARGS ;;
	pxekit-alt) set -- "$1" "${TFTPD_ALT:?pxekit-alt needs TFTPD_ALT}" -L -s "$ROOT" -u nobody $PXEKIT_ARGS ;;
	*) echo "unknown server $1"; exit 1 ;;
	esac
	name=$1
	shift
	sh -c 'echo $$ >"$0/tasks"; exec "$@"' "$CG/$name" ip netns exec "$NSPFX-$name" "$@" &
	PIDS="$PIDS $!"
	i=0
	until ip netns exec "$NSPFX-$name" ss -Hnlu 'sport = :69' | grep -q . || [ $i -ge 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}

cpu_ns() { cat "$CG/$1/cpuacct.usage"; }

mem_kib() {
	for p in $(cat "$CG/$1/tasks"); do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '/^Pss:/ {p += $2} /^Rss:/ {r += $2} END {printf "%d %d\n", p, r}'
}
