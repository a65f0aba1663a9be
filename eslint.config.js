import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Node modules that do file, process or network I/O: kept out of the core (see below). */
const NODE_IO_MODULES = [
  "fs",
  "fs/promises",
  "child_process",
  "http",
  "https",
  "http2",
  "dns",
  "dns/promises",
  "dgram",
  "tls",
  "worker_threads",
  "cluster",
  "readline",
];
const NODE_IO_MESSAGE =
  "the core does no I/O of its own: put it behind a port in shared/ports/ with its Node adapter in shared/node/";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "cdk.out/**", "**/*.d.ts", "test/artifacts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        structuredClone: "readonly",
        setImmediate: "readonly",
        queueMicrotask: "readonly",
        Response: "readonly",
        Request: "readonly",
        Headers: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name=/^(test|it|describe)$/][callee.property.name=/^(only|skip)$/]",
          message: "no .only/.skip committed",
        },
      ],
    },
  },
  {
    files: ["shared/**/*.ts"],
    ignores: ["shared/aws/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/local/**", "**/functions/**", "**/infra/**"],
              message: "shared/ never imports local/, functions/ or infra/",
            },
            {
              group: ["@aws-sdk/*", "@aws-lambda-powertools/*"],
              message: "the core is runtime-agnostic: AWS code lives in shared/aws/",
            },
          ],
        },
      ],
    },
  },
  {
    // The core does no I/O of its own (issue 17): files, processes, sockets and the network go
    // through ports whose Node implementations live in shared/node/ (and AWS's in shared/aws/).
    files: ["shared/**/*.ts"],
    ignores: ["shared/aws/**", "shared/node/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            ...NODE_IO_MODULES.map((name) => ({ name, message: NODE_IO_MESSAGE })),
            ...NODE_IO_MODULES.map((name) => ({ name: `node:${name}`, message: NODE_IO_MESSAGE })),
            ...["net", "node:net"].map((name) => ({
              name,
              importNames: ["connect", "createConnection", "createServer", "Socket", "Server"],
              message: NODE_IO_MESSAGE,
            })),
          ],
          patterns: [
            {
              group: ["**/local/**", "**/functions/**", "**/infra/**"],
              message: "shared/ never imports local/, functions/ or infra/",
            },
            {
              group: ["@aws-sdk/*", "@aws-lambda-powertools/*"],
              message: "the core is runtime-agnostic: AWS code lives in shared/aws/",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "fetch", message: "take fetch as a dependency; its Node default is shared/node/node-fetch.ts" },
      ],
      "no-restricted-properties": [
        "error",
        ...["env", "cwd", "chdir", "argv", "exit", "stdout", "stderr", "stdin"].map((property) => ({
          object: "process",
          property,
          message: "the core takes what it needs from the process through its options (set at the edge)",
        })),
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name=/^(test|it|describe)$/][callee.property.name=/^(only|skip)$/]",
          message: "no .only/.skip committed",
        },
        {
          selector: "ImportExpression[source.type!='Literal']",
          message: "loading a module named at run time is I/O: go through the ModuleImporter port (shared/node/)",
        },
      ],
    },
  },
  {
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/local/**"], message: "functions/ never imports local/" }] },
      ],
    },
  },
);
