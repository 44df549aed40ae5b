/**
 * Every write is checked and atomic: a full disk, /dev/full or a closed stdout is one `error:`
 * line and a non-zero exit, never a cut-off file or a silent exit 0; EPIPE still ends quietly.
 * Outputs that collide with each other or with an input are refused; a symlinked target is
 * written through.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cli, errorLines, MODES, sh, tempDir } from './process.js';

function assertOneError(r: { code: number | null; stderr: string }, pattern: RegExp, code = 2): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, `one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}

/** A 64 KiB tmpfs, or the reason there is none. */
function smallDisk(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'mounting a 64 KiB tmpfs needs root' };
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs was refused here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
  return { dir };
}

describe('a full disk', () => {
  const disk = smallDisk();
  after(() => {
    if ('dir' in disk) {
      execFileSync('umount', [disk.dir]);
      rmSync(disk.dir, { recursive: true, force: true });
    }
  });

  test('-o onto a 64 KiB tmpfs: exit 2, one error naming the file and ENOSPC, no file left', (t) => {
    if ('skip' in disk) return t.skip(disk.skip);
    const file = join(disk.dir, 'out.json');
    const r = cli(['--layers', '4', '--format', 'json', '--trace', 'full', '-o', file]);
    assertOneError(r, /-o .*out\.json.*ENOSPC/);
    assert.deepEqual(readdirSync(disk.dir), [], 'neither the target nor a temporary file');
  });

  test('an existing target stays as it was when the new one does not fit', (t) => {
    if ('skip' in disk) return t.skip(disk.skip);
    const file = join(disk.dir, 'out.json');
    writeFileSync(file, 'old');
    const r = cli(['--layers', '4', '--format', 'json', '--trace', 'full', '-o', file]);
    assertOneError(r, /ENOSPC.*unchanged/);
    assert.equal(readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(readdirSync(disk.dir), ['out.json']);
    rmSync(file);
  });

  test('--save onto it fails the same way', (t) => {
    if ('skip' in disk) return t.skip(disk.skip);
    const r = cli(['--seq-len', '2000', '--save', join(disk.dir, 'x.npz')]);
    assertOneError(r, /--save .*x\.npz.*ENOSPC/);
    assert.deepEqual(readdirSync(disk.dir), []);
  });
});

for (const { name: mode, env } of MODES) describe(`standard output, ${mode}`, () => {
  test('> /dev/full: exit 2, one error line naming standard output and ENOSPC', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = cli(['--format', 'json'], { stdio: ['ignore', full, 'pipe'], env });
      assertOneError(r, /standard output.*ENOSPC/);
    } finally {
      closeSync(full);
    }
  });

  test('a closed stdout (>&-): exit 2, one error line; with -o FILE there is nothing to write to it', () => {
    assertOneError(sh('rnn --format json >&-', undefined, env), /standard output.*closed.*EBADF/);
    const dir = tempDir();
    const r = sh(`rnn --format json -o '${join(dir, 'out.json')}' >&-`, undefined, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).command, 'run');
  });

  test('> /dev/null is not mistaken for a closed stdout', () => {
    assert.equal(sh('rnn --format json > /dev/null', undefined, env).code, 0);
  });

  test('a reader that goes away (| head -c 10) still ends quietly with exit 0', () => {
    const r = sh('rnn --layers 4 --trace full --format json | head -c 10 > /dev/null; exit "${PIPESTATUS[0]}"', undefined, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const ndjson = sh('rnn --layers 4 --seq-len 200 --format ndjson | head -n 1 > /dev/null; exit "${PIPESTATUS[0]}"', undefined, env);
    assert.equal(ndjson.code, 0, ndjson.stderr);
    assert.equal(ndjson.stderr, '');
  });
});

describe('output targets', () => {
  test('-o DIR is one clean error, and nothing is written into the directory', () => {
    const dir = tempDir();
    assertOneError(cli(['-o', dir]), /-o .*: expected a file name to write, got a directory/);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('--save X and -o X (also spelt another way) are refused, naming both flags', () => {
    const dir = tempDir();
    const r = cli(['--save', 'x.json', '-o', './x.json'], { cwd: dir });
    assertOneError(r, /--save x\.json.*-o \.\/x\.json/);
    assert.deepEqual(readdirSync(dir), []);
    assertOneError(cli(['--save', 'x.json', '--output', 'x.json'], { cwd: dir }), /--output x\.json/);
  });

  test('--save and -o to different files both work', () => {
    const dir = tempDir();
    const r = cli(['--format', 'json', '--save', 'x.npz', '-o', 'out.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['out.json', 'x.npz']);
  });

  test('-o onto an input file, through a symlink or a hard link, is refused and the input kept', () => {
    const dir = tempDir();
    const x = join(dir, 'x.json');
    const text = JSON.stringify([[[1, 2, 3]], [[4, 5, 6]]]);
    writeFileSync(x, text);
    symlinkSync(x, join(dir, 'link.json'));
    linkSync(x, join(dir, 'hard.json'));
    for (const target of ['x.json', 'link.json', 'hard.json']) {
      assertOneError(cli(['--input', 'x.json', '-o', target], { cwd: dir }), new RegExp(`-o ${target}: expected a file other than the run's inputs, got --input x\\.json`));
    }
    assertOneError(cli(['--weights', 'x.json', '--save', 'link.json'], { cwd: dir }), /--save link\.json: .*--weights x\.json/);
    assertOneError(cli(['inspect', 'x.json', '-o', 'hard.json'], { cwd: dir }), /-o hard\.json: .*inspect x\.json/);
    assert.equal(readFileSync(x, 'utf8'), text);
    assert.deepEqual(readdirSync(dir).sort(), ['hard.json', 'link.json', 'x.json']);
  });

  test('a symlinked target is written through: the link stays, the file it points to is replaced', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'runs', 'today.json'), 'old');
    symlinkSync('runs/today.json', join(dir, 'latest.json'));
    symlinkSync('runs/new.json', join(dir, 'dangling.json'));
    for (const link of ['latest.json', 'dangling.json']) {
      const r = cli(['--format', 'json', '-o', link], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(lstatSync(join(dir, link)).isSymbolicLink(), `${link} is still a symlink`);
      assert.equal(JSON.parse(readFileSync(join(dir, link), 'utf8')).command, 'run');
    }
    assert.deepEqual(readdirSync(join(dir, 'runs')).sort(), ['new.json', 'today.json'], 'no temporary file left beside the targets');
  });

  test("a replaced file keeps its permissions", () => {
    const dir = tempDir();
    const file = join(dir, 'out.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    assert.equal(cli(['--format', 'json', '-o', file]).code, 0);
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  test('-o onto a device or a pipe writes to it directly: /dev/null stays a device, >(...) gets the output, /dev/full fails', () => {
    assert.equal(cli(['-o', '/dev/null']).code, 0);
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null was not replaced');
    const dir = tempDir();
    const r = sh(`rnn --format json -o >(cat > '${join(dir, 'sub.json')}'); wait`, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(dir, 'sub.json'), 'utf8')).command, 'run');
    assertOneError(cli(['-o', '/dev/full']), /-o \/dev\/full: .*ENOSPC/);
  });

  test('a failed run leaves the existing target as it was and no temporary file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'out.json'), 'old');
    writeFileSync(join(dir, 'bad.json'), '[[[1, 2], [3]]]');
    const r = cli(['--input', 'bad.json', '-o', 'out.json'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(readFileSync(join(dir, 'out.json'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).sort(), ['bad.json', 'out.json']);
  });
});
