/** Figure 6's zero: an empty module bundled like the others (what loading any module costs). */
export const handler = async (): Promise<void> => {};
