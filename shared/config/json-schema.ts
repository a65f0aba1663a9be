/** The JSON Schema of the configuration (for editors: yaml-language-server, VS Code), from the zod schema. */
import { z } from "zod";
import { OrchestratorConfig } from "./schema.ts";

export const CONFIG_SCHEMA_ID = "https://loop-event-driven.dev/schema/config.json";

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(OrchestratorConfig, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  return { $id: CONFIG_SCHEMA_ID, title: "loop-event-driven configuration", ...schema };
}
