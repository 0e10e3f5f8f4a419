#!/bin/sh
# The Linux kernel's own NFS client against pxe-mountd + pxe-nfsd: a QEMU
# guest (Debian's kernel, a busybox initramfs with the nfs modules) on a
# tap device mounts the share with vers=3,nolock,ro over TCP (MOUNT over
# UDP and over TCP), checks every file's SHA-256, lists a big directory
# and prints a result line on its serial console.
#
# NFS over UDP is not tried by the guest: Debian's kernel is built with
# CONFIG_NFS_DISABLE_UDP_SUPPORT=y (../shared/research/nfs-clients.md);
# the guest shows that refusal, and pxe-nfsd's UDP side is covered by
# rpcinfo -u in nfs.sh.
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 rpcbind rpcinfo busybox gzip sha256sum

KERNEL=$(guest_kernel)

EXP=$WORK/images
mkdir -p "$EXP/debian/dists/bookworm" "$EXP/live/casper" "$EXP/many"
mount -t tmpfs -o size=512m tmpfs "$EXP"
mkdir -p "$EXP/debian/dists/bookworm" "$EXP/live/casper" "$EXP/many"
printf 'Origin: pxekit test\n' >"$EXP/debian/dists/bookworm/Release"
head -c 40000000 /dev/urandom >"$EXP/live/casper/filesystem.squashfs"
head -c 1 /dev/urandom >"$EXP/one-byte"
: >"$EXP/empty"
ln -s casper/filesystem.squashfs "$EXP/live/link.squashfs"
for i in $(seq 1 2000); do echo "$i" >"$EXP/many/f$i"; done
chmod -R a+rX "$EXP"
(cd "$EXP" && sha256sum debian/dists/bookworm/Release live/casper/filesystem.squashfs \
	one-byte empty live/link.squashfs) >"$WORK/sums"

printf '%s 192.0.2.0/24(ro,no_subtree_check)\n' "$EXP" >"$WORK/exports"

ip tuntap add tap0 mode tap
ip addr add 192.0.2.1/24 dev tap0
ip link set tap0 up

start_rpcbind
# systemd's default soft limit for services: 2000 files must still read.
NFSD_WRAP="prlimit --nofile=1024"
start_nfs

# The guest's /init: network up, modules in, mount, check, report, off.
G=$WORK/guest
mkdir -p "$G"
cp "$WORK/sums" "$G/sums"
cat >"$G/init" <<EOT
#!/bin/sh
. /etc/guest-start
ip addr add 192.0.2.2/24 dev eth0
sleep 1
try() {	# try NAME OPTIONS
	if mount -t nfs -o "\$2" 192.0.2.1:$EXP /mnt; then
		ok=0
		(cd /mnt && sha256sum -c /sums) >/tmp/check 2>&1 && ok=1
		n=\$(ls /mnt/many | wc -l)
		r=\$(cat /mnt/many/f* | wc -l)
		echo "PXEKIT-NFS \$1 mounted check=\$ok many=\$n read=\$r \$(grep -c ': OK' /tmp/check)/\$(wc -l </sums)"
		cat /tmp/check
		umount /mnt
	else
		echo "PXEKIT-NFS \$1 refused"
	fi
}
try tcp-mountudp vers=3,nolock,ro,proto=tcp,mountproto=udp,addr=192.0.2.1
try tcp-mounttcp vers=3,nolock,ro,proto=tcp,mountproto=tcp,addr=192.0.2.1
try udp vers=3,nolock,ro,proto=udp,addr=192.0.2.1
echo PXEKIT-NFS-DONE
reboot -f
EOT
make_initramfs "$G" "$WORK/initrd.gz" $NFS_CLIENT_MODULES

start=$(date +%s)
timeout 300 qemu-system-x86_64 -m 512 -nographic -no-reboot -nodefaults \
	-kernel "$KERNEL" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4" \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device e1000,netdev=n0 \
	-serial "file:$WORK/console" >"$WORK/qemu.log" 2>&1 || true
echo "# guest ran $(( $(date +%s) - start )) s"
grep PXEKIT-NFS "$WORK/console" || true

files=$(wc -l <"$WORK/sums")
for t in tcp-mountudp tcp-mounttcp; do
	check "kernel client mounts over TCP ($t) and every checksum matches" \
		expect_line "PXEKIT-NFS $t mounted check=1 many=2000 read=2000 $files/$files" "$WORK/console"
done
check "the kernel refuses NFS over UDP itself (Debian's config)" \
	expect_line "PXEKIT-NFS udp refused" "$WORK/console"
check "the guest finished" expect_line "^PXEKIT-NFS-DONE" "$WORK/console"
check "pxe-nfsd ran with a soft limit of 1024 descriptors" \
	sh -c "grep -q 'Max open files *1024 *1024' /proc/$NFSD_PID/limits"
check "pxe-nfsd never ran out of descriptors" sh -c "! grep -q 'out of file descriptors\|Too many open files' $WORK/nfsd.log"
check "mountd saw the kernel's MNT from a reserved port" \
	expect_line "authenticated mount request from 192.0.2.2 for $EXP" "$WORK/mountd.log"
if [ "$FAILURES" -ne 0 ]; then
	echo "--- console"; tail -n 60 "$WORK/console"
	echo "--- qemu"; tail -n 10 "$WORK/qemu.log"
	echo "--- mountd"; tail -n 20 "$WORK/mountd.log"
	echo "--- nfsd"; tail -n 20 "$WORK/nfsd.log"
fi
finish
