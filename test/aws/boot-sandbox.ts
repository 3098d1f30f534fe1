/**
 * The fake Amazon Linux 2023 of test/aws/user-data-sandbox.test.ts: system commands (dnf, systemctl, aws, unzip,
 * curl, journalctl) as stubs that log their calls to $SANDBOX_LOG, and the real tools a boot script needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const stub = (body: string) => `#!/bin/bash\necho "$(basename "$0") $*" >> "$SANDBOX_LOG"\n${body}\n`;

/** The CloudWatch agent's control command, as the amazon-cloudwatch-agent package installs it. */
export const AGENT_CTL = 'opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';
export const AGENT_CONFIG = 'opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';

/** What `dnf install` leaves behind: Node per kind of machine, cfn-signal, the CloudWatch agent. */
const DNF = stub(`
# A failed transaction installs nothing: SANDBOX_DNF_FAIL names the packages whose install fails.
for package in "$@"; do
  for failing in $SANDBOX_DNF_FAIL; do
    [ "$package" = "$failing" ] && { echo "Error: Unable to find a match: $package" >&2; exit 1; }
  done
done
for package in "$@"; do
  case "$package" in
    aws-cfn-bootstrap) printf '#!/bin/bash\\necho "cfn-signal $*" >> "$SANDBOX_LOG"\\n' > "$ROOT/opt/aws/bin/cfn-signal"; chmod +x "$ROOT/opt/aws/bin/cfn-signal" ;;
    amazon-cloudwatch-agent)
      printf '#!/bin/bash\\necho "amazon-cloudwatch-agent-ctl $*" >> "$SANDBOX_LOG"\\n' > "$ROOT/${AGENT_CTL}"; chmod +x "$ROOT/${AGENT_CTL}" ;;
    nodejs22) case "$SANDBOX_NODE" in
      alternatives)  # AL2023: node-22, and node as an alternatives link to it
        printf '#!/bin/bash\\n[ "$1" = --version ] && { echo "$SANDBOX_NODE_VERSION"; exit 0; }\\necho "node-22 $*" >> "$SANDBOX_LOG"\\n' > "$ROOT/usr/bin/node-22"
        printf '#!/bin/bash\\necho "npm-22 $* (ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL)" >> "$SANDBOX_LOG"\\nmkdir -p node_modules\\n' > "$ROOT/usr/bin/npm-22"
        chmod +x "$ROOT/usr/bin/node-22" "$ROOT/usr/bin/npm-22"
        ln -sf "$ROOT/usr/bin/node-22" "$ROOT/etc/alternatives/node"
        ln -sf "$ROOT/etc/alternatives/node" "$ROOT/usr/bin/node"
        ln -sf "$ROOT/usr/bin/npm-22" "$ROOT/usr/bin/npm" ;;
      plain)  # a node 22 that is simply called node
        printf '#!/bin/bash\\n[ "$1" = --version ] && { echo "$SANDBOX_NODE_VERSION"; exit 0; }\\necho "node $*" >> "$SANDBOX_LOG"\\n' > "$ROOT/usr/bin/node"
        printf '#!/bin/bash\\necho "npm $* (ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL)" >> "$SANDBOX_LOG"\\nmkdir -p node_modules\\n' > "$ROOT/usr/bin/npm"
        chmod +x "$ROOT/usr/bin/node" "$ROOT/usr/bin/npm" ;;
      none) ;;
    esac ;;
  esac
done`);

const STUBS: Record<string, string> = {
  dnf: DNF,
  systemctl: stub(''),
  journalctl: stub(''),
  // `ssm get-parameter` prints SANDBOX_SSM_TOKEN, or fails as for a missing parameter when it is empty.
  aws: stub(`
case "$1 $2" in
  'ssm get-parameter') [ -n "$SANDBOX_SSM_TOKEN" ] && echo "$SANDBOX_SSM_TOKEN" || { echo 'An error occurred (ParameterNotFound)' >&2; exit 254; } ;;
esac`),
  // The release's package-lock.json is SANDBOX_LOCK (default lock-1).
  unzip: stub('mkdir -p "${@: -1}/dist/src/cli" && echo built > "${@: -1}/dist/src/cli/main.js" && echo "${SANDBOX_LOCK:-lock-1}" > "${@: -1}/package-lock.json"'),
  curl: stub(`
case "$*" in
  *api/token*) echo token ;;
  *tags/instance/Name*) echo app-tier-instance-3 ;;
  *meta-data/instance-id*) echo "\${SANDBOX_INSTANCE_ID:-i-0aaaaaaaaaaaaaaa1}" ;;
  *healthz*) [ "$SANDBOX_HEALTHZ" = ok ] && echo '{"ok":true}' || exit 7 ;;
  *) exit 6 ;;
esac`),
};
const REAL_TOOLS = ['bash', 'sh', 'mkdir', 'cat', 'readlink', 'ln', 'chmod', 'grep', 'rm', 'basename', 'dirname', 'sed', 'tr', 'head', 'tail', 'sha256sum', 'cut'];

/** Stubs and real tools in `<root>/sandbox-bin`, the folders the stubs install into; returns the bin folder. */
export async function prepareSandbox(root: string): Promise<string> {
  const bin = join(root, 'sandbox-bin');
  for (const folder of ['usr/bin', 'etc/alternatives', 'opt/aws/bin', 'opt/aws/amazon-cloudwatch-agent/bin', 'sandbox-bin']) await mkdir(join(root, folder), { recursive: true });
  for (const [tool, body] of Object.entries(STUBS)) {
    await writeFile(join(bin, tool), body);
    await chmod(join(bin, tool), 0o755);
  }
  for (const tool of REAL_TOOLS) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(real, `${tool} not found on this machine`);
    await symlink(real, join(bin, tool));
  }
  return bin;
}
