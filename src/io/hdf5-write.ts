/**
 * Writing HDF5 files through h5wasm (the HDF5 C library compiled to WebAssembly), in its in-memory
 * file system: a file is built, closed, and its bytes handed back for an atomic write. h5wasm
 * compiles its WebAssembly when first loaded, so it is loaded on demand (`loadHdf5Writer`), by the
 * commands that write .keras and .h5 files, and the writer is then used synchronously.
 */
import { FormatError } from '../errors.js';

/** A group being written: subgroups, string attributes and float32 datasets. */
export interface Hdf5Group {
  group(name: string): Hdf5Group;
  /** A variable-length UTF-8 string attribute, or a 1-D array of them. */
  attr(name: string, value: string | readonly string[]): void;
  dataset(name: string, data: Float32Array, shape: readonly number[]): void;
}

/** Builds one HDF5 file in memory and returns its bytes. */
export type Hdf5Writer = (build: (root: Hdf5Group) => void) => Uint8Array;

type H5wasm = typeof import('h5wasm').default;
type H5Group = InstanceType<H5wasm['Group']>;

let loaded: Promise<Hdf5Writer> | null = null;
let files = 0;

function wrap(g: H5Group): Hdf5Group {
  return {
    group: (name) => wrap(g.create_group(name)),
    attr: (name, value) => g.create_attribute(name, typeof value === 'string' ? value : [...value]),
    dataset: (name, data, shape) => void g.create_dataset({ name, data, shape: [...shape], dtype: '<f' }),
  };
}

/** The HDF5 writer, once h5wasm is loaded (about 0.7 s the first time in a process). */
export function loadHdf5Writer(): Promise<Hdf5Writer> {
  loaded ??= import('h5wasm').then(async ({ default: h5wasm }) => {
    const module = await h5wasm.ready;
    return (build) => {
      const path = `/rnn-inspect-${process.pid}-${files++}.h5`;
      try {
        const file = new h5wasm.File(path, 'w');
        try {
          build(wrap(file));
        } finally {
          file.close();
        }
        return new Uint8Array(module.FS.readFile(path));
      } catch (err) {
        if (err instanceof FormatError) throw err;
        throw new FormatError(`HDF5: expected to write the file, got an error from the HDF5 library (${err instanceof Error ? err.message : String(err)})`);
      } finally {
        try {
          module.FS.unlink(path);
        } catch {
          // Nothing was created.
        }
      }
    };
  });
  return loaded;
}
