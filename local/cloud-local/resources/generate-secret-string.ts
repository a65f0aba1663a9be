/**
 * Secrets Manager's GenerateSecretString, as CloudFormation applies it when it creates a secret:
 * a random password of PasswordLength (32) characters from the classes not excluded, each
 * included class at least once (RequireEachIncludedType, default true), optionally placed under
 * GenerateStringKey inside the JSON of SecretStringTemplate.
 */
import { randomInt } from "node:crypto";
import { TemplateError } from "../errors.ts";

export interface GenerateSecretStringSpec {
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeLowercase?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
  readonly SecretStringTemplate?: string;
  readonly GenerateStringKey?: string;
}

const CLASSES = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numbers: "0123456789",
  punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
} as const;

export function generateSecretString(spec: GenerateSecretStringSpec, where: string): string {
  const length = Number(spec.PasswordLength ?? 32);
  const excluded = new Set(spec.ExcludeCharacters ?? "");
  const truthy = (v: unknown) => v === true || v === "true";
  const classes = [
    truthy(spec.ExcludeLowercase) ? "" : CLASSES.lower,
    truthy(spec.ExcludeUppercase) ? "" : CLASSES.upper,
    truthy(spec.ExcludeNumbers) ? "" : CLASSES.numbers,
    truthy(spec.ExcludePunctuation) ? "" : CLASSES.punctuation,
    truthy(spec.IncludeSpace) ? " " : "",
  ]
    .map((c) => [...c].filter((ch) => !excluded.has(ch)).join(""))
    .filter(Boolean);
  if (classes.length === 0 || !Number.isInteger(length) || length < 1 || length > 4096)
    throw new TemplateError(
      `${where}: GenerateSecretString leaves no characters to use, or PasswordLength is not 1-4096`,
    );
  const all = classes.join("");
  const chars = Array.from({ length }, () => all[randomInt(all.length)]!);
  if (spec.RequireEachIncludedType !== false && length >= classes.length) {
    const positions = new Set<number>();
    for (const c of classes) {
      let i: number;
      do i = randomInt(length);
      while (positions.has(i));
      positions.add(i);
      chars[i] = c[randomInt(c.length)]!;
    }
  }
  const password = chars.join("");
  if (spec.SecretStringTemplate === undefined) return password;
  if (!spec.GenerateStringKey) throw new TemplateError(`${where}: SecretStringTemplate needs GenerateStringKey`);
  let template: unknown;
  try {
    template = JSON.parse(spec.SecretStringTemplate);
  } catch {
    throw new TemplateError(`${where}: SecretStringTemplate is not JSON`);
  }
  return JSON.stringify({ ...(template as object), [spec.GenerateStringKey]: password });
}
