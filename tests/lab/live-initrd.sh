#!/bin/sh
# live-initrd.sh KERNEL-TREE OUT: Debian's real live-boot initramfs
# (initramfs-tools' mkinitramfs with the live-boot hooks and scripts,
# klibc's ipconfig and nfsmount) for the kernel unpacked in KERNEL-TREE
# (its boot/config-* and lib/modules/*), written to OUT.
#
# mkinitramfs reads /lib/modules/VERSION and /boot/config-VERSION only, and
# that kernel is not installed here. So this runs in a mount namespace of
# its own (the caller's unshare) where an overlay over /usr/lib gets a
# modules directory and a tmpfs over /boot the config: the host's trees
# are never written. The modules directory holds only what a QEMU guest
# booting live from NFS needs (e1000, the NFS client, loop, squashfs,
# overlay and their dependencies); with every module of the kernel the
# image is 30 MB and takes minutes to build under load, with these
# 7 MB.
set -eu
src=$1 out=$2
command -v mkinitramfs >/dev/null && [ -f /usr/share/initramfs-tools/scripts/live ] ||
	{ echo "missing initramfs-tools or live-boot (tools/install-deps --test)"; exit 99; }
version=$(basename "$(ls -d "$src"/lib/modules/* | head -n 1)")
[ -f "$src/boot/config-$version" ] || { echo "no $src/boot/config-$version"; exit 99; }
tmp=$(mktemp -d /tmp/pxekit-live-initrd.XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT
mount --make-rprivate /

from=$src/lib/modules/$version
to=$tmp/modules/lib/modules/$version
mkdir -p "$to"
cp "$from"/modules.order "$from"/modules.builtin "$from"/modules.builtin.modinfo "$to/"
# add MODULE...: each module and what it depends on (modinfo's list).
add() {
	for m; do
		f=$(find "$from" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { echo "no module $m in $from"; exit 99; }
		rel=${f#"$from"/}
		[ -e "$to/$rel" ] && continue
		mkdir -p "$to/${rel%/*}"
		cp "$f" "$to/$rel"
		add $(modinfo -F depends "$f" | tr , ' ')
	done
}
add e1000 nfs nfsv3 squashfs overlay loop isofs
depmod -b "$tmp/modules" "$version"

mkdir -p "$tmp/upper" "$tmp/work"
mount -t overlay overlay -o "lowerdir=/usr/lib,upperdir=$tmp/upper,workdir=$tmp/work" /usr/lib
mkdir -p "/usr/lib/modules/$version"
mount --bind "$to" "/usr/lib/modules/$version"
mount -t tmpfs tmpfs /boot
cp "$src/boot/config-$version" /boot/

# initramfs.conf as Debian ships it, with the module list instead of
# "most" and gzip (which every kernel unpacks).
conf=$tmp/conf
mkdir -p "$conf/conf.d" "$conf/hooks" "$conf/scripts"
printf 'MODULES=list\nBUSYBOX=y\nCOMPRESS=gzip\nNFSROOT=auto\nRUNSIZE=10%%\nFSTYPE=auto\n' \
	>"$conf/initramfs.conf"
printf '%s\n' e1000 nfs nfsv3 squashfs overlay loop >"$conf/modules"
mkinitramfs -d "$conf" -o "$out.tmp" "$version"
mv "$out.tmp" "$out"
