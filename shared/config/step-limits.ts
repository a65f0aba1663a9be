/**
 * The limits of a `foreach` step, in a module without zod: the step engine needs them at run time,
 * and importing them from the schema would make every runner (and a Lambda's cold start)
 * evaluate every zod schema.
 */

/** Iterations of one `foreach` running at once with `parallel: true`. */
export const DEFAULT_PARALLEL_ITERATIONS = 4;
/** Upper bound of `parallel: N`. */
export const MAX_PARALLEL_ITERATIONS = 32;
/** Amplifier's default `max_iterations` of a `foreach`. */
export const DEFAULT_MAX_ITERATIONS = 100;
