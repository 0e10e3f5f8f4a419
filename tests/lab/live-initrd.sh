#!/bin/sh
# live-initrd.sh KERNEL-TREE PEERS OUT: Debian's real live-boot
# initramfs (initramfs-tools' mkinitramfs with live-boot's hooks and
# scripts, klibc's ipconfig and nfsmount) for the kernel unpacked in
# KERNEL-TREE (its boot/config-* and lib/modules/*), written to OUT.
# live-boot and live-boot-initramfs-tools are unpacked under PEERS
# (tools/install-deps): installed, they would go into this host's own
# initramfs.
#
# mkinitramfs reads /lib/modules/VERSION, /boot/config-VERSION and the
# hooks in /usr/share/initramfs-tools only. So this runs in a mount
# namespace of its own (the caller's unshare) where read-only overlays put
# the kernel's modules and live-boot's files over /usr/lib, /usr/bin and
# /usr/share/initramfs-tools, and a tmpfs over /boot holds the config: the
# host's trees are never written. The modules directory holds only what a
# QEMU guest booting live from NFS needs (e1000, the NFS client, loop,
# squashfs, overlay and their dependencies); with every module of the
# kernel the image is 30 MB and takes minutes to build under load, with
# these 7 MB.
set -eu
src=$1 live=$2/live-boot hooks=$2/live-boot-initramfs-tools out=$3
command -v mkinitramfs >/dev/null || { echo "missing initramfs-tools (tools/install-deps --test)"; exit 99; }
[ -f "$hooks/usr/share/initramfs-tools/scripts/live" ] && [ -d "$live/lib/live/boot" ] ||
	{ echo "missing live-boot unpacked in $2 (tools/install-deps --test)"; exit 99; }
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

layer=$tmp/layer/usr/lib/modules
mkdir -p "$layer"
mv "$tmp/modules/lib/modules/$version" "$layer/"
mount -t overlay overlay -o "lowerdir=$tmp/layer/usr/lib:$live/lib:/usr/lib" /usr/lib
mount -t overlay overlay -o "lowerdir=$live/bin:/usr/bin" /usr/bin
mount -t overlay overlay \
	-o "lowerdir=$hooks/usr/share/initramfs-tools:/usr/share/initramfs-tools" /usr/share/initramfs-tools
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
