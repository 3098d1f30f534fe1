/**
 * Parts of the boot script beyond installing and starting the service (deploy/user-data.ts): the
 * CloudWatch agent that ships the logs, and the web tier's bearer token read from SSM Parameter Store.
 */

/** Where a service's systemd unit appends its stdout and stderr (collected by the agent). */
export const SERVICE_LOG_DIR = '/var/log/scaleface';
const AGENT_HOME = '/opt/aws/amazon-cloudwatch-agent';
export const AGENT_CTL = `${AGENT_HOME}/bin/amazon-cloudwatch-agent-ctl`;
export const AGENT_CONFIG = `${AGENT_HOME}/etc/amazon-cloudwatch-agent.json`;
const BOOT_LOG = '/var/log/cloud-init-output.log';

export interface LogShipping {
  /** Log group of the service's output. */
  readonly serviceGroup: string;
  /** Log group of the boot output (cloud-init). */
  readonly bootGroup: string;
}

export function serviceLogFile(serviceName: string): string {
  return `${SERVICE_LOG_DIR}/${serviceName}.log`;
}

/**
 * Installs and starts the CloudWatch agent first, so that a boot that fails later still reaches CloudWatch.
 * A failure here is reported and does not stop the boot: the logs then stay on the instance.
 */
export function startLogAgent(serviceName: string, logs: LogShipping): string[] {
  const stream = '{instance_id}';
  const config = JSON.stringify({
    agent: { run_as_user: 'root' },
    logs: {
      logs_collected: {
        files: {
          collect_list: [
            { file_path: serviceLogFile(serviceName), log_group_name: logs.serviceGroup, log_stream_name: stream },
            { file_path: BOOT_LOG, log_group_name: logs.bootGroup, log_stream_name: stream },
          ],
        },
      },
    },
  });
  return [
    `mkdir -p ${SERVICE_LOG_DIR} ${AGENT_HOME}/etc /etc/logrotate.d`,
    // systemd opens the file in append mode, so copytruncate loses nothing; the agent notices the truncation.
    `printf '%s\\n' '${SERVICE_LOG_DIR}/*.log {' '  daily' '  rotate 3' '  maxsize 50M' '  missingok' '  notifempty' '  copytruncate' '}' > /etc/logrotate.d/scaleface`,
    `cat > ${AGENT_CONFIG} <<'JSON'\n${config}\nJSON`,
    // A prepared image (scaleface aws bake) has the agent already: no package repository needed.
    `{ { [ -x ${AGENT_CTL} ] || dnf install -y amazon-cloudwatch-agent; } && ${AGENT_CTL} -a fetch-config -m ec2 -s -c file:${AGENT_CONFIG}; } ` +
      `|| echo 'warning: the CloudWatch agent did not start; logs stay on the instance (${SERVICE_LOG_DIR}, ${BOOT_LOG})' >&2`,
  ];
}

/**
 * Appends SCALEFACE_AUTH_TOKEN from the SecureString `parameter` to the env file, with tracing off so that
 * the value never reaches the boot log. A parameter that is missing or unreadable leaves the web tier
 * without a token (reported); one shorter than the 8 characters the config requires stops the boot.
 */
export function readAuthToken(parameter: string, region: string): string[] {
  return [
    'chmod 600 /etc/scaleface/env',
    'set +x',
    `if AUTH_TOKEN=$(aws ssm get-parameter --region ${region} --name ${parameter} --with-decryption --query Parameter.Value --output text); then`,
    '  if [ "${#AUTH_TOKEN}" -lt 8 ]; then',
    `    echo "the token in ${parameter} is shorter than 8 characters (web.authToken needs at least 8)" >&2`,
    '    exit 1',
    '  fi',
    `  printf 'SCALEFACE_AUTH_TOKEN=%s\\n' "$AUTH_TOKEN" >> /etc/scaleface/env`,
    `  echo "auth token read from ${parameter}"`,
    'else',
    `  echo "no auth token: ${parameter} could not be read; the web tier runs without one (admin routes open to allowedCidr)" >&2`,
    'fi',
    'unset AUTH_TOKEN',
    'set -x',
  ];
}
