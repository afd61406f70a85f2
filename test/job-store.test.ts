/**
 * The one job-directory store (src/io/store.ts) behind the heatmap's tiles and the fcnet
 * checkpoints: job.json with the identity hash of options + build, resumption of the same job,
 * refusal of another job, format or build and of foreign directories, atomic entries, and the
 * read-only open that re-verifies the hash (merging shards). The experiments' own use of it is
 * tested in scale-out.test.ts (tiles: resume after SIGKILL, shards, damaged tiles) and
 * mlp-experiment.test.ts (checkpoints: resume after abort and SIGKILL).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EoslabError } from '../src/base/errors.js';
import { currentBuild, identityHash, JobStore, partialDirectory, removeJobDirectory } from '../src/io/store.js';

const scratch = mkdtempSync(join(tmpdir(), 'eoslab-store-'));
let counter = 0;
const fresh = (): string => join(scratch, `job-${counter++}`);

const identity = { options: { eta: 0.1, steps: [1, 2] }, data: { mean: 0.5 } };
const spec = { format: 'eoslab-test/1', identity, describe: { note: 'not hashed' }, mismatch: 'a different test job' };

function caught(f: () => unknown): EoslabError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(EoslabError);
    return error as EoslabError;
  }
  throw new Error('expected an EoslabError');
}

describe('job directories', () => {
  it('job.json holds format, hash, identity, descriptive fields and build; the hash covers identity + build', () => {
    const dir = fresh();
    const store = JobStore.open(dir, spec);
    const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as Record<string, unknown>;
    const build = currentBuild();
    expect(job).toEqual({ format: 'eoslab-test/1', hash: store.job.hash, ...identity, note: 'not hashed', build });
    // independent: SHA-256 of the canonical JSON, written out by hand
    const canonical = `{"options":{"eta":0.1,"steps":[1,2]},"data":{"mean":0.5},"build":{"version":${JSON.stringify(build.version)},"wasmSha256":"${build.wasmSha256}"}}`;
    expect(store.job.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(identityHash(identity, { ...build, wasmSha256: '0'.repeat(64) })).not.toBe(store.job.hash);
    expect(identityHash({ ...identity, data: { mean: 0.25 } }, build)).not.toBe(store.job.hash);
  });

  it('reopening for the same job resumes its entries; descriptive fields may differ', () => {
    const dir = fresh();
    const store = JobStore.open(dir, spec);
    store.write('run-0/a.f64', new Uint8Array([1, 2, 3]));
    store.writeJson('run-0/b.json', { x: 1 });
    const again = JobStore.open(dir, { ...spec, describe: { note: 'other' } });
    expect(again.read('run-0/a.f64')).toEqual(Buffer.from([1, 2, 3]));
    expect(again.readJson('run-0/b.json')).toEqual({ x: 1 });
    expect(again.read('run-0/missing')).toBeUndefined();
    expect(again.entries('run-0').sort()).toEqual(['a.f64', 'b.json']);
    expect(again.entries('nowhere')).toEqual([]);
    again.discard('run-0/a.f64');
    expect(again.entries('run-0')).toEqual(['b.json']);
    // no temporary files are left behind by the atomic writes
    expect(readdirSync(join(dir, 'run-0')).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('an unreadable JSON entry reads as absent (it is recomputed)', () => {
    const dir = fresh();
    const store = JobStore.open(dir, spec);
    store.write('gd-3.json', '{"losses": [1, 2');
    expect(store.readJson('gd-3.json')).toBeUndefined();
  });

  it('refuses another job, another format, an unreadable job.json and a foreign non-empty directory', () => {
    const dir = fresh();
    JobStore.open(dir, spec);
    const other = caught(() => JobStore.open(dir, { ...spec, identity: { ...identity, data: { mean: 0.25 } } }));
    expect(other.code).toBe('E_CONFLICT');
    expect(other.option).toBe('out');
    expect(other.message).toMatch(/holds a different test job or of another eoslab build \(hash [0-9a-f]{12}…/);
    const format = caught(() => JobStore.open(dir, { ...spec, format: 'eoslab-test/2' }));
    expect(format.message).toMatch(/another format \(eoslab-test\/1; this eoslab writes eoslab-test\/2\)/);

    const torn = fresh();
    mkdirSync(torn);
    writeFileSync(join(torn, 'job.json'), '{"format":');
    expect(caught(() => JobStore.open(torn, spec)).message).toMatch(/unreadable job\.json/);

    const foreign = fresh();
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), '');
    const refused = caught(() => JobStore.open(foreign, spec));
    expect(refused.code).toBe('E_IO');
    expect(refused.message).toMatch(/not empty and has no job\.json/);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);
  });

  it('a directory left with only a temporary file (killed while writing job.json) is taken', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, '.job.json.1.deadbeef.0.tmp'), '{"form');
    expect(JobStore.open(dir, spec).job.hash).toBe(identityHash(identity, currentBuild()));
  });

  it('the read-only open re-verifies the hash against the stored identity', () => {
    const dir = fresh();
    JobStore.open(dir, spec);
    const identityOf = (job: typeof identity): typeof identity => ({ options: job.options, data: job.data });
    expect(JobStore.read(dir, 'eoslab-test/1', identityOf, 'a test job').job.data).toEqual({ mean: 0.5 });
    expect(caught(() => JobStore.read(dir, 'eoslab-test/2', identityOf, 'a test job')).message).toMatch(
      /is not a test job of this eoslab \(format or hash mismatch\)/,
    );
    const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as typeof identity;
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ ...job, data: { mean: 0.75 } })); // edited by hand
    expect(caught(() => JobStore.read(dir, 'eoslab-test/1', identityOf, 'a test job')).code).toBe('E_CONFLICT');
    expect(caught(() => JobStore.read(fresh(), 'eoslab-test/1', identityOf, 'a test job')).message).toMatch(
      /no readable job\.json/,
    );
  });

  it('partial directories sit beside the output; removing one removes it whole', () => {
    expect(partialDirectory('out/run/')).toBe('out/run.partial');
    const dir = fresh();
    JobStore.open(dir, spec).write('a/b', 'x');
    removeJobDirectory(dir);
    expect(() => readdirSync(dir)).toThrow();
  });
});
