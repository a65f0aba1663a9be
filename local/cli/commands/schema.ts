/** `evd schema [--out FILE]`: the JSON Schema of the configuration, for editors and CI checks. */
import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { configJsonSchema } from "../../../shared/config/json-schema.ts";

export function register(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of the configuration (draft 2020-12)")
    .option("-o, --out <file>", "write it to this file instead of standard output")
    .addHelpText(
      "after",
      "\nUse it in VS Code / yaml-language-server with a first line such as:\n  # yaml-language-server: $schema=./evd.schema.json\n\nExample:\n  evd schema --out evd.schema.json",
    )
    .action(async (opts: { out?: string }) => {
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (opts.out) {
        const file = resolve(process.cwd(), opts.out);
        await writeFile(file, text, "utf8");
        process.stderr.write(`wrote ${file}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
