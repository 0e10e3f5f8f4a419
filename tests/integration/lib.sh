# Shared by the integration scripts: namespace set-up, processes started
# and stopped by PID, waiting for ports, byte-for-byte checks. Each script
# sources this first; it re-executes the script inside its own network
# and mount namespace, with a private /run, so runs never collide.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
TFTPD=$top_builddir/tftpd/in.tftpd
PROBE=$top_builddir/tests/tools/tftp-probe
IMPAIR=$top_builddir/tests/tools/impair
# Debian's tftpd-hpa, atftpd, ISC dhcpd and Kea, unpacked (they conflict
# as packages, or would run as services).
PEERS=${PXEKIT_PEERS:-/opt/pxekit-peers}
DHCPD=$PEERS/isc-dhcp-server/usr/sbin/dhcpd

if [ -z "${PXEKIT_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "integration tests need root (namespaces)"; exit 99; }
	command -v unshare >/dev/null || { echo "missing unshare (util-linux)"; exit 99; }
	PXEKIT_NS=1 exec unshare --net --mount --fork -- /bin/sh "$0" "$@"
fi

# Inside: loopback up, a private /run, a scratch tree removed on exit.
mount --make-rprivate / 2>/dev/null || true
mount -t tmpfs -o mode=755 tmpfs /run
ip link set lo up
WORK=$(mktemp -d /tmp/pxekit-it.XXXXXX)
chmod 755 "$WORK"
PIDS=""
FAILURES=0
CHECKS=0

# children PID: the processes PID started (an inetd's servers), which
# are ours to end as well.
children() {
	cat /proc/"$1"/task/*/children 2>/dev/null || true
}

cleanup() {
	for pid in $PIDS; do
		for child in $(children "$pid"); do
			kill "$child" 2>/dev/null || true
		done
		kill "$pid" 2>/dev/null || true
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "$FAILURES" -ne 0 ] && [ -f "$WORK/tftpd.log" ]; then
		echo "--- in.tftpd log (last 40 lines)"
		tail -n 40 "$WORK/tftpd.log"
	fi
	# Scripts may mount (tmpfs) below the scratch tree.
	awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount "$m"; done
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A tool the test needs and cannot run without: a hard error (99), never
# a skip, so CI cannot pass by not testing.
need() {
	for tool; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ echo "missing required tool: $tool (run tools/install-deps --test)"; exit 99; }
	done
}

ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "not ok - $*"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	name=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/    /' "$WORK/check.out" | tail -n 15
	fi
}

# same EXPECTED ACTUAL: byte for byte.
same() {
	[ -f "$2" ] || { echo "no file $2"; return 1; }
	cmp "$1" "$2"
}

# expect_line PATTERN FILE: the file has a line matching PATTERN (grep -E).
expect_line() {
	grep -Eq -- "$1" "$2" || { echo "no line /$1/ in $2:"; cat "$2"; return 1; }
}

finish() {
	echo "# $CHECKS checks, $FAILURES failed"
	[ "$CHECKS" -gt 0 ] || { echo "no checks ran"; exit 99; }
	[ "$FAILURES" -eq 0 ]
}

# wait_udp PORT [NETNS]: until something listens there (5 s at most).
wait_udp() {
	i=0
	while [ $i -lt 100 ]; do
		if ${2:+ip netns exec "$2"} ss -Hnlu "sport = :$1" | grep -q .; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "nothing listens on udp port $1"
	return 1
}

# spawn CMD...: runs it in the background, remembered for cleanup.
spawn() {
	"$@" &
	PIDS="$PIDS $!"
	LAST_PID=$!
}

# wait_gone PID: until PID has ended, for at most 5 s.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# stop PID: SIGTERM, then wait for it (bounded), by PID only.
stop() {
	kill "$1" 2>/dev/null || return 0
	wait_gone "$1"
	wait "$1" 2>/dev/null || true
}

# flood_requests: 600 RRQs for f512 to 127.0.0.1:69 in about 0.15 s,
# from one port, in the background (FLOODER, which stays 5 s).
flood_requests() {
	python3 - <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(600):
    s.sendto(b'\0\x01f512\0octet\0', ('127.0.0.1', 69))
    if i % 20 == 19:
        time.sleep(0.005)
time.sleep(5)
PY
	FLOODER=$!
}

# start_tftpd ARGS...: pxekit's in.tftpd standalone in the foreground,
# logging to $WORK/tftpd.log; waits for its port (69 unless -a says).
start_tftpd() {
	spawn "$TFTPD" -L --stderr "$@" 2>>"$WORK/tftpd.log"
	TFTPD_PID=$LAST_PID
	port=69
	for a; do
		case "$a" in *:[0-9]*) port=${a##*:} ;; esac
	done
	wait_udp "$port"
}

# start_dhcpd INCLUDE IFACE LOG: ISC dhcpd in the foreground on IFACE with
# a main file that only includes INCLUDE; waits for port 67.
start_dhcpd() {
	printf 'authoritative;\nping-check false;\ninclude "%s";\n' "$1" >"$WORK/dhcpd.conf"
	: >"$WORK/dhcpd.leases"
	spawn "$DHCPD" -4 -f -d -cf "$WORK/dhcpd.conf" -lf "$WORK/dhcpd.leases" \
		-pf "$WORK/dhcpd.pid" "$2" >"$3" 2>&1
	DHCPD_PID=$LAST_PID
	wait_udp 67 || { cat "$3"; return 1; }
}

# make_root DIR: the standard tftproot: sizes around the block edges,
# a larger random file, and a text file with every line ending.
make_root() {
	mkdir -p "$1"
	chmod 755 "$1"
	: >"$1/empty"
	head -c 1 /dev/urandom >"$1/one"
	for n in 511 512 513 1024 1468 65536; do
		head -c $n /dev/urandom >"$1/f$n"
	done
	head -c 3000000 /dev/urandom >"$1/big"
	printf 'unix line\nwindows line\r\nbare cr\rend\n\n' >"$1/text"
	mkdir -p "$1/sub/dir"
	head -c 10000 /dev/urandom >"$1/sub/dir/file"
	chmod -R a+rX "$1"
}

# ---- the NFS pair -------------------------------------------------------
MOUNTD=$top_builddir/nfs-helper/pxe-mountd
NFSD=$top_builddir/nfs-helper/pxe-nfsd

# until_rpc PROG VERS NETID: until rpcbind lists it and it answers (5 s).
until_rpc() {
	i=0
	until rpcinfo -T "$3" 127.0.0.1 "$1" "$2" >/dev/null 2>&1 || [ $i -ge 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# start_rpcbind: a private rpcbind (this namespace's /run) in the foreground.
start_rpcbind() {
	spawn rpcbind -f -w
	i=0
	until rpcinfo -p 127.0.0.1 >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
}

# start_nfs: pxe-mountd and pxe-nfsd on $WORK/exports with the key
# $WORK/key and pid files in $WORK, logging to $WORK/{mountd,nfsd}.log;
# waits until both answer. Sets MOUNTD_PID, NFSD_PID and MOUNTPORT.
start_nfs() {
	spawn "$MOUNTD" -F -e "$WORK/exports" -k "$WORK/key" -P "$WORK/mountd.pid" 2>>"$WORK/mountd.log"
	MOUNTD_PID=$LAST_PID
	start_nfsd
	until_rpc 100005 3 tcp
	until_rpc 100005 3 udp
	MOUNTPORT=$(rpcinfo -p 127.0.0.1 | awk '$1 == 100005 && $2 == 3 && $3 == "tcp" { print $4 }')
}

# start_nfsd: pxe-nfsd alone (again), as start_nfs runs it; run under
# $NFSD_WRAP if set (e.g. "prlimit --nofile=64", which execs it).
start_nfsd() {
	spawn ${NFSD_WRAP:-} "$NFSD" -F -e "$WORK/exports" -k "$WORK/key" -P "$WORK/nfsd.pid" 2>>"$WORK/nfsd.log"
	NFSD_PID=$LAST_PID
	until_rpc 100003 3 tcp
}

# ---- QEMU guests -------------------------------------------------------
# Debian's kernel and busybox-static, unpacked by tools/install-deps.
GUEST_KERNEL_DIR=$PEERS/linux-image
GUEST_BUSYBOX=$PEERS/busybox-static/bin/busybox

guest_kernel() {
	k=$(ls "$GUEST_KERNEL_DIR"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$k" ] || { echo "no Debian kernel in $GUEST_KERNEL_DIR (tools/install-deps --test)" >&2; exit 99; }
	echo "$k"
}

# make_initramfs DIR OUT MODULE...: packs DIR (which has /init) with
# busybox-static, the named kernel modules (in load order, under
# /modules) and /etc/guest-start (mounts, modules, lo and eth0 up, for
# /init to source) into a gzip'd newc cpio archive.
make_initramfs() {
	dir=$1 out=$2
	shift 2
	[ -x "$GUEST_BUSYBOX" ] || { echo "no busybox-static in $GUEST_BUSYBOX" >&2; exit 99; }
	mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/mnt" "$dir/tmp"
	cp "$GUEST_BUSYBOX" "$dir/bin/busybox"
	for applet in sh mount umount insmod ip sha256sum cat echo ls wc sleep reboot grep \
		      find sort head cut seq sed tr udhcpc; do
		ln -sf busybox "$dir/bin/$applet"
	done
	moddir=$(ls -d "$GUEST_KERNEL_DIR"/lib/modules/* | head -n 1)
	: >"$dir/modules/order"
	for m; do
		f=$(find "$moddir" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { echo "no module $m in $moddir" >&2; exit 99; }
		cp "$f" "$dir/modules/"
		echo "$m" >>"$dir/modules/order"
	done
	# What every guest's /init starts with (". /etc/guest-start").
	mkdir -p "$dir/etc"
	cat >"$dir/etc/guest-start" <<'EOT'
export PATH=/bin
echo
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "insmod $m failed"; done
ip link set lo up
ip link set eth0 up
EOT
	chmod 755 "$dir/init"
	(cd "$dir" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out"
}

# guest_binaries DIR PROGRAM...: host programs into a guest tree at the
# same paths, with every shared library ldd names and the dynamic loader.
guest_binaries() {
	dir=$1
	shift
	for p; do
		for f in "$p" $(ldd "$p" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
			mkdir -p "$dir/${f%/*}"
			cp -L "$f" "$dir/$f"
		done
	done
}

# The modules the kernel's NFSv3 client and QEMU's e1000 need, in order.
NFS_CLIENT_MODULES="e1000 sunrpc grace lockd netfs fscache nfs_acl nfs nfsv3"
