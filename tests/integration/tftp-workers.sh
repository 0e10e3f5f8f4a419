#!/bin/sh
# in.tftpd's default number of workers (issue 20): one, and one more
# only while every worker is busy and a CPU the server may run on is
# idle (tftpd/scale.h), or when every worker is stuck; one again after a
# reload. What the listener reads of the CPUs is faked by bind
# mounts over /proc/stat and /proc/WORKER/stat (this script's mount
# namespace only), so the decision is tested whatever else this machine
# runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
P=$PROBE

ROOT=$WORK/root
make_root "$ROOT"
head -c 4000000 /dev/urandom >"$ROOT/kernel"
chmod 644 "$ROOT/kernel"
workers() { children "$TFTPD_PID" | tr ' ' '\n' | grep . | sort; }
check "this machine has 2 CPUs or more (a second worker needs one)" test "$(nproc)" -ge 2

# fake_stat IDLE BUSY W: every CPU idle for IDLE ticks in all, worker W
# busy for BUSY. Fixed widths, each file written in place (the bind
# mounts hold the inodes) by one write from a whole file, so the
# listener never reads half of one.
cp /proc/stat "$WORK/stat.real"
: >"$WORK/stat"
: >"$WORK/wstat"
fake_stat() {
	awk -v idle="$1" '/^cpu[0-9]/ { printf "%s 100 0 100 %015d 0 0 0 0 0 0\n", $1, idle }
		/^cpu / || !/^cpu/ { print }' "$WORK/stat.real" >"$WORK/stat.new"
	dd if="$WORK/stat.new" of="$WORK/stat" bs=1M conv=notrunc status=none
	printf '%s (in.tftpd) S 1 1 1 0 -1 4194560 0 0 0 0 %015d 0 0 0 20 0 1 0\n' "$3" "$2" \
		>"$WORK/wstat.new"
	dd if="$WORK/wstat.new" of="$WORK/wstat" bs=1M conv=notrunc status=none
}
# fake_run IDLE_STEP BUSY_STEP W: both counters go up every 0.1 s for
# 1.5 s, so every look of the listener (each 0.5 s) sees both move, in
# whatever order it reads the two files.
IDLE=1000 BUSY=1000
fake_run() {
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		IDLE=$((IDLE + $1)) BUSY=$((BUSY + $2))
		fake_stat "$IDLE" "$BUSY" "$3"
		sleep 0.1
	done
}

# ---- one worker, and a second only when it would have a CPU -----------
printf 'r ^alias$ f512\n' >"$WORK/map"
start_tftpd -s "$ROOT" -v -m "$WORK/map"
sleep 0.3
W1=$(workers)
check "no --workers: one worker while idle" test "$(echo "$W1" | wc -l)" = 1
for i in 1 2 3 4 5 6; do
	$P -w 1500 127.0.0.1 get f65536 "$WORK/m.$i" >/dev/null
done
sleep 0.8
check "six fetches one after another are served by that one worker" test "$(workers)" = "$W1"

# That worker takes the requests from the listening socket itself: the
# listening process is not woken for each (it was, to hand each over).
wakes() { sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$TFTPD_PID/status"; }
w0=$(wakes)
i=0
while [ $i -lt 200 ]; do
	$P 127.0.0.1 get f512 "$WORK/s" >/dev/null || break
	i=$((i + 1))
done
w1=$(wakes)
check "200 small fetches: all whole" test $i = 200 -a "$(cmp "$ROOT/f512" "$WORK/s" && echo same)" = same
check "... and the listening process woke $((w1 - w0)) times, fewer than 50" test $((w1 - w0)) -lt 50
# Its transfer sockets come from the listening process, made while it
# had root: their buffers hold a whole window both ways, however low
# wmem_max and rmem_max are (one a worker made itself would have only
# the one it sends on sized, and that only up to wmem_max). They are
# the -u user's, so that they can share no port of root's.
$P 127.0.0.1 get kernel "$WORK/held" blksize=65464 windowsize=64 stall=1000 >/dev/null 2>&1 &
HELD=$!
sleep 0.5
ss -Hnuame state connected 'sport != :69' >"$WORK/ss"
check "a held transfer's socket is nobody's" grep -q " uid:$(id -u nobody) " "$WORK/ss"
check "... with buffers of 2 x 4 MiB both ways" grep -q "skmem:(r0,rb8388608,t[0-9]*,tb8388608," "$WORK/ss"
wait "$HELD" || true
check "a fetch with 64 blocks of 65464 a window is whole" sh -c \
	"$P 127.0.0.1 get kernel $WORK/wide blksize=65464 windowsize=64 >/dev/null && cmp $ROOT/kernel $WORK/wide"

fake_stat "$IDLE" "$BUSY" "$W1"
mount --bind "$WORK/stat" /proc/stat
mount --bind "$WORK/wstat" "/proc/$W1/stat"
# A transfer held open keeps the listener looking (it looks only while
# transfers run); its request is when it reads where the CPUs stand.
$P -w 6000 127.0.0.1 get kernel "$WORK/held" stall=5000 >/dev/null 2>&1 &
HELD=$!
sleep 0.2
fake_run 0 100000 "$W1"
check "a busy worker and no CPU idle: still one worker" test "$(workers)" = "$W1"
check "... and nothing logged of another" sh -c "! grep -q 'worker .* started' $WORK/tftpd.log"
fake_run 100000 100000 "$W1"
check "a busy worker and a CPU idle: a second worker" test "$(workers | wc -l)" = 2
check "... and why is logged" expect_line "every worker busy and a CPU idle: worker [0-9]* started \\(2 of at most $(nproc)\\)" "$WORK/tftpd.log"
check "... and both serve: a fetch is whole" sh -c \
	"$P -w 1500 127.0.0.1 get f65536 $WORK/two && cmp $ROOT/f65536 $WORK/two"
umount "/proc/$W1/stat"
umount /proc/stat
stop "$HELD"

# The retired workers end once their transfers have (the held one's
# client is gone: its retransmissions are refused); at most 10 s.
kill -HUP "$TFTPD_PID"
i=0
while [ "$(workers | wc -l)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "a reload: one worker again" test "$(workers | wc -l)" = 1
check "... which serves" sh -c \
	"$P -w 1500 127.0.0.1 get alias $WORK/alias && cmp $ROOT/f512 $WORK/alias"
stop "$TFTPD_PID"

# ---- a stuck worker ----------------------------------------------------
# Stopped (in life: in a read from a hung file system) while it holds a
# transfer, it serves nobody: another starts, whatever the CPUs do.
: >"$WORK/tftpd.log"
start_tftpd -s "$ROOT" -v
sleep 0.3
STUCK=$(workers)
$P -w 6000 127.0.0.1 get kernel "$WORK/held2" stall=3000 >/dev/null 2>&1 &
HELD=$!
sleep 0.2
kill -STOP "$STUCK"
sleep 1.2
check "its one worker stopped with a transfer: a second worker" test "$(workers | wc -l)" = 2
check "... whose start is logged" expect_line "every worker stuck: worker [0-9]* started" "$WORK/tftpd.log"
check "... and which serves" sh -c \
	"$P -w 1000 127.0.0.1 get f1024 $WORK/stuck && cmp $ROOT/f1024 $WORK/stuck"
kill -CONT "$STUCK"
stop "$HELD"
stop "$TFTPD_PID"

# ---- a stuck worker under a flood ------------------------------------
# The one worker takes requests itself; stopped, it reads none, and a
# flood of them waits in (and overflows) the listening socket. A second
# worker starts because the first is stuck, the listening process takes
# the requests again, and hands none to the stuck one: a request is
# served. No per-client cap: the flood must reach the workers.
: >"$WORK/tftpd.log"
start_tftpd -s "$ROOT" -v --max-per-client 0
sleep 0.3
STUCK=$(workers)
kill -STOP "$STUCK"
flood_requests
sleep 1.5
check "its one worker stopped under a flood, a request is still served" sh -c \
	"$P -w 1000 127.0.0.1 get f1024 $WORK/stopped && cmp $ROOT/f1024 $WORK/stopped"
check "... by a second worker" test "$(workers | wc -l)" = 2
check "... started for the stuck one" expect_line "every worker stuck: worker [0-9]* started" "$WORK/tftpd.log"
check "... and not for a full queue" sh -c "! grep -q 'queue full: worker' $WORK/tftpd.log"
kill -CONT "$STUCK"
stop "$FLOODER"
stop "$TFTPD_PID"

# ---- workers whose queues are full -------------------------------------
# With a fixed number of workers the listening process hands every
# request over; both stopped, their queues fill, and the requests past
# them are dropped, logged once a second at most (not once each).
: >"$WORK/tftpd.log"
start_tftpd -s "$ROOT" -v --max-per-client 0 --workers 2
sleep 0.3
STUCK=$(workers)
kill -STOP $STUCK
flood_requests
sleep 1.5
drops=$(grep -c "queue of requests is full: request dropped" "$WORK/tftpd.log" || true)
check "the drops are logged, once a second at most (got $drops lines)" \
	test "$drops" -ge 1 -a "$drops" -le 3
kill -CONT $STUCK
stop "$FLOODER"
stop "$TFTPD_PID"

# ---- ports only root may bind ----------------------------------------
# -R below 1024: an unprivileged worker could not bind them, so the
# listening process takes the requests and makes the sockets.
start_tftpd -s "$ROOT" -R 900:902 -a 127.0.0.1:69
sleep 0.3
for n in 1 2 3; do
	check "-R 900:902: transfer $n is whole, from a port in the range" sh -c \
		"$P -t 127.0.0.1 get f513 $WORK/r.$n > $WORK/r.out && cmp $ROOT/f513 $WORK/r.$n &&
		 port=\$(sed -n 's/^tid //p' $WORK/r.out) && [ \$port -ge 900 ] && [ \$port -le 902 ]"
done
stop "$TFTPD_PID"

# ---- --workers N is N -------------------------------------------------
start_tftpd -s "$ROOT" --workers 2
sleep 0.3
check "--workers 2: two workers while idle" test "$(workers | wc -l)" = 2
stop "$TFTPD_PID"
start_tftpd -s "$ROOT" --workers auto
sleep 0.3
check "--workers auto: one worker while idle" test "$(workers | wc -l)" = 1
stop "$TFTPD_PID"

finish
