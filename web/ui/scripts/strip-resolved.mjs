// Removes "resolved" URLs from package-lock.json so the committed lock file
// names no registry host. npm fetches each package by name, version and
// integrity from whatever registry is configured, so `npm ci` still works.
// The project's .npmrc (omit-lockfile-registry-resolved) keeps npm from
// writing them; this is the check and the repair for a lock file made without it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
let stripped = 0;
for (const entry of Object.values(lock.packages ?? {})) {
  if ('resolved' in entry) {
    delete entry.resolved;
    stripped++;
  }
}
if (stripped > 0) writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${stripped} resolved URL(s) removed`);
