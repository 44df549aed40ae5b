/**
 * Zip archives, as .npz (numpy.savez) and .pt (torch.save since 1.6) both are.
 *
 * Layout: local file headers and member data, then a central directory listing every member with
 * its compressed and uncompressed sizes, then an end-of-central-directory record. fflate does the
 * parsing and inflating; this file guards it: declared sizes are checked before anything is
 * inflated, so a hostile archive cannot make us allocate gigabytes or loop for long.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { FormatError } from '../errors.js';

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  /** Most members an archive may list. */
  maxMembers?: number;
  /** Most bytes all extracted members may hold together. */
  maxTotalBytes?: number;
}

const DEFAULT_MAX_MEMBERS = 100_000;
const DEFAULT_MAX_TOTAL_BYTES = 4 * 1024 ** 3;
/** Deflate cannot expand by more than about 1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/** `PK\x03\x04` opens a zip with members; `PK\x05\x06` is an empty one (numpy.savez of nothing). */
export function isZip(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/** Thrown from fflate's filter to stop it; turned into a FormatError by the caller. */
class Refused extends Error {}

function walk(
  bytes: Uint8Array,
  file: string,
  kind: string,
  want: (name: string) => boolean,
  limits: ZipLimits,
): { names: string[]; files: Record<string, Uint8Array>; sizes: Map<string, number> } {
  const maxMembers = limits.maxMembers ?? DEFAULT_MAX_MEMBERS;
  const maxTotal = limits.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const names: string[] = [];
  const sizes = new Map<string, number>();
  let total = 0;
  const filter = (info: UnzipFileInfo): boolean => {
    if (names.length >= maxMembers) throw new Refused(`at most ${maxMembers} members, got more`);
    names.push(info.name);
    if (!want(info.name)) return false;
    if (info.compression !== 0 && info.compression !== 8) {
      throw new Refused(`stored or deflated members, got compression method ${info.compression} for "${info.name}"`);
    }
    const plausible = info.compression === 0 ? info.size === info.originalSize : info.originalSize <= info.size * MAX_DEFLATE_RATIO + 1024;
    if (info.size > bytes.length || !plausible) {
      throw new Refused(`member sizes that fit the archive, got "${info.name}" declaring ${info.originalSize} bytes from ${info.size} in a file of ${bytes.length}`);
    }
    total += info.originalSize;
    if (total > maxTotal) throw new Refused(`at most ${maxTotal} bytes of members, got more (at "${info.name}")`);
    sizes.set(info.name, info.originalSize);
    return true;
  };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter });
  } catch (err) {
    if (err instanceof Refused) throw new FormatError(`${file}: expected a zip archive (${kind}) with ${err.message}`);
    throw new FormatError(`${file}: expected a zip archive (${kind}), got corrupt data (${(err as Error).message})`);
  }
  return { names, files, sizes };
}

/**
 * The members `want` selects, in the archive's own order (fflate returns an object, whose key order
 * would put integer-like names first), each checked to be as long as its header declares.
 */
export function readZip(
  bytes: Uint8Array,
  file: string,
  kind: string,
  want: (name: string) => boolean = () => true,
  limits: ZipLimits = {},
): ZipMember[] {
  if (!isZip(bytes)) {
    const got = bytes.length === 0 ? 'an empty file' : `bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    throw new FormatError(`${file}: expected a zip archive (${kind}), got ${got}`);
  }
  const { names, files, sizes } = walk(bytes, file, kind, want, limits);
  const members: ZipMember[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!sizes.has(name) || seen.has(name)) continue;
    seen.add(name);
    // fflate returns a plain object: a member called "__proto__" never becomes an own property.
    const data = Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined;
    if (!(data instanceof Uint8Array)) throw new FormatError(`${file}: expected a readable member, got one named ${JSON.stringify(name)}`);
    if (data.length !== sizes.get(name)) {
      throw new FormatError(`${file}: expected ${sizes.get(name)} bytes in member "${name}", got ${data.length} (truncated or corrupt archive)`);
    }
    members.push({ name, data });
  }
  return members;
}

/** Member names only, in archive order; nothing is inflated. */
export function listZip(bytes: Uint8Array, file: string, kind: string): string[] {
  return walk(bytes, file, kind, () => false, {}).names;
}

/**
 * What a zip holds: a PyTorch archive has a `<name>/data.pkl` member, an .npz has `.npy` members.
 * Undefined when it is neither or is not a readable zip; the format's own reader then says why.
 */
export function zipKind(bytes: Uint8Array): 'pt' | 'npz' | undefined {
  if (!isZip(bytes)) return undefined;
  let names: string[];
  try {
    names = listZip(bytes, 'zip', 'zip');
  } catch {
    return undefined;
  }
  if (names.some((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl')) return 'pt';
  if (names.length === 0 || names.some((n) => n.endsWith('.npy'))) return 'npz';
  return undefined;
}
