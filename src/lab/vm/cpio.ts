/**
 * A writer for the cpio "newc" format, the one format the Linux kernel unpacks as an
 * initramfs. Written here instead of calling `cpio`, so building the VM's initramfs needs no
 * tool beyond node and gives the same bytes for the same inputs (every timestamp is 0).
 */

/** File type bits of `st_mode` as cpio stores them. */
const TYPE_DIRECTORY = 0o040000;
const TYPE_REGULAR = 0o100000;
const TYPE_SYMLINK = 0o120000;
const TYPE_CHARACTER_DEVICE = 0o020000;

/** One member of an archive. Paths are relative to the archive's root, without a leading `/`. */
export type CpioEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly permissions?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly permissions?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | {
      readonly kind: 'character-device';
      readonly path: string;
      readonly major: number;
      readonly minor: number;
      readonly permissions?: number;
    };

/** The name of the entry that ends every newc archive. */
const TRAILER = 'TRAILER!!!';

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Zero bytes that bring `length` up to the next multiple of 4, as newc aligns header+name and data. */
function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(fields: {
  ino: number;
  mode: number;
  nlink: number;
  fileSize: number;
  rdevMajor: number;
  rdevMinor: number;
  nameSize: number;
}): string {
  return [
    '070701',
    hex8(fields.ino),
    hex8(fields.mode),
    hex8(0), // uid: root
    hex8(0), // gid: root
    hex8(fields.nlink),
    hex8(0), // mtime: fixed, so equal inputs give equal archives
    hex8(fields.fileSize),
    hex8(0), // dev major
    hex8(0), // dev minor
    hex8(fields.rdevMajor),
    hex8(fields.rdevMinor),
    hex8(fields.nameSize),
    hex8(0), // check: unused by newc
  ].join('');
}

function member(ino: number, name: string, mode: number, data: Uint8Array, rdev: [number, number] = [0, 0]): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const head = Buffer.from(
    header({
      ino,
      mode,
      nlink: (mode & 0o170000) === TYPE_DIRECTORY ? 2 : 1,
      fileSize: data.length,
      rdevMajor: rdev[0],
      rdevMinor: rdev[1],
      nameSize: nameBytes.length,
    }),
    'ascii',
  );
  return [head, nameBytes, padding(head.length + nameBytes.length), Buffer.from(data), padding(data.length)];
}

/** Every parent directory of `path` (`a/b/c` gives `a`, `a/b`). */
function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

/**
 * The newc archive of `entries`. Parent directories that are not listed are added (mode
 * 0755) before their contents, because the kernel's unpacker does not create missing
 * parents. A path given twice is an error rather than a silent overwrite.
 */
export function writeCpioArchive(entries: readonly CpioEntry[]): Buffer {
  const listed = new Map<string, CpioEntry>();
  for (const entry of entries) {
    if (entry.path === '' || entry.path.startsWith('/') || entry.path.split('/').some((part) => part === '' || part === '..')) {
      throw new RangeError(`cpio: bad path "${entry.path}" (relative, no empty or .. parts)`);
    }
    if (listed.has(entry.path)) throw new RangeError(`cpio: "${entry.path}" is listed twice`);
    listed.set(entry.path, entry);
  }
  const ordered: CpioEntry[] = [];
  const emitted = new Set<string>();
  for (const entry of entries) {
    for (const parent of parentsOf(entry.path)) {
      if (emitted.has(parent)) continue;
      const given = listed.get(parent);
      if (given !== undefined && given.kind !== 'directory') throw new RangeError(`cpio: "${parent}" is not a directory`);
      ordered.push(given ?? { kind: 'directory', path: parent });
      emitted.add(parent);
    }
    if (!emitted.has(entry.path)) {
      ordered.push(entry);
      emitted.add(entry.path);
    }
  }
  const chunks: Buffer[] = [];
  let ino = 1;
  for (const entry of ordered) {
    switch (entry.kind) {
      case 'directory':
        chunks.push(...member(ino++, entry.path, TYPE_DIRECTORY | (entry.permissions ?? 0o755), new Uint8Array()));
        break;
      case 'file':
        chunks.push(...member(ino++, entry.path, TYPE_REGULAR | (entry.permissions ?? 0o644), entry.data));
        break;
      case 'symlink':
        chunks.push(...member(ino++, entry.path, TYPE_SYMLINK | 0o777, Buffer.from(entry.target, 'utf8')));
        break;
      case 'character-device':
        chunks.push(...member(ino++, entry.path, TYPE_CHARACTER_DEVICE | (entry.permissions ?? 0o600), new Uint8Array(), [entry.major, entry.minor]));
        break;
    }
  }
  chunks.push(...member(0, TRAILER, 0, new Uint8Array()));
  return Buffer.concat(chunks);
}
