/**
 * The model every tier runs (`-c model=face|objects`, issue 22): the stack writes SCALEFACE_MODEL into the
 * boot script of the app tier, the web tier and the autoscaler, and ships assets/ (the objects model's
 * ImageNet classifier) in the code asset.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ACCOUNT, REGION, appTierTemplate, autoScalingGroup, baseStackFixture, fakeProject, flat, groupLaunchTemplate, synthStack, type Synthesized } from './cdk-fixture.js';

const fixture = baseStackFixture('model');

/** The boot scripts of the three tiers, by tier. */
function bootScripts(s: Synthesized): Record<string, string> {
  return {
    app: flat(appTierTemplate(s.template).data.UserData),
    web: flat(groupLaunchTemplate(s, autoScalingGroup(s, 'WebTierGroup').group).UserData),
    autoscaler: flat(groupLaunchTemplate(s, autoScalingGroup(s, 'AutoscalerGroup').group).UserData),
  };
}

function modelLines(script: string): string[] {
  return script.split('\n').filter((line) => line.startsWith('SCALEFACE_MODEL='));
}

/** Runs the compiled CDK app on this project with `context`, as `npx cdk synth -c ...` would. */
function runApp(outdir: string, context: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['dist/deploy/app.js'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, CDK_OUTDIR: outdir, CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION, CDK_CONTEXT_JSON: JSON.stringify(context) },
  });
  return { status: result.status, stderr: result.stderr };
}

describe('the model of every tier (issue 22)', () => {
  test('by default every tier runs the face model, said explicitly in its env file', () => {
    for (const [tier, script] of Object.entries(bootScripts(fixture.base))) assert.deepEqual(modelLines(script), ['SCALEFACE_MODEL=face'], tier);
  });

  test('model objects: every tier runs the objects model', () => {
    const s = synthStack(join(fixture.dir, 'objects'), 'Objects', { projectDir: fixture.project, model: 'objects' });
    for (const [tier, script] of Object.entries(bootScripts(s))) assert.deepEqual(modelLines(script), ['SCALEFACE_MODEL=objects'], tier);
  });

  test('model objects refuses to synthesize from a project without the ImageNet classifier', async () => {
    const bare = await fakeProject(join(fixture.dir, 'bare'));
    await rm(join(bare, 'assets'), { recursive: true });
    assert.throws(() => synthStack(join(fixture.dir, 'bare-out'), 'Bare', { projectDir: bare, model: 'objects' }), /assets\/darknet-tiny-imagenet\/model\.json/);
    // The face model needs no assets/.
    synthStack(join(fixture.dir, 'bare-face'), 'BareFace', { projectDir: bare });
  });

  test('the CDK app takes -c model=objects, ships this project\'s assets/, and refuses any other model', async () => {
    const outdir = join(fixture.dir, 'app-objects');
    const ok = runApp(outdir, { model: 'objects' });
    assert.equal(ok.status, 0, ok.stderr);
    const template = await readFile(join(outdir, 'Scaleface.template.json'), 'utf8');
    assert.match(template, /SCALEFACE_MODEL=objects/);
    const assets = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    assert.ok(assets.some((a) => existsSync(join(outdir, a, 'assets/darknet-tiny-imagenet/model.json'))), `no classifier in ${assets.join(', ')}`);
    const bad = runApp(join(fixture.dir, 'app-bad'), { model: '/opt/my-model' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /context model must be one of face, objects, got \/opt\/my-model/);
  });
});
