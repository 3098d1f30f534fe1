/**
 * Boot scripts of the web instance and of the app-tier instances (Amazon Linux 2023): install Node 22,
 * unpack the project (built locally, shipped as a CDK asset), write the configuration and start the
 * service under systemd. SIGTERM on stop or terminate lets a worker finish the message it holds.
 *
 * The boot script refers to every folder it writes by its absolute path (/etc, /opt, /usr/local, /var/lib,
 * /var/log, /tmp), which test/aws/user-data-sandbox.test.ts moves under a temporary folder to run it with stubbed
 * system commands.
 */
import { Stack } from 'aws-cdk-lib';
import type { UserData } from 'aws-cdk-lib/aws-ec2';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { readAuthToken, serviceLogFile, startLogAgent, type LogShipping } from './boot-extras.js';

/** The web instance tells CloudFormation it is up only once the service answers this. */
export interface Readiness {
  readonly port: number;
  readonly stackName: string;
  /** Logical id of the instance, which has a CreationPolicy waiting for one signal. */
  readonly logicalId: string;
  readonly region: string;
}

export interface BootSettings {
  readonly prefix: string;
  readonly region: string;
  /** 's3://bucket/key' of the project zip. */
  readonly codeUrl: string;
  /** SCALEFACE_* variables of this tier beyond the ones every instance gets. */
  readonly env: Readonly<Record<string, string>>;
  /** 'scaleface' subcommand and arguments; `$NAME` is the instance's Name tag. */
  readonly command: string;
  readonly serviceName: ServiceName;
  readonly readiness?: Readiness;
  /** Log groups the CloudWatch agent ships the service's output and the boot output to. */
  readonly logs: LogShipping;
  /** SSM parameter (SecureString) of the bearer token, read into the env file (web tier only). */
  readonly tokenParameter?: string;
}

/** The units of the three services an instance may run (one per instance). */
export const SERVICE_NAMES = ['scaleface-web', 'scaleface-worker', 'scaleface-autoscaler'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where AL2023's aws-cfn-bootstrap puts cfn-signal. */
export const CFN_SIGNAL = '/opt/aws/bin/cfn-signal';
const HEALTH_RETRIES = 60;
const HEALTH_RETRY_DELAY_S = 5;
/** The longest a boot waits for its service's /healthz before it fails. */
export const HEALTH_WAIT_SECONDS = HEALTH_RETRIES * HEALTH_RETRY_DELAY_S;

/** What every instance's /etc/scaleface/env holds besides its tier's own variables. */
export function commonEnv(prefix: string, region: string): Record<string, string> {
  return {
    SCALEFACE_PREFIX: prefix,
    SCALEFACE_QUEUE: 'sqs',
    SCALEFACE_STORAGE: 's3',
    // Both tiers: the web tier runs the EC2 pool, a worker picks the heartbeat reporter from it.
    SCALEFACE_COMPUTE: 'ec2',
    SCALEFACE_DATA_DIR: '/var/lib/scaleface',
    SCALEFACE_CONFIG_FILE: '/etc/scaleface/config.json',
    AWS_REGION: region,
  };
}

/**
 * cfn-signal comes first and alone, so that every later failure (the log agent, Node, npm ci) can still be
 * signalled and CloudFormation rolls back at once instead of waiting READY_TIMEOUT. If cfn-signal itself cannot
 * be installed, nothing can signal: the boot stops here, and CloudFormation notices only at its timeout.
 */
function installCfnSignal(): string[] {
  return [
    `[ -x ${CFN_SIGNAL} ] || dnf install -y aws-cfn-bootstrap || { echo 'cannot install cfn-signal (aws-cfn-bootstrap): the boot stops without signalling CloudFormation' >&2; exit 1; }`,
  ];
}

/** On exit, the web instance signals CloudFormation with the script's exit code (0 only at the very end). */
function signalOnExit(r: Readiness, serviceName: string): string[] {
  return [
    'report_exit() {',
    '  code=$?',
    `  [ "$code" -eq 0 ] || tail -n 100 ${serviceLogFile(serviceName)} || true`,
    `  ${CFN_SIGNAL} -e "$code" --stack ${r.stackName} --resource ${r.logicalId} --region ${r.region} || echo 'cfn-signal failed' >&2`,
    '}',
    'trap report_exit EXIT',
  ];
}

/**
 * Installs what the image lacks: nothing on an image prepared by `scaleface aws bake` (docs/aws.md), so that
 * such a boot needs no package repository. AL2023's nodejs22 provides `node-22' (and 'node' through
 * `alternatives` only when no other Node claims it), so the binary is looked up after the install and its
 * resolved path written into the units.
 */
function installNode(): string[] {
  return [
    'PACKAGES=()',
    'command -v node-22 >/dev/null || command -v node >/dev/null || PACKAGES+=(nodejs22 nodejs22-npm)',
    'command -v unzip >/dev/null || PACKAGES+=(unzip)',
    `if [ \${#PACKAGES[@]} -gt 0 ]; then dnf install -y "\${PACKAGES[@]}"; else echo 'prepared image: no package to install'; fi`,
    'NODE=$(command -v node-22 || command -v node) || { echo "no node binary after installing nodejs22" >&2; exit 1; }',
    'NODE=$(readlink -f "$NODE")',
    // 22.13: the oldest Node scaleface supports (package.json's engines; node:sqlite without a flag).
    'NODE_VERSION=$("$NODE" --version) && IFS=. read -r NODE_MAJOR NODE_MINOR _ <<< "${NODE_VERSION#v}"',
    '[ "$NODE_MAJOR" -gt 22 ] || { [ "$NODE_MAJOR" -eq 22 ] && [ "$NODE_MINOR" -ge 13 ]; } || { echo "node $NODE_VERSION is older than 22.13, the oldest Node scaleface supports: install nodejs22 (dnf install -y nodejs22 nodejs22-npm), or bake the image again" >&2; exit 1; }',
    'NPM=$(command -v npm-22 || command -v npm) || { echo "no npm binary after installing nodejs22-npm" >&2; exit 1; }',
    // npm and the packages' install scripts call 'node' by name.
    'mkdir -p /usr/local/lib/scaleface/bin',
    `ln -sf "$NODE" /usr/local/lib/scaleface/bin/node`,
    `export PATH=/usr/local/lib/scaleface/bin:$PATH`,
  ];
}

/** Where the boot script records the lock file node_modules was installed from (kept in a prepared image). */
const INSTALLED_LOCK = '/opt/scaleface/.installed-lock.sha256';

/**
 * Unpacks the code over the last one (compiled files removed first) and installs the dependencies unless
 * node_modules was installed from the very same package-lock.json, as on an image prepared from an instance
 * of the same release: then the boot reaches no registry.
 */
function installProject(codeUrl: string): string[] {
  return [
    `mkdir -p /opt/scaleface /var/lib/scaleface /etc/scaleface /usr/local/bin /tmp`,
    `aws s3 cp "${codeUrl}" /tmp/scaleface.zip`,
    'rm -rf /opt/scaleface/dist',
    `unzip -oq /tmp/scaleface.zip -d /opt/scaleface`,
    'LOCK_SUM=$(sha256sum /opt/scaleface/package-lock.json | cut -d" " -f1)',
    `if [ -d /opt/scaleface/node_modules ] && [ "$(cat ${INSTALLED_LOCK} 2>/dev/null)" = "$LOCK_SUM" ]; then`,
    "  echo 'prepared image: dependencies already installed from this package-lock.json'",
    'else',
    // AL2023's npm 10 ignores package.json's allowScripts: the variable keeps onnxruntime-node's GPU download off.
    `  (cd /opt/scaleface && ONNXRUNTIME_NODE_INSTALL=skip "$NPM" ci --omit=dev --no-audit --no-fund)`,
    `  echo "$LOCK_SUM" > ${INSTALLED_LOCK}`,
    'fi',
    `printf '#!/bin/sh\\nexec %s %s "$@"\\n' "$NODE" /opt/scaleface/dist/src/cli/main.js > /usr/local/bin/scaleface`,
    `chmod +x /usr/local/bin/scaleface`,
  ];
}

/** The instance's id and Name tag, through IMDSv2 (the launch template allows tags in instance metadata). */
const READ_INSTANCE = [
  'IMDS=http://169.254.169.254/latest',
  'TOKEN=$(curl -sf -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
  'INSTANCE_ID=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/instance-id")',
  'NAME=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/tags/instance/Name" || hostname -s)',
];

/** The unit's start check: its env file was written on this instance (written by writeSameInstanceCheck). */
export const SAME_INSTANCE_CHECK = '/usr/local/lib/scaleface/bin/same-instance';

/**
 * An image prepared from a running instance keeps its enabled unit and its env file, so on a new instance the
 * unit starts at boot with the old instance's settings (its Name among them) before cloud-init has run this
 * script. The unit refuses to start until the env file names this instance; Restart= tries again until it does.
 */
function writeSameInstanceCheck(): string {
  const lines = [
    '#!/bin/sh',
    'IMDS=http://169.254.169.254/latest',
    'T=$(curl -sf -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
    'ID=$(curl -sf -H "X-aws-ec2-metadata-token: $T" "$IMDS/meta-data/instance-id")',
    '[ -n "$ID" ] && [ "$ID" = "$BOOT_INSTANCE_ID" ] && exit 0',
    'echo "the env file was written on instance $BOOT_INSTANCE_ID, this is $ID: waiting for the boot script to write it here" >&2',
    'exit 1',
  ];
  return `cat > ${SAME_INSTANCE_CHECK} <<'CHECK'\n${lines.join('\n')}\nCHECK\nchmod +x ${SAME_INSTANCE_CHECK}`;
}

function writeConfig(settings: BootSettings): string[] {
  // Regions have no SCALEFACE_* variable of their own besides AWS_REGION: the config file names them too.
  const region = settings.region;
  const file = JSON.stringify({ queue: { sqs: { region } }, storage: { s3: { region } }, compute: { ec2: { region } } });
  const env = { ...commonEnv(settings.prefix, region), ...settings.env };
  return [
    `cat > /etc/scaleface/config.json <<'JSON'\n${file}\nJSON`,
    `cat > /etc/scaleface/env <<'ENV'\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nENV`,
    // Not a setting: the unit's start check compares it with the instance it runs on.
    `printf 'BOOT_INSTANCE_ID=%s\\n' "$INSTANCE_ID" >> /etc/scaleface/env`,
  ];
}

/** $NODE and $NAME are expanded when the unit is written. */
function systemdUnit(settings: BootSettings): string {
  return [
    'mkdir -p /etc/systemd/system',
    `cat > /etc/systemd/system/${settings.serviceName}.service <<UNIT`,
    '[Unit]',
    `Description=Scaleface ${settings.serviceName}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    'EnvironmentFile=/etc/scaleface/env',
    // Into a file the CloudWatch agent collects (the agent cannot read the journal).
    `StandardOutput=append:${serviceLogFile(settings.serviceName)}`,
    'StandardError=inherit',
    'WorkingDirectory=/opt/scaleface',
    `ExecStartPre=${SAME_INSTANCE_CHECK}`,
    `ExecStart=$NODE /opt/scaleface/dist/src/cli/main.js ${settings.command}`,
    'KillSignal=SIGTERM',
    'TimeoutStopSec=120',
    'Restart=on-failure',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
  ].join('\n');
}

/** Waits for the service's /healthz (a crash-looping service makes the script, and the deployment, fail). */
function awaitHealthy(port: number): string {
  return (
    `curl -sf --retry ${HEALTH_RETRIES} --retry-delay ${HEALTH_RETRY_DELAY_S} --retry-connrefused --retry-all-errors ` +
    `http://127.0.0.1:${port}/healthz | grep -q '"ok":true'`
  );
}

/** The boot script's lines. */
export function bootScript(settings: BootSettings): string[] {
  const readiness = settings.readiness;
  return [
    'set -euxo pipefail',
    ...(readiness ? [...installCfnSignal(), ...signalOnExit(readiness, settings.serviceName)] : []),
    ...startLogAgent(settings.serviceName, settings.logs),
    ...installNode(),
    ...installProject(settings.codeUrl),
    ...READ_INSTANCE,
    ...writeConfig(settings),
    ...(settings.tokenParameter !== undefined ? readAuthToken(settings.tokenParameter, settings.region) : []),
    writeSameInstanceCheck(),
    // An image prepared from another tier's instance brings that tier's enabled unit along.
    `systemctl disable --now ${SERVICE_NAMES.filter((n) => n !== settings.serviceName).join(' ')} 2>/dev/null || true`,
    systemdUnit(settings),
    'systemctl daemon-reload',
    `systemctl enable ${settings.serviceName}`,
    // restart, not start: on a prepared image the unit may already be waiting for this env file.
    `systemctl restart ${settings.serviceName}`,
    ...(readiness ? [awaitHealthy(readiness.port)] : []),
  ];
}

/** Fills `userData' with the boot script of a tier whose code is 'code`. */
export function addBootScript(
  userData: UserData,
  code: Asset,
  settings: Omit<BootSettings, 'codeUrl' | 'region'>,
): void {
  const stack = Stack.of(code);
  userData.addCommands(...bootScript({ ...settings, region: stack.region, codeUrl: `s3://${code.s3BucketName}/${code.s3ObjectKey}` }));
}
