import { describe, expect, it } from 'vitest';
import { decideExisting } from './existing-record-decision.js';

describe('decideExisting', () => {
  const differs = { changed: ['email'], patch: { email: 'a@example.com' } };
  const elsewhere = { ...differs, fromScope: '/divisions/2/' };
  const cases = [
    ['gone', {}, 'recreate'],
    [null, { updateExisting: true }, 'unchanged'],
    [differs, {}, 'notUpdated'],
    [differs, { updateExisting: true }, 'update'],
    // Another clinic's record is moved only when asked, whatever the update choice says.
    [elsewhere, { updateExisting: true }, 'otherClinic'],
    [elsewhere, { moveBetweenDivisions: true }, 'move'],
  ] as const;
  it.each(cases)('%j with %j → %s', (diff, opts, expected) => {
    expect(decideExisting(diff, { updateExisting: false, moveBetweenDivisions: false, ...opts })).toBe(expected);
  });
});
