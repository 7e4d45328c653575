// The catalogue: every English string has its Arabic (no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingKeys } from '../src/i18n.js';

test('every key of the English catalogue is in the Arabic one', () => {
  assert.deepEqual(missingKeys(), []);
});
