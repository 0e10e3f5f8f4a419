#!/bin/sh
# The whole chain, as a boot network has it, inside namespaces this
# script makes: ISC dhcpd with pxe-dhcpgen's include, xinetd running
# in.tftpd from the shipped xinetd.d/tftp, rpcbind + pxe-mountd + pxe-nfsd
# exporting an image share. QEMU machines on a tap boot through it with
# real firmware and loaders:
#   bios       SeaBIOS + iPXE's PXE ROM -> Debian's pxelinux.0 -> per-MAC
#              menu -> Debian's kernel + a busybox initramfs that gets an
#              address by DHCP, mounts the share over NFS (vers=3,nolock,
#              ro) and checks every file
#   uefi       OVMF + iPXE's EFI ROM -> Debian's signed grubnetx64.efi ->
#              grub.cfg -> the same kernel, initramfs and checks
#   installer  SeaBIOS -> pxelinux.0 -> Debian's installer (kernel and
#              initrd of debian-installer-12-netboot-amd64) until its
#              kernel prints on the serial console
# Each machine's phases are timed as they happen (DHCP offer, boot file,
# kernel, initrd, NFS mount, result). LAB_MACHINES picks machines.
. "$(dirname "$0")/../integration/lib.sh"
need qemu-system-x86_64 xinetd rpcbind rpcinfo busybox gzip sha256sum
GEN=$top_builddir/dhcp-snippets/pxe-dhcpgen
PXE_ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom
EFI_ROM=/usr/lib/ipxe/qemu/efi-e1000.rom
OVMF=/usr/share/ovmf/OVMF.fd
GRUBNET=$PEERS/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
DI=$PEERS/debian-installer-12-netboot-amd64/usr/lib/debian-installer/images/12/amd64/text
KERNEL=$(guest_kernel)
for f in "$DHCPD" "$PXE_ROM" "$EFI_ROM" "$OVMF" "$GRUBNET" "$DI/debian-installer/amd64/linux" \
	 /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32; do
	[ -e "$f" ] || { echo "missing $f: run tools/install-deps --test"; exit 99; }
done
MACHINES=${LAB_MACHINES:-bios uefi installer}

# ---- a private /dev with a syslog socket ------------------------------------
# in.tftpd under xinetd logs to syslog; this host has no /dev/log, and
# making one in the shared /dev would touch the host. A tmpfs over /dev
# in this mount namespace gets the few devices the lab uses and a
# busybox syslogd of its own.
mkdir -p "$WORK/hostdev"
mount --bind /dev "$WORK/hostdev"
mount -o remount,bind,ro "$WORK/hostdev"	# nothing here may change the host's /dev
mount -t tmpfs -o mode=755 tmpfs /dev
for d in null zero random urandom tty; do
	: >"/dev/$d"
	mount --bind "$WORK/hostdev/$d" "/dev/$d"
done
mkdir -p /dev/net /dev/shm
: >/dev/net/tun
mount --bind "$WORK/hostdev/net/tun" /dev/net/tun
ln -s /proc/self/fd /dev/fd
spawn busybox syslogd -n -O "$WORK/syslog"
i=0
until [ -S /dev/log ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done

# ---- the boot network -------------------------------------------------------
ip tuntap add tap0 mode tap
ip addr add 192.0.2.1/24 dev tap0
ip link set tap0 up

ROOT=$WORK/tftpboot
EXP=$WORK/images
mkdir -p "$ROOT/bios" "$ROOT/k" "$ROOT/grub" "$EXP"
mount -t tmpfs -o size=300m tmpfs "$EXP"
# pxelinux.0 and, beside it, ldlinux.c32 and the menu modules a hand-made
# menu would load (pxe-dhcpgen's own menus need none of them).
cp /usr/lib/PXELINUX/pxelinux.0 "$ROOT/bios/"
for m in ldlinux libutil libcom32 menu vesamenu; do
	cp "/usr/lib/syslinux/modules/bios/$m.c32" "$ROOT/bios/"
done
cp "$GRUBNET" "$ROOT/grubnetx64.efi"
cp "$KERNEL" "$ROOT/k/vmlinuz"
mkdir -p "$ROOT/debian-installer"
cp -r "$DI/debian-installer/amd64" "$ROOT/debian-installer/"

# The image share: a release file, a 64 MB "squashfs", nested and empty
# files; the guest checks each against this list.
mkdir -p "$EXP/debian/dists/bookworm" "$EXP/live" "$EXP/a/b/c"
printf 'Origin: pxekit lab\n' >"$EXP/debian/dists/bookworm/Release"
head -c 64000000 /dev/urandom >"$EXP/live/filesystem.squashfs"
head -c 4097 /dev/urandom >"$EXP/a/b/c/deep"
: >"$EXP/empty"
chmod -R a+rX "$EXP"
(cd "$EXP" && find . -type f | sort | xargs sha256sum) >"$WORK/sums"
printf '%s 192.0.2.0/24(ro,no_subtree_check)\n' "$EXP" >"$WORK/exports"

# The guest's initramfs: DHCP for its address, then NFS, then the checks.
G=$WORK/guest
mkdir -p "$G/etc"
cp "$WORK/sums" "$G/sums"
cat >"$G/etc/udhcpc.script" <<'EOT'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
EOT
chmod 755 "$G/etc/udhcpc.script"
cat >"$G/init" <<EOT
#!/bin/sh
. /etc/guest-start
fw=\$(sed -n 's/.*pxekit.fw=\([a-z]*\).*/\1/p' /proc/cmdline)
udhcpc -q -n -t 10 -i eth0 -s /etc/udhcpc.script >/dev/null 2>&1 || echo "PXEKIT-LAB no DHCP lease"
addr=\$(ip -4 addr show eth0 | sed -n 's/.*inet \([0-9.]*\).*/\1/p')
tcp=failed
if mount -t nfs -o vers=3,nolock,ro,proto=tcp,addr=192.0.2.1 192.0.2.1:$EXP /mnt; then
	(cd /mnt && sha256sum -c /sums) >/tmp/check 2>&1 && tcp=ok
	n=\$(grep -c ': OK\$' /tmp/check)
	umount /mnt
fi
udp=served
mount -t nfs -o vers=3,nolock,ro,proto=udp,addr=192.0.2.1 192.0.2.1:$EXP /mnt 2>/dev/null && umount /mnt || udp=refused-by-kernel
echo "PXEKIT-LAB-RESULT firmware=\$fw address=\$addr nfs-tcp=\$tcp files=\$n/\$(wc -l </sums) nfs-udp=\$udp"
reboot -f
EOT
make_initramfs "$G" "$ROOT/k/initrd.gz" $NFS_CLIENT_MODULES
chmod -R a+rX "$ROOT"

# pxe-dhcpgen: one host per machine, each with its own profile.
cat >"$WORK/pxekit.conf" <<EOT
server 192.0.2.1
subnet 192.0.2.0/24 {
    range 192.0.2.150 192.0.2.199
}
boot bios       bios/pxelinux.0
boot uefi-x64   grubnetx64.efi
profile lab-bios {
    kernel k/vmlinuz
    initrd k/initrd.gz
    append "console=ttyS0 panic=-1 pxekit.fw=bios"
}
profile lab-uefi {
    kernel k/vmlinuz
    initrd k/initrd.gz
    append "console=ttyS0 panic=-1 pxekit.fw=uefi"
}
profile installer {
    kernel debian-installer/amd64/linux
    initrd debian-installer/amd64/initrd.gz
    append "console=ttyS0 priority=critical"
}
host lab-bios      mac 52:54:00:00:01:01 address 192.0.2.101 profile lab-bios
host lab-uefi      mac 52:54:00:00:01:02 address 192.0.2.102 profile lab-uefi
host lab-installer mac 52:54:00:00:01:03 address 192.0.2.103 profile installer
EOT
check "pxe-dhcpgen writes the dhcpd include and the loader menus" \
	"$GEN" -c "$WORK/pxekit.conf" -o "$WORK/dhcpd-pxekit.conf" -t "$ROOT" \
	--manifest "$WORK/manifest" --checker "$DHCPD" -q
chmod -R a+rX "$ROOT"

# xinetd with the shipped service file, pointed at this build and root.
sed -e "s|/usr/sbin/in.tftpd|$TFTPD|" -e "s|-s /var/tftpboot|-s $ROOT -v|" \
	"$top_srcdir/xinetd.d/tftp" >"$WORK/tftp.service"
printf 'defaults\n{\n\tlog_type = FILE %s\n}\n' "$WORK/xinetd.log" >"$WORK/xinetd.conf"
cat "$WORK/tftp.service" >>"$WORK/xinetd.conf"
spawn xinetd -dontfork -f "$WORK/xinetd.conf" -pidfile "$WORK/xinetd.pid"
start_dhcpd "$WORK/dhcpd-pxekit.conf" tap0 "$WORK/dhcpd.log"
start_rpcbind
start_nfs
wait_udp 69

# ---- machines ---------------------------------------------------------------
# first_seen FILE PATTERN: seconds (0.1) since the machine started when a
# line matching PATTERN (grep -E) first appeared, or "-".
elapsed() { echo $(( ($(date +%s%N) - START) / 100000000 )); }
# rrq PATTERN: the first file of this machine's TFTP log matching it.
rrq() {
	grep -Eo "RRQ from .* filename ($1)\$" "$WORK/syslog-$name" | head -n 1 | sed 's/.* //'
}
# seen TEXT: prints the phase as it happens (to the terminal) and gives
# its time.
seen() {
	t=$(elapsed)
	echo "#   [$(fmt "$t")] $name: $1" >&2
	echo "$t"
}
fmt() { [ "$1" = - ] && echo - || echo "$(($1 / 10)).$(($1 % 10)) s"; }

# run NAME MAC DONE-PATTERN SECONDS QEMU-ARGS...: one machine until its
# serial console shows DONE-PATTERN (or the time is up), its phases
# stamped as they show in the logs.
run() {
	name=$1 mac=$2 done_pat=$3 limit=$4
	shift 4
	console=$WORK/console-$name
	: >"$console"
	syslog_start=$(wc -l <"$WORK/syslog")
	dhcp_start=$(wc -l <"$WORK/dhcpd.log")
	mountd_start=$(wc -l <"$WORK/mountd.log")
	START=$(date +%s%N)
	spawn qemu-system-x86_64 -m 512 -display none -monitor none -no-reboot \
		-serial "file:$console" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no "$@"
	qpid=$LAST_PID
	t_dhcp=- t_boot=- t_kernel=- t_initrd=- t_nfs=- t_done=-
	i=0
	while [ $i -lt $((limit * 10)) ] && kill -0 "$qpid" 2>/dev/null; do
		tail -n +"$((syslog_start + 1))" "$WORK/syslog" >"$WORK/syslog-$name"
		tail -n +"$((dhcp_start + 1))" "$WORK/dhcpd.log" >"$WORK/dhcpd-$name"
		tail -n +"$((mountd_start + 1))" "$WORK/mountd.log" >"$WORK/mountd-$name"
		[ "$t_dhcp" = - ] && grep -q "DHCPOFFER on .* to $mac" "$WORK/dhcpd-$name" &&
			t_dhcp=$(seen "DHCP offer from dhcpd ($(sed -n "s/.*DHCPOFFER on \([0-9.]*\) to $mac.*/\1/p" \
				"$WORK/dhcpd-$name" | head -n 1))")
		[ "$t_boot" = - ] && grep -Eq "RRQ from .* filename ($BOOTFILE)\$" "$WORK/syslog-$name" &&
			t_boot=$(seen "boot file over TFTP: $(rrq "$BOOTFILE")")
		[ "$t_kernel" = - ] && grep -Eq "RRQ from .* filename ($KFILE)\$" "$WORK/syslog-$name" &&
			t_kernel=$(seen "kernel requested: $(rrq "$KFILE")")
		[ "$t_initrd" = - ] && grep -Eq "RRQ from .* filename ($IFILE)\$" "$WORK/syslog-$name" &&
			t_initrd=$(seen "initrd requested: $(rrq "$IFILE")")
		[ "$t_nfs" = - ] && grep -q "authenticated mount request from 192.0.2" "$WORK/mountd-$name" &&
			t_nfs=$(seen "NFS mount by the booted kernel")
		if grep -Eq "$done_pat" "$console"; then
			t_done=$(seen "done: $(grep -aEo "$done_pat.*" "$console" | head -n 1 | tr -d '\r')")
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	stop "$qpid"
	tail -n +"$((syslog_start + 1))" "$WORK/syslog" >"$WORK/syslog-$name"
	echo "# $name: DHCP offer $(fmt $t_dhcp), boot file $(fmt $t_boot), kernel $(fmt $t_kernel)," \
		"initrd $(fmt $t_initrd), NFS mount $(fmt $t_nfs), done $(fmt $t_done)"
	echo "# $name: in.tftpd sent:"
	sed -n 's/.*filename \([^ ]*\): sent \([0-9]*\) bytes in \([0-9.]*\) s (\(.*\))$/#   \1 \2 bytes in \3 s (\4)/p' \
		"$WORK/syslog-$name"
	grep -a 'PXEKIT-LAB' "$console" | sed 's/^.*PXEKIT-LAB/# PXEKIT-LAB/' || true
}

files=$(wc -l <"$WORK/sums")
KFILE='/?k/vmlinuz'
IFILE='/?k/initrd.gz'
for m in $MACHINES; do
	case $m in
	bios)
		BOOTFILE=bios/pxelinux.0
		run bios 52:54:00:00:01:01 PXEKIT-LAB-RESULT 240 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:01,romfile=$PXE_ROM
		check "BIOS: firmware got pxelinux.0 by DHCP and TFTP" test "$t_boot" != -
		check "BIOS: pxelinux loaded the kernel and initrd of its per-MAC menu" \
			test "$t_initrd" != -
		check "BIOS: the kernel mounted the share over NFS (TCP) and every file matched" \
			expect_line "PXEKIT-LAB-RESULT firmware=bios address=192.0.2.101 nfs-tcp=ok files=$files/$files" \
			"$WORK/console-bios" ;;
	uefi)
		BOOTFILE=grubnetx64.efi
		run uefi 52:54:00:00:01:02 PXEKIT-LAB-RESULT 420 -machine q35 -bios "$OVMF" \
			-device e1000,netdev=n0,mac=52:54:00:00:01:02,romfile=$EFI_ROM
		check "UEFI: OVMF got grubnetx64.efi by DHCP (arch 7) and TFTP" test "$t_boot" != -
		check "UEFI: GRUB read grub/grub.cfg and the per-MAC file" \
			expect_line "filename /?grub/grub.cfg-52:54:00:00:01:02" "$WORK/syslog-uefi"
		check "UEFI: the kernel mounted the share over NFS (TCP) and every file matched" \
			expect_line "PXEKIT-LAB-RESULT firmware=uefi address=192.0.2.102 nfs-tcp=ok files=$files/$files" \
			"$WORK/console-uefi" ;;
	installer)
		BOOTFILE=bios/pxelinux.0
		KFILE='debian-installer/amd64/linux'
		IFILE='debian-installer/amd64/initrd.gz'
		run installer 52:54:00:00:01:03 'Linux version [0-9]|Run /init as init' 300 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:03,romfile=$PXE_ROM
		check "installer: its kernel and 40 MB initrd came over TFTP" test "$t_initrd" != -
		check "installer: Debian's installer kernel prints on the serial console" \
			expect_line "Linux version [0-9]" "$WORK/console-installer"
		KFILE='/?k/vmlinuz'
		IFILE='/?k/initrd.gz' ;;
	esac
done

# LAB_KEEP=DIR (tools/demo): what the lab made, kept for a person to read.
if [ -n "${LAB_KEEP:-}" ]; then
	rm -rf "$LAB_KEEP"
	mkdir -p "$LAB_KEEP"
	cp -r "$ROOT" "$LAB_KEEP/tftpboot"
	rm -rf "$LAB_KEEP/tftpboot/debian-installer"
	cp "$WORK/pxekit.conf" "$WORK/dhcpd-pxekit.conf" "$WORK/exports" "$WORK/sums" \
		"$WORK/syslog" "$WORK/dhcpd.log" "$WORK/mountd.log" "$WORK/nfsd.log" "$WORK/tftp.service" \
		"$WORK"/console-* "$LAB_KEEP/" 2>/dev/null || true
	echo "# kept in $LAB_KEEP: the inventory (pxekit.conf), the dhcpd include it made"
	echo "#   (dhcpd-pxekit.conf), the TFTP root (tftpboot/), the exports and checksums,"
	echo "#   the logs (syslog: in.tftpd; dhcpd.log, mountd.log, nfsd.log) and each"
	echo "#   machine's serial console (console-*)"
fi

if [ "$FAILURES" -ne 0 ]; then
	for f in "$WORK"/console-*; do echo "--- $f"; tail -c 3000 "$f" | tr -d '\033' | tail -n 30; done
	echo "--- syslog"; tail -n 40 "$WORK/syslog"
	echo "--- dhcpd"; tail -n 20 "$WORK/dhcpd.log"
	echo "--- mountd"; tail -n 10 "$WORK/mountd.log"
fi
finish
