export { loadConfig, configToEnv, inheritedEnv, mergeConfig } from './load.js';
export { resourceNames, type ResourceNames } from './names.js';
export type { Config, ConfigInput } from './schema.js';
