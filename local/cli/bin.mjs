#!/usr/bin/env node
// Entry point of the `evd` CLI. It loads the TypeScript sources through tsx so that
// `npx evd ...` works right after `npm ci`, with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv);
