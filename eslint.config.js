import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/local/**"], message: "functions/ never imports local/" }] },
      ],
    },
  },
);
