import fs from 'node:fs';
import path from 'node:path';

/** The repository root (the folder holding this project's package.json), from source or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'durable-orders') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the durable-orders package.json above ' + __dirname);
    dir = parent;
  }
}
