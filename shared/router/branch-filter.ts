/**
 * Branch and tag filters with GitHub Actions' filter pattern semantics (the "Filter pattern cheat
 * sheet" of the workflow syntax reference):
 *   `*`   zero or more characters except `/`        `**`  zero or more of any character
 *   `?`   zero or one of the preceding character     `+`   one or more of the preceding character
 *   `[]`  one character listed or in a range (`[0-9a-z]`, `[CB]`)
 *   `!`   at the start of a pattern: negates the previous positive patterns
 *   `\`   escapes the next character (a literal `+`, `*`, `[`...)
 * A pattern matches the whole name (no prefix matching). Patterns are checked in order: a positive
 * match includes the name, a later negative match excludes it again, a later positive re-includes
 * it. A list with no positive pattern matches nothing.
 */

const cache = new Map<string, RegExp>();

/** The anchored regular expression of one (positive) pattern, without a leading `!`. */
export function filterPatternToRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const atoms: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length) {
      atoms.push(escapeRegExp(pattern[++i]!));
    } else if (ch === "*") {
      if (pattern[i + 1] === "*") {
        atoms.push(".*");
        i++;
      } else {
        atoms.push("[^/]*");
      }
    } else if ((ch === "?" || ch === "+") && atoms.length > 0 && canRepeat(atoms[atoms.length - 1]!)) {
      atoms[atoms.length - 1] = `(?:${atoms[atoms.length - 1]})${ch}`;
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end > i + 1) {
        atoms.push(characterClass(pattern.slice(i + 1, end)));
        i = end;
      } else {
        atoms.push(escapeRegExp(ch));
      }
    } else {
      atoms.push(escapeRegExp(ch));
    }
  }
  const re = new RegExp(`^${atoms.join("")}$`, "u");
  cache.set(pattern, re);
  return re;
}

/** `?` and `+` apply to one preceding character or class, not to a wildcard or another quantifier. */
function canRepeat(atom: string): boolean {
  return atom !== ".*" && atom !== "[^/]*" && !/[?+]$/u.test(atom);
}

function characterClass(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (body[i + 1] === "-" && i + 2 < body.length) {
      out += `${escapeClassChar(c)}-${escapeClassChar(body[i + 2]!)}`;
      i += 2;
    } else {
      out += escapeClassChar(c);
    }
  }
  return `[${out}]`;
}

function escapeClassChar(c: string): string {
  return /[\\\]^-]/u.test(c) ? `\\${c}` : c;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/gu, "\\$&");
}

/** True when `name` passes the ordered list of patterns (see the file comment). */
export function matchesFilter(name: string, patterns: readonly string[]): boolean {
  let included = false;
  for (const raw of patterns) {
    const negative = raw.startsWith("!");
    const pattern = negative ? raw.slice(1) : raw;
    if (negative === included && filterPatternToRegExp(pattern).test(name)) included = !negative;
  }
  return included;
}

export interface RefFilters {
  readonly branches?: readonly string[];
  readonly tags?: readonly string[];
}

/**
 * GitHub's rule for push filters: with neither `branches` nor `tags`, every push matches; with only
 * one of them, pushes to the other kind of ref do not match (a tag push is not a branch push).
 */
export function matchesRefFilters(ref: { branch?: string; tag?: string }, filters: RefFilters): boolean {
  if (filters.branches === undefined && filters.tags === undefined) return true;
  if (ref.branch !== undefined) return filters.branches !== undefined && matchesFilter(ref.branch, filters.branches);
  if (ref.tag !== undefined) return filters.tags !== undefined && matchesFilter(ref.tag, filters.tags);
  return false;
}
