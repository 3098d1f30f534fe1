/**
 * Runs the boot scripts of the synthesized stack in a sandbox: bash with dnf, systemctl, aws, unzip, curl,
 * journalctl and cfn-signal as stubs on PATH (test/aws/boot-sandbox.ts), every folder the script writes (/etc, /opt, /usr/local,
 * /var/lib, /tmp) moved under a temporary root, and a fake Amazon Linux 2023 where `dnf install nodejs22`
 * provides node the way AL2023 does (/usr/bin/node-22, and /usr/bin/node only through `alternatives`); each
 * node stub answers `--version` with SANDBOX_NODE_VERSION.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENT_CONFIG, prepareSandbox } from './boot-sandbox.js';
import { appTierTemplate, autoScalingGroup, fakeProject, flat, groupLaunchTemplate, synthStack } from './cdk-fixture.js';

let dir: string;
let appScript: string;
let webScript: string;
let webLogicalId: string;
let autoscalerScript: string;
let autoscalerLogicalId: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scaleface-boot-'));
  const synthesized = synthStack(join(dir, 'cdk.out'), 'Boot', { projectDir: await fakeProject(dir), amiId: 'ami-0123456789abcdef0' });
  appScript = flat(appTierTemplate(synthesized.template).data.UserData);
  const web = autoScalingGroup(synthesized, 'WebTierGroup');
  webLogicalId = web.id;
  webScript = flat(groupLaunchTemplate(synthesized, web.group).UserData);
  const autoscaler = autoScalingGroup(synthesized, 'AutoscalerGroup');
  autoscalerLogicalId = autoscaler.id;
  autoscalerScript = flat(groupLaunchTemplate(synthesized, autoscaler.group).UserData);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly root: string;
  readonly log: string;
  readonly stderr: string;
  /** Everything the script printed (what cloud-init keeps in /var/log/cloud-init-output.log). */
  readonly output: string;
  file(path: string): string | undefined;
}

/** A boot after the first on the same disk: an instance started from an image prepared from the first one. */
interface Again {
  readonly instanceId: string;
  /** The new release's package-lock.json (default: the first boot's). */
  readonly lock?: string;
}


/** An image that already has a Node older than scaleface supports, as plain `node` (an image baked on Node 20). */
const OLD_NODE = '#!/bin/bash\n[ "$1" = --version ] && { echo v20.20.2; exit 0; }\necho "node $*" >> "$SANDBOX_LOG"\n';

async function runBoot(name: string, script: string, node: 'alternatives' | 'plain' | 'none' | 'old', healthz: 'ok' | 'down' = 'ok', ssmToken = '', again?: Again, dnfFails = ''): Promise<Run> {
  const root = join(dir, name);
  const bin = again ? join(root, 'sandbox-bin') : await prepareSandbox(root);
  if (node === 'old') {
    await writeFile(join(root, 'usr/bin/node'), OLD_NODE);
    await chmod(join(root, 'usr/bin/node'), 0o755);
  }
  const moved = script.replace(/(?<![\w.-])\/(etc|opt|usr\/local|var\/lib|var\/log|tmp)\//g, `${root}/$1/`);
  await writeFile(join(root, 'boot.sh'), moved);
  const logFile = join(root, 'calls.log');
  await writeFile(logFile, '');
  const result = spawnSync(join(bin, 'bash'), [join(root, 'boot.sh')], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${root}/usr/bin`,
      ROOT: root,
      SANDBOX_LOG: logFile,
      SANDBOX_NODE: node,
      SANDBOX_NODE_VERSION: 'v22.13.0',
      SANDBOX_HEALTHZ: healthz,
      SANDBOX_SSM_TOKEN: ssmToken,
      SANDBOX_DNF_FAIL: dnfFails,
      ...(again ? { SANDBOX_INSTANCE_ID: again.instanceId, ...(again.lock ? { SANDBOX_LOCK: again.lock } : {}) } : {}),
    },
  });
  const read = (path: string) => (existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : undefined);
  return { status: result.status, root, log: readFileSync(logFile, 'utf8'), stderr: result.stderr, output: result.stdout + result.stderr, file: read };
}

function execStart(unit: string | undefined): string[] {
  const line = unit?.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.ok(line, `no ExecStart in ${unit}`);
  return line.slice('ExecStart='.length).split(' ');
}

function envFile(run: Run): Record<string, string> {
  const text = run.file('etc/scaleface/env');
  assert.ok(text, 'no /etc/scaleface/env');
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('boot scripts in a sandbox', () => {
  test('app tier on AL2023: the worker unit runs the node that alternatives provides, as `worker --name <Name tag>`, on EC2, SQS and S3', async () => {
    const run = await runBoot('app-alternatives', appScript, 'alternatives');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const [program, ...args] = execStart(run.file('etc/systemd/system/scaleface-worker.service'));
    assert.ok(program && existsSync(program), `ExecStart runs ${program}, which does not exist`);
    assert.equal(realpathSync(program), realpathSync(join(run.root, 'usr/bin/node-22')));
    assert.match(args.join(' '), /\/opt\/scaleface\/dist\/src\/cli\/main\.js worker --name app-tier-instance-3$/);
    const env = envFile(run);
    for (const [key, value] of Object.entries({ SCALEFACE_COMPUTE: 'ec2', SCALEFACE_QUEUE: 'sqs', SCALEFACE_STORAGE: 's3', SCALEFACE_PREFIX: 'sf-test', AWS_REGION: 'us-east-1' })) {
      assert.equal(env[key], value, key);
    }
    assert.deepEqual(JSON.parse(run.file('etc/scaleface/config.json') ?? '{}').compute, { ec2: { region: 'us-east-1' } });
    assert.match(run.log, /npm-22 ci --omit=dev .*\(ONNXRUNTIME_NODE_INSTALL=skip\)/, 'npm 10 ignores allowScripts: the boot skips the GPU download itself');
    assert.match(run.log, /systemctl enable scaleface-worker\nsystemctl restart scaleface-worker/);
  });

  test('an image whose node is older than 22.13 is refused, saying which node and what to install', async () => {
    const run = await runBoot('old-node', appScript, 'old');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /node v20\.20\.2 is older than 22\.13/);
    assert.match(run.stderr, /nodejs22/);
    assert.doesNotMatch(run.log, /systemctl enable/);
  });

  test('a node 22 installed as plain `node` is found as well', async () => {
    const run = await runBoot('app-plain', appScript, 'plain');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const [program] = execStart(run.file('etc/systemd/system/scaleface-worker.service'));
    assert.equal(program, realpathSync(join(run.root, 'usr/bin/node')));
  });

  test('web tier: runs `up`, signals CloudFormation success only once /healthz answers', async () => {
    const run = await runBoot('web-ok', webScript, 'alternatives', 'ok');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const [program, ...args] = execStart(run.file('etc/systemd/system/scaleface-web.service'));
    assert.equal(realpathSync(program ?? ''), realpathSync(join(run.root, 'usr/bin/node-22')));
    assert.match(args.join(' '), /main\.js up$/);
    assert.equal(envFile(run).SCALEFACE_AUTOSCALER, 'off');
    // Booted from an image made of a worker, the worker's unit must not run beside the web tier.
    assert.match(run.log, /^systemctl disable --now scaleface-worker scaleface-autoscaler$/m);
    const lines = run.log.trim().split('\n');
    const health = lines.findIndex((l) => l.includes('/healthz'));
    const signal = lines.findIndex((l) => l.startsWith('cfn-signal'));
    assert.ok(health >= 0 && signal > health, `cfn-signal must follow the health check:\n${run.log}`);
    assert.match(lines[signal] ?? '', new RegExp(`^cfn-signal -e 0 --stack \\S+ --resource ${webLogicalId} --region us-east-1$`));
  });

  test('autoscaler: runs `up` with the autoscaler on, on loopback, and signals its own group once /healthz answers', async () => {
    const run = await runBoot('autoscaler-ok', autoscalerScript, 'alternatives', 'ok');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const [, ...args] = execStart(run.file('etc/systemd/system/scaleface-autoscaler.service'));
    assert.match(args.join(' '), /main\.js up$/);
    const env = envFile(run);
    assert.equal(env.SCALEFACE_AUTOSCALER, 'on');
    assert.equal(env.SCALEFACE_HOST, '127.0.0.1');
    assert.equal(env.SCALEFACE_AUTH_TOKEN, undefined);
    assert.match(run.log, new RegExp(`^cfn-signal -e 0 --stack \\S+ --resource ${autoscalerLogicalId} --region us-east-1$`, 'm'));
  });

  test('web tier that never becomes healthy: the script fails and signals the failure', async () => {
    const run = await runBoot('web-down', webScript, 'alternatives', 'down');
    assert.notEqual(run.status, 0);
    assert.match(run.log, /^cfn-signal -e [1-9]\d* /m);
    assert.doesNotMatch(run.log, /^cfn-signal -e 0 /m);
  });

  test('no node after the install: the script stops before writing a unit, and the web tier signals failure', async () => {
    const app = await runBoot('app-none', appScript, 'none');
    assert.notEqual(app.status, 0);
    assert.equal(app.file('etc/systemd/system/scaleface-worker.service'), undefined);
    const web = await runBoot('web-none', webScript, 'none');
    assert.notEqual(web.status, 0);
    assert.match(web.log, /^cfn-signal -e [1-9]\d* /m);
  });

  test('the Node install fails: cfn-signal, installed on its own first, reports the failure to CloudFormation', async () => {
    const run = await runBoot('web-node-install-fails', webScript, 'alternatives', 'ok', '', undefined, 'nodejs22');
    assert.notEqual(run.status, 0);
    const installs = run.log.split('\n').filter((l) => l.startsWith('dnf install'));
    assert.equal(installs[0], 'dnf install -y aws-cfn-bootstrap', `cfn-signal first, alone:\n${run.log}`);
    assert.match(run.log, /^dnf install -y .*nodejs22/m);
    assert.match(run.log, new RegExp(`^cfn-signal -e [1-9]\\d* --stack \\S+ --resource ${webLogicalId} `, 'm'));
    assert.doesNotMatch(run.log, /systemctl enable/);
  });

  test('cfn-signal cannot be installed: the boot stops at once, before the log agent and Node', async () => {
    const run = await runBoot('web-cfn-install-fails', webScript, 'alternatives', 'ok', '', undefined, 'aws-cfn-bootstrap');
    assert.notEqual(run.status, 0);
    assert.deepEqual(run.log.split('\n').filter((l) => l.startsWith('dnf ')), ['dnf install -y aws-cfn-bootstrap']);
    assert.match(run.output, /cannot install cfn-signal/);
    assert.doesNotMatch(run.log, /^(npm|node|systemctl|amazon-cloudwatch-agent-ctl)/m);
  });

  test('logs: the boot script configures and starts the CloudWatch agent; the units append their output to the collected file', async () => {
    for (const [name, script, service, group] of [['logs-app', appScript, 'scaleface-worker', 'app-tier'], ['logs-web', webScript, 'scaleface-web', 'web']] as const) {
      const run = await runBoot(name, script, 'alternatives');
      assert.equal(run.status, 0, run.stderr.slice(-2000));
      assert.match(run.log, /^dnf install -y .*amazon-cloudwatch-agent/m);
      const config = JSON.parse(run.file(AGENT_CONFIG) ?? '{}') as { logs?: { logs_collected?: { files?: { collect_list?: { file_path: string; log_group_name: string }[] } } } };
      const collected = Object.fromEntries((config.logs?.logs_collected?.files?.collect_list ?? []).map((f) => [f.file_path.replace(run.root, ''), f.log_group_name]));
      assert.deepEqual(collected, {
        [`/var/log/scaleface/${service}.log`]: `/scaleface/sf-test/${group}`,
        '/var/log/cloud-init-output.log': '/scaleface/sf-test/boot',
      });
      const ctl = run.log.split('\n').find((l) => l.startsWith('amazon-cloudwatch-agent-ctl'));
      assert.match(ctl ?? '', new RegExp(`-a fetch-config -m ec2 -s -c file:${run.root}/${AGENT_CONFIG}$`));
      const unit = run.file(`etc/systemd/system/${service}.service`) ?? '';
      assert.match(unit, new RegExp(`^StandardOutput=append:${run.root}/var/log/scaleface/${service}\\.log$`, 'm'));
      assert.match(unit, /^StandardError=inherit$/m);
      assert.ok(existsSync(join(run.root, 'var/log/scaleface')), 'the log folder exists before the service starts');
    }
  });

  test('token: the web tier reads its token from SSM into the env file, and the boot log never shows it', async () => {
    const token = 'sekrit-token-0123456789';
    const run = await runBoot('token-ok', webScript, 'alternatives', 'ok', token);
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    assert.equal(envFile(run).SCALEFACE_AUTH_TOKEN, token);
    assert.match(run.log, /^aws ssm get-parameter .*--name \/scaleface\/sf-test\/auth-token .*--with-decryption/m);
    assert.ok(!run.output.includes(token), 'the token is in the boot log');
    assert.ok(!run.log.includes(token), 'the token was passed on a command line');
    assert.match(run.log, /systemctl restart scaleface-web/);
  });

  test('token: without a readable parameter the env file has no token and the web tier still starts', async () => {
    const run = await runBoot('token-missing', webScript, 'alternatives', 'ok', '');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    assert.equal(envFile(run).SCALEFACE_AUTH_TOKEN, undefined);
    assert.match(run.output, /no auth token/i);
    assert.match(run.log, /systemctl restart scaleface-web/);
    assert.match(run.log, /^cfn-signal -e 0 /m);
  });

  test('token: one shorter than the 8 characters the config needs stops the boot, without showing it', async () => {
    const run = await runBoot('token-short', webScript, 'alternatives', 'ok', 'short7x');
    assert.notEqual(run.status, 0);
    assert.match(run.output, /shorter than 8 characters/);
    assert.ok(!run.output.includes('short7x'), 'the token is in the boot log');
    assert.match(run.log, /^cfn-signal -e [1-9]\d* /m);
    assert.doesNotMatch(run.log, /systemctl enable/);
  });

  test('token: the app tier never asks for it', async () => {
    const run = await runBoot('token-app', appScript, 'alternatives', 'ok', 'sekrit-token-0123456789');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    assert.doesNotMatch(run.log, /ssm get-parameter/);
    assert.equal(envFile(run).SCALEFACE_AUTH_TOKEN, undefined);
  });

  test('prepared image: a new instance booting from the disk of a first one installs nothing and reaches no package registry', async () => {
    const first = await runBoot('baked', appScript, 'alternatives');
    assert.equal(first.status, 0, first.stderr.slice(-2000));
    assert.match(first.log, /^dnf install -y nodejs22 nodejs22-npm$/m);
    assert.match(first.log, /^npm-22 ci /m);
    const second = await runBoot('baked', appScript, 'none', 'ok', '', { instanceId: 'i-0bbbbbbbbbbbbbbb2' });
    assert.equal(second.status, 0, second.stderr.slice(-2000));
    assert.doesNotMatch(second.log, /^dnf /m);
    assert.doesNotMatch(second.log, /^npm-22 /m);
    assert.match(second.output, /prepared image: no package to install/);
    assert.match(second.output, /prepared image: dependencies already installed/);
    assert.equal(envFile(second).BOOT_INSTANCE_ID, 'i-0bbbbbbbbbbbbbbb2');
    assert.match(second.log, /^systemctl restart scaleface-worker$/m);
  });

  test('prepared image, new release: the dependencies are installed again when package-lock.json changed', async () => {
    const first = await runBoot('baked-new-release', appScript, 'alternatives');
    assert.equal(first.status, 0, first.stderr.slice(-2000));
    const second = await runBoot('baked-new-release', appScript, 'none', 'ok', '', { instanceId: 'i-0ccccccccccccccc3', lock: 'lock-2' });
    assert.equal(second.status, 0, second.stderr.slice(-2000));
    assert.doesNotMatch(second.log, /^dnf /m);
    assert.match(second.log, /^npm-22 ci /m);
  });

  test("the unit refuses to start with an env file written on another instance (an image's), and starts on its own", async () => {
    const run = await runBoot('same-instance', appScript, 'alternatives');
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    const unit = run.file('etc/systemd/system/scaleface-worker.service') ?? '';
    const check = /^ExecStartPre=(.*)$/m.exec(unit)?.[1];
    assert.ok(check && existsSync(check), `ExecStartPre: ${check}`);
    const env = { PATH: `${join(run.root, 'sandbox-bin')}:/usr/bin:/bin`, SANDBOX_LOG: join(run.root, 'calls.log'), BOOT_INSTANCE_ID: envFile(run).BOOT_INSTANCE_ID };
    const elsewhere = spawnSync(check, [], { encoding: 'utf8', env: { ...env, SANDBOX_INSTANCE_ID: 'i-0ddddddddddddddd4' } });
    assert.equal(elsewhere.status, 1);
    assert.match(elsewhere.stderr, /written on instance i-0aaaaaaaaaaaaaaa1, this is i-0ddddddddddddddd4/);
    const here = spawnSync(check, [], { encoding: 'utf8', env: { ...env, SANDBOX_INSTANCE_ID: 'i-0aaaaaaaaaaaaaaa1' } });
    assert.equal(here.status, 0, here.stderr);
  });
});
