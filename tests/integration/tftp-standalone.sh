#!/bin/sh
# Standalone modes: -L on an address and port, -l detached with a pid
# file, IPv6, -4/-6, systemd socket activation, SIGTERM, SIGHUP reload.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need tftp atftp curl busybox ss systemd-socket-activate

ROOT=$WORK/root
make_root "$ROOT"

# -L on a chosen port, every client, IPv4.
start_tftpd -s "$ROOT" -v -a 127.0.0.1:6969
for f in one f512 f513 big; do
	check "tftp-hpa on port 6969 gets $f" sh -c \
		"cd $WORK && tftp -m octet 127.0.0.1 6969 -c get $f $WORK/a.$f && cmp $ROOT/$f $WORK/a.$f"
	check "busybox -b 1468 on port 6969 gets $f" sh -c \
		"busybox tftp -b 1468 -g -r $f -l $WORK/b.$f 127.0.0.1 6969 && cmp $ROOT/$f $WORK/b.$f"
done
stop "$TFTPD_PID"

# -R: every transfer port from the range.
start_tftpd -s "$ROOT" -R 45000:45002 -a 127.0.0.1:6969
for n in 1 2 3 4; do
	check "-R 45000:45002 transfer $n uses a port in the range" sh -c \
		"$PROBE -t -p 6969 127.0.0.1 get f513 $WORK/r.$n > $WORK/r.out && cmp $ROOT/f513 $WORK/r.$n &&
		 port=\$(sed -n 's/^tid //p' $WORK/r.out) && [ \$port -ge 45000 ] && [ \$port -le 45002 ]"
done
check "the log names each RRQ as tftpd-hpa does" expect_line \
	'^in\.tftpd: RRQ from 127\.0\.0\.1 filename f513$' "$WORK/tftpd.log"
stop "$TFTPD_PID"

# IPv6: [addr]:port, and every client over ::1.
start_tftpd -s "$ROOT" -6 -a '[::1]:69'
check "tftp-hpa gets over IPv6" sh -c \
	"cd $WORK && tftp -m octet ::1 -c get big $WORK/v6.1 && cmp $ROOT/big $WORK/v6.1"
check "atftp windowsize 8 gets over IPv6" sh -c \
	"atftp --option 'windowsize 8' --option 'blksize 1428' -g -r big -l $WORK/v6.2 ::1 && cmp $ROOT/big $WORK/v6.2"
check "curl gets over IPv6" sh -c \
	"curl -sS --max-time 30 --tftp-blksize 1400 'tftp://[::1]/f1468' -o $WORK/v6.3 && cmp $ROOT/f1468 $WORK/v6.3"
check "-6 does not listen on IPv4" sh -c "! ss -Hnlu 'sport = :69' | grep -q '127.0.0.1\\|0.0.0.0'"
stop "$TFTPD_PID"

# Both families by default on the wildcard address.
start_tftpd -s "$ROOT"
check "wildcard listens on IPv4 and IPv6" sh -c \
	"ss -Hnlu 'sport = :69' | grep -q '0.0.0.0:69' && ss -Hnlu 'sport = :69' | grep -q '\\[::\\]:69'"
check "bare IPv6 address without [] is refused at start" sh -c \
	"! $TFTPD -L --stderr -s $ROOT -a ::1:70 2>$WORK/err && grep -q 'enclosed in \\[\\]' $WORK/err"
stop "$TFTPD_PID"

# -l detaches, -P writes the pid file and SIGTERM removes it.
"$TFTPD" -l -s "$ROOT" -a 127.0.0.1:69 -P "$WORK/tftpd.pid"
wait_udp 69
# The socket is bound before the detached child writes its pid file.
i=0; while [ ! -s "$WORK/tftpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
DPID=$(cat "$WORK/tftpd.pid")
PIDS="$PIDS $DPID"
check "-l detached: pid file names a running in.tftpd" sh -c \
	"kill -0 $DPID && grep -q in.tftpd /proc/$DPID/cmdline && [ $DPID != $$ ]"
check "-l serves" sh -c "busybox tftp -g -r f512 -l $WORK/d.1 127.0.0.1 && cmp $ROOT/f512 $WORK/d.1"
kill "$DPID"
wait_gone "$DPID"
check "SIGTERM stops it and removes the pid file" sh -c "! kill -0 $DPID 2>/dev/null && [ ! -e $WORK/tftpd.pid ]"

# SIGHUP re-reads the remap file in standalone mode.
echo 'r ^alias$ f512' >"$WORK/map"
start_tftpd -s "$ROOT" -m "$WORK/map" -a 127.0.0.1:69
check "remap rule applies" sh -c "busybox tftp -g -r alias -l $WORK/h.1 127.0.0.1 && cmp $ROOT/f512 $WORK/h.1"
echo 'r ^alias$ f513' >"$WORK/map"
kill -HUP "$TFTPD_PID"
sleep 0.3
check "SIGHUP reloads the remap file" sh -c "busybox tftp -g -r alias -l $WORK/h.2 127.0.0.1 && cmp $ROOT/f513 $WORK/h.2"

stop "$TFTPD_PID"

# --workers 0, a process per transfer. The spare child: forked ahead, it
# takes the next request and a new one is forked; one that is gone costs
# only a fork on demand; it ends with the server.
start_tftpd -s "$ROOT" -m "$WORK/map" -a 127.0.0.1:69 --workers 0
spare() { for c in $(children "$TFTPD_PID"); do chrt -p "$c" | grep -q SCHED_OTHER && echo "$c"; done; }
S1=$(spare)
check "one spare child waits while the server is idle" test "$(echo "$S1" | wc -w)" = 1
busybox tftp -g -r f512 -l "$WORK/s.1" 127.0.0.1
wait_gone "$S1"
S2=$(spare)
check "the spare served the request, ended, and a new spare waits" sh -c \
	"cmp $ROOT/f512 $WORK/s.1 && ! kill -0 $S1 2>/dev/null && [ -n '$S2' ] && [ '$S2' != '$S1' ]"
kill -KILL "$S2"
sleep 0.2
check "with the spare killed the next request is forked for and served" sh -c \
	"busybox tftp -g -r f513 -l $WORK/s.2 127.0.0.1 && cmp $ROOT/f513 $WORK/s.2"
check "a lost spare is logged" expect_line 'spare child: .*forking instead' "$WORK/tftpd.log"
# A transfer runs SCHED_BATCH; the spare (and so the start of the next
# transfer) keeps the normal policy. The probe holds its transfer open
# without acknowledging while we look.
$PROBE 127.0.0.1 get big "$WORK/stall" stall=1500 >/dev/null &
sleep 0.5
for c in $(children "$TFTPD_PID"); do chrt -p "$c"; done >"$WORK/chrt"
check "a transfer runs SCHED_BATCH, the spare SCHED_OTHER" sh -c \
	"grep -q 'policy: SCHED_BATCH' $WORK/chrt && grep -q 'policy: SCHED_OTHER' $WORK/chrt"
S3=$(spare)
stop "$TFTPD_PID"
wait_gone "$S3"
check "the spare ends with the server" sh -c "[ -n '$S3' ] && ! kill -0 $S3 2>/dev/null"

# systemd socket activation: the socket arrives as fd 3.
spawn systemd-socket-activate --datagram -l 127.0.0.1:69 "$TFTPD" --stderr -s "$ROOT" -t 5
wait_udp 69
check "socket-activated in.tftpd serves" sh -c \
	"atftp --option 'blksize 1468' -g -r big -l $WORK/sa.1 127.0.0.1 && cmp $ROOT/big $WORK/sa.1"
check "stdin that is no socket, without -l, is a clear error" sh -c \
	"! $TFTPD --stderr -s $ROOT </dev/null 2>$WORK/err && grep -q 'not a UDP socket' $WORK/err"
check "--help and --version answer" sh -c \
	"$TFTPD --help | grep -q -- '--port-range' && $TFTPD -V | grep -q 'with remap'"
finish
