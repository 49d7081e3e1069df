/**
 * The kernel VM: Debian's kernel booted under qemu's software emulation, for the kernel
 * features this machine's own kernel lacks (IPVS, IPIP, dummy links, SCTP). The guest sees
 * the host's root read-only and has no network device. TypeScript programs for the guest are
 * bundled on the host (`programs`), since `node --import tsx` costs seconds per start there.
 * @module
 */
export { checkKernelVm, findVmKernels, isStaticElf, DEFAULT_BUSYBOX } from './availability.js';
export type { KernelVmAvailability, KernelVmLookup, VmKernel } from './availability.js';
export { KernelVmError } from './errors.js';
export type { KernelVmFailure } from './errors.js';
export { runInKernelVm, guestProgramPath, DEFAULT_VM_TIMEOUT_MS, GUEST_PROGRAMS_DIRECTORY } from './run.js';
export { buildGuestPrograms, withOwnLocation } from './guest-programs.js';
export type { KernelVmResult, KernelVmRunOptions } from './run.js';
export { DEFAULT_VM_MODULES, parseShowDepends, dedupeModuleLoads, resolveModuleLoads } from './modules.js';
export type { ModuleLoad } from './modules.js';
export {
  defaultGuestEnvironment,
  encodeGuestCommand,
  passableEnvironment,
  visibleInGuest,
  HIDDEN_IN_GUEST,
  MAX_COMMAND_BYTES,
} from './guest-command.js';
export type { GuestCommand } from './guest-command.js';
export { guestExecScript, guestInitScript, guestModprobeHelper } from './guest-scripts.js';
export type { GuestInitInput } from './guest-scripts.js';
export { qemuArguments, kernelCommandLine, DEFAULT_VM_MEMORY_MIB } from './qemu-arguments.js';
export type { QemuMachine } from './qemu-arguments.js';
export { cachedInitramfs, initramfsEntries, initramfsKey, DEFAULT_VM_CACHE_DIRECTORY } from './initramfs.js';
export type { Initramfs, InitramfsInput } from './initramfs.js';
export { bootableKernel } from './kernel-image.js';
export type { BootableKernel } from './kernel-image.js';
export { writeCpioArchive } from './cpio.js';
export type { CpioEntry } from './cpio.js';
export { OUTPUT_DIRECTORY_VARIABLE, PROGRAMS_DIRECTORY_VARIABLE, GUEST_RESULTS_DIRECTORY } from './guest-layout.js';
