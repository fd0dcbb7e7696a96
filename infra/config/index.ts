/**
 * Stack configuration: the one boundary where raw YAML becomes typed values.
 *
 * `parseConfig` validates everything before a single resource is registered
 * and reports every problem at once (cross-key rules run on every section
 * that parsed), one line per problem, each naming the config key, the value
 * received, what is allowed and how to fix it.
 * Durations such as "2m" are parsed here, once; the rest of the program sees
 * seconds.
 */
export { ConfigError, show } from "./errors";
export { parseDuration } from "./duration";
export { parseConfig } from "./load";
export { ownSections, parseConfigMap, type StackConfigMap } from "./stackMap";
export { INGRESS_INSTALL_ONLY_KEYS } from "./rules";
export type { ParseContext } from "./rules";
export * from "./types";
