/**
 * TOML config text -> plain data (smol-toml, TOML 1.1). The spec writes its `config = { ... }`
 * inline table across lines with entries separated by newlines only, which no TOML version
 * allows; so when the parser stops at a missing comma, one is put after the previous value and
 * the text parsed again, and each such repair is reported as a note (`evd validate` prints them).
 */
import { parse, TomlError } from "smol-toml";
import type { ConfigIssue } from "./errors.ts";

export interface ParsedToml {
  readonly data: unknown;
  readonly issues: ConfigIssue[];
  /** Repairs made to read the file (missing commas between inline-table entries). */
  readonly notes: string[];
}

/** Repairs are bounded: a file needing more is not the spec's style but broken. */
const MAX_REPAIRS = 200;

/** Index just after the last code character of a TOML line (before a `#` comment outside strings). */
function codeEnd(line: string): number {
  let quote: string | undefined;
  let end = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
      end = i + 1;
    } else if (c === '"' || c === "'") {
      quote = c;
      end = i + 1;
    } else if (c === "#") break;
    else if (!/\s/.test(c)) end = i + 1;
  }
  return end;
}

function missingComma(error: unknown): error is TomlError {
  return error instanceof TomlError && /expected comma or end of structure/.test(error.message);
}

function repairNote(lines: readonly number[]): string[] {
  if (lines.length === 0) return [];
  return [
    `line${lines.length > 1 ? "s" : ""} ${lines.join(", ")}: inline-table entries separated by a newline only (the spec's style; TOML needs a comma), read as if a comma followed`,
  ];
}

export function parseTomlText(text: string): ParsedToml {
  const repaired: number[] = [];
  let current = text;
  for (let repairs = 0; ; repairs++) {
    try {
      return { data: parse(current), issues: [], notes: repairNote(repaired) };
    } catch (error) {
      if (!(error instanceof TomlError)) throw error;
      const lines = current.split("\n");
      let prev = error.line - 2;
      while (prev >= 0 && codeEnd(lines[prev]!) === 0) prev--;
      if (!missingComma(error) || repairs >= MAX_REPAIRS || prev < 0) {
        const first = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
        return {
          data: undefined,
          issues: [{ path: "", message: `TOML syntax: ${first}`, line: error.line }],
          notes: repairNote(repaired),
        };
      }
      const end = codeEnd(lines[prev]!);
      lines[prev] = `${lines[prev]!.slice(0, end)},${lines[prev]!.slice(end)}`;
      repaired.push(prev + 1);
      current = lines.join("\n");
    }
  }
}
