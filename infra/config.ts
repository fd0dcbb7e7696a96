/** Stack configuration; the modules live in ./config/ (schema, leaves, rules, errors, load). */
export * from "./config/index";
