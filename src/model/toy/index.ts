export {
  TabularPolicy,
  createTabularPolicy,
  TABULAR_ABSENT_LOGIT,
  TABULAR_WEIGHT_NAME,
  type TabularEntry,
  type TabularPolicyOptions,
} from './tabular.js';
export { createTinyCharPolicy, tinyCharConfig, type TinyCharOptions, type TinyCharPolicy } from './tiny_char.js';
