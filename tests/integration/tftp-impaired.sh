#!/bin/sh
# Transfers over a bad link: 10 % loss, reordering and duplication of
# UDP in both directions, between a client namespace (this one) and a
# server namespace. The kernel here has no sch_netem, so tests/tools/
# impair forwards frames between two tap devices and does what netem
# would. Every transfer is checked byte for byte.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need tftp atftp curl busybox ss

ROOT=$WORK/root
make_root "$ROOT"
head -c 2000000 /dev/urandom >"$ROOT/two-mb"
: >"$ROOT/upload"
chmod 644 "$ROOT/two-mb"
chmod 666 "$ROOT/upload"

# Two hosts joined by the impairing link.
ip netns add srv
spawn "$IMPAIR" -l 10 -r 5 -d 5 -s 42 -t 900 pxc0 pxs0 2>"$WORK/impair.log"
IMPAIR_PID=$LAST_PID
i=0
until ip link show pxs0 >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
ip link set pxs0 netns srv
ip addr add 192.0.2.1/24 dev pxc0
ip link set pxc0 up
ip netns exec srv ip addr add 192.0.2.2/24 dev pxs0
ip netns exec srv ip link set pxs0 up
ip netns exec srv ip link set lo up
S=192.0.2.2

spawn ip netns exec srv "$TFTPD" -L --stderr -v -s "$ROOT" -a $S:69 2>>"$WORK/tftpd.log"
wait_udp 69 srv

# atftp 0.8 aborts with "unexpected OACK" when an OACK arrives twice,
# which a duplicating link does; that one failure (a client bug) is
# retried once, any other fails the check.
atftp_get() { # window output
	for try in 1 2; do
		if atftp --option 'blksize 1468' --option "windowsize $1" -g -r two-mb -l "$2" $S \
			>"$WORK/atftp.out" 2>&1; then
			cmp "$ROOT/two-mb" "$2"
			return
		fi
		grep -q 'unexpected OACK' "$WORK/atftp.out" || break
		echo "atftp try $try: unexpected OACK (duplicated by the link), retrying"
	done
	cat "$WORK/atftp.out"
	return 1
}

check "tftp-hpa (lock-step) gets 2 MB" sh -c \
	"cd $WORK && tftp -m octet $S -c get two-mb $WORK/o1 && cmp $ROOT/two-mb $WORK/o1"
check "atftp windowsize 16 blksize 1468 gets 2 MB" atftp_get 16 "$WORK/o2"
check "atftp windowsize 64 blksize 1468 gets 2 MB" atftp_get 64 "$WORK/o3"
check "busybox blksize 1468 gets 2 MB" sh -c \
	"busybox tftp -b 1468 -g -r two-mb -l $WORK/o5 $S && cmp $ROOT/two-mb $WORK/o5"
check "tftp-probe windowsize 64 gets 2 MB" sh -c \
	"$PROBE -w 500 $S get two-mb $WORK/o6 blksize=1468 windowsize=64 && cmp $ROOT/two-mb $WORK/o6"
head -c 500000 /dev/urandom >"$WORK/up.bin"
head -c 100000 /dev/urandom >"$WORK/up-small.bin"
check "tftp-probe puts 500 kB with windowsize 8" sh -c \
	"$PROBE -w 500 $S put upload $WORK/up.bin blksize=1468 windowsize=8 && cmp $WORK/up.bin $ROOT/upload"
# The tftp-hpa client drives a WRQ's recovery with its own timer: 1 s.
check "tftp-hpa puts 100 kB" sh -c \
	"cd $WORK && printf 'mode octet\nrexmt 1\nput up-small.bin upload\n' | tftp $S && cmp $WORK/up-small.bin $ROOT/upload"
check "lock-step transfers needed retransmissions" expect_line \
	'windowsize 1, [1-9][0-9]* retransmissions' "$WORK/tftpd.log"
stop "$IMPAIR_PID"
check "the link really lost, reordered and duplicated packets" expect_line \
	'dropped [1-9][0-9]* duplicated [1-9][0-9]* reordered [1-9]' "$WORK/impair.log"
finish
