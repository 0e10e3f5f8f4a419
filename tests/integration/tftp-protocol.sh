#!/bin/sh
# Protocol behaviour: option negotiation (RFC 2347/2348/2349/7440 and
# tftpd-hpa's own), netascii both ways, writes, rollover, -r, -B, and
# every kind of malformed packet, after which the server must still serve.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need tftp atftp ss

ROOT=$WORK/root
make_root "$ROOT"
head -c 600000 /dev/urandom >"$ROOT/rollover"
chmod 644 "$ROOT/rollover"
: >"$ROOT/upload"
mkdir -m 1777 "$ROOT/incoming"
: >"$ROOT/text-up"
chmod 666 "$ROOT/upload" "$ROOT/text-up"
P=$PROBE

start_tftpd -s "$ROOT" -c -v
probe() { "$P" -w 1500 127.0.0.1 "$@" >"$WORK/probe.out" 2>&1; }
answers() { # EXPECTED-LINE PROBE-ARGS...
	want=$1
	shift
	probe "$@" || true
	expect_line "$want" "$WORK/probe.out"
}

check "OACK echoes blksize, tsize (file size) and windowsize" answers \
	'^OACK blksize=1468 tsize=3000000 windowsize=16$' get big "$WORK/o1" blksize=1468 tsize=0 windowsize=16
check "windowsize 16 transfer is complete" same "$ROOT/big" "$WORK/o1"
check "option names keep the client's case" answers '^OACK BLKSIZE=1024$' get f513 "$WORK/o2" BLKSIZE=1024
check "blksize above 65464 is lowered to 65464" answers '^OACK blksize=65464$' get big "$WORK/o3" blksize=99999
check "blksize 65464 transfer is complete" same "$ROOT/big" "$WORK/o3"
check "timeout and utimeout are echoed" answers '^OACK timeout=3 utimeout=200000$' get one "$WORK/o4" timeout=3 utimeout=200000
check "windowsize above 64 is lowered to 64" answers '^OACK windowsize=64$' get big "$WORK/o5" windowsize=500
check "windowsize 64 transfer is complete" same "$ROOT/big" "$WORK/o5"
check "an octet window is lowered to fit 256 KiB (4 x 65464, 32 x 8192)" sh -c \
	"$P -w 1500 127.0.0.1 get big $WORK/o5a blksize=65464 windowsize=64 | grep -q '^OACK blksize=65464 windowsize=4$' &&
	 $P -w 1500 127.0.0.1 get big $WORK/o5b blksize=8192 windowsize=64 | grep -q '^OACK blksize=8192 windowsize=32$' &&
	 cmp $ROOT/big $WORK/o5a && cmp $ROOT/big $WORK/o5b"
check "... but not at the blksize of an Ethernet frame" answers '^OACK blksize=1468 windowsize=64$' \
	get big "$WORK/o5c" blksize=1468 windowsize=64
check "blksize2 is rounded to a power of two" answers '^OACK blksize2=1024$' get f1468 "$WORK/o6" blksize2=1468
check "unknown options are ignored, no OACK" answers '^received 513 bytes$' get f513 "$WORK/o7" multicast=1 foo=bar
check "non-numeric values are ignored" answers '^received 512 bytes$' get f512 "$WORK/o8" blksize=big
check "blksize 7 is ERROR 8" answers '^ERROR 8 ' get f512 "$WORK/x" blksize=7
check "timeout 0 is ERROR 8" answers '^ERROR 8 ' get f512 "$WORK/x" timeout=0
check "windowsize 0 is ERROR 8" answers '^ERROR 8 ' get f512 "$WORK/x" windowsize=0
check "a duplicate option is ERROR 8" answers '^ERROR 8 Duplicate option$' get f512 "$WORK/x" blksize=1024 blksize=2048
check "netascii RRQ leaves tsize out" answers '^OACK blksize=1024$' get text "$WORK/x" mode=netascii tsize=0 blksize=1024

# Block numbers past 65535: 600000 bytes at blksize 8 is 75000 blocks.
check "blksize 8 rolls over to block 0" answers '^received 600000 bytes$' get rollover "$WORK/r0" blksize=8
check "rollover 0 transfer is complete" same "$ROOT/rollover" "$WORK/r0"
check "rollover=1 restarts numbering at 1" answers '^received 600000 bytes$' get rollover "$WORK/r1" blksize=8 rollover=1
check "rollover 1 transfer is complete" same "$ROOT/rollover" "$WORK/r1"

# RFC 1350: a stranger on the transfer's port gets ERROR 5, the transfer
# goes on. RFC 1123: duplicate ACKs never make the server resend.
check "a stranger gets ERROR 5 and the transfer completes" sh -c \
	"$P 127.0.0.1 stranger big $WORK/st > $WORK/st.out && grep -qx 'stranger got: ERROR 5 Unknown transfer ID' $WORK/st.out && cmp $ROOT/big $WORK/st"
check "duplicate ACKs cause no resends (Sorcerer's Apprentice)" sh -c \
	"$P 127.0.0.1 get f65536 $WORK/sa dupack=1 > $WORK/sa.out && grep -qx 'repeated blocks 0' $WORK/sa.out && cmp $ROOT/f65536 $WORK/sa"

# An ERROR in answer to the OACK (edk2's tsize probe) ends quietly.
probe get big "$WORK/x" tsize=0 abort=1 || true
sleep 0.2
check "ERROR after OACK logs what tftpd-hpa logs" expect_line \
	'client does not accept options' "$WORK/tftpd.log"

# Writes: existing world-writable file, a new one with -c, windowed.
head -c 100000 /dev/urandom >"$WORK/up.bin"
check "tftp-hpa put into a world-writable file" sh -c \
	"cd $WORK && tftp -m octet 127.0.0.1 -c put up.bin upload && cmp $WORK/up.bin $ROOT/upload"
check "WRQ with blksize 1000 windowsize 7" sh -c \
	"$P 127.0.0.1 put upload $WORK/up.bin blksize=1000 windowsize=7 && cmp $WORK/up.bin $ROOT/upload"
check "atftp put with windowsize 4" sh -c \
	"atftp --option 'windowsize 4' -p -l $WORK/up.bin -r upload 127.0.0.1 && cmp $WORK/up.bin $ROOT/upload"
check "-c lets WRQ create a file" sh -c \
	"$P 127.0.0.1 put incoming/created $WORK/up.bin && cmp $WORK/up.bin $ROOT/incoming/created"
check "WRQ tsize is echoed" answers '^OACK tsize=100000$' put upload "$WORK/up.bin" tsize=100000
printf 'one\ntwo\r\nthree\rfour\n' >"$WORK/text.in"
check "netascii put converts line ends" sh -c \
	"cd $WORK && tftp -m netascii 127.0.0.1 -c put text.in text-up && cmp $WORK/text.in $ROOT/text-up"
check "netascii get of the same file converts back" sh -c \
	"cd $WORK && tftp -m netascii 127.0.0.1 -c get text-up text.back && cmp $WORK/text.in $WORK/text.back"
check "netascii bytes on the wire are CR LF and CR NUL" sh -c \
	"$P 127.0.0.1 get text-up $WORK/wire mode=netascii && printf 'one\\r\\ntwo\\r\\0\\r\\nthree\\r\\0four\\r\\n' | cmp - $WORK/wire"

# Malformed packets to port 69: the right ERROR, or silence for ERRORs.
check "no NUL after the filename is ERROR 4" answers '^ERROR 4 Request not null-terminated$' raw 0001707865
check "unterminated mode is ERROR 4" answers '^ERROR 4 Request not null-terminated$' raw 000178006f63
check "missing mode is ERROR 4" answers '^ERROR 4 Missing mode$' raw 00017800
check "mail mode is refused" answers '^ERROR 4 Unknown mode$' raw 000166006d61696c00
check "unknown opcode is ERROR 4" answers '^ERROR 4 Illegal TFTP operation$' raw 0009610062696e00
check "DATA to port 69 is ERROR 4" answers '^ERROR 4 ' raw 00030001414141
check "an ERROR packet gets no answer" answers '^timeout$' raw 0005000062616400
check "a one-byte packet gets no answer" answers '^timeout$' raw 00
long=$(printf '61%.0s' $(seq 1100))
check "an overlong filename is ERROR 4" answers '^ERROR 4 Filename too long$' raw "0001${long}006f6374657400"
check "junk after the options is ignored" answers '^DATA 1 1$' raw 00016f6e65006f6374657400626c6b73697a65
check "after all that the server still serves" sh -c \
	"atftp -g -r big -l $WORK/alive 127.0.0.1 && cmp $ROOT/big $WORK/alive"
stop "$TFTPD_PID"

# -r refuses an option silently; -B caps blksize.
start_tftpd -s "$ROOT" -r blksize -B 1024
check "-r blksize leaves blksize out of the OACK" answers '^OACK tsize=513$' get f513 "$WORK/x" blksize=1468 tsize=0
check "-r blksize transfers at 512" sh -c "$P 127.0.0.1 get big $WORK/rb blksize=1468 && cmp $ROOT/big $WORK/rb"
stop "$TFTPD_PID"
start_tftpd -s "$ROOT" -B 1024
check "-B 1024 caps blksize" answers '^OACK blksize=1024$' get big "$WORK/x" blksize=1468
stop "$TFTPD_PID"
: >"$WORK/tftpd.log"
start_tftpd -s "$ROOT" --windowsize-max 8 --verbosity 1
check "--windowsize-max 8 caps windowsize" answers '^OACK windowsize=8$' get big "$WORK/w8" windowsize=16
check "windowsize 8 transfer is complete" same "$ROOT/big" "$WORK/w8"
check "--verbosity 1 logs the transfer's figures" expect_line \
	'filename big: sent 3000000 bytes in .* \(blksize 512, windowsize 8, ' "$WORK/tftpd.log"
stop "$TFTPD_PID"
# A client whose ACKs come fast for 20 blocks, then each 60 ms late (a
# host that got busy): the 20 ms timer resends block 21 needlessly, the
# client's second ACK of it shows that, and the floor goes above 60 ms:
# no more resends. Before, every late block was sent three times.
: >"$WORK/tftpd.log"
head -c 30720 /dev/urandom >"$ROOT/lagged"
chmod 644 "$ROOT/lagged"
start_tftpd -s "$ROOT" -v
check "a client that slows down gets its file" sh -c 	"$P -w 3000 127.0.0.1 get lagged $WORK/lagged lag=21:60 >$WORK/lag.out && cmp $ROOT/lagged $WORK/lagged"
check "its transfer saw a needless retransmission" expect_line 	'filename lagged: sent 30720 bytes .* [1-9][0-9]* needless' "$WORK/tftpd.log"
check "and retransmitted at most 8 of its 41 late blocks" sh -c \
	"n=\$(sed -n 's/.*filename lagged: sent .*, \\([0-9]*\\) retransmissions.*/\\1/p' $WORK/tftpd.log); echo \"retransmissions: \$n\"; [ -n \"\$n\" ] && [ \$n -le 8 ]"
stop "$TFTPD_PID"
# A file cut short while it is being sent (an initrd replaced in place
# with cp): the transfer ends with an ERROR and a log line, in lock-step
# (read ahead) and windowed (mapped file) alike; no child dies of SIGBUS.
: >"$WORK/tftpd.log"
start_tftpd -s "$ROOT"
for w in 1 4; do
	head -c 104857600 /dev/urandom >"$ROOT/shrinks$w"
	chmod 644 "$ROOT/shrinks$w"
	"$P" -w 3000 127.0.0.1 get "shrinks$w" "$WORK/shrinks$w" windowsize=$w >"$WORK/shrink.out" 2>&1 &
	sleep 0.5
	truncate -s 1M "$ROOT/shrinks$w"
	wait $! || true
	check "windowsize $w: a file cut short mid-transfer gets the client an ERROR" \
		expect_line '^ERROR 0 Input/output error' "$WORK/shrink.out"
	check "windowsize $w: and the log says why" \
		expect_line "shrinks$w: the file got shorter while being sent" "$WORK/tftpd.log"
done
stop "$TFTPD_PID"
check "-r with an unknown option is refused at start" sh -c \
	"! $TFTPD -L --stderr -s $ROOT -r nosuch 2>$WORK/err && grep -q 'Unknown option: nosuch' $WORK/err"
finish
