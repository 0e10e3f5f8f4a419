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
#   installer  SeaBIOS -> pxelinux.0 -> Debian's installer: the netboot
#              tree of debian-installer-12-netboot-amd64 registered with
#              pxe-image add, booted from the profile pxe-image wrote, until
#              d-i shows its first screen on the serial console
#   mountnfs   SeaBIOS -> pxelinux.0 -> a fake Rocky ISO registered with
#              pxe-image add (the anaconda path): its "installer" is
#              Debian's kernel and an initramfs with nfs-utils' mount.nfs,
#              which mounts the ISO's directory with default options (NFSv4
#              first, then v3, MOUNT over UDP), loop-mounts the ISO file and
#              checksums a file inside it
#   live       SeaBIOS -> pxelinux.0 -> a tiny Debian live image registered
#              with pxe-image add: Debian's kernel and a real live-boot
#              initramfs (initramfs-tools + live-boot, built here) mount
#              nfsroot= from pxe-nfsd, then live/filesystem.squashfs, and
#              run its /sbin/init, which prints a marker
#   liveiso    the same live image as an ISO, registered as it is: pxe-nfsd
#              serves the ISO's contents, live-boot finds the squashfs in it
# Each machine's phases are timed as they happen (DHCP offer, boot file,
# kernel, initrd, NFS mount, result). LAB_MACHINES picks machines
# (default: bios uefi installer; tests/lab/images.sh runs mountnfs live).
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

# ---- images registered with pxe-image ---------------------------------------
# As an administrator registers them: kernel and initrd copied under the
# TFTP root, the share a drop-in in exports.d/ (pxe-mountd and pxe-nfsd
# read EXPORTS.d/*.exports), the profile a file in images.d/, which the
# inventory includes. Only what the chosen machines boot is built.
PXEIMAGE="$top_builddir/image/pxe-image -q --rules $top_srcdir/etc/image-rules --rules-dir $WORK/no-rules"
PXEIMAGE="$PXEIMAGE --tftp-root $ROOT --state-dir $WORK/image-state --exports-dir $WORK/exports.d"
PXEIMAGE="$PXEIMAGE --profiles-dir $WORK/images.d --server 192.0.2.1"
mkdir -p "$WORK/no-rules" "$WORK/images.d" "$WORK/exports.d" "$WORK/isos"
IMAGE_HOSTS=""
chosen() { case " $MACHINES " in *" $1 "*) return 0 ;; esac; return 1; }
# register NAME SOURCE HOST-LINE: pxe-image add, and the machine's host
# line, which boots the image's profile with a serial console.
register() {
	check "pxe-image add registers $2 as $1" $PXEIMAGE add --name "$1" "$2"
	IMAGE_HOSTS="$IMAGE_HOSTS
$3 profile $1 append \"console=ttyS0 panic=-1\""
}

if chosen installer; then
	register bookworm "$DI" "host lab-installer mac 52:54:00:00:01:03 address 192.0.2.103"
fi

if chosen mountnfs; then
	# The anaconda path (inst.repo=nfs:…:/path/x.iso; linuxrc's
	# install=nfs://… is the same): the installer mounts the ISO's
	# directory over NFS and loop-mounts the ISO file. A fake Rocky ISO
	# with the real layout whose installer is Debian's kernel and an
	# initramfs with nfs-utils' mount.nfs, rpcbind and rpc.statd (dracut
	# starts both before mount.nfs: without nolock, v3 needs statd).
	A=$WORK/anaconda
	mkdir -p "$A/tree/images/pxeboot"
	printf '[general]\nfamily = Rocky Linux\nversion = 10.0\narch = x86_64\n[images-x86_64]\nkernel = images/pxeboot/vmlinuz\ninitrd = images/pxeboot/initrd.img\n' \
		>"$A/tree/.treeinfo"
	head -c 1500000 /dev/urandom >"$A/tree/images/install.img"
	cp "$KERNEL" "$A/tree/images/pxeboot/vmlinuz"
	G2=$A/guest
	mkdir -p "$G2/etc" "$G2/var/lib/nfs/sm" "$G2/var/lib/nfs/sm.bak" "$G2/run" "$G2/iso"
	guest_binaries "$G2" /usr/sbin/mount.nfs /usr/sbin/rpcbind /usr/sbin/rpc.statd
	cp /etc/netconfig /etc/protocols /etc/services "$G2/etc/"
	printf 'root:x:0:0::/:/bin/sh\n_rpc:x:100:65534::/run/rpcbind:/bin/sh\nstatd:x:101:65534::/var/lib/nfs:/bin/sh\n' \
		>"$G2/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$G2/etc/group"
	ln -s /proc/self/mounts "$G2/etc/mtab"
	cp "$G/etc/udhcpc.script" "$G2/etc/"
	cat >"$G2/init" <<'EOT'
#!/bin/sh
. /etc/guest-start
udhcpc -q -n -t 10 -i eth0 -s /etc/udhcpc.script >/dev/null 2>&1 || echo "PXEKIT-LAB no DHCP lease"
# anaconda's inst.repo=nfs:[OPTIONS:]SERVER:PATH, PATH the ISO file. The
# OPTIONS (anaconda's own nfsvers=3) are left out on purpose: this is
# what "mount -t nfs SERVER:DIR /mnt" runs, default options.
repo=$(sed -n 's/.*inst\.repo=nfs:\([^ ]*\).*/\1/p' /proc/cmdline)
iso=${repo##*:}
rest=${repo%:*}
server=${rest##*:}
mkdir -p /run/rpcbind
/usr/sbin/rpcbind || echo "PXEKIT-LAB rpcbind failed"
/usr/sbin/rpc.statd -L || echo "PXEKIT-LAB rpc.statd failed"
/usr/sbin/mount.nfs "$server:${iso%/*}" /mnt -v >/tmp/mount.log 2>&1
rc=$?
sed 's/^/PXEKIT-MOUNT /' /tmp/mount.log
grep ' /mnt nfs' /proc/mounts | sed 's/^/PXEKIT-MOUNT mounted: /'
vers=$(sed -n 's/.* \/mnt nfs[^ ]* .*[ ,]vers=\([0-9.]*\).*/\1/p' /proc/mounts)
mountproto=$(sed -n 's/.* \/mnt nfs[^ ]* .*mountproto=\([a-z0-9]*\).*/\1/p' /proc/mounts)
sum=none
if mount -t iso9660 -o loop,ro "/mnt/${iso##*/}" /iso; then
	sum=$(sha256sum /iso/images/install.img | cut -d' ' -f1)
	umount /iso
fi
umount /mnt
echo "PXEKIT-LAB-RESULT mount.nfs=$rc vers=$vers mountproto=$mountproto iso=${iso##*/} install.img=$sum"
reboot -f
EOT
	make_initramfs "$G2" "$A/tree/images/pxeboot/initrd.img" $NFS_CLIENT_MODULES \
		dns_resolver nfsv4 loop cdrom isofs
	chmod -R a+rX "$A/tree"
	xorriso -as mkisofs -quiet -R -J -V Rocky-10-0-x86_64-dvd -o "$WORK/isos/rocky.iso" "$A/tree" 2>/dev/null
	chmod a+r "$WORK/isos/rocky.iso"
	register rocky "$WORK/isos/rocky.iso" "host lab-mountnfs mac 52:54:00:00:01:04 address 192.0.2.104"
fi

if chosen live || chosen liveiso; then
	# A tiny Debian live image: live/vmlinuz (Debian's kernel),
	# live/initrd.img (Debian's live-boot initramfs for it, built once and
	# kept in the build tree), live/filesystem.squashfs (busybox and an
	# /sbin/init that reports what it runs on).
	L=$WORK/live
	mkdir -p "$L/root/bin" "$L/root/sbin" "$L/root/etc" "$L/root/proc" "$L/root/sys" \
		"$L/root/dev" "$L/root/run" "$L/root/tmp" "$L/root/etc/network" "$L/tree/live" "$L/tree/.disk"
	cp "$GUEST_BUSYBOX" "$L/root/bin/busybox"
	for a in sh cat cut grep sed reboot; do ln -s busybox "$L/root/bin/$a"; done
	cat >"$L/root/sbin/init" <<'EOT'
#!/bin/sh
medium=$(grep ' /run/live/medium ' /proc/mounts | cut -d' ' -f1-3)
root=$(grep ' / ' /proc/mounts | tail -n 1 | cut -d' ' -f1-3)
echo "PXEKIT-LAB-RESULT live init pid=$$ medium=$medium root=$root"
reboot -f
EOT
	chmod 755 "$L/root/sbin/init"
	mksquashfs "$L/root" "$L/tree/live/filesystem.squashfs" -quiet -noappend -all-root >/dev/null
	cp "$KERNEL" "$L/tree/live/vmlinuz"
	cache=${PXEKIT_LAB_CACHE:-$top_builddir/tests/lab/cache}
	# Rebuilt when the kernel, initramfs-tools, klibc, busybox, live-boot
	# or the build script change.
	key=$( (basename "$KERNEL"
		dpkg-query -W -f '${Package} ${Version}\n' initramfs-tools-core klibc-utils busybox
		find "$PEERS/live-boot" "$PEERS/live-boot-initramfs-tools" "$top_srcdir/tests/lab/live-initrd.sh" \
			-type f -exec sha256sum {} + | sort) 2>&1 | sha256sum | cut -c1-16)
	if [ ! -f "$cache/live-initrd-$key" ]; then
		mkdir -p "$cache"
		t0=$(date +%s)
		echo "# building Debian's live-boot initramfs for the guest kernel (once, about a minute)"
		unshare --mount sh "$top_srcdir/tests/lab/live-initrd.sh" "$GUEST_KERNEL_DIR" "$PEERS" \
			"$cache/live-initrd-$key" >"$WORK/live-initrd.log" 2>&1 ||
			{ tail -n 20 "$WORK/live-initrd.log"; exit 99; }
		echo "# built the live-boot initramfs in $(( $(date +%s) - t0 )) s (kept in $cache)"
	fi
	cp "$cache/live-initrd-$key" "$L/tree/live/initrd.img"
	printf 'Debian GNU/Linux 12 "Bookworm" - Official Live amd64 (pxekit lab)\n' >"$L/tree/.disk/info"
	chmod -R a+rX "$L/tree"
	chosen live && register live "$L/tree" "host lab-live mac 52:54:00:00:01:05 address 192.0.2.105"
	# The same image as its ISO, registered as it is: pxe-nfsd serves the
	# ISO's contents and live-boot mounts nfsroot=…/live.iso as a directory.
	if chosen liveiso; then
		xorriso -as mkisofs -quiet -R -J -V d-live-12-amd64 -o "$WORK/isos/live.iso" "$L/tree" 2>/dev/null
		chmod a+r "$WORK/isos/live.iso"
		register live-iso "$WORK/isos/live.iso" "host lab-liveiso mac 52:54:00:00:01:06 address 192.0.2.106"
	fi
fi

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
include "images.d/*.conf"
host lab-bios      mac 52:54:00:00:01:01 address 192.0.2.101 profile lab-bios
host lab-uefi      mac 52:54:00:00:01:02 address 192.0.2.102 profile lab-uefi
$IMAGE_HOSTS
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
	spawn qemu-system-x86_64 -m "${MEM:-512}" -display none -monitor none -no-reboot \
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
	grep -aE 'PXEKIT-(LAB|MOUNT)' "$console" | sed -E 's/^.*(PXEKIT-(LAB|MOUNT))/# \1/' || true
}

files=$(wc -l <"$WORK/sums")
for m in $MACHINES; do
	case $m in
	bios)
		BOOTFILE=bios/pxelinux.0
		KFILE='/?k/vmlinuz'
		IFILE='/?k/initrd.gz'
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
		KFILE='/?k/vmlinuz'
		IFILE='/?k/initrd.gz'
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
		KFILE='/?images/bookworm/linux'
		IFILE='/?images/bookworm/initrd.gz'
		# d-i on a serial console draws its dialogs with newt, whose help
		# line ends every screen. Under 1 GiB it starts with a "Low
		# memory mode" notice instead of the language choice.
		MEM=1024 run installer 52:54:00:00:01:03 '<Tab> moves; <Space> selects' 500 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:03,romfile=$PXE_ROM
		check "installer: the registered tree's kernel and 40 MB initrd came over TFTP" test "$t_initrd" != -
		check "installer: d-i shows its first screen, the language choice" \
			expect_line "\\[!!\\] Select a language" "$WORK/console-installer" ;;
	mountnfs)
		BOOTFILE=bios/pxelinux.0
		KFILE='/?images/rocky/vmlinuz'
		IFILE='/?images/rocky/initrd.img'
		MEM=256 run mountnfs 52:54:00:00:01:04 PXEKIT-LAB-RESULT 300 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:04,romfile=$PXE_ROM
		c=$WORK/console-mountnfs
		check "mountnfs: pxelinux booted the profile pxe-image wrote for the ISO" test "$t_initrd" != -
		check "mountnfs: mount.nfs with default options tried NFSv4 first" \
			expect_line "PXEKIT-MOUNT mount.nfs: trying text-based options '(vers=4|.*,vers=4)" "$c"
		check "mountnfs: pxe-nfsd refused v4 so that the client falls back (Protocol not supported)" \
			expect_line "PXEKIT-MOUNT mount.nfs: mount\\(2\\): Protocol not supported" "$c"
		check "mountnfs: it fell back to NFSv3, MOUNT over UDP, and mounted" \
			expect_line "PXEKIT-LAB-RESULT mount.nfs=0 vers=3 mountproto=udp " "$c"
		check "mountnfs: pxe-mountd saw the MNT from the guest" \
			expect_line "authenticated mount request from 192.0.2.104 for $WORK/isos" "$WORK/mountd-mountnfs"
		sum=$(sha256sum "$A/tree/images/install.img" | cut -d' ' -f1)
		check "mountnfs: the ISO file loop-mounted from the share; a file inside it has the host's checksum" \
			expect_line "PXEKIT-LAB-RESULT .* iso=rocky.iso install.img=$sum" "$c" ;;
	live)
		BOOTFILE=bios/pxelinux.0
		KFILE='/?images/live/vmlinuz'
		IFILE='/?images/live/initrd.img'
		MEM=256 run live 52:54:00:00:01:05 'PXEKIT-LAB-RESULT live' 400 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:05,romfile=$PXE_ROM
		c=$WORK/console-live
		check "live: pxelinux booted the profile pxe-image wrote (boot=live netboot=nfs nfsroot=…)" \
			expect_line "^ *APPEND boot=live netboot=nfs nfsroot=192.0.2.1:$L/tree ip=dhcp console=ttyS0" \
			"$ROOT/bios/pxelinux.cfg/01-52-54-00-00-01-05"
		check "live: live-boot mounted nfsroot= from pxe-nfsd" \
			expect_line "authenticated mount request from 192.0.2.105 for $L/tree" "$WORK/mountd-live"
		check "live: the squashfs's /sbin/init ran as PID 1 on live-boot's overlay, the medium on NFS" \
			expect_line "PXEKIT-LAB-RESULT live init pid=1 medium=192.0.2.1:$L/tree /run/live/medium nfs root=overlay / overlay" "$c" ;;
	liveiso)
		BOOTFILE=bios/pxelinux.0
		KFILE='/?images/live-iso/vmlinuz'
		IFILE='/?images/live-iso/initrd.img'
		iso=$WORK/isos/live.iso
		MEM=256 run liveiso 52:54:00:00:01:06 'PXEKIT-LAB-RESULT live' 400 -machine pc -boot n \
			-device e1000,netdev=n0,mac=52:54:00:00:01:06,romfile=$PXE_ROM
		c=$WORK/console-liveiso
		check "liveiso: the profile pxe-image wrote for the ISO mounts the ISO itself" \
			expect_line "^ *APPEND boot=live netboot=nfs nfsroot=192.0.2.1:$iso ip=dhcp console=ttyS0" \
			"$ROOT/bios/pxelinux.cfg/01-52-54-00-00-01-06"
		check "liveiso: live-boot mounted the ISO from pxe-nfsd" \
			expect_line "authenticated mount request from 192.0.2.106 for $iso" "$WORK/mountd-liveiso"
		check "liveiso: the squashfs inside the ISO ran its /sbin/init as PID 1, the medium the ISO over NFS" \
			expect_line "PXEKIT-LAB-RESULT live init pid=1 medium=192.0.2.1:$iso /run/live/medium nfs root=overlay / overlay" "$c" ;;
	esac
done

# LAB_KEEP=DIR (tools/demo): what the lab made, kept for a person to read.
if [ -n "${LAB_KEEP:-}" ]; then
	rm -rf "$LAB_KEEP"
	mkdir -p "$LAB_KEEP"
	cp -r "$ROOT" "$LAB_KEEP/tftpboot"
	rm -rf "$LAB_KEEP/tftpboot/images/bookworm"	# 48 MB of Debian's own files
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
