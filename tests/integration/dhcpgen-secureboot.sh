#!/bin/sh
# A secure-boot pair as the inventory names it, under real Secure Boot:
# OVMF built with Secure Boot and SMM, its variables with Microsoft's keys
# enrolled (Debian's ovmf: OVMF_CODE_4M.secboot.fd, OVMF_VARS_4M.ms.fd),
# boots from ISC dhcpd with pxe-dhcpgen's include for
# "secure-boot uefi-x64 debian debian-installer/amd64": the firmware loads
# Debian's shim (bootnetx64.efi, signed by Microsoft), shim loads the
# signed grubx64.efi beside it, and that GRUB reads the menu pxe-dhcpgen
# wrote where its compiled-in prefix points
# (/debian-installer/amd64/grub/grub.cfg), then the host's own file and
# the host profile's kernel. The kernel is random bytes: shim refusing
# it ("bad shim signature") shows Secure Boot was enforced throughout.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need qemu-system-x86_64 ip ss
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
VARS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
DI=$PEERS/debian-installer-12-netboot-amd64/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
for f in "$DHCPD" "$CODE" "$VARS" "$DI/bootnetx64.efi" "$DI/grubx64.efi"; do
	[ -e "$f" ] || { echo "missing $f: run tools/install-deps --test"; exit 99; }
done
MAC=52:54:00:12:34:77

ip tuntap add tap0 mode tap
ip addr add 192.0.2.1/24 dev tap0
ip link set tap0 up

ROOT=$WORK/tftp
mkdir -p "$ROOT/debian-installer/amd64" "$ROOT/k"
cp "$DI/bootnetx64.efi" "$DI/grubx64.efi" "$ROOT/debian-installer/amd64/"
head -c 100000 /dev/urandom >"$ROOT/k/linux"
chmod -R a+rX "$ROOT"
start_tftpd -v -s "$ROOT" -a 192.0.2.1:69

cat >"$WORK/inventory" <<INV
server 192.0.2.1
subnet 192.0.2.0/24 range 192.0.2.150 192.0.2.199
secure-boot uefi-x64 debian debian-installer/amd64
profile other kernel k/other
profile install kernel k/linux
default-profile other
timeout 30
host node77 mac $MAC profile install
INV
"$GEN" -c "$WORK/inventory" -o "$WORK/pxekit.conf" -t "$ROOT" --manifest "$WORK/manifest" \
	--checker "$DHCPD" -q
check "the menus are written where Debian's signed GRUB looks" \
	test -s "$ROOT/debian-installer/amd64/grub/grub.cfg"
start_dhcpd "$WORK/pxekit.conf" tap0 "$WORK/dhcpd.log"

cp "$VARS" "$WORK/vars.fd"
spawn qemu-system-x86_64 -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
	-m 256 -display none -serial file:"$WORK/serial" \
	-drive if=pflash,format=raw,unit=0,readonly=on,file="$CODE" \
	-drive if=pflash,format=raw,unit=1,file="$WORK/vars.fd" \
	-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	-device virtio-net-pci,netdev=n0,mac=$MAC,romfile=
qemu_pid=$LAST_PID
i=0
while [ $i -lt 300 ] && ! grep -aq "bad shim signature" "$WORK/serial"; do
	sleep 1
	i=$((i + 1))
done
took=$i
stop "$qemu_pid"
stop "$DHCPD_PID"
echo "# ${took} s; in.tftpd sent:"
sed -n 's/.*RRQ from \([^ ]*\) filename \(.*\): sent \([0-9]*\) bytes.*/#   \1 \2 (\3 bytes)/p' "$WORK/tftpd.log"

sent() { grep -q "filename $1: sent" "$WORK/tftpd.log" || { echo "not sent: $1"; return 1; }; }
check "firmware got the shim (bootnetx64.efi) by DHCP (arch 7) and TFTP" \
	sent debian-installer/amd64/bootnetx64.efi
check "shim loaded the signed grubx64.efi beside it" sent debian-installer/amd64/grubx64.efi
check "GRUB read pxe-dhcpgen's menu under its prefix /debian-installer/amd64/grub" \
	sent /debian-installer/amd64/grub/grub.cfg
check "and the host's own file there, by \$net_default_mac" \
	sent "/debian-installer/amd64/grub/grub.cfg-$MAC"
check "and fetched the host profile's kernel, not the default's" sh -c \
	"grep -q 'filename /k/linux: sent' '$WORK/tftpd.log' && ! grep -q k/other '$WORK/tftpd.log'"
check "Secure Boot was on: shim refused the unsigned kernel" \
	expect_line 'bad shim signature' "$WORK/serial"
finish
