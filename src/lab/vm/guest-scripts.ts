/**
 * The shell scripts the guest runs, as pure functions of their inputs. They are fixed text
 * plus module paths that `parseShowDepends` has already checked against a strict pattern;
 * nothing a caller passes as a command ever goes into them (the command travels as a
 * NUL-separated file, see guest-command.ts).
 */
import {
  CONSOLE_MARKER,
  CONTROL_DIRECTORY,
  CONTROL_FILES,
  GUEST_RESULTS_DIRECTORY,
  HOST_ROOT_TAG,
  RESULTS_TAG,
} from './guest-layout.js';
import { MAX_COMMAND_BYTES } from './guest-command.js';
import type { ModuleLoad } from './modules.js';

/** Path of the module request helper inside the initramfs. */
export const MODPROBE_HELPER = '/sbin/kube-router-vm-modprobe';

/**
 * 9p options of the read-only host root. `cache=loose` lets the guest keep what it read
 * (safe for a share nobody writes to during a short run) and a large `msize` moves big
 * files in few round trips: together they halve the time node takes to start in the guest.
 */
const HOST_ROOT_OPTIONS = 'trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000';

/** 9p options of the results share: no cache, so each write reaches the host at once and can be streamed. */
const RESULTS_OPTIONS = 'trans=virtio,version=9p2000.L,cache=none,msize=512000';

/** What the init script is made from. */
export interface GuestInitInput {
  /** Modules to insmod, in order (dependencies first). */
  readonly loads: readonly ModuleLoad[];
}

/**
 * The guest's `/init` (pid 1, busybox sh). It loads the modules, mounts the host's root
 * read-only under a RAM overlay (so the command may write anywhere; all of it is gone at
 * power-off), mounts proc, sys, dev, a tmpfs on /run and the results share, runs the
 * command in a chroot there, and powers off. It never exits: pid 1 exiting is a kernel panic.
 */
export function guestInitScript(input: GuestInitInput): string {
  const control = `${GUEST_RESULTS_DIRECTORY}/${CONTROL_DIRECTORY}`;
  const loads = input.loads.map((load) => `load ${[load.path, ...load.options].join(' ')}`);
  return [
    '#!/bin/sh',
    '# kube-router kernel VM init (pid 1), written by src/lab/vm/guest-scripts.ts.',
    '/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin',
    '/bin/busybox --install -s',
    'export PATH=/bin:/sbin:/usr/bin:/usr/sbin',
    `say() { echo "${CONSOLE_MARKER} $*"; }`,
    '# Stop the machine instead of returning: the host reads the reason from the console.',
    'fail() { say "failed: $*"; sync; poweroff -f; sleep 60; }',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    '# Dependencies first, as modprobe --show-depends ordered them on the host; busybox',
    '# insmod knows nothing of dependencies or softdeps. A failed load is reported, not fatal:',
    '# a check that needs the module then fails with the real error.',
    'load() { insmod "$@" || say "insmod $1 failed"; }',
    ...loads,
    '# Later requests from the kernel (a netfilter match, a scheduler) go to the host\'s own',
    '# modprobe inside the host\'s root, which has every module of this kernel.',
    `echo ${MODPROBE_HELPER} > /proc/sys/kernel/modprobe`,
    'hostname kube-router-vm',
    'ip link set lo up',
    'mkdir -p /lower /rw /host',
    `mount -t 9p -o ${HOST_ROOT_OPTIONS} ${HOST_ROOT_TAG} /lower || fail "cannot mount the host's root (9p tag ${HOST_ROOT_TAG})"`,
    'mount -t tmpfs -o mode=0755 rw /rw',
    'mkdir -p /rw/upper /rw/work',
    'mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /host || fail "cannot put a RAM overlay on the host\'s root"',
    'mount -t proc proc /host/proc',
    'mount -t sysfs sysfs /host/sys',
    'mount -t devtmpfs devtmpfs /host/dev',
    'mkdir -p /host/dev/pts /host/dev/shm',
    'mount -t devpts devpts /host/dev/pts',
    'mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm',
    '# A fresh /run: the host\'s (its network namespaces, lab state) stays out of sight. /tmp stays',
    '# the host\'s under the RAM overlay, so a checkout under /tmp runs as well.',
    'mount -t tmpfs -o mode=0755 tmpfs /host/run',
    `mkdir -p /host${GUEST_RESULTS_DIRECTORY}`,
    `mount -t 9p -o ${RESULTS_OPTIONS} ${RESULTS_TAG} /host${GUEST_RESULTS_DIRECTORY} || fail "cannot mount the results share (9p tag ${RESULTS_TAG})"`,
    `[ -f /host${control}/${CONTROL_FILES.argv} ] || fail "no command in the results share"`,
    'say "command started uptime=$(cut -d" " -f1 /proc/uptime)"',
    '# xargs reads the NUL-separated strings and passes them as arguments: no shell parses them.',
    '# -s with -x: one command line of at most that size, never split into several runs.',
    `chroot /host /usr/bin/xargs -0 -s ${MAX_COMMAND_BYTES} -x -a ${control}/${CONTROL_FILES.argv} /bin/sh ${control}/${CONTROL_FILES.exec}`,
    'say "command finished uptime=$(cut -d" " -f1 /proc/uptime)"',
    'sync',
    'poweroff -f',
    'sleep 60',
    '',
  ].join('\n');
}

/**
 * The script xargs runs inside the host's root with the command's strings: the working
 * directory, then `env -i -- NAME=VALUE... PROGRAM ARGS...`. It records stdout, stderr and
 * the exit status in the control directory. Fixed text: it never contains the command.
 */
export function guestExecScript(): string {
  const control = `${GUEST_RESULTS_DIRECTORY}/${CONTROL_DIRECTORY}`;
  return [
    '# Runs inside the kube-router kernel VM with: WORKING_DIRECTORY env -i -- NAME=VALUE... PROGRAM ARGS...',
    `control=${control}`,
    '# The status is written then renamed, so the host never reads a half-written number.',
    `finish() { echo "$1" >"$control/${CONTROL_FILES.exitCode}.tmp"; mv "$control/${CONTROL_FILES.exitCode}.tmp" "$control/${CONTROL_FILES.exitCode}"; }`,
    `cd "$1" || { echo "${CONSOLE_MARKER} cannot enter $1" >>"$control/${CONTROL_FILES.stderr}"; finish 126; exit 0; }`,
    'shift',
    `"$@" </dev/null >"$control/${CONTROL_FILES.stdout}" 2>"$control/${CONTROL_FILES.stderr}"`,
    'finish $?',
    '',
  ].join('\n');
}

/**
 * The helper the kernel runs for module requests (`/proc/sys/kernel/modprobe`). The kernel
 * runs it in the initramfs, which holds only the modules loaded at boot; the host's root has
 * all of them and the host's kmod, so the request is passed on to that.
 */
export function guestModprobeHelper(): string {
  return ['#!/bin/sh', 'exec /bin/busybox chroot /host /sbin/modprobe "$@"', ''].join('\n');
}
