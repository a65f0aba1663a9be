export * from "./errors.ts";
export * from "./branch-filter.ts";
export * from "./route.ts";
export { renderKeyTemplate } from "./key-template.ts";
