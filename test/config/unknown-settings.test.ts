/**
 * A setting the configuration file names but Scaleface does not know (a typo, a key from another version) is
 * refused with its path and the nearest known name: before, zod dropped it, so `"prot": 8100` ran on port 8000
 * without a word.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { refusal } from '../helpers/config-refusal.js';

describe('unknown settings in the configuration file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scaleface-unknown-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(settings: unknown): Promise<Record<string, string>> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(settings));
    return { SCALEFACE_CONFIG_FILE: file };
  }

  test('each unknown key is named with its path and, when one is close, the known key it may mean', async () => {
    const env = await fileWith({ web: { prot: 8100, host: '0.0.0.0' }, autoscalr: { maxInstances: 2 }, queue: { sqs: { regoin: 'us-east-1' } } });
    const text = refusal(() => loadConfig({}, env));
    assert.match(text, /web\.prot \(did you mean web\.port\?\)/);
    assert.match(text, /autoscalr \(did you mean autoscaler\?\)/);
    assert.match(text, /queue\.sqs\.regoin \(did you mean queue\.sqs\.region\?\)/);
    assert.match(text, new RegExp(env.SCALEFACE_CONFIG_FILE!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('a key far from any known one is named without a guess', async () => {
    const env = await fileWith({ colour: 'blue' });
    assert.match(refusal(() => loadConfig({}, env)), /unknown setting colour(?! \(did)/);
  });

  test('known keys, lists and the model settings still load', async () => {
    const env = await fileWith({
      web: { port: 8100 },
      compute: { ec2: { subnetIds: ['subnet-1', 'subnet-2'], region: 'eu-west-1' } },
      model: { kind: 'objects', minScore: 0.3 },
    });
    const config = loadConfig({}, env);
    assert.equal(config.web.port, 8100);
    assert.deepEqual(config.compute.ec2.subnetIds, ['subnet-1', 'subnet-2']);
    assert.equal(config.model.minScore, 0.3);
  });
});
