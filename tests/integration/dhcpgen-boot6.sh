#!/bin/sh
# UEFI network boot over IPv6 with pxe-dhcpgen's DHCPv6 output: an OVMF
# machine in QEMU (its own PXEv6, NetworkPkg, on a virtio NIC; IPv4 PXE
# switched off through fw_cfg so it goes straight to IPv6) on a tap
# solicits; the real server answers with the generated file (dhcpd -6
# with the isc6 include, kea-dhcp6 with the kea6 fragment, dnsmasq with
# its file): option 59 tftp://[2001:db8::1]/efi64/grubx64.efi for arch 7.
# OVMF fetches it from pxekit's in.tftpd over IPv6; it is Debian's
# signed grubnetx64, which reads the generated grub/grub.cfg, the
# host's grub.cfg-<mac> it sources, and the kernel that file names, all
# over IPv6. The kernel is a dummy; in.tftpd's log says what was fetched.
# SERVERS (default "dhcpd kea dnsmasq") picks the servers; each boot
# takes about a minute under TCG.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need qemu-system-x86_64 ip ss
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
KEA6=$PEERS/kea-dhcp6-server/usr/sbin/kea-dhcp6
OVMF=/usr/share/ovmf/OVMF.fd
GRUBNET=$PEERS/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
for f in "$DHCPD" "$KEA6" "$OVMF" "$GRUBNET"; do
	[ -e "$f" ] || { echo "missing $f: run tools/install-deps --test"; exit 99; }
done
MAC=52:54:00:12:34:66

# No duplicate address detection: the tap has no carrier until QEMU
# opens it, and tentative addresses cannot be bound.
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
ip tuntap add tap0 mode tap
ip addr add fe80::1/64 dev tap0 nodad
ip addr add 2001:db8::1/64 dev tap0 nodad
ip link set tap0 up

ROOT=$WORK/tftp
mkdir -p "$ROOT/efi64" "$ROOT/k"
cp "$GRUBNET" "$ROOT/efi64/grubx64.efi"
head -c 100000 /dev/urandom >"$ROOT/k/linux"
head -c 50000 /dev/urandom >"$ROOT/k/initrd"
chmod -R a+rX "$ROOT"
start_tftpd -v -s "$ROOT" -a '[2001:db8::1]:69'

cat >"$WORK/inventory" <<INV
server 192.0.2.1
server6 2001:db8::1
subnet6 2001:db8::/64 {
    interface tap0
    range 2001:db8::100 2001:db8::1ff
}
boot6 uefi-x64 efi64/grubx64.efi
profile other kernel k/other
profile install kernel k/linux initrd k/initrd
default-profile other
timeout 30
host node66 mac $MAC profile install append "hostname=\${hostname}"
INV

gen() { "$GEN" -c "$WORK/inventory" -t "$ROOT" --manifest "$WORK/manifest" -q "$@"; }

# boot NAME: one OVMF machine until in.tftpd has sent the kernel (240 s
# at most), then stopped; its serial console in $WORK/serial-NAME.
boot() {
	: >"$WORK/tftpd.log"
	spawn qemu-system-x86_64 -machine q35 -m 256 -display none \
		-serial file:"$WORK/serial-$1" -bios "$OVMF" \
		-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,mac=$MAC,romfile=
	qemu_pid=$LAST_PID
	i=0
	while [ $i -lt 240 ] && ! grep -q "filename /k/linux: sent" "$WORK/tftpd.log"; do
		sleep 1
		i=$((i + 1))
	done
	took=$i
	stop "$qemu_pid"
	cp "$WORK/tftpd.log" "$WORK/tftpd-$1.log"
	echo "# $1: ${took} s; in.tftpd sent:"
	sed -n 's/.*RRQ from \([^ ]*\) filename \(.*\): sent \([0-9]*\) bytes.*/#   \1 \2 (\3 bytes)/p' \
		"$WORK/tftpd-$1.log"
}

# fetched NAME FILE: in.tftpd sent FILE whole to an address of the subnet6.
fetched() {
	grep -q "RRQ from 2001:db8::1[0-9a-f][0-9a-f] filename $2: sent" "$WORK/tftpd-$1.log" ||
		{ echo "not sent over IPv6: $2"; cat "$WORK/tftpd-$1.log"; return 1; }
}

chain() {
	check "$1: OVMF's PXEv6 got an address and the boot file URL" \
		expect_line 'NBP filename is efi64/grubx64.efi' "$WORK/serial-$1"
	check "$1: OVMF fetched efi64/grubx64.efi over TFTP/IPv6" fetched "$1" efi64/grubx64.efi
	check "$1: GRUB read the generated /grub/grub.cfg over IPv6" fetched "$1" /grub/grub.cfg
	check "$1: and the host's own file by \$net_default_mac" fetched "$1" "/grub/grub.cfg-$MAC"
	check "$1: and booted the host's profile: its kernel, not the default's" sh -c \
		"grep -q 'filename /k/linux: sent' '$WORK/tftpd-$1.log' && ! grep -q 'k/other' '$WORK/tftpd-$1.log'"
}

for srv in ${SERVERS:-dhcpd kea dnsmasq}; do
	case $srv in
	dhcpd)
		gen -f isc6 -o "$WORK/pxekit6.conf" --checker "$DHCPD"
		printf 'include "%s";\n' "$WORK/pxekit6.conf" >"$WORK/dhcpd6.conf"
		: >"$WORK/dhcpd6.leases"
		spawn "$DHCPD" -6 -f -d -cf "$WORK/dhcpd6.conf" -lf "$WORK/dhcpd6.leases" \
			-pf "$WORK/dhcpd6.pid" tap0 >"$WORK/dhcpd6.log" 2>&1 ;;
	kea)
		gen -f kea6 -o "$WORK/pxekit-dhcp6.json" --checker "$KEA6"
		mkdir -p "$WORK/kea"
		cat >"$WORK/kea6.json" <<JSON
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "tap0" ],
    "service-sockets-max-retries": 120, "service-sockets-retry-wait-time": 1000 },
  "lease-database": { "type": "memfile", "persist": false },
  "server-id": { "type": "LL", "persist": false },
<?include "$WORK/pxekit-dhcp6.json"?>
} }
JSON
		KEA_LOCKFILE_DIR=$WORK/kea KEA_PIDFILE_DIR=$WORK/kea \
			spawn "$KEA6" -c "$WORK/kea6.json" >"$WORK/kea6.log" 2>&1 ;;
	dnsmasq)
		gen -f dnsmasq -o "$WORK/dnsmasq.conf" --checker "$(command -v dnsmasq)"
		spawn dnsmasq --no-daemon --port=0 --conf-file="$WORK/dnsmasq.conf" \
			--interface=tap0 --bind-interfaces --dhcp-leasefile="$WORK/dnsmasq.leases" \
			--pid-file="$WORK/dnsmasq.pid" --user=root --log-dhcp >"$WORK/dnsmasq.log" 2>&1 ;;
	*)
		echo "unknown server $srv"
		exit 99 ;;
	esac
	server_pid=$LAST_PID
	# Kea opens no socket on a tap without carrier: it retries once
	# QEMU has opened the tap, and OVMF solicits again.
	[ "$srv" = kea ] || wait_udp 547 || cat "$WORK/$srv"*.log
	boot "$srv"
	stop "$server_pid"
	chain "$srv"
done
finish
