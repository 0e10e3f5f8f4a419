#!/bin/sh
# The lab's machines that boot images registered with pxe-image (issue
# 16's end-to-end boots), as a test of their own so that make check can
# run it beside lab.sh: mountnfs (nfs-utils' mount.nfs with default
# options, an ISO file loop-mounted from the share), live (Debian's
# live-boot initramfs, nfsroot= from pxe-nfsd) and liveiso (the same image
# registered from its ISO, whose contents pxe-nfsd's ISO backend serves).
# lab.sh's installer machine boots the registered Debian netboot tree to
# d-i's first screen.
LAB_MACHINES=${LAB_MACHINES:-mountnfs live liveiso} exec sh "$(dirname "$0")/lab.sh" "$@"
