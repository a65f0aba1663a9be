/**
 * The component-by-component walk of node-confined-files.ts: each folder opened without following
 * links relative to the folder opened before it (`/proc/self/fd/<fd>/<name>` on Linux), symlinks
 * met on the way resolved lexically and followed only inside the root.
 */
import { constants } from "node:fs";
import { mkdir, open, readlink, type FileHandle } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { resolveParts } from "../tools/confine-path.ts";
import { PathEscapeError, ToolError } from "../tools/errors.ts";

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
export const PROC_FD = "/proc/self/fd";
/** Symlinks followed in one operation before giving up (Linux's own limit). */
const MAX_LINKS = 40;

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** An open folder and how to name an entry in it. */
export class Dir {
  constructor(
    readonly handle: FileHandle,
    readonly parts: readonly string[],
    private readonly absolute: string,
    private readonly viaFd: boolean,
  ) {}

  /** The folder itself, as a path the kernel resolves through the open descriptor (Linux). */
  self(): string {
    return this.viaFd ? `${PROC_FD}/${this.handle.fd}` : this.absolute;
  }

  at(name: string): string {
    return `${this.self()}/${name}`;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Thrown inside a walk when the component at `index` is a symlink: the walk restarts along `parts`. */
class Relink {
  constructor(readonly parts: string[]) {}
}

export class Walk {
  private links = 0;

  constructor(
    private readonly root: string,
    private readonly realRoot: string,
    private readonly what: string,
    private readonly userPath: string,
    private readonly viaFd: boolean,
  ) {}

  /** Opens the root folder. */
  private async openRoot(): Promise<Dir> {
    const handle = await open(this.realRoot, O_RDONLY | O_DIRECTORY);
    return new Dir(handle, [], this.realRoot, this.viaFd);
  }

  /** The parts a symlink at `dir/name` leads to (followed by `rest`), or a PathEscapeError. */
  async follow(dir: Dir, name: string, rest: readonly string[]): Promise<Relink> {
    if (++this.links > MAX_LINKS)
      throw new ToolError(`${this.what}: "${this.userPath}" goes through more than ${MAX_LINKS} symlinks`, {
        permanent: true,
      });
    const target = await readlink(dir.at(name));
    let parts: string[] | undefined;
    let shown: string;
    if (isAbsolute(target)) {
      shown = resolve(target);
      for (const base of [this.realRoot, resolve(this.root)]) {
        const rel = relative(base, shown);
        if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) {
          parts = rel === "" ? [] : rel.split(sep);
          break;
        }
      }
    } else {
      shown = resolve(this.realRoot, ...dir.parts, target);
      parts = resolveParts(dir.parts, target);
    }
    if (parts === undefined)
      throw new PathEscapeError(
        `${this.what}: "${this.userPath}" resolves through a symlink to ${shown}, outside the tool root ${this.root}`,
      );
    return new Relink([...parts, ...rest]);
  }

  /** Opens the folder at `parts` (creating missing ones when `create`), following inner symlinks. */
  async openDir(parts: readonly string[], create: boolean): Promise<Dir> {
    let wanted = [...parts];
    for (;;) {
      const result = await this.tryOpenDir(wanted, create);
      if (result instanceof Dir) return result;
      wanted = result.parts;
    }
  }

  private async tryOpenDir(parts: readonly string[], create: boolean): Promise<Dir | Relink> {
    let dir = await this.openRoot();
    try {
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!;
        let next: FileHandle;
        try {
          next = await open(dir.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        } catch (error) {
          const code = codeOf(error);
          if (code === "ENOENT" && create) {
            await mkdir(dir.at(name)).catch((e: unknown) => {
              if (codeOf(e) !== "EEXIST") throw e;
            });
            i -= 1; // open the folder just made, still without following links
            continue;
          }
          // O_DIRECTORY | O_NOFOLLOW on a symlink fails with ENOTDIR (or ELOOP): is it one?
          if (code === "ENOTDIR" || code === "ELOOP") {
            const isLink = await readlink(dir.at(name)).then(
              () => true,
              () => false,
            );
            if (isLink) return await this.follow(dir, name, parts.slice(i + 1));
          }
          throw error;
        }
        const parent = dir;
        dir = new Dir(next, [...parent.parts, name], join(this.realRoot, ...parent.parts, name), this.viaFd);
        await parent.close();
      }
      return dir;
    } catch (error) {
      await dir.close();
      throw error;
    }
  }

  /**
   * Runs `use` on the last component's folder and name; when `use` meets a symlink there (ELOOP
   * from an O_NOFOLLOW open), the walk restarts along the link's target.
   */
  async atLast<T>(parts: readonly string[], create: boolean, use: (dir: Dir, name: string) => Promise<T>): Promise<T> {
    let wanted = [...parts];
    for (;;) {
      const dir = await this.openDir(wanted.slice(0, -1), create);
      const name = wanted[wanted.length - 1]!;
      try {
        return await use(dir, name);
      } catch (error) {
        if (codeOf(error) !== "ELOOP") throw error;
        wanted = (await this.follow(dir, name, [])).parts;
        if (wanted.length === 0)
          throw new ToolError(`${this.what}: "${this.userPath}" is the tool root, not a file`, { permanent: true });
      } finally {
        await dir.close();
      }
    }
  }
}
