#!/bin/sh
# The generated boot-loader files under the names real loaders look up:
# a QEMU BIOS machine (SeaBIOS + Debian's iPXE ROM) on a tap boots
# through ISC dhcpd with pxe-dhcpgen's include and pxekit's in.tftpd.
# Once with an iPXE rule: iPXE must fetch ipxe/boot.ipxe, then
# /ipxe/<mac:hexhyp>.ipxe, then the host profile's kernel and initrd.
# Once without: the ROM is answered as BIOS, Debian's pxelinux.0 must
# read bios/pxelinux.cfg/01-<mac> and load the kernel it names (through
# the :: prefix, from the TFTP root). The kernel is a dummy: what is
# checked is what each loader asked the TFTP server for, in in.tftpd's log.
# Once more with hostile menu text (iPXE has no quoting: a word ';' ends a
# command, '#' a line): an unknown machine must show the labels whole on
# the screen (read from VGA text memory) and never fetch evil.ipxe.
# And a UEFI machine (OVMF + iPXE's EFI ROM) gets Debian's signed
# grubnetx64.efi, which reads grub/grub.cfg: a default profile whose
# kernel URL holds '&' (and a label with ';', '&', '#') must be the one
# GRUB loads, not the next profile after a syntax error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need qemu-system-x86_64 ip ss
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom
EFI_ROM=/usr/lib/ipxe/qemu/efi-e1000.rom
OVMF=/usr/share/ovmf/OVMF.fd
GRUBNET=$PEERS/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
for f in "$DHCPD" "$ROM" "$EFI_ROM" "$OVMF" "$GRUBNET" /usr/lib/PXELINUX/pxelinux.0 \
	/usr/lib/syslinux/modules/bios/ldlinux.c32; do
	[ -e "$f" ] || { echo "missing $f: run tools/install-deps --test"; exit 99; }
done
MAC=52:54:00:12:34:01

ip tuntap add tap0 mode tap
ip addr add 192.0.2.1/24 dev tap0
ip link set tap0 up

ROOT=$WORK/tftp
mkdir -p "$ROOT/bios" "$ROOT/k"
cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$ROOT/bios/"
head -c 300000 /dev/urandom >"$ROOT/k/linux"
head -c 100000 /dev/urandom >"$ROOT/k/initrd"
chmod -R a+rX "$ROOT"
start_tftpd -v -s "$ROOT" -a 192.0.2.1:69

echo "#!ipxe" >"$ROOT/evil.ipxe"
echo "#!ipxe" >"$ROOT/evil2.ipxe"

write_inventory() { # WITH_IPXE
	{
		echo "server 192.0.2.1"
		echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
		echo "boot bios bios/pxelinux.0"
		[ "$1" = yes ] && echo "boot ipxe ipxe/boot.ipxe"
		echo "profile install kernel k/linux initrd k/initrd append \"console=ttyS0\""
		echo "host node01 mac $MAC address 192.0.2.101 profile install"
	} >"$WORK/inventory"
}

# boot NAME [MAC]: dhcpd with the generated include, one QEMU machine
# until in.tftpd logs a request for $UNTIL (k/initrd; 90 s at most),
# then both stopped. With SCREEN_AFTER=FILE set, the text screen is
# saved to $WORK/screen-NAME once in.tftpd has sent FILE (through QEMU's
# monitor). MACHINE (BIOS, pxe-e1000.rom) gives other firmware.
boot() {
	"$GEN" -c "$WORK/inventory" -o "$WORK/pxekit.conf" -t "$ROOT" --manifest "$WORK/manifest" \
		--checker "$DHCPD" -q
	start_dhcpd "$WORK/pxekit.conf" tap0 "$WORK/dhcpd-$1.log"
	: >"$WORK/tftpd.log"
	rm -f "$WORK/mon.in" "$WORK/mon.out"
	mkfifo "$WORK/mon.in" "$WORK/mon.out"
	exec 3<>"$WORK/mon.in"
	# shellcheck disable=SC2086
	spawn qemu-system-x86_64 ${MACHINE:--machine pc -boot n} -m 256 -display none -serial null \
		-monitor pipe:"$WORK/mon" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device e1000,netdev=n0,mac=${2:-$MAC},romfile=${FW_ROM:-$ROM}
	qemu_pid=$LAST_PID
	i=0
	shot=${SCREEN_AFTER:-}
	while [ $i -lt 180 ] && ! grep -Eq "filename /*${UNTIL:-k/initrd}" "$WORK/tftpd.log"; do
		if [ -n "$shot" ] && grep -q "filename $shot" "$WORK/tftpd.log"; then
			sleep 3	# the menu is drawn
			echo "pmemsave 0xb8000 4000 \"$WORK/screen-$1.raw\"" >&3
			shot=
		fi
		sleep 0.5
		i=$((i + 1))
	done
	exec 3>&-
	stop "$qemu_pid"
	stop "$DHCPD_PID"
	cp "$WORK/tftpd.log" "$WORK/tftpd-$1.log"
	echo "# $1: in.tftpd was asked for:"
	sed -n 's/.*RRQ from [^ ]* filename /#   /p' "$WORK/tftpd-$1.log"
}

# asked NAME FILE...: in.tftpd's log of boot NAME has these RRQs in order.
asked() {
	log=$WORK/tftpd-$1.log
	shift
	grep -o 'RRQ from [^ ]* filename [^ ]*' "$log" | awk '{print $5}' >"$WORK/asked"
	for f; do
		n=$(grep -n -x -F -- "$f" "$WORK/asked" | head -n 1 | cut -d: -f1)
		[ -n "$n" ] || { echo "never asked for $f"; cat "$WORK/asked"; return 1; }
		sed -i "1,${n}d" "$WORK/asked"
	done
}

write_inventory yes
boot ipxe
check "DHCP: dhcpd leased the host its fixed address" expect_line "DHCPACK on 192.0.2.101 to $MAC" "$WORK/dhcpd-ipxe.log"
check "iPXE: boot script, then its per-MAC script \${mac:hexhyp}, then kernel and initrd" \
	asked ipxe ipxe/boot.ipxe ipxe/52-54-00-12-34-01.ipxe k/linux k/initrd

# The hostile menu: an unknown machine (no host entry for its MAC) gets
# ipxe/default.ipxe; the default profile boots after the timeout.
{
	echo "server 192.0.2.1"
	echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
	echo "boot bios bios/pxelinux.0"
	echo "boot ipxe ipxe/boot.ipxe"
	echo "profile install label \"Debian 12 ; chain /evil.ipxe\" kernel k/linux initrd k/initrd append \"console=ttyS0 ; chain /evil2.ipxe\""
	echo "profile rescue label \"Rescue #2 || chain /evil.ipxe\" kernel k/linux"
	echo "default-profile install"
	echo "timeout 12"
} >"$WORK/inventory"
SCREEN_AFTER=ipxe/default.ipxe boot menu 52:54:00:12:34:77
# screen NAME: the characters of the saved 80x25 VGA text screen.
screen() {
	perl -0777 -ne 'my @c = unpack("(ax)*", $_); for my $r (0..24) { print join("", @c[$r*80 .. $r*80+79]), "\n" }' \
		"$WORK/screen-$1.raw"
}
screen menu >"$WORK/screen-menu.txt" 2>&1 || true
echo "# the iPXE menu on screen:"
grep -v '^ *$' "$WORK/screen-menu.txt" | sed 's/^/#   /'
check "iPXE menu: unknown machine read ipxe/default.ipxe" asked menu ipxe/boot.ipxe ipxe/default.ipxe
check "iPXE menu: a label with ' ; chain' is shown whole" expect_line 'Debian 12 ; chain /evil\.ipxe' "$WORK/screen-menu.txt"
check "iPXE menu: a label with '#' and '||' is shown whole" expect_line 'Rescue #2 \|\| chain /evil\.ipxe' "$WORK/screen-menu.txt"
check "iPXE menu: the default profile booted after the timeout (kernel, initrd)" asked menu k/linux k/initrd
check "iPXE menu: no label or command line made iPXE fetch evil.ipxe or evil2.ipxe" \
	sh -c "! grep -q 'filename evil' '$WORK/tftpd-menu.log'"

# GRUB: a kernel URL with '&' (a file of that name in the TFTP root).
cp "$GRUBNET" "$ROOT/grubnetx64.efi"
head -c 1000 /dev/urandom >"$ROOT/k/linux?mac=52-54-00-12-34-78&file=linux"
head -c 1000 /dev/urandom >"$ROOT/k/other"
{
	echo "server 192.0.2.1"
	echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
	echo "boot uefi-x64 grubnetx64.efi"
	echo "profile install label \"Debian 12 ; x & y #1\" kernel \"tftp://192.0.2.1/k/linux?mac=52-54-00-12-34-78&file=linux\" append \"a&b c;d\""
	echo "profile other kernel k/other"
	echo "default-profile install"
	echo "timeout 1"
} >"$WORK/inventory"
MACHINE="-machine q35 -bios $OVMF" FW_ROM=$EFI_ROM UNTIL='k/(linux|other)' boot grub 52:54:00:12:34:78
check "GRUB: OVMF got grubnetx64.efi, which read grub/grub.cfg" asked grub grubnetx64.efi /grub/grub.cfg
check "GRUB: the default entry loaded the kernel whose URL holds '&'" \
	asked grub "/k/linux?mac=52-54-00-12-34-78&file=linux"
check "GRUB: it did not fall through to the next profile" \
	sh -c "! grep -q 'filename /*k/other' '$WORK/tftpd-grub.log'"

# timeout 0 boots the default at once in every loader (PXELINUX's own
# TIMEOUT 0 and iPXE's --timeout 0 would wait for ever): unknown
# machines, menus only.
timeout0() { # WITH_IPXE
	{
		echo "server 192.0.2.1"
		echo "subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199"
		echo "boot bios bios/pxelinux.0"
		[ "$1" = yes ] && echo "boot ipxe ipxe/boot.ipxe"
		echo "profile install kernel k/linux initrd k/initrd"
		echo "profile other kernel k/other"
		echo "default-profile install"
		echo "timeout 0"
	} >"$WORK/inventory"
}
timeout0 yes
UNTIL=k/linux boot ipxe0 52:54:00:12:34:79
check "timeout 0, iPXE: the menu booted its default at once" asked ipxe0 ipxe/default.ipxe k/linux
timeout0 no
UNTIL=k/linux boot pxelinux0 52:54:00:12:34:7a
check "timeout 0, PXELINUX: pxelinux.cfg/default booted its default at once" \
	asked pxelinux0 bios/pxelinux.cfg/default k/linux

write_inventory no
boot pxelinux
check "PXELINUX: firmware got bios/pxelinux.0 and it loaded ldlinux.c32 beside it" \
	asked pxelinux bios/pxelinux.0 bios/ldlinux.c32
check "PXELINUX: read bios/pxelinux.cfg/01-<mac>, then the kernel and initrd it names" \
	asked pxelinux bios/pxelinux.cfg/01-52-54-00-12-34-01 k/linux k/initrd
check "PXELINUX: did not fall back to pxelinux.cfg/default" \
	sh -c "! grep -q 'filename bios/pxelinux.cfg/default' '$WORK/tftpd-pxelinux.log'"
finish
