export { loadConfig, configToEnv, inheritedEnv, settingLabel } from './load.js';
export { mergeConfig } from './tree.js';
export { modelFromSpec } from './model-spec.js';
export { resourceNames, type ResourceNames } from './names.js';
export type { Config, ConfigInput } from './schema.js';
