/**
 * YAML (and JSON, a subset of it) text -> plain data, with line numbers: syntax errors become
 * ConfigIssues with their line, and `lineOf(path)` finds the line of a key path for later issues.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { ConfigIssue } from "./errors.ts";
import type { PathSegment } from "./key-path.ts";

export interface ParsedYaml {
  readonly data: unknown;
  readonly issues: ConfigIssue[];
  /** 1-based line of the key at `path` (or of its nearest existing parent), counting `lineOffset`. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export function parseYamlText(text: string, lineOffset = 0): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  const issues: ConfigIssue[] = doc.errors.map((e) => ({
    path: "",
    message: `YAML syntax: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    ...(e.linePos ? { line: e.linePos[0].line + lineOffset } : {}),
  }));
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line + lineOffset;
  let data: unknown;
  if (issues.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // An alias problem (unresolved, or too many): the line of the first alias at fault.
      const line = aliasLine(doc, lineAt);
      issues.push({
        path: "",
        message: `YAML: ${err instanceof Error ? err.message : String(err)}`,
        ...(line !== undefined ? { line } : {}),
      });
    }
  }
  const lineOf = (path: readonly PathSegment[]): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const parent = doc.getIn(path.slice(0, n - 1), true);
      const seg = path[n - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
        if (pair) return lineAt(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
      } else if (isSeq(parent) && typeof seg === "number") {
        const item = parent.items[seg] as { range?: [number, number, number] } | undefined;
        if (item?.range) return lineAt(item.range[0]);
      }
    }
    return undefined;
  };
  return { data, issues, lineOf };
}

/** The line of the first alias that resolves to nothing, else of the first alias. */
function aliasLine(doc: Document, lineAt: (offset: number | undefined) => number | undefined): number | undefined {
  let unresolved: number | undefined;
  let first: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      const line = lineAt(node.range?.[0]);
      first ??= line;
      if (unresolved === undefined && node.resolve(doc) === undefined) unresolved = line;
    },
  });
  return unresolved ?? first;
}
