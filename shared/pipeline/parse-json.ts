/**
 * What a prompt step's answer becomes (Amplifier's `parse_json`): with `parse_json: true` the JSON
 * is extracted from the answer (the whole text, a ```json block, or the last JSON object or list
 * embedded in prose), else the text is kept; by default (recipes only) an answer that is clean
 * JSON as a whole is parsed and anything else kept as text.
 */
export const ParseJson = { NEVER: "never", CLEAN: "clean", EXTRACT: "extract" } as const;
export type ParseJson = (typeof ParseJson)[keyof typeof ParseJson];

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Parse attempts of the embedded-JSON search: bounds its cost on long answers full of brackets. */
const MAX_EMBEDDED_ATTEMPTS = 500;

/**
 * The JSON object or list embedded in prose that ends last (the answer's final JSON, as models are
 * asked to put it), the outermost one when several end at the same place.
 */
function embedded(text: string): { ok: true; value: unknown } | { ok: false } {
  let attempts = 0;
  let best: { start: number; end: number; value: unknown } | undefined;
  for (let start = 0; start < text.length; start++) {
    const open = text[start];
    if (open !== "{" && open !== "[") continue;
    const close = open === "{" ? "}" : "]";
    for (let end = text.indexOf(close, start); end >= 0; end = text.indexOf(close, end + 1)) {
      if (++attempts > MAX_EMBEDDED_ATTEMPTS) return best ? { ok: true, value: best.value } : { ok: false };
      const hit = tryParse(text.slice(start, end + 1));
      if (hit.ok) {
        if (!best || end > best.end) best = { start, end, value: hit.value };
        start = end;
        break;
      }
    }
  }
  return best ? { ok: true, value: best.value } : { ok: false };
}

export function processAnswer(text: string, mode: ParseJson): unknown {
  if (mode === ParseJson.NEVER) return text;
  const trimmed = text.trim();
  if (!trimmed) return text;
  const whole = tryParse(trimmed);
  if (whole.ok) return whole.value;
  if (mode === ParseJson.CLEAN) return text;
  const fenced = /```(?:json)?\s*([{[][\s\S]*?[}\]])\s*```/.exec(trimmed);
  if (fenced) {
    const hit = tryParse(fenced[1]!);
    if (hit.ok) return hit.value;
  }
  const found = embedded(trimmed);
  return found.ok ? found.value : text;
}

/** Appended to the prompt of a `parse_json: true` step, so the model answers with JSON. */
export const JSON_ANSWER_INSTRUCTION =
  "\n\n---\n\nAnswer with valid JSON: put one JSON object (or list) at the end of your answer, raw or in a ```json block, with no comments or trailing commas.\n";
