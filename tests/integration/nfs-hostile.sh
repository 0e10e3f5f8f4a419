#!/bin/sh
# pxe-nfsd against what breaks a server in real use and what a hostile
# host tries: a low descriptor limit and thousands of files, floods of
# idle and half-sent connections, execute-only binaries, deleted files and
# removed exports, a multi-homed UDP reply, forged handles of another key,
# bind mounts, names with a NUL, a file truncated while it is sent.
. "$(dirname "$0")/lib.sh"
need rpcbind rpcinfo nfs-ls nfs-cat prlimit

NFSPROBE=$top_builddir/tests/tools/nfs-probe
FLOOD=$top_builddir/tests/tools/conn-flood
probe() { "$NFSPROBE" "$@" 2>&1; }
fh_of() { sed -n 's/.*fh=//p'; }

# One tmpfs: the export is a directory of it, so a bind mount from
# elsewhere in it has the same st_dev.
T=$WORK/fs
mkdir -p "$T"
mount -t tmpfs -o size=512m tmpfs "$T"
EXP=$T/exp
SECOND=$WORK/second
mkdir -p "$EXP/many" "$EXP/listonly" "$EXP/searchonly" "$SECOND"
mount -t tmpfs -o size=16m tmpfs "$SECOND"
i=0
while [ $i -lt 2000 ]; do printf '%s\n' "$i" >"$EXP/many/f$i"; i=$((i + 1)); done
printf 'hello\n' >"$EXP/hello.txt"
printf '#!/bin/sh\necho run\n' >"$EXP/tool" && chmod 0711 "$EXP/tool"
printf 'secret\n' >"$EXP/private" && chmod 0700 "$EXP/private"
printf 'x\n' >"$EXP/listonly/a" && chmod 0744 "$EXP/listonly"
printf 'y\n' >"$EXP/searchonly/b" && chmod 0711 "$EXP/searchonly"
printf 'doomed\n' >"$EXP/gone"
head -c 4194304 /dev/urandom >"$EXP/shrinks"
printf 'outside the export\n' >"$T/secret"
: >"$EXP/hole"
mount --bind "$T/secret" "$EXP/hole"
printf 'in the second export\n' >"$SECOND/file"
chmod 755 "$T" "$EXP" "$EXP/many"

cat >"$WORK/exports" <<EOT
$EXP 127.0.0.0/8(ro,insecure,no_root_squash) 198.51.100.0/24(ro,insecure)
$SECOND 127.0.0.0/8(ro,insecure)
EOT
ip addr add 198.51.100.1/32 dev lo
ip -6 addr add 2001:db8::1/128 dev lo nodad

start_rpcbind
# (HOSTILE_NFSD_WRAP= runs it without, to try the other parts alone.)
NFSD_WRAP=${HOSTILE_NFSD_WRAP-prlimit --nofile=64}
start_nfs
URL=nfs://127.0.0.1$EXP
ROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP" | fh_of)
check "MNT gives the root handle" test -n "$ROOT"
lookup() { probe 127.0.0.1 2049 lookup "$1" "$2" | fh_of; }

# ---- least privilege -----------------------------------------------------
for d in "mountd $MOUNTD_PID" "nfsd $NFSD_PID"; do
	set -- $d
	check "pxe-$1 serves as nobody (no pxekit user here)" \
		expect_line "^Uid:	65534	65534	65534	65534$" /proc/"$2"/status
	check "pxe-$1 keeps only CAP_DAC_READ_SEARCH" \
		expect_line "^CapEff:	0000000000000004$" /proc/"$2"/status
	check "pxe-$1 has no capabilities to gain (bounding set, no-new-privs)" \
		sh -c "grep -q '^CapBnd:	0000000000000004$' /proc/$2/status && grep -q '^NoNewPrivs:	1$' /proc/$2/status"
done
check "pxe-nfsd logged the fallback user" expect_line "no user pxekit: serving as nobody" "$WORK/nfsd.log"

# ---- 1: a descriptor limit of 64 and 2000 files ------------------------
check "the soft limit is what prlimit set" \
	expect_line "^Max open files +64 +64 " /proc/"$NFSD_PID"/limits
MANY=$(lookup "$ROOT" many)
probe 127.0.0.1 2049 walk "$MANY" >"$WORK/walk" || true
check "2000 files read on one connection under a limit of 64 descriptors" \
	expect_line "^files=2000 errors=0$" "$WORK/walk"
fds=$(ls /proc/"$NFSD_PID"/fd | wc -l)
check "pxe-nfsd holds fewer than 64 descriptors ($fds)" test "$fds" -lt 64
bad=0
i=0
while [ $i -lt 150 ]; do
	[ "$(nfs-cat "$URL/many/f$i" 2>/dev/null)" = "$i" ] || bad=$((bad + 1))
	i=$((i + 1))
done
check "150 files by nfs-cat, a connection each, all right ($bad bad)" test "$bad" -eq 0
nfs-ls "$URL/many" >"$WORK/ls" 2>&1
check "nfs-ls lists all 2000" test "$(grep -c ' f[0-9]*$' "$WORK/ls")" -eq 2000

# ---- 13: floods of connections ----------------------------------------
cpu() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }
"$FLOOD" -s 198.51.100.1 127.0.0.1 2049 200 3 >"$WORK/flood1" &
FLOOD_PID=$!
sleep 1.5
before=$(cpu "$NFSD_PID")
sleep 1
after=$(cpu "$NFSD_PID")
check "200 connections against a limit of 64: no busy loop ($((after - before)) ticks in 1 s)" \
	test $((after - before)) -lt 30
check "another host reads during that flood" \
	test "$(probe 127.0.0.1 2049 read "$(lookup "$ROOT" hello.txt)" 0 100)" = "status=0 count=6 eof=1"
wait "$FLOOD_PID"
check "the flood got its connections (the oldest were closed)" expect_line "^connected=200$" "$WORK/flood1"
check "pxe-nfsd logged that it closed the longest idle ones" \
	expect_line "closing the longest idle one of 198.51.100.1" "$WORK/nfsd.log"

# ---- 11: no uninitialised attributes in READDIR errors ------------------
FSID=$(echo "$ROOT" | cut -c5-12)
FORGED=$(probe sign "$WORK/key" 0x"$FSID" 1 "")
check "a signed handle with an empty kernel handle: READDIR fails without attributes" \
	test "$(probe 127.0.0.1 2049 readdir "$FORGED")" = "status=5 attrs=0"
check "... READDIRPLUS too" \
	test "$(probe 127.0.0.1 2049 readdirplus "$FORGED")" = "status=5 attrs=0"
check "READDIR of a file: NOTDIR, with the file's own attributes" \
	expect_line "^status=20 attrs=1 " "$(probe 127.0.0.1 2049 readdir "$(lookup "$ROOT" hello.txt)" >"$WORK/rd"; echo "$WORK/rd")"

# ---- 5: execute-only binaries ------------------------------------------
TOOL=$(lookup "$ROOT" tool)
check "a mode 0711 binary is readable by uid 1000 (it may execute it)" \
	test "$(probe -U 1000:1000 127.0.0.1 2049 read "$TOOL" 0 100)" = "status=0 count=19 eof=1"
check "a mode 0700 file is not" \
	test "$(probe -U 1000:1000 127.0.0.1 2049 read "$(lookup "$ROOT" private)" 0 100)" = status=13
check "READDIR needs read permission only (mode 0744 directory)" \
	expect_line "^status=0 " "$(probe -U 1000:1000 127.0.0.1 2049 readdir "$(lookup "$ROOT" listonly)" >"$WORK/lo"; echo "$WORK/lo")"
check "... and READDIRPLUS gives names without handles there" \
	expect_line "^status=0 .* names=3 handles=0$" "$(probe -U 1000:1000 127.0.0.1 2049 readdirplus "$(lookup "$ROOT" listonly)" >"$WORK/lop"; echo "$WORK/lop")"
check "READDIR of a mode 0711 directory is refused" \
	expect_line "^status=13 " "$(probe -U 1000:1000 127.0.0.1 2049 readdir "$(lookup "$ROOT" searchonly)" >"$WORK/so"; echo "$WORK/so")"

# ---- 6: deleted files and removed exports --------------------------------
GONE=$(lookup "$ROOT" gone)
check "a file is read through its handle" \
	test "$(probe 127.0.0.1 2049 read "$GONE" 0 100)" = "status=0 count=7 eof=1"
rm "$EXP/gone"
check "once deleted, its handle is stale (70)" test "$(probe 127.0.0.1 2049 getattr "$GONE")" = status=70
check "... and READ of it too" test "$(probe 127.0.0.1 2049 read "$GONE" 0 100)" = status=70
SROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$SECOND" | fh_of)
check "the second export is read" \
	test "$(probe 127.0.0.1 2049 read "$(lookup "$SROOT" file)" 0 100)" = "status=0 count=21 eof=1"
check "pxe-nfsd holds descriptors in the second export" \
	sh -c "ls -l /proc/$NFSD_PID/fd | grep -q '$SECOND'"
grep -v "^$SECOND " "$WORK/exports" >"$WORK/exports.new" && mv "$WORK/exports.new" "$WORK/exports"
kill -HUP "$NFSD_PID" "$MOUNTD_PID"
i=0
until ! ls -l /proc/"$NFSD_PID"/fd | grep -q "$SECOND" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
check "after the export is removed and reloaded, no descriptor into it" \
	sh -c "! ls -l /proc/$NFSD_PID/fd | grep -q '$SECOND'"
check "its file system can be unmounted" umount "$SECOND"

# ---- 8: UDP replies from the address called ------------------------------
check "a connected UDP client of the second address gets the reply" \
	test "$(probe -d -s 127.0.0.1 198.51.100.1 2049 null 100003 3)" = accept=0
check "... and of the first" test "$(probe -d 127.0.0.1 2049 null 100003 3)" = accept=0
check "... and of a second IPv6 address" \
	test "$(probe -d -s ::1 2001:db8::1 2049 null 100003 3)" = accept=0

# ---- 14: NUL in names, bind mounts, key changes, truncation --------------
check "LOOKUP of 'hello.txt' works" test -n "$(lookup "$ROOT" hello.txt)"
check "LOOKUP of 'hello.txt\\0x' is GARBAGE_ARGS, not hello.txt" \
	test "$(probe 127.0.0.1 2049 lookup-hex "$ROOT" 68656c6c6f2e7478740078)" = accept=4
check "a bind mount of a file from the same file system is not crossed" \
	test "$(probe 127.0.0.1 2049 lookup "$ROOT" hole)" = status=13
# A file cut while it is being sent to a slow client (a 4 KiB receive
# buffer; the send queue capped at 64 KiB in this namespace, so most of
# the file is still to send): the reply must not be completed with zeros
# and eof=0. pxe-nfsd resets the connection; the client asks again and
# gets the short count and eof. (Pages already queued on the socket are
# the page cache's, as with knfsd's splice: see pxe-nfsd(8).)
SHRINKS=$(lookup "$ROOT" shrinks)
check "READ of a 4 MiB file over TCP, 1 MiB" \
	test "$(probe 127.0.0.1 2049 read "$SHRINKS" 1048576 1048576)" = "status=0 count=1048576 eof=0"
wmem=$(sysctl -n net.ipv4.tcp_wmem)
sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536"
dd if="$EXP/shrinks" of="$WORK/want" bs=1048576 skip=1 count=1 2>/dev/null
probe -r 4096 -w 1500 127.0.0.1 2049 read "$SHRINKS" 1048576 1048576 "$WORK/got" >"$WORK/shrink" &
READER=$!
sleep 0.5
truncate -s 1100000 "$EXP/shrinks"
wait "$READER" || true
sysctl -qw net.ipv4.tcp_wmem="$wmem"
check "a file cut while it is sent: no reply completed with zeros (the connection is reset)" \
	sh -c "! grep -q 'count=' $WORK/shrink || cmp $WORK/want $WORK/got"
check "pxe-nfsd logs the reset" expect_line "shrank while it was sent" "$WORK/nfsd.log"
check "the client's next READ gets the short count and eof" \
	test "$(probe 127.0.0.1 2049 read "$SHRINKS" 1048576 1048576)" = "status=0 count=51424 eof=1"

HELLO=$(lookup "$ROOT" hello.txt)
cp "$WORK/key" "$WORK/key.old"
stop "$MOUNTD_PID"
rm "$WORK/key"
spawn "$MOUNTD" -F -e "$WORK/exports" -k "$WORK/key" 2>>"$WORK/mountd.log"
MOUNTD_PID=$LAST_PID
until_rpc 100005 3 tcp
MOUNTPORT=$(rpcinfo -p 127.0.0.1 | awk '$1 == 100005 && $2 == 3 && $3 == "tcp" { print $4 }')
NEWROOT=$(probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP" | fh_of)
check "after a key change and a mountd restart, nfsd finds the new root stale" \
	test "$(probe 127.0.0.1 2049 getattr "$NEWROOT")" = status=70
check "pxe-nfsd logs that the key file changed" \
	expect_line "handle key .* changed since pxe-nfsd started" "$WORK/nfsd.log"
check "both daemons log their key id, and they differ" \
	sh -c "test \$(grep -ho 'id [0-9a-f]\{16\})' $WORK/mountd.log $WORK/nfsd.log | sort -u | wc -l) -ge 2"

# ---- 13: 1100 idle connections and 300 half-sent records -----------------
stop "$NFSD_PID"
# As systemd starts services: a soft limit of 1024 under a higher hard one
# (this one's, at most 65536).
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -gt 65536 ] && hard=65536
NFSD_WRAP="prlimit --nofile=1024:$hard"
start_nfsd
check "pxe-nfsd raised its soft limit to the hard one ($hard)" \
	expect_line "^Max open files +$hard +$hard " /proc/"$NFSD_PID"/limits
"$FLOOD" -s 198.51.100.1 127.0.0.1 2049 1100 6 >"$WORK/flood2" &
FLOOD_PID=$!
"$FLOOD" -s 198.51.100.1 127.0.0.1 "$MOUNTPORT" 1100 6 >"$WORK/flood2m" &
FLOODM_PID=$!
i=0
until { grep -q connected "$WORK/flood2" && grep -q connected "$WORK/flood2m"; } || [ $i -ge 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "1100 idle connections from one host to pxe-nfsd are made" expect_line "^connected=1100$" "$WORK/flood2"
check "... and 1100 to pxe-mountd" expect_line "^connected=1100$" "$WORK/flood2m"
check "another host still mounts" test -n "$(probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP" | fh_of)"
check "... and reads with libnfs" test "$(nfs-cat "$URL/hello.txt" 2>&1)" = hello
wait "$FLOOD_PID" "$FLOODM_PID"
rss0=$(awk '/^VmRSS/ { print $2 }' /proc/"$NFSD_PID"/status)
"$FLOOD" -s 198.51.100.1 -m 1048576 -p 1000000 127.0.0.1 2049 300 2 >"$WORK/flood3"
rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$NFSD_PID"/status)
hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$NFSD_PID"/status)
echo "# RSS before ${rss0} kB, after ${rss} kB, peak ${hwm} kB"
check "300 unfinished 1 MiB records take less than 100 MiB (peak ${hwm} kB)" test "$hwm" -lt 102400
check "a client still reads after that" test "$(nfs-cat "$URL/hello.txt" 2>&1)" = hello

if [ "$FAILURES" -ne 0 ]; then
	echo "--- mountd log"; tail -n 20 "$WORK/mountd.log"
	echo "--- nfsd log"; tail -n 40 "$WORK/nfsd.log"
fi
finish
