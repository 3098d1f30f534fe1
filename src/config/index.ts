export { loadConfig, configToEnv, inheritedEnv, settingLabel } from './load.js';
export { mergeConfig } from './tree.js';
export { modelFromSpec, MODEL_KINDS, type ModelKindSetting } from './model-spec.js';
export { resourceNames, type ResourceNames } from './names.js';
export type { Config, ConfigInput } from './schema.js';
