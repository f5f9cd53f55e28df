/**
 * Listing of a face data set laid out as one folder per person (`<root>/<Person>/<image>`). Folders and files are
 * sorted by UTF-16 code units (JavaScript's default string order), so the listing, and everything drawn from it,
 * does not depend on the order the file system returns.
 */

import { type Dirent, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.gif', '.tif', '.tiff', '.pgm']);

export interface DatasetImage {
  /** Path to read the file from. */
  path: string;
  /** `<Person>/<file>`, relative to the data set root. */
  relativePath: string;
  identity: string;
}

export interface Dataset {
  root: string;
  /** Identities kept, sorted. */
  identities: string[];
  /** Images of the kept identities, sorted by identity, then file name. */
  images: DatasetImage[];
}

/** Tells whether an entry is a folder (`wantFolder`) or a file, following symbolic links. */
function isKind(entry: Dirent, parent: string, wantFolder: boolean): boolean {
  if (entry.isSymbolicLink()) {
    try {
      const target = statSync(join(parent, entry.name));
      return wantFolder ? target.isDirectory() : target.isFile();
    } catch {
      return false;
    }
  }
  return wantFolder ? entry.isDirectory() : entry.isFile();
}

/** Orders strings by UTF-16 code units, as `Array.prototype.sort` does without a comparator. */
export function byCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Lists the identities of `root` that have at least `minImages` image files, with their images. */
export function listDataset(root: string, minImages = 1): Dataset {
  let folders;
  try {
    folders = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    throw new Error(`cannot read the data set folder ${root}: ${(error as Error).message}`);
  }

  const identities: string[] = [];
  const images: DatasetImage[] = [];
  for (const folder of folders.filter((entry) => isKind(entry, root, true)).map((entry) => entry.name).sort(byCodeUnits)) {
    const files = readdirSync(join(root, folder), { withFileTypes: true })
      .filter((entry) => isKind(entry, join(root, folder), false) && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()))
      .map((entry) => entry.name)
      .sort(byCodeUnits);
    if (files.length < minImages) continue;

    identities.push(folder);
    for (const file of files) {
      images.push({ path: join(root, folder, file), relativePath: `${folder}/${file}`, identity: folder });
    }
  }
  return { root, identities, images };
}
