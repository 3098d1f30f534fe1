export { loadConfig, configToEnv, inheritedEnv, mergeConfig } from './load.js';
export { modelFromSpec, MODEL_KINDS, type ModelKindSetting } from './model-spec.js';
export { resourceNames, type ResourceNames } from './names.js';
export type { Config, ConfigInput } from './schema.js';
