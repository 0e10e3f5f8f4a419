#!/bin/sh
# No local user can take over a transfer, and no request, signal, limit
# or log line can take the server down (issue 21): each check failed
# before its fix.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need ss setpriv prlimit systemd-socket-activate
UDPBIND=$top_builddir/tests/tools/udp-bind
ENOLCK=$top_builddir/tests/tools/enolck.so
P=$PROBE

ROOT=$WORK/root
make_root "$ROOT"
mkdir -m 1777 "$ROOT/incoming"
head -c 20000 /dev/urandom >"$WORK/20k.bin"

# tid_of FILE: the transfer port tftp-probe -t printed (waits 5 s at most).
tid_of() {
	i=0
	until grep -q '^tid ' "$1" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
	sed -n 's/^tid //p' "$1"
}

# as_nobody CMD...: as uid/gid 65534, no groups: any local user.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# cannot_bind WHO ARGS...: udp-bind ARGS fails with EADDRINUSE.
cannot_bind() {
	who=$1
	shift
	out=$($who "$UDPBIND" "$@" 2>&1) || true
	[ "$out" = EADDRINUSE ] || { echo "udp-bind $*: $out"; return 1; }
}

# ---- 1: the transfer port is the transfer's alone --------------------
start_tftpd -s "$ROOT" -v
spawn "$P" -t -w 1000 127.0.0.1 get big "$WORK/stalled" stall=4000 >"$WORK/stall.out" 2>&1
STALL_PID=$LAST_PID
TID=$(tid_of "$WORK/stall.out")
check "the probe saw the transfer port" test -n "$TID"
for opts in -a -p "-a -p" ""; do
	for addr in 127.0.0.1 0.0.0.0 ::; do
		check "uid 65534 cannot bind $addr:TID (${opts:-no option})" \
			cannot_bind as_nobody $opts "$addr" "$TID"
	done
done
check "root cannot join it with SO_REUSEADDR + SO_REUSEPORT either" \
	cannot_bind "" -a -p 127.0.0.1 "$TID"
wait "$STALL_PID" 2>/dev/null || true
# The stranger check (ERROR 5 to another port, the transfer goes on)
# still works: the two sockets still share the port.
check "a stranger gets ERROR 5 and the transfer completes" sh -c \
	"$P -w 1500 127.0.0.1 stranger f65536 $WORK/str >$WORK/str.out &&
	 grep -q '^stranger got: ERROR 5' $WORK/str.out && cmp $ROOT/f65536 $WORK/str"
stop "$TFTPD_PID"

# ---- 4: a one-port -R range and a retransmitted RRQ -------------------
# (start_tftpd would take 50000 for the listening port.)
spawn "$TFTPD" -L --stderr -s "$ROOT" -v -R 50000:50000 2>>"$WORK/tftpd.log"
TFTPD_PID=$LAST_PID
wait_udp 69
for round in 1 2 3; do
	rm -f "$WORK/r$round"
	check "-R 50000:50000: retransmitted RRQ completes (round $round)" sh -c \
		"$P -w 500 127.0.0.1 get f65536 $WORK/r$round rerrq=1 >$WORK/rr.out &&
		 cmp $ROOT/f65536 $WORK/r$round"
done
check "the second child found the port taken" \
	expect_line 'bind: Address already in use' "$WORK/tftpd.log"
stop "$TFTPD_PID"

# ---- 5: SIGHUP with the map file gone keeps the old rules -------------
printf 'r ^alias$ f512\n' >"$WORK/map"
start_tftpd -s "$ROOT" -m "$WORK/map" -v
rm "$WORK/map"
kill -HUP "$TFTPD_PID"
sleep 0.5
check "SIGHUP with a missing map file: still running" kill -0 "$TFTPD_PID"
check "... and serving with the old rules" sh -c \
	"$P -w 1500 127.0.0.1 get alias $WORK/alias && cmp $ROOT/f512 $WORK/alias"
check "... the log says why the reload failed" \
	expect_line 'Cannot open map file: .*map: No such file or directory' "$WORK/tftpd.log"
stop "$TFTPD_PID"

# ---- 8: the pid file is root's alone ----------------------------------
(umask 0; start_tftpd -s "$ROOT" -p -c -P "$WORK/tftpd.pid")
TFTPD_PID=$(cat "$WORK/tftpd.pid")
PIDS="$PIDS $TFTPD_PID"
check "-P with -p and umask 0: pid file mode 644" sh -c \
	"[ \"\$(stat -c %a $WORK/tftpd.pid)\" = 644 ]"
check "... and -p still creates files with the process umask (0)" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/umask0 $WORK/20k.bin &&
	 [ \"\$(stat -c %a $ROOT/incoming/umask0)\" = 666 ]"
stop "$TFTPD_PID"

# ---- 9: a WRQ that never sends data leaves the file whole -------------
cp "$ROOT/f65536" "$ROOT/incoming/keep"
chmod 666 "$ROOT/incoming/keep"
start_tftpd -s "$ROOT" -v
check "WRQ refused with ERROR 8" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/keep $WORK/20k.bin blksize=7 >$WORK/w8.out;
	 grep -q '^ERROR 8' $WORK/w8.out"
check "... left the file as it was" cmp "$ROOT/f65536" "$ROOT/incoming/keep"
wrq=$(printf 'incoming/keep' | od -An -tx1 | tr -d ' \n')
check "a WRQ is acknowledged" sh -c \
	"$P -w 1500 127.0.0.1 raw 0002${wrq}006f6374657400 | grep -q '^ACK 0'"
sleep 0.3
check "... and, no block sent yet, the file is still whole" cmp "$ROOT/f65536" "$ROOT/incoming/keep"
check "a completed WRQ replaces the contents" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/keep $WORK/20k.bin && cmp $WORK/20k.bin $ROOT/incoming/keep"
stop "$TFTPD_PID"

# 9, the better half: over a file of the -u user's own, the upload goes to
# a temporary file renamed over the name when complete. -T 50000: an
# abandoned transfer is given up after 3.2 s.
cp "$ROOT/f65536" "$ROOT/incoming/own"
chown nobody "$ROOT/incoming/own"
chmod 646 "$ROOT/incoming/own"
start_tftpd -s "$ROOT" -v -T 50000
spawn "$P" -w 1500 127.0.0.1 put incoming/own "$WORK/20k.bin" stop=10 stall=2500 >"$WORK/stop.out" 2>&1
STOP_PID=$LAST_PID
i=0
until grep -q '^stopped' "$WORK/stop.out" || [ $i -ge 50 ]; do sleep 0.05; i=$((i + 1)); done
check "an upload goes silent after 10 blocks ..." expect_line '^stopped after 10 blocks' "$WORK/stop.out"
# The reader would retry a silently ignored request 8 times in 2.4 s, all
# while the upload's client is still there.
check "... meanwhile a reader gets the old file whole, at once" sh -c \
	"$P -w 300 127.0.0.1 get incoming/own $WORK/own.now && cmp $ROOT/f65536 $WORK/own.now &&
	 kill -0 $STOP_PID"
wait "$STOP_PID" 2>/dev/null || true
i=0
while ls -A "$ROOT/incoming" | grep -q '^\.own\.' && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
check "... nor after it was given up, and its temporary file is gone" sh -c \
	"cmp $ROOT/f65536 $ROOT/incoming/own && ! ls -A $ROOT/incoming | grep -q '^\.own\.'"
check "a completed upload replaces it, mode and owner kept" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/own $WORK/20k.bin && cmp $WORK/20k.bin $ROOT/incoming/own &&
	 [ \"\$(stat -c '%U %a %h' $ROOT/incoming/own)\" = 'nobody 646 1' ] &&
	 ! ls -A $ROOT/incoming | grep -q '^\.own\.'"
ln "$ROOT/incoming/own" "$ROOT/incoming/own-link"
check "with a second hard link it is written in place (both names see it)" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/own $ROOT/f1024 && cmp $ROOT/f1024 $ROOT/incoming/own-link"
stop "$TFTPD_PID"
start_tftpd -s "$ROOT" -v

# ---- 12: names cannot forge log lines --------------------------------
nl='
'
"$P" -w 1000 127.0.0.1 get "x${nl}RRQ from 6.6.6.6 filename forged" "$WORK/forged" >/dev/null 2>&1 || true
check "a newline in a filename is escaped in the log" \
	expect_line 'filename x\\x0aRRQ from 6\.6\.6\.6 filename forged' "$WORK/tftpd.log"
check "... and starts no line of its own" sh -c "! grep -q '^RRQ from 6.6.6.6' $WORK/tftpd.log"
check "an empty datagram gets no answer (as tftpd-hpa)" sh -c \
	"$P -w 500 127.0.0.1 raw - | grep -q '^timeout'"
check "a one-byte datagram gets no answer (as tftpd-hpa)" sh -c \
	"$P -w 500 127.0.0.1 raw 01 | grep -q '^timeout'"
check "... and the server is still there" kill -0 "$TFTPD_PID"
stop "$TFTPD_PID"

# ---- 6: a netascii request cannot make a child big --------------------
# 5 MB of text; the client asks for 64 x 65464, acks the OACK and stalls.
awk 'BEGIN { for (i = 0; i < 80000; i++) print "line " i " of a netascii test file........" }' \
	>"$ROOT/textbig"
chmod 644 "$ROOT/textbig"
start_tftpd -s "$ROOT" -v
spawn "$P" -w 1000 127.0.0.1 get textbig "$WORK/nb" mode=netascii windowsize=64 blksize=65464 \
	stall=3000 >"$WORK/nb.out" 2>&1
NB_PID=$LAST_PID
sleep 1
# The child serving it: the largest anonymous memory among the children.
rss=0
for c in $(children "$TFTPD_PID"); do
	r=$(awk '/^RssAnon:/ { print $2 }' /proc/"$c"/status 2>/dev/null || echo 0)
	[ "${r:-0}" -gt "$rss" ] && rss=$r
done
echo "# largest child RssAnon: $rss kB"
check "netascii w64 b65464: the child holds < 1024 kB anonymous memory ($rss kB)" \
	test "$rss" -gt 0 -a "$rss" -lt 1024
check "... the OACK granted a window of at most 64 KiB" \
	expect_line '^OACK .*windowsize=1( |$)' "$WORK/nb.out"
wait "$NB_PID" 2>/dev/null || true
check "netascii w64 b1468: windowsize 44 granted, the text arrives as in lock-step" sh -c \
	"$P -w 1500 127.0.0.1 get textbig $WORK/nt1 mode=netascii &&
	 $P -w 1500 127.0.0.1 get textbig $WORK/nt mode=netascii windowsize=64 blksize=1468 >$WORK/nt.out &&
	 grep -q 'windowsize=44' $WORK/nt.out && cmp $WORK/nt1 $WORK/nt"
stop "$TFTPD_PID"

# ---- 10: no file locks (ENOLCK) --------------------------------------
LD_PRELOAD=$ENOLCK start_tftpd -s "$ROOT" -v
check "with ENOLCK the file is served" sh -c \
	"$P -w 1500 127.0.0.1 get f1024 $WORK/nolck && cmp $ROOT/f1024 $WORK/nolck"
check "... and the log says locks are unavailable" \
	expect_line 'RRQ f1024: cannot lock the file \(No locks available\); serving it unlocked' \
	"$WORK/tftpd.log"
stop "$TFTPD_PID"

# ---- 11: RLIMIT_FSIZE: ERROR 3, not a dead child ----------------------
spawn prlimit --fsize=10000 "$TFTPD" -L --stderr -s "$ROOT" -c -v 2>"$WORK/fsize.log"
FSIZE_PID=$LAST_PID
wait_udp 69
check "an upload past RLIMIT_FSIZE gets ERROR 3" sh -c \
	"$P -w 1500 127.0.0.1 put incoming/toobig $WORK/20k.bin | grep -q '^ERROR 3'"
check "... the server lives on" kill -0 "$FSIZE_PID"
stop "$FSIZE_PID"

# ---- 3 and 7: socket activation, a dual-stack [::] socket --------------
printf '%s\n' 'r ^hex$ \x' 'r4 ^family$ v4' 'r6 ^family$ v6' >"$WORK/map"
echo v4 >"$ROOT/v4"
echo v6 >"$ROOT/v6"
cp "$ROOT/f512" "$ROOT/7F000001"
chmod 644 "$ROOT/v4" "$ROOT/v6" "$ROOT/7F000001"
# activate SECONDS: in.tftpd socket-activated, idle exit after SECONDS.
activate() {
	spawn systemd-socket-activate --datagram -l 69 "$TFTPD" --stderr -t "$1" -s "$ROOT" \
		-m "$WORK/map" -v 2>>"$WORK/tftpd.log"
	ACT_PID=$LAST_PID
	wait_udp 69
}
activate 30
check "the activated socket is [::]:69, dual-stack" sh -c "ss -Hnlu 'sport = :69' | grep -q '\[::\]:69\|\*:69'"
check "an IPv4 client on [::]: \\x is its 8 hex digits" sh -c \
	"$P -w 1500 127.0.0.1 get hex $WORK/hex && cmp $ROOT/7F000001 $WORK/hex"
check "... the '4' rules apply to it, not the '6' ones" sh -c \
	"$P -w 1500 127.0.0.1 get family $WORK/fam && cmp $ROOT/v4 $WORK/fam"
check "... an IPv6 client still gets the '6' rules" sh -c \
	"$P -w 1500 ::1 get family $WORK/fam6 && cmp $ROOT/v6 $WORK/fam6"
check "... and the log names the IPv4 client as 127.0.0.1" \
	expect_line 'RRQ from 127\.0\.0\.1 filename hex remapped to 7F000001' "$WORK/tftpd.log"
check "... also when its transfer ends" \
	expect_line 'RRQ from 127\.0\.0\.1 filename 7F000001: sent 512 bytes' "$WORK/tftpd.log"
stop "$ACT_PID"
# 7: a transfer longer than -t 1: the parent may not go idle under it,
# since systemd would end the transfer with the service.
activate 1
spawn "$P" -t -w 2000 127.0.0.1 get f65536 "$WORK/slow" blksize=8192 pace=400 >"$WORK/slow.out" 2>&1
SLOW_PID=$LAST_PID
TID=$(tid_of "$WORK/slow.out")
check "uid 65534 cannot bind the activated transfer's port" cannot_bind as_nobody -a 127.0.0.1 "$TID"
check "... nor [::]:TID" cannot_bind as_nobody -a :: "$TID"
# The transfer takes 3-4 s; 2 s on, well past -t 1, it still runs. (Not
# after it: a drain ends as soon as the last transfer's process has.)
sleep 2
check "the parent is still there 2 s into the slow transfer" sh -c \
	"kill -0 $ACT_PID && kill -0 $SLOW_PID"
wait "$SLOW_PID" 2>/dev/null || true
check "... which completed" cmp "$ROOT/f65536" "$WORK/slow"
i=0
while kill -0 "$ACT_PID" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
check "... and then the parent exited idle" sh -c "! kill -0 $ACT_PID 2>/dev/null"
wait "$ACT_PID" 2>/dev/null || true
finish
