import { NativeModuleMismatchError } from './errors.js';

/**
 * Node's words when it refuses a `.node` file built for another ABI (src/node_binding.cc): the file, the
 * NODE_MODULE_VERSION it was built for and the one this Node requires. Packages that wrap the load (sharp,
 * bindings) keep this text in their message or in the error's cause.
 */
const ABI_MISMATCH = /The module '([^']+)'\s+was compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/;

/** The npm package a file under node_modules belongs to (`@scope/name` or `name`), the file's name otherwise. */
export function packageOfFile(file: string): string {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  const first = parts[at + 1];
  if (at < 0 || first === undefined) return parts.at(-1) ?? file;
  return first.startsWith('@') && parts[at + 2] !== undefined ? `${first}/${parts[at + 2]}` : first;
}

/** The messages of an error and of its causes, outermost first (a few levels: causes can be cyclic). */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    const message = (current as { message?: unknown }).message;
    messages.push(typeof message === 'string' ? message : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return messages;
}

/**
 * The NativeModuleMismatchError for an error that is, or was caused by, Node refusing a native module built for
 * another Node; undefined for any other error. Its message names the package, both ABI versions and the fix.
 */
export function nativeModuleMismatch(error: unknown): NativeModuleMismatchError | undefined {
  if (error instanceof NativeModuleMismatchError) return error;
  for (const message of messagesOf(error)) {
    const match = ABI_MISMATCH.exec(message);
    if (match === null) continue;
    const [, file = '', builtFor, required] = match;
    const name = packageOfFile(file);
    return new NativeModuleMismatchError(
      `the native module ${name} (${file}) was built for NODE_MODULE_VERSION ${builtFor}, but this Node ` +
        `(${process.version}) requires NODE_MODULE_VERSION ${required}. Fix: run \`npm rebuild ${name}\` with this ` +
        `Node first on PATH (and npm_config_nodedir unset or set to this Node's folder, if npm's nodedir setting ` +
        'names another Node\'s headers)',
      { cause: error },
    );
  }
  return undefined;
}
