/**
 * qemu's argument vector for one run, as a pure function. What it leaves out matters as much
 * as what it puts in: no KVM, no network device, no default devices at all.
 */
import { HOST_ROOT_TAG, RESULTS_TAG } from './guest-layout.js';

/** What one VM is started with. */
export interface QemuMachine {
  /** The kernel file (`-kernel`): an extracted vmlinux or the bzImage. */
  readonly kernel: string;
  /** The initramfs (`-initrd`). */
  readonly initramfs: string;
  /** The host directory shared read-write as the results share. */
  readonly resultsDirectory: string;
  /** Guest memory; default 1024. */
  readonly memoryMiB?: number;
  /** Extra kernel command line words, after the defaults. */
  readonly kernelArguments?: readonly string[];
}

/** Guest memory unless told otherwise: enough for node and a few tests, little of the host's 24 GiB. */
export const DEFAULT_VM_MEMORY_MIB = 1024;

/**
 * The kernel command line. `console=ttyS0` is the serial port the host reads; `quiet` keeps
 * the kernel's boot messages (slow to print through an emulated UART) off it; `panic=-1`
 * reboots at once on a panic, which `-no-reboot` turns into qemu exiting, so a broken guest
 * ends the run instead of hanging it. `mitigations=off`: the guest is a throwaway machine
 * that runs only the host's own programs, and the speculation workarounds cost time under
 * emulation.
 */
export function kernelCommandLine(extra: readonly string[] = []): string {
  return ['console=ttyS0', 'quiet', 'panic=-1', 'mitigations=off', ...extra].join(' ');
}

/** A value inside a qemu `-opt a=b,c=d` list: a literal comma is written twice. */
function optionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/**
 * The arguments of `qemu-system-x86_64` for `machine`.
 *
 * - No `-enable-kvm` (`-accel tcg`): software emulation. KVM guests hang on this kind of
 *   machine, and emulation behaves the same everywhere.
 * - `-nodefaults` and `-nic none`: no default NIC, so the guest has no network device and
 *   cannot reach the host's network in any way; only the loopback exists inside.
 * - `-nographic`, `-serial stdio`, `-monitor none`: the console on qemu's stdout and no
 *   monitor listening on its stdin.
 * - One CPU: measured faster than two here (emulated SMP bring-up costs more than it saves).
 * - Two 9p shares: the host's root read-only (`multidevs=remap` keeps inode numbers unique
 *   across the host's mounts) and the run's results directory read-write.
 */
export function qemuArguments(machine: QemuMachine): string[] {
  return [
    '-accel', 'tcg',
    '-machine', 'q35',
    '-cpu', 'max',
    '-smp', '1',
    '-m', String(machine.memoryMiB ?? DEFAULT_VM_MEMORY_MIB),
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-serial', 'stdio',
    '-monitor', 'none',
    '-nic', 'none',
    '-no-reboot',
    '-kernel', machine.kernel,
    '-initrd', machine.initramfs,
    '-append', kernelCommandLine(machine.kernelArguments),
    '-virtfs', `local,path=/,mount_tag=${HOST_ROOT_TAG},security_model=none,readonly=on,multidevs=remap`,
    '-virtfs', `local,path=${optionValue(machine.resultsDirectory)},mount_tag=${RESULTS_TAG},security_model=none,multidevs=remap`,
  ];
}
