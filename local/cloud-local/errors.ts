/** The root error of `evd cloud local`: every failure it reports names what is wrong and where. */
export class CloudLocalError extends Error {
  override readonly name: string = "CloudLocalError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The cloud assembly or its template cannot be run as declared (a mismatch AWS would refuse too). */
export class TemplateError extends CloudLocalError {
  override readonly name = "TemplateError";
}

/** An emulator could not start or answered in a way it never should. */
export class EmulatorError extends CloudLocalError {
  override readonly name = "EmulatorError";
}
