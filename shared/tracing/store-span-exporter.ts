/** The SpanExporter that keeps finished spans in a SpanStore (the daemon's embedded store). */
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { spanRecordOf, type SpanRecord, type SpanStore } from "./span-record.ts";

type ExportCallback = Parameters<SpanExporter["export"]>[1];

/** ExportResultCode of @opentelemetry/core: SUCCESS 0, FAILED 1. */
const SUCCESS = 0;
const FAILED = 1;

export interface StoreSpanExporterOptions {
  /** Spans to keep (the daemon leaves out admission spans: it derives them from its event log). @default all */
  readonly keep?: (span: SpanRecord) => boolean;
}

export function storeSpanExporter(store: SpanStore, options: StoreSpanExporterOptions = {}): SpanExporter {
  let stopped = false;
  return {
    export(spans, done: ExportCallback) {
      if (stopped) {
        done({ code: FAILED, error: new Error("the span store exporter is shut down") });
        return;
      }
      const records = spans.map(spanRecordOf);
      store.append(options.keep ? records.filter(options.keep) : records).then(
        () => done({ code: SUCCESS }),
        (error: unknown) => done({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
      );
    },
    async shutdown() {
      stopped = true;
    },
  };
}
