/** The Logger port over Powertools Logger: structured JSON lines with the service name and keys. */
import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { LogFields, Logger } from "../shared/logging/logger.ts";

export function powertoolsLogger(base: PowertoolsLogger = new PowertoolsLogger()): Logger {
  const wrap = (pl: PowertoolsLogger): Logger => ({
    log(level, message, fields) {
      pl[level](message, { ...(fields ?? {}) });
    },
    child(fields: LogFields) {
      return wrap(pl.createChild({ persistentKeys: { ...fields } }));
    },
  });
  return wrap(base);
}
