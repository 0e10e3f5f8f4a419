#!/bin/sh
# Host names in the exports against a real resolver (issue 17 items 7, 9,
# 12): dnsmasq serves lab.example in this namespace, with a PTR record
# that lies; then a name server that never answers. /etc/hosts,
# /etc/resolv.conf and /etc/nsswitch.conf are bind-mounted over in this
# script's own mount namespace.
. "$(dirname "$0")/lib.sh"
need rpcbind rpcinfo dnsmasq getent

NFSPROBE=$top_builddir/tests/tools/nfs-probe
SINK=$top_builddir/tests/tools/udp-sink
probe() { "$NFSPROBE" "$@" 2>&1; }

# answer NFS-PROBE-ARGS...: the probe again until a status comes back (a
# request waiting for its name is dropped and the connection closed, and
# a client retransmits); at most 30 tries in about 6 s.
answer() {
	i=0
	while [ $i -lt 30 ]; do
		r=$(probe "$@") || true
		case "$r" in status=*) echo "$r"; return 0 ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	echo "no answer: $r"
}

# mnt_until SRC PATH: MNT from SRC until answered.
mnt_until() {
	answer -s "$1" "$1" "$MOUNTPORT" mnt "$2"
}

start_pair() {
	spawn "$MOUNTD" -F -e "$WORK/exports" -k "$WORK/key" -P "$WORK/mountd.pid" 2>>"$WORK/mountd.log"
	MOUNTD_PID=$LAST_PID
	spawn "$NFSD" -F -e "$WORK/exports" -k "$WORK/key" -P "$WORK/nfsd.pid" 2>>"$WORK/nfsd.log"
	NFSD_PID=$LAST_PID
	until_rpc 100005 3 tcp
	until_rpc 100003 3 tcp
	MOUNTPORT=$(rpcinfo -p 127.0.0.1 | awk '$1 == 100005 && $2 == 3 && $3 == "tcp" { print $4 }')
}

EXP=$WORK/images
mkdir -p "$EXP" "$WORK/root-export" "$WORK/lab"
mount -t tmpfs -o size=16m tmpfs "$EXP"
mount -t tmpfs -o size=16m tmpfs "$WORK/root-export"
mount -t tmpfs -o size=16m tmpfs "$WORK/lab"
chmod 755 "$EXP" "$WORK/root-export" "$WORK/lab"

printf '127.0.0.1 localhost\n::1 localhost\n' >"$WORK/hosts"
printf 'nameserver 127.0.0.1\nsearch lab.example\noptions timeout:2 attempts:1\n' >"$WORK/resolv.conf"
printf 'hosts: files dns\n' >"$WORK/nsswitch.conf"
mount --bind "$WORK/hosts" /etc/hosts
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
mount --bind "$WORK/nsswitch.conf" /etc/nsswitch.conf

# node3: honest. node8: its PTR gives the FQDN, /etc/exports the short
# name. 10.0.5.7: its PTR claims node7.lab.example, which is 10.0.5.77.
for a in 10.0.5.3 10.0.5.4 10.0.5.7 10.0.5.8 198.51.100.1; do
	ip addr add "$a/32" dev lo
done
spawn dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--listen-address=127.0.0.1 --bind-interfaces --port=53 --user=root --group=root \
	--pid-file="$WORK/dnsmasq.pid" \
	--host-record=node3.lab.example,10.0.5.3 \
	--host-record=node8.lab.example,10.0.5.8 \
	--host-record=node4.lab.example,10.0.5.4 \
	--host-record=node7.lab.example,10.0.5.77 \
	--ptr-record=7.5.0.10.in-addr.arpa,node7.lab.example 2>"$WORK/dnsmasq.log"
i=0
until getent hosts node3.lab.example >/dev/null || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
check "dnsmasq answers in the namespace" expect_line "10.0.5.3" "$(getent hosts node3 >"$WORK/g"; echo "$WORK/g")"
check "the lying PTR record is served" \
	expect_line "node7.lab.example" "$(getent hosts 10.0.5.7 >"$WORK/g7"; echo "$WORK/g7")"

cat >"$WORK/exports" <<EOT
$EXP node8(ro)
$WORK/root-export node7.lab.example(ro,no_root_squash) nosuchhost.lab.example(ro)
$WORK/lab *.lab.example(ro)
EOT
start_rpcbind
start_pair

# ---- item 7: a short name matches by its addresses ------------------------
check "node8 in the exports lets node8.lab.example (10.0.5.8) mount at once" \
	expect_line "^status=0 fh=" "$(probe -s 10.0.5.8 10.0.5.8 "$MOUNTPORT" mnt "$EXP" >"$WORK/n8"; echo "$WORK/n8")"
check "another host is not node8" test "$(probe -s 10.0.5.3 10.0.5.3 "$MOUNTPORT" mnt "$EXP")" = status=13
check "a name that does not resolve is a warning at start" \
	expect_line "cannot resolve host name nosuchhost.lab.example" "$WORK/mountd.log"

# ---- item 9: a PTR record is not believed without its forward record -----
check "a host whose PTR claims node7 does not get node7's export" \
	test "$(probe -s 10.0.5.7 10.0.5.7 "$MOUNTPORT" mnt "$WORK/root-export")" = status=13
check "nor a wildcard export for lab.example" \
	test "$(mnt_until 10.0.5.7 "$WORK/lab")" = status=13
check "the refusal says why" \
	expect_line "refused MNT from 10.0.5.7 \\(its PTR record names node7.lab.example, whose addresses do not include it\\)" "$WORK/mountd.log"
check "an honest node3.lab.example gets the wildcard export" \
	expect_line "^status=0 fh=" "$(mnt_until 10.0.5.3 "$WORK/lab" >"$WORK/n3"; echo "$WORK/n3")"
check "and its name is cached: the next MNT is answered at once" \
	expect_line "^status=0 fh=" "$(probe -s 10.0.5.3 10.0.5.3 "$MOUNTPORT" mnt "$WORK/lab" >"$WORK/n3b"; echo "$WORK/n3b")"
# pxe-nfsd decides each call the same way, with a cache of its own.
LAB=$(sed -n 's/.*fh=//p' "$WORK/n3")
check "NFS calls from the lying host with a valid handle are refused" \
	test "$(answer -s 10.0.5.7 10.0.5.7 2049 getattr "$LAB")" = status=13
check "NFS calls from node3 are served" \
	test "$(answer -s 10.0.5.3 10.0.5.3 2049 getattr "$LAB")" = status=0
# Over UDP the call that waits for the name gets no answer at all, and
# the client's retransmission finds the name.
rc=0
probe -d -s 10.0.5.4 10.0.5.4 "$MOUNTPORT" mnt "$WORK/lab" >"$WORK/udp1" || rc=$?
check "a UDP MNT waiting for its name is not answered (exit $rc)" \
	sh -c "test $rc -ne 0 && ! grep -q '^status=' $WORK/udp1"
check "its retransmission is answered" \
	expect_line "^status=0 fh=" "$(probe -d -s 10.0.5.4 10.0.5.4 "$MOUNTPORT" mnt "$WORK/lab" >"$WORK/udp2"; echo "$WORK/udp2")"
stop "$MOUNTD_PID"
stop "$NFSD_PID"

# ---- item 12: a name server that never answers ---------------------------
spawn "$SINK" 127.0.0.2 53 120
printf 'nameserver 127.0.0.2\noptions timeout:3 attempts:1\n' >"$WORK/resolv.conf"
cat >"$WORK/exports" <<EOT
$EXP 127.0.0.1(ro) *.lab.example(ro)
EOT
start_pair
# One request from a host without an answer ties up the resolver...
probe -s 198.51.100.1 198.51.100.1 "$MOUNTPORT" mnt "$EXP" >"$WORK/unanswered" &
sleep 0.3
# ...and an address-matched client must still mount at once.
t0=$(date +%s%N)
probe 127.0.0.1 "$MOUNTPORT" mnt "$EXP" >"$WORK/fast"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "an address-matched client mounts in ${ms} ms while DNS hangs (< 2000)" \
	sh -c "grep -q '^status=0 fh=' $WORK/fast && test $ms -lt 2000"
t0=$(date +%s%N)
ROOT=$(sed -n 's/.*fh=//p' "$WORK/fast")
r=$(probe 127.0.0.1 2049 getattr "$ROOT")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "and reads over NFS in ${ms} ms (< 2000)" sh -c "test '$r' = status=0 && test $ms -lt 2000"
wait $! 2>/dev/null || true
check "the unanswered host is refused once its look-up times out" \
	test "$(mnt_until 198.51.100.1 "$EXP")" = status=13
check "the refusal says it has no name" \
	expect_line "refused MNT from 198.51.100.1 \\(no host name\\)" "$WORK/mountd.log"

stop "$MOUNTD_PID"
stop "$NFSD_PID"
# A sanitizer build reports to the daemons' stderr, at exit for leaks.
check "no sanitizer report from the daemons" \
	sh -c "! grep -E 'Sanitizer|runtime error' $WORK/mountd.log $WORK/nfsd.log"

if [ "$FAILURES" -ne 0 ]; then
	echo "--- mountd log"; tail -n 30 "$WORK/mountd.log"
	echo "--- dnsmasq log"; tail -n 10 "$WORK/dnsmasq.log"
fi
finish
