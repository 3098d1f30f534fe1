/**
 * Boot scripts of the web instance and of the app-tier instances (Amazon Linux 2023): install Node 20,
 * unpack the project (built locally, shipped as a CDK asset), write the configuration and start the
 * service under systemd. SIGTERM on stop or terminate lets a worker finish the message it holds.
 */
import { Stack } from 'aws-cdk-lib';
import { UserData } from 'aws-cdk-lib/aws-ec2';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';

export interface UserDataSettings {
  readonly prefix: string;
  /** The project as a zip in the CDK asset bucket. */
  readonly code: Asset;
  /** SCALEFACE_* variables of this tier. */
  readonly env: Readonly<Record<string, string>>;
  /** `scaleface` subcommand and arguments; `$NAME` is the instance's Name tag. */
  readonly command: string;
  readonly serviceName: string;
}

const INSTALL_NODE = [
  'dnf install -y nodejs20 nodejs20-npm unzip',
  // AL2023 installs node-20 / npm-20; give them their usual names.
  'command -v node >/dev/null || ln -sf "$(command -v node-20)" /usr/local/bin/node',
  'command -v npm >/dev/null || ln -sf "$(command -v npm-20)" /usr/local/bin/npm',
];

function installProject(code: Asset): string[] {
  return [
    'mkdir -p /opt/scaleface /var/lib/scaleface /etc/scaleface',
    `aws s3 cp "s3://${code.s3BucketName}/${code.s3ObjectKey}" /tmp/scaleface.zip`,
    'unzip -oq /tmp/scaleface.zip -d /opt/scaleface',
    'cd /opt/scaleface && npm ci --omit=dev --no-audit --no-fund',
    "printf '#!/bin/sh\\nexec /usr/local/bin/node /opt/scaleface/dist/src/cli/main.js \"$@\"\\n' > /usr/local/bin/scaleface",
    'chmod +x /usr/local/bin/scaleface',
  ];
}

/** The instance's Name tag, through IMDSv2 (the launch template allows tags in instance metadata). */
const READ_NAME_TAG = [
  'IMDS=http://169.254.169.254/latest',
  'TOKEN=$(curl -sf -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
  'NAME=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/tags/instance/Name" || hostname -s)',
];

function writeConfig(settings: UserDataSettings): string[] {
  const region = Stack.of(settings.code).region;
  // Regions have no SCALEFACE_* variable: they go in the config file.
  const file = JSON.stringify({
    queue: { sqs: { region } },
    storage: { s3: { region } },
    compute: { ec2: { region } },
  });
  const env = {
    ...settings.env,
    SCALEFACE_PREFIX: settings.prefix,
    SCALEFACE_QUEUE: 'sqs',
    SCALEFACE_STORAGE: 's3',
    SCALEFACE_DATA_DIR: '/var/lib/scaleface',
    SCALEFACE_CONFIG_FILE: '/etc/scaleface/config.json',
    AWS_REGION: region,
  };
  return [
    `cat > /etc/scaleface/config.json <<'JSON'\n${file}\nJSON`,
    `cat > /etc/scaleface/env <<'ENV'\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nENV`,
  ];
}

function systemdUnit(settings: UserDataSettings): string {
  return [
    `cat > /etc/systemd/system/${settings.serviceName}.service <<UNIT`,
    '[Unit]',
    `Description=Scaleface ${settings.serviceName}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    'EnvironmentFile=/etc/scaleface/env',
    'WorkingDirectory=/opt/scaleface',
    `ExecStart=/usr/local/bin/scaleface ${settings.command}`,
    'KillSignal=SIGTERM',
    'TimeoutStopSec=120',
    'Restart=on-failure',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
  ].join('\n');
}

export function scalefaceUserData(settings: UserDataSettings): UserData {
  const userData = UserData.forLinux();
  userData.addCommands(
    'set -euxo pipefail',
    ...INSTALL_NODE,
    ...installProject(settings.code),
    ...READ_NAME_TAG,
    ...writeConfig(settings),
    systemdUnit(settings),
    'systemctl daemon-reload',
    `systemctl enable --now ${settings.serviceName}`,
  );
  return userData;
}
