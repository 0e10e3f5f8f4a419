#!/bin/sh
# The same scenarios against Debian's tftpd-hpa and pxekit's in.tftpd:
# outcome, bytes and error codes must match, or the difference must be
# one in.tftpd(8) documents as deliberate (scenarios.txt says which).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need ss sha256sum
HPA=$PEERS/tftpd-hpa/usr/sbin/in.tftpd
[ -x "$HPA" ] || { echo "missing $HPA: run tools/install-deps --test"; exit 99; }
MAN=$top_srcdir/man/in.tftpd.8

make_tree() { # DIR
	make_root "$1"
	head -c 600000 /dev/urandom >"$1/rollover"
	echo private >"$1/private"
	chmod 600 "$1/private"
	echo mine >"$1/nobodys"
	chown nobody "$1/nobodys"
	chmod 600 "$1/nobodys"
	echo readonly >"$1/readonly"
	chown nobody "$1/readonly"
	chmod 644 "$1/readonly" "$1/rollover"
	mkdir -m 1777 "$1/incoming"
	mkdir -p "$1/pxelinux.cfg" "${1}2"
	echo menu >"$1/pxelinux.cfg/default"
	echo decoy >"${1}2/decoy"
	ln -s "$WORK/secret" "$1/full-link"
	chmod -R a+rX "$1/pxelinux.cfg" "${1}2"
}
echo secret >"$WORK/secret"
chmod 644 "$WORK/secret"
head -c 3000 /dev/urandom >"$WORK/in.bin"
printf 'a secret Refused\nri ^PXELINUX\\.CFG/(.*) pxelinux.cfg/\\L\\1\n' >"$WORK/map"
make_tree "$WORK/hpa"
# The same bytes for both servers.
cp -a "$WORK/hpa" "$WORK/pxe"
cp -a "$WORK/hpa2" "$WORK/pxe2"

# tftpd-hpa 5.2 here exits at start when given -a (EX_NOINPUT), so each
# server gets a namespace of its own and the default port: "hpa" for
# Debian's, this one for ours.
ip netns add hpa
ip netns exec hpa ip link set lo up

# outcome SERVER NETNS ROOT ARGS...: the probe's answer, reduced to what
# is compared: OACK text, ERROR code (not its text), bytes and checksum.
outcome() {
	ns=$2
	root=$3
	out=$WORK/out.$1
	rm -f "$out"
	set -- $(echo "$4" | sed -e "s|@ROOT@|$root|g" -e "s|@OUT@|$out|g" -e "s|@IN@|$WORK/in.bin|g")
	${ns:+ip netns exec "$ns"} "$PROBE" -w 1500 127.0.0.1 "$@" 2>&1 |
		sed -E 's/^(ERROR [0-9]+) .*/\1/; s/^OACK (.*)/OACK \L\1/' | tr '\n' ' '
	[ -s "$out" ] && sha256sum <"$out" | cut -c1-16
	return 0
}

run_server() { # BINARY NETNS ROOT OPTIONS
	opts=$(echo "$4" | sed -e "s|@ROOT@|$3|g" -e "s|@MAP@|$WORK/map|g")
	case "$1" in
	"$TFTPD") spawn "$1" -L --stderr -u nobody $opts 2>>"$WORK/tftpd.log" ;;
	*) spawn ip netns exec "$2" "$1" -L -u nobody $opts ;;
	esac
	wait_udp 69 "$2"
}

grep -v '^#' "$top_srcdir/tests/integration/scenarios.txt" | grep -v '^[[:space:]]*$' >"$WORK/table"
while IFS='|' read -r name opts args expect; do
	name=$(echo "$name" | sed 's/ *$//')
	expect=$(echo "$expect" | sed 's/^ *//; s/ *$//')
	run_server "$HPA" hpa "$WORK/hpa" "$opts"
	hpa_pid=$LAST_PID
	run_server "$TFTPD" "" "$WORK/pxe" "$opts"
	pxe_pid=$LAST_PID
	a=$(outcome hpa hpa "$WORK/hpa" "$args")
	b=$(outcome pxe "" "$WORK/pxe" "$args")
	stop "$hpa_pid"
	stop "$pxe_pid"
	# Both must be answers of the probe, or "same" could mean "both broke".
	for r in "$a" "$b"; do
		case "$r" in
		OACK*|ERROR*|received*|sent*|timeout*|DATA*) ;;
		*) not_ok "$name: no answer from the probe: $r"; continue 2 ;;
		esac
	done
	case "$expect" in
	same)
		if [ "$a" = "$b" ]; then ok "same: $name ($a)"; else
			not_ok "same: $name"
			echo "    tftpd-hpa: $a"
			echo "    in.tftpd:  $b"
		fi ;;
	differs:*)
		phrase=${expect#differs: }
		if [ "$a" != "$b" ] && grep -qi -- "$phrase" "$MAN"; then
			ok "documented difference: $name (tftpd-hpa: $a / in.tftpd: $b)"
		else
			not_ok "documented difference: $name"
			echo "    tftpd-hpa: $a"
			echo "    in.tftpd:  $b"
			echo "    man page mentions \"$phrase\": $(grep -ci -- "$phrase" "$MAN")"
		fi ;;
	*) not_ok "bad expect column for $name: $expect" ;;
	esac
done <"$WORK/table"
finish
